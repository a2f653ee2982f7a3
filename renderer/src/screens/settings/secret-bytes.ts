// Secrets typed for one call (passphrases, PINs) become bytes only for that call: every
// array handed out here is zeroed once the call is over, whatever it answered.

/** The byte arrays of one call's secrets, zeroed together by wipe(). */
export class SecretBytes {
  private readonly made: Uint8Array[] = [];

  /** The UTF-8 bytes of `text` (NFC-normalised, as the CLI reads secrets), zeroed by wipe(). */
  of(text: string): Uint8Array {
    const bytes = new TextEncoder().encode(text.normalize('NFC'));
    this.made.push(bytes);
    return bytes;
  }

  /** Zeroes every array handed out. */
  wipe(): void {
    for (const bytes of this.made) bytes.fill(0);
    this.made.length = 0;
  }
}

/** Runs `use` with a SecretBytes and zeroes everything it made afterwards, whatever happens. */
export async function withSecretBytes<T>(use: (secrets: SecretBytes) => Promise<T>): Promise<T> {
  const secrets = new SecretBytes();
  try {
    return await use(secrets);
  } finally {
    secrets.wipe();
  }
}

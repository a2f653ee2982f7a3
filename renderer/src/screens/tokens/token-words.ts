import type { ErrorInfo } from '../../../../electron/shared/errors.ts';
import type { Purpose } from '../../../../electron/shared/inventory-types.ts';
import { ALGORITHM_PURPOSES } from '../../../../electron/shared/inventory-types.ts';
import { TOKEN_KEY_ALGORITHMS } from '../../../../electron/shared/token-types.ts';
import type {
  KeyProvenance,
  PinState,
  TokenKeyAlgorithm,
  TokenObjectClass,
  TokenObjectView,
  TokenView,
} from '../../../../electron/shared/token-types.ts';

// What the tokens screen says about tokens, PINs and objects, in words and badge tones. Pure
// functions of the views the services return, so the components stay about layout.

export type Tone = 'ok' | 'warn' | 'danger' | 'plain';

export interface Badge {
  text: string;
  tone: Tone;
}

/** A token's identity on this screen: the same serial may sit behind two modules. */
export const tokenKey = (token: { module: string; serial: string }): string =>
  `${token.module}\n${token.serial}`;

/** How a person names a token: its label, and its serial. */
export function tokenName(token: { label?: string; serial: string }): string {
  if (token.label) return `“${token.label}” (${token.serial || 'no serial'})`;
  return token.serial ? `with serial ${token.serial}` : 'without a serial';
}

/** The one badge a PIN's retry state earns, worst first. */
export function pinBadge(pin: Omit<PinState, 'initialized'> & { initialized?: boolean }): Badge {
  if (pin.initialized === false) return { text: 'not set', tone: 'warn' };
  if (pin.locked) return { text: 'locked', tone: 'danger' };
  if (pin.finalTry) return { text: 'final try', tone: 'danger' };
  if (pin.countLow) return { text: 'tries low', tone: 'warn' };
  if (pin.toBeChanged) return { text: 'must be changed', tone: 'warn' };
  return { text: 'ok', tone: 'ok' };
}

/** The token's own flags worth showing. */
export function tokenFlags(token: TokenView): Badge[] {
  const flags: Badge[] = [];
  flags.push(
    token.initialized
      ? { text: 'initialised', tone: 'ok' }
      : { text: 'not initialised', tone: 'warn' },
  );
  if (token.loginRequired) flags.push({ text: 'login required', tone: 'plain' });
  if (token.writeProtected) flags.push({ text: 'write-protected', tone: 'warn' });
  if (token.protectedAuthenticationPath) flags.push({ text: 'PIN pad', tone: 'plain' });
  return flags;
}

/** Bytes as a person reads them: "12.3 KiB". */
export function bytesInWords(bytes: number | null): string {
  if (bytes === null) return 'not told';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export const CLASS_WORDS: Readonly<Record<TokenObjectClass, string>> = {
  'private-key': 'Private key',
  'public-key': 'Public key',
  'secret-key': 'Secret key',
  certificate: 'Certificate',
  data: 'Data',
  other: 'Other',
};

/** The provenance attributes as badges: what keeps a key on the token, and what does not. */
export function provenanceBadges(provenance: KeyProvenance | null): Badge[] {
  if (!provenance) return [];
  const badges: Badge[] = [];
  const add = (value: boolean | null, yes: Badge, no: Badge | null) => {
    if (value === true) badges.push(yes);
    else if (value === false && no) badges.push(no);
  };
  add(
    provenance.sensitive,
    { text: 'sensitive', tone: 'ok' },
    { text: 'not sensitive', tone: 'warn' },
  );
  add(
    provenance.extractable,
    { text: 'extractable', tone: 'warn' },
    { text: 'not extractable', tone: 'ok' },
  );
  add(provenance.alwaysSensitive, { text: 'always sensitive', tone: 'ok' }, null);
  add(provenance.neverExtractable, { text: 'never extractable', tone: 'ok' }, null);
  add(provenance.local, { text: 'local', tone: 'plain' }, null);
  if (provenance.onDeviceGenerated) badges.push({ text: 'generated on the token', tone: 'ok' });
  return badges;
}

/** The algorithms a token generates, by name. */
export const ALGORITHM_NAMES: Readonly<Record<TokenKeyAlgorithm, string>> = {
  p256: 'EC P-256',
  p384: 'EC P-384',
  rsa2048: 'RSA 2048',
  rsa3072: 'RSA 3072',
  rsa4096: 'RSA 4096',
  aes256: 'AES-256',
};

/** The algorithms a token generates, as the form offers them. */
export const ALGORITHM_CHOICES: ReadonlyArray<{ id: TokenKeyAlgorithm; label: string }> =
  TOKEN_KEY_ALGORITHMS.map((id) => ({
    id,
    label: id === 'rsa2048' ? 'RSA 2048 (acceptable only through 2030)' : ALGORITHM_NAMES[id],
  }));

/** A key object's type and size in words: "EC P-256", "RSA 3072", else what the token says. */
export function keyInWords(object: TokenObjectView): string {
  if (object.keyType === null) return '—';
  const known = TOKEN_KEY_ALGORITHMS.find((id) => id === object.algorithm);
  if (known) return ALGORITHM_NAMES[known];
  const size = object.sizeBits === null ? '' : ` ${object.sizeBits}-bit`;
  return `${object.keyType.toUpperCase()}${size}`;
}

const CLASS_ORDER: readonly TokenObjectClass[] = [
  'private-key',
  'public-key',
  'secret-key',
  'certificate',
  'data',
  'other',
];

/** Objects grouped by CKA_ID (a key pair and its certificate together), private key first. */
export function byKey(objects: readonly TokenObjectView[]): TokenObjectView[] {
  return [...objects].sort(
    (a, b) =>
      a.id.localeCompare(b.id) ||
      CLASS_ORDER.indexOf(a.class) - CLASS_ORDER.indexOf(b.class) ||
      a.label.localeCompare(b.label),
  );
}

/**
 * The purposes the form offers for each algorithm, and which are ticked at first. The
 * service checks the purposes against its own table and says in words what it refuses;
 * this only keeps impossible choices off the form.
 */
export const PURPOSE_CHOICES: Readonly<
  Record<TokenKeyAlgorithm, { offered: readonly Purpose[]; ticked: readonly Purpose[] }>
> = {
  p256: { offered: ALGORITHM_PURPOSES.p256, ticked: ['sign', 'verify'] },
  p384: { offered: ALGORITHM_PURPOSES.p384, ticked: ['sign', 'verify'] },
  rsa2048: { offered: ALGORITHM_PURPOSES.rsa2048, ticked: ['sign', 'verify'] },
  rsa3072: { offered: ALGORITHM_PURPOSES.rsa3072, ticked: ['sign', 'verify'] },
  rsa4096: { offered: ALGORITHM_PURPOSES.rsa4096, ticked: ['sign', 'verify'] },
  aes256: { offered: ALGORITHM_PURPOSES.aes256, ticked: ['encrypt', 'decrypt'] },
};

/** Which PIN an action spends: the user's, or the security officer's. */
export type PinRole = 'user' | 'so';

/**
 * The service's words for a PIN refusal, with the command-line hints (`--final-try`,
 * `keywarden tokens unblock-pin`) replaced by what to do on this screen. Other errors pass
 * unchanged.
 */
export function pinErrorForScreen(error: ErrorInfo | null, token: TokenView, role: PinRole) {
  if (!error) return null;
  const whose = role === 'so' ? 'SO PIN' : 'user PIN';
  const name = tokenName(token);
  if (error.code === 'PIN_FINAL_TRY') {
    return {
      ...error,
      message: `The ${whose} of token ${name} has one try left: a wrong PIN now locks it. Nothing was tried.`,
    };
  }
  if (error.code === 'PIN_LOCKED') {
    return {
      ...error,
      message:
        role === 'so'
          ? `The SO PIN of token ${name} is locked; only re-initialising the token (which erases it) or the vendor's tool can recover it.`
          : `The user PIN of token ${name} is locked. The security officer can unblock it under “Unblock PIN” with the SO PIN.`,
    };
  }
  return error;
}

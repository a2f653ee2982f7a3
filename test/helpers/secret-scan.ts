// Looks for known secrets in what crossed the IPC boundary (replies, pushed events, clipboard
// writes): every string and byte array, however deeply nested, in every form a leak could take
// (raw bytes, UTF-8 / UTF-16 / NFC / NFD text, hex either case, base64 and base64url at any
// byte alignment, latin1). A finding names where and what, never the secret itself: the test
// output must not become the leak.

/** A secret the test knows and must never see again on the way out. */
export interface Secret {
  name: string;
  /** A fresh copy for a request: services zero the bytes a request carries once a call is done. */
  fresh(): Uint8Array<ArrayBuffer>;
  /** The bytes, for the scanner and for planting; never handed to a service. */
  readonly bytes: Buffer;
  /** The text, for a secret a person types (passphrases, PINs, share and component texts). */
  readonly text: string | null;
  /**
   * Whether any part of it is secret too (key material), so that a fragment counts as a leak;
   * false where it holds public parts (a PKCS#8 DER holds the public key, a share file its KCV).
   */
  readonly everyPartSecret: boolean;
}

/** Something the renderer could see: a reply, an event, a clipboard write. */
export interface Recorded {
  /** Where it came from: "reply vault:unlock #2", "event tokens:changed #1", "clipboard #1". */
  source: string;
  value: unknown;
}

export interface Finding {
  source: string;
  /** JSON path inside the recorded value: $.value.files[0].path */
  path: string;
  secret: string;
  /** The forms that match, e.g. "hex" or "base64/base64url". */
  encoding: string;
}

/** One form of a secret (or of a part of it) to look for: bytes inside byte arrays, or text inside strings. */
type Pattern = { secret: string; encodings: string[]; part?: string } & (
  { kind: 'bytes'; bytes: Buffer } | { kind: 'text'; text: string }
);

/** The secrets seeded by a test, each kept as a private copy. */
export class SecretBook {
  private readonly entries = new Map<string, Secret>();

  /**
   * Adds a secret given as bytes: key material, every part of it secret unless `mixed` (it holds
   * public parts too). Throws if the name is taken or the bytes are too short to tell apart.
   */
  addBytes(name: string, bytes: Uint8Array, options: { mixed?: boolean } = {}): Secret {
    return this.add(name, Buffer.from(bytes), null, options.mixed !== true);
  }

  /** Adds a secret a person types (or a file's text); its bytes are its UTF-8 form, looked for whole. */
  addText(name: string, text: string): Secret {
    return this.add(name, Buffer.from(text, 'utf8'), text, false);
  }

  /** Every secret seeded, in the order they were. */
  get all(): Secret[] {
    return [...this.entries.values()];
  }

  /** The secret seeded as `name`; throws if there is none. */
  get(name: string): Secret {
    const secret = this.entries.get(name);
    if (!secret) throw new Error(`no secret named "${name}"`);
    return secret;
  }

  private add(name: string, bytes: Buffer, text: string | null, everyPartSecret: boolean): Secret {
    if (this.entries.has(name)) throw new Error(`secret "${name}" is seeded twice`);
    // Shorter secrets would match by chance (and a 4-digit PIN is in every hex string).
    if (bytes.length < 8) throw new Error(`secret "${name}" is too short to scan for`);
    const copy = Buffer.from(bytes);
    const secret: Secret = {
      name,
      bytes: copy,
      text,
      everyPartSecret,
      fresh: () => new Uint8Array(copy),
    };
    this.entries.set(name, secret);
    return secret;
  }
}

/**
 * The base64 characters that encode only `bytes`, when `bytes` starts `offset` (0, 1 or 2) bytes
 * past a 3-byte boundary of a longer blob: what any base64 of any blob holding it contains.
 */
function base64Core(bytes: Buffer, offset: number): string {
  const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
  return encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
}

/** Whether `bytes` are UTF-8 text a person could have typed (no control characters). */
function isPrintableUtf8(bytes: Buffer): boolean {
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) && !/[\p{Cc}]/u.test(text);
}

/** A part of key material looked for on its own: any leaked run of 24 bytes holds one. */
const PART_BYTES = 16;
const PART_STRIDE = 8;

/**
 * Every form of `secret` to look for, forms that coincide merged under one pattern; for key
 * material, the binary forms of its every 16-byte part at 8-byte steps too. A text form is
 * looked for in byte arrays too (in their latin1 text), so only forms that are not plain ASCII
 * need a byte pattern of their own.
 */
function patternsOf(secret: Secret): Pattern[] {
  const found = new Map<string, Pattern>();
  const add = (value: Buffer | string, encoding: string, part?: string) => {
    const key = typeof value === 'string' ? `text:${value}` : `bytes:${value.toString('hex')}`;
    const named = { secret: secret.name, encodings: [], ...(part ? { part } : {}) };
    const pattern: Pattern =
      found.get(key) ??
      (typeof value === 'string'
        ? { ...named, kind: 'text', text: value }
        : { ...named, kind: 'bytes', bytes: value });
    if (!pattern.encodings.includes(encoding)) pattern.encodings.push(encoding);
    found.set(key, pattern);
  };
  const binary = (bytes: Buffer, part?: string) => {
    add(bytes, 'raw bytes', part);
    add(bytes.toString('hex'), 'hex', part);
    add(bytes.toString('hex').toUpperCase(), 'HEX', part);
    for (const offset of [0, 1, 2]) {
      const core = base64Core(bytes, offset);
      add(core, 'base64', part);
      add(core.replaceAll('+', '-').replaceAll('/', '_'), 'base64url', part);
    }
  };
  const { bytes } = secret;
  binary(bytes);
  const text = secret.text ?? (isPrintableUtf8(bytes) ? bytes.toString('utf8') : null);
  if (text !== null) {
    add(text, 'utf8');
    for (const form of ['NFC', 'NFD'] as const) {
      add(text.normalize(form), form.toLowerCase());
      add(Buffer.from(text.normalize(form), 'utf8'), form.toLowerCase());
    }
    add(Buffer.from(text, 'utf16le'), 'utf16le');
  } else {
    add(bytes.toString('latin1'), 'latin1');
  }
  if (secret.everyPartSecret && bytes.length >= PART_BYTES + PART_STRIDE) {
    for (let at = 0; at + PART_BYTES <= bytes.length; at += PART_STRIDE) {
      const part = bytes.subarray(at, at + PART_BYTES);
      binary(part, `bytes ${at}–${at + PART_BYTES}`);
      // As a string of its bytes: a part of a printable secret (a keychain item's text) or of
      // bytes turned into a string one char per byte.
      add(part.toString('latin1'), 'latin1', `bytes ${at}–${at + PART_BYTES}`);
    }
  }
  return [...found.values()];
}

type Report = (pattern: Pattern, how: string) => void;

/** Looks for the text patterns in one string, and in it joined up where whitespace breaks it (PEM lines, hex groups). */
function inText(text: string, patterns: readonly Pattern[], report: Report): void {
  const joined = /\s/.test(text) ? text.replace(/\s+/g, '') : null;
  for (const pattern of patterns) {
    if (pattern.kind !== 'text') continue;
    if (text.includes(pattern.text)) report(pattern, '');
    else if (joined?.includes(pattern.text)) report(pattern, ', split by whitespace');
  }
}

/** Looks for the byte patterns in one byte array, then the text patterns in its latin1 text. */
function inBytes(bytes: Buffer, patterns: readonly Pattern[], report: Report): void {
  for (const pattern of patterns) {
    if (pattern.kind === 'bytes' && bytes.indexOf(pattern.bytes) >= 0) report(pattern, '');
  }
  inText(bytes.toString('latin1'), patterns, (pattern, how) => report(pattern, `, in bytes${how}`));
}

/** How a property name is written in a JSON path. */
const step = (path: string, key: string) =>
  /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;

/**
 * Every place in `recorded` that holds one of `secrets` in any form. Walks strings, byte
 * arrays (any TypedArray, ArrayBuffer, Buffer), arrays, Maps, Sets, plain objects (their keys
 * too) and Errors (message, cause and own fields), each object once.
 */
export function scanForSecrets(
  recorded: readonly Recorded[],
  secrets: readonly Secret[],
): { findings: Finding[]; strings: number; bytes: number } {
  const patterns = secrets.flatMap(patternsOf);
  // One finding per place and secret, with every form of the whole found there, or else the
  // parts found there.
  const found = new Map<string, { finding: Finding; whole: string[]; parts: string[] }>();
  let strings = 0;
  let byteCount = 0;
  for (const { source, value } of recorded) {
    const seen = new WeakSet<object>();
    const report =
      (path: string): Report =>
      (pattern, how) => {
        const key = JSON.stringify([source, path, pattern.secret]);
        const entry = found.get(key) ?? {
          finding: { source, path, secret: pattern.secret, encoding: '' },
          whole: [],
          parts: [],
        };
        const forms = pattern.encodings.join('/');
        if (pattern.part) entry.parts.push(`${forms} of ${pattern.part}${how}`);
        else entry.whole.push(`${forms}${how}`);
        found.set(key, entry);
      };
    const walk = (node: unknown, path: string): void => {
      if (typeof node === 'string') {
        strings += 1;
        inText(node, patterns, report(path));
        return;
      }
      if (node === null || typeof node !== 'object' || seen.has(node)) return;
      seen.add(node);
      if (ArrayBuffer.isView(node) || node instanceof ArrayBuffer) {
        const bytes = ArrayBuffer.isView(node)
          ? Buffer.from(node.buffer, node.byteOffset, node.byteLength)
          : Buffer.from(node);
        byteCount += bytes.length;
        inBytes(bytes, patterns, report(path));
        return;
      }
      if (node instanceof Map) {
        for (const [key, entry] of node) {
          walk(key, `${path}.<key>`);
          walk(entry, `${path}.get(${JSON.stringify(String(key))})`);
        }
        return;
      }
      if (node instanceof Set || Array.isArray(node)) {
        [...(node as Iterable<unknown>)].forEach((entry, i) => walk(entry, `${path}[${i}]`));
        return;
      }
      if (node instanceof Error) {
        // Not enumerable, so not in Object.entries below.
        walk(node.message, `${path}.message`);
        walk(node.cause, `${path}.cause`);
      }
      for (const [key, entry] of Object.entries(node)) {
        walk(key, `${step(path, key)}<key>`);
        walk(entry, step(path, key));
      }
    };
    walk(value, '$');
  }
  const findings = [...found.values()].map(({ finding, whole, parts }) => ({
    ...finding,
    encoding:
      whole.length > 0
        ? whole.join('; ')
        : `${parts[0]}${parts.length > 1 ? ` and ${parts.length - 1} more parts` : ''}`,
  }));
  return { findings, strings, bytes: byteCount };
}

/** A finding as one line of a failure message: where, which secret, which form; never the secret. */
export function describeFinding(finding: Finding): string {
  return `${finding.source} at ${finding.path}: ${finding.secret} (as ${finding.encoding})`;
}

/**
 * `text` as it may be printed: itself, or a note naming the secrets it holds (an error message
 * that leaked one must not leak it again into the test output).
 */
export function printable(text: string, secrets: readonly Secret[]): string {
  const { findings } = scanForSecrets([{ source: 'text', value: text }], secrets);
  if (findings.length === 0) return text;
  return `[withheld: it holds ${findings.map((f) => `${f.secret} (as ${f.encoding})`).join(', ')}]`;
}

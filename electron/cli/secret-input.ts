import { createInterface } from 'node:readline/promises';
import { readFileSync, statSync } from 'node:fs';
import { ErrorCode, KeywardenError } from '../shared/errors.ts';

// Reading secrets for the CLI: from a file, from standard input, or from a prompt that
// does not echo. Never from argv or the environment. Every buffer read here that is not
// handed to the caller is zeroed; the caller zeroes what it receives.

/** Strips one trailing newline (LF or CRLF) in place; returns a view without it. */
function withoutTrailingNewline(bytes: Buffer): Buffer {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0a) end -= 1;
  if (end > 0 && bytes[end - 1] === 0x0d) end -= 1;
  return bytes.subarray(0, end);
}

/**
 * Normalises a passphrase to Unicode NFC so the same words typed on another OS unlock the
 * vault. ASCII passphrases (the common case) are returned as they are, without a string copy.
 */
export function normalizePassphrase(bytes: Buffer): Buffer {
  if (bytes.every((byte) => byte < 0x80)) return Buffer.from(bytes);
  // Non-ASCII: this goes through JS strings, which cannot be zeroed; the bytes are.
  return Buffer.from(bytes.toString('utf8').normalize('NFC'), 'utf8');
}

/**
 * Reads a secret from a file: its contents without the final newline. Warns on stderr when
 * the file is readable by others. Throws SECRET_INPUT_UNAVAILABLE, BAD_REQUEST (empty).
 */
export function readSecretFile(path: string, what: string, warn: (line: string) => void): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
    if ((statSync(path).mode & 0o077) !== 0)
      warn(`warning: ${path} can be read by other users; keep ${what} files mode 600.`);
  } catch {
    throw new KeywardenError(
      ErrorCode.SECRET_INPUT_UNAVAILABLE,
      `Cannot read the ${what} file ${path}.`,
    );
  }
  try {
    const secret = Buffer.from(withoutTrailingNewline(raw));
    if (secret.length === 0)
      throw new KeywardenError(ErrorCode.BAD_REQUEST, `The ${what} file ${path} is empty.`);
    return secret;
  } finally {
    raw.fill(0);
  }
}

/** Reads all of standard input and splits it into `count` lines. Throws SECRET_INPUT_UNAVAILABLE. */
export async function readStdinLines(count: number): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const all = Buffer.concat(chunks);
  for (const chunk of chunks) chunk.fill(0);
  try {
    const lines: Buffer[] = [];
    let start = 0;
    while (lines.length < count && start <= all.length) {
      let end = all.indexOf(0x0a, start);
      if (end < 0) end = all.length;
      lines.push(Buffer.from(withoutTrailingNewline(all.subarray(start, end))));
      start = end + 1;
    }
    if (lines.length < count || lines.some((line) => line.length === 0)) {
      for (const line of lines) line.fill(0);
      throw new KeywardenError(
        ErrorCode.SECRET_INPUT_UNAVAILABLE,
        count === 1
          ? 'Standard input held no secret.'
          : `Standard input must hold ${count} non-empty lines.`,
      );
    }
    return lines;
  } finally {
    all.fill(0);
  }
}

/**
 * Asks a question on the terminal and returns the answer, echoed as typed (for what is not
 * secret: a name, a yes or no). Throws SECRET_INPUT_UNAVAILABLE when standard input is not a
 * terminal.
 */
export async function promptLine(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new KeywardenError(
      ErrorCode.SECRET_INPUT_UNAVAILABLE,
      'No terminal to ask on: this command is run by people at a terminal.',
    );
  }
  const reader = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return (await reader.question(question)).trim();
  } finally {
    reader.close();
  }
}

/**
 * Decodes hex typed at a prompt (spaces allowed between groups) straight from its bytes, with
 * no string holding the secret on the way. The caller zeroes both. Throws BAD_REQUEST.
 */
export function hexFromTyped(typed: Uint8Array): Buffer {
  const nibbles: number[] = [];
  for (const byte of typed) {
    if (byte === 0x20 || byte === 0x09) continue;
    const value =
      byte >= 0x30 && byte <= 0x39
        ? byte - 0x30
        : byte >= 0x41 && byte <= 0x46
          ? byte - 0x37
          : byte >= 0x61 && byte <= 0x66
            ? byte - 0x57
            : -1;
    if (value < 0) {
      nibbles.fill(0);
      throw new KeywardenError(
        ErrorCode.BAD_REQUEST,
        'A component is typed in hex (0-9, A-F), spaces allowed.',
      );
    }
    nibbles.push(value);
  }
  if (nibbles.length === 0 || nibbles.length % 2 !== 0) {
    nibbles.fill(0);
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      'A component has an even number of hex digits.',
    );
  }
  const out = Buffer.alloc(nibbles.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = (nibbles[2 * i]! << 4) | nibbles[2 * i + 1]!;
  nibbles.fill(0);
  return out;
}

/**
 * Prompts on the terminal with echo off and returns the typed bytes. Throws
 * SECRET_INPUT_UNAVAILABLE when standard input is not a terminal, or on Ctrl-C.
 */
export async function promptHidden(question: string): Promise<Buffer> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    throw new KeywardenError(
      ErrorCode.SECRET_INPUT_UNAVAILABLE,
      'No terminal to prompt on; pass --passphrase-file F or --passphrase-stdin.',
    );
  }
  // Echo goes off before the question shows, so nothing typed in answer to it is echoed.
  stdin.setRawMode(true);
  process.stderr.write(question);
  const typed = Buffer.alloc(4096);
  let length = 0;
  stdin.resume();
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        try {
          for (const byte of chunk) {
            if (byte === 0x0d || byte === 0x0a) {
              stdin.off('data', onData);
              resolve(Buffer.from(typed.subarray(0, length)));
              return;
            }
            if (byte === 0x03) {
              stdin.off('data', onData);
              reject(new KeywardenError(ErrorCode.SECRET_INPUT_UNAVAILABLE, 'Cancelled.'));
              return;
            }
            if (byte === 0x7f || byte === 0x08) length = Math.max(0, length - 1);
            else if (length < typed.length) typed[length++] = byte;
          }
        } finally {
          // Every chunk of typed (or pasted) secret is cleared, the last one included.
          chunk.fill(0);
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    typed.fill(0);
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

/**
 * A new passphrase from a file, stdin, or typed twice at a prompt without echo; normalised
 * (NFC, one trailing newline dropped). The caller zeroes it. Throws PASSPHRASE_MISMATCH,
 * SECRET_INPUT_UNAVAILABLE.
 */
export async function readNewPassphrase(
  warn: (line: string) => void,
  source: { file?: string | undefined; stdin?: boolean | undefined; stdinLine?: Buffer },
): Promise<Buffer> {
  let raw: Buffer;
  if (source.file !== undefined) raw = readSecretFile(source.file, 'passphrase', warn);
  else if (source.stdinLine) raw = source.stdinLine;
  else if (source.stdin) raw = (await readStdinLines(1))[0] ?? Buffer.alloc(0);
  else {
    raw = await promptHidden('New passphrase: ');
    const again = await promptHidden('Repeat the new passphrase: ');
    const same = raw.equals(again);
    again.fill(0);
    if (!same) {
      raw.fill(0);
      throw new KeywardenError(
        ErrorCode.PASSPHRASE_MISMATCH,
        'The two passphrases differ; nothing was changed.',
      );
    }
  }
  try {
    return normalizePassphrase(raw);
  } finally {
    raw.fill(0);
  }
}

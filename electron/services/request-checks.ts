import { zeroize } from '../core/crypto/bytes.ts';
import { ErrorCode, KeywardenError } from '../shared/errors.ts';
import type { Channel } from '../shared/contract.ts';

// What every request goes through before its schema: it must be plain data (what IPC, the
// CLI and the bridge carry: objects, arrays, strings, numbers, booleans, null and bytes),
// and a refusal names the field without repeating what was sent. After the call, every
// byte array in the request is zeroed, however the request is shaped.

/** How deep a request may nest; the deepest contract request is far shallower. */
const MAX_DEPTH = 32;
/** How much of a field name or a schema's complaint a refusal quotes. */
const QUOTE = 60;

/**
 * Why `value` is not plain data (a Date, Map, typed array other than bytes, class instance,
 * cycle or nesting deeper than MAX_DEPTH), or null when it is. zod's object schemas accept
 * any non-array object, so this is what keeps a Date from passing as `{}`.
 */
export function plainDataProblem(value: unknown): string | null {
  const seen = new Set<object>();
  const visit = (item: unknown, depth: number): string | null => {
    if (item === null || typeof item !== 'object') {
      return typeof item === 'function' || typeof item === 'symbol' || typeof item === 'bigint'
        ? `holds a ${typeof item}`
        : null;
    }
    if (item instanceof Uint8Array) return null;
    if (depth > MAX_DEPTH) return `nests deeper than ${MAX_DEPTH} levels`;
    if (seen.has(item)) return 'refers to itself';
    const prototype = Object.getPrototypeOf(item) as unknown;
    if (!Array.isArray(item) && prototype !== Object.prototype && prototype !== null) {
      return 'holds an object that is not plain data';
    }
    seen.add(item);
    for (const field of Object.values(item)) {
      const problem = visit(field, depth + 1);
      if (problem) return problem;
    }
    seen.delete(item);
    return null;
  };
  return visit(value, 0);
}

/** `text` cut to `QUOTE` characters, so a refusal never repeats a huge input. */
function quoted(text: string): string {
  return text.length > QUOTE ? `${text.slice(0, QUOTE)}…` : text;
}

/**
 * The error for a request its channel refuses, naming where (`fields.like.this`) and what,
 * each cut short. `code` is IPC_BAD_REQUEST for what came from outside, BAD_REQUEST for a
 * request a ceremony built.
 */
export function refusal(
  code: typeof ErrorCode.IPC_BAD_REQUEST | typeof ErrorCode.BAD_REQUEST,
  lead: string,
  issue: { path: readonly PropertyKey[]; message: string } | undefined,
): KeywardenError {
  const where = issue?.path.length
    ? issue.path.map((segment) => quoted(String(segment))).join('.')
    : 'request';
  return new KeywardenError(code, `${lead}: ${where} ${quoted(issue?.message ?? 'is invalid')}.`);
}

/** Throws IPC_BAD_REQUEST when `request` is not plain data. */
export function requirePlainData(channel: Channel, request: unknown): void {
  const problem = plainDataProblem(request);
  if (problem) {
    throw new KeywardenError(
      ErrorCode.IPC_BAD_REQUEST,
      `Bad request for ${channel}: it ${problem}.`,
    );
  }
}

/** Zeroes every Uint8Array in a request, cycles and all: secrets are cleared once a call is done. */
export function zeroSecrets(value: unknown): void {
  const seen = new Set<object>();
  const visit = (item: unknown) => {
    if (item instanceof Uint8Array) zeroize(item);
    else if (item !== null && typeof item === 'object' && !seen.has(item)) {
      seen.add(item);
      for (const field of Object.values(item)) visit(field);
    }
  };
  visit(value);
}

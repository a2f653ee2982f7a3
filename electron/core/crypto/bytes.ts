import { timingSafeEqual } from 'node:crypto';

/** Overwrites every buffer with zeros; the way secret bytes are cleared everywhere. */
export function zeroize(...buffers: Array<Uint8Array | null | undefined>): void {
  for (const buffer of buffers) buffer?.fill(0);
}

/**
 * Constant-time equality for MACs and check values; false when lengths differ or either value
 * is not bytes at all (as a column altered outside Keywarden may be).
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) return false;
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Encodes fields as length-prefixed bytes (u32 big-endian length, then the bytes), so that
 * no two different field lists encode the same: the form of every AAD and MAC input.
 */
export function encodeFields(...fields: Array<Uint8Array | string | number>): Buffer {
  const parts: Buffer[] = [];
  for (const field of fields) {
    const bytes =
      typeof field === 'string'
        ? Buffer.from(field, 'utf8')
        : typeof field === 'number'
          ? encodeUint64(field)
          : Buffer.from(field.buffer, field.byteOffset, field.byteLength);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  }
  return Buffer.concat(parts);
}

function encodeUint64(value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError('field must be a non-negative integer');
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(value));
  return out;
}

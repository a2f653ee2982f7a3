import { decode, decodeSequence, encode } from 'cbor2';
import { sortCoreDeterministic } from 'cbor2/sorts';
import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';

// CTAP2 canonical CBOR (CTAP 2.1 §8): shortest integer and length forms, definite lengths, no
// tags, map keys sorted by major type, then length, then bytes. For keys that are integers or
// strings, that is exactly the bytewise order of RFC 8949 §4.2.1 (the major type sits in the
// top bits of the first byte, and the length comes before the bytes), which cbor2 implements.

/** A CBOR map as CTAP uses it: integer keys for requests, string keys for extensions. */
export type CborMap = Map<number | string, unknown>;

/**
 * Node Buffers as plain byte views: cbor2 would encode a Buffer through its toJSON() as a map,
 * not as a byte string. The views share memory, so zeroing the Buffer still reaches the bytes.
 */
function plainBytes(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return new Uint8Array(value.buffer, value.byteOffset, value.length);
  if (Array.isArray(value)) return value.map(plainBytes);
  if (value instanceof Map) {
    return new Map([...value].map(([key, entry]) => [plainBytes(key), plainBytes(entry)]));
  }
  return value;
}

/** Encodes `value` in CTAP2 canonical CBOR. */
export function encodeCtap(value: unknown): Uint8Array {
  return encode(plainBytes(value), { sortKeys: sortCoreDeterministic, cde: true });
}

/** Decodes one CBOR item with maps as Map; throws TOKEN_PROTOCOL_ERROR if malformed. */
export function decodeCtap(bytes: Uint8Array): unknown {
  try {
    return decode(bytes, { preferMap: true, rejectDuplicateKeys: true });
  } catch (cause) {
    throw new KeywardenError(ErrorCode.TOKEN_PROTOCOL_ERROR, 'The token sent malformed CBOR.', {
      cause,
    });
  }
}

/** Decodes a sequence of CBOR items (RFC 8742); throws TOKEN_PROTOCOL_ERROR if malformed. */
export function decodeCtapSequence(bytes: Uint8Array): unknown[] {
  try {
    return [...decodeSequence(bytes, { preferMap: true, rejectDuplicateKeys: true })];
  } catch (cause) {
    throw new KeywardenError(ErrorCode.TOKEN_PROTOCOL_ERROR, 'The token sent malformed CBOR.', {
      cause,
    });
  }
}

function malformed(what: string): KeywardenError {
  return new KeywardenError(ErrorCode.TOKEN_PROTOCOL_ERROR, `The token's answer lacks ${what}.`);
}

/** `value` as a CBOR map; throws TOKEN_PROTOCOL_ERROR naming `what` otherwise. */
export function asMap(value: unknown, what: string): CborMap {
  if (value instanceof Map) return value as CborMap;
  throw malformed(what);
}

/** The byte string at `key`; throws TOKEN_PROTOCOL_ERROR when absent or of another type. */
export function bytesAt(map: CborMap, key: number | string, what: string): Uint8Array {
  const value = map.get(key);
  if (value instanceof Uint8Array) return value;
  throw malformed(what);
}

/** The unsigned integer at `key`; throws TOKEN_PROTOCOL_ERROR when absent or of another type. */
export function uintAt(map: CborMap, key: number | string, what: string): number {
  const value = map.get(key);
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  throw malformed(what);
}

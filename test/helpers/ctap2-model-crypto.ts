import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { encode } from 'cbor2';
import { sortCoreDeterministic } from 'cbor2/sorts';

// The authenticator model's side of PIN/UV auth protocol 2 (CTAP 2.1 §6.5.7) and its CBOR,
// written from the specification with node:crypto, independently of native/hid/pin-protocol-2.

export const Status = {
  OK: 0x00,
  INVALID_COMMAND: 0x01,
  INVALID_PARAMETER: 0x02,
  INVALID_LENGTH: 0x03,
  INVALID_CBOR: 0x12,
  MISSING_PARAMETER: 0x14,
  UNSUPPORTED_ALGORITHM: 0x26,
  OPERATION_DENIED: 0x27,
  KEEPALIVE_CANCEL: 0x2d,
  NO_CREDENTIALS: 0x2e,
  USER_ACTION_TIMEOUT: 0x2f,
  PIN_INVALID: 0x31,
  PIN_BLOCKED: 0x32,
  PIN_AUTH_INVALID: 0x33,
  PIN_AUTH_BLOCKED: 0x34,
  PIN_NOT_SET: 0x35,
  PUAT_REQUIRED: 0x36,
} as const;

export class Refusal extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`CTAP status ${status}`);
    this.status = status;
  }
}
export const refuse = (status: number): never => {
  throw new Refusal(status);
};
export const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();
// cbor2 would encode a Node Buffer through toJSON(): hand it plain Uint8Arrays.
const plain = (value: unknown): unknown =>
  Buffer.isBuffer(value)
    ? new Uint8Array(value)
    : Array.isArray(value)
      ? value.map(plain)
      : value instanceof Map
        ? new Map([...value].map(([k, v]) => [k, plain(v)]))
        : value;
export const cbor = (value: unknown) =>
  encode(plain(value), { sortKeys: sortCoreDeterministic, cde: true });

export function kdf(z: Buffer): Buffer {
  const salt = Buffer.alloc(32);
  const part = (info: string) => Buffer.from(hkdfSync('sha256', z, salt, info, 32));
  return Buffer.concat([part('CTAP2 HMAC key'), part('CTAP2 AES key')]);
}
function aesCbc(decrypting: boolean, key: Buffer, iv: Uint8Array, data: Uint8Array): Buffer {
  const c = decrypting
    ? createDecipheriv('aes-256-cbc', key, iv)
    : createCipheriv('aes-256-cbc', key, iv);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}
export const encrypt = (shared: Buffer, data: Uint8Array) => {
  const iv = randomBytes(16);
  return Buffer.concat([iv, aesCbc(false, shared.subarray(32), iv, data)]);
};
export const decrypt = (shared: Buffer, data: Uint8Array) => {
  if (data.length < 32 || data.length % 16 !== 0) refuse(Status.INVALID_LENGTH);
  return aesCbc(true, shared.subarray(32), data.subarray(0, 16), data.subarray(16));
};
export const hmac256 = (key: Uint8Array, data: Uint8Array) =>
  createHmac('sha256', key.subarray(0, 32)).update(data).digest();
export const verify = (key: Uint8Array, data: Uint8Array, mac: unknown) =>
  mac instanceof Uint8Array && mac.length === 32 && timingSafeEqual(hmac256(key, data), mac);

export function coseEc2(x: Uint8Array, y: Uint8Array, alg: number): Map<number, unknown> {
  return new Map<number, unknown>([
    [1, 2],
    [3, alg],
    [-1, 1],
    [-2, x],
    [-3, y],
  ]);
}

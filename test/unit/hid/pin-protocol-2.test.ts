import { createDecipheriv, createECDH, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../electron/shared/errors.ts';
import { decodeCtap, encodeCtap } from '../../../native/hid/ctap-cbor.ts';
import { CtapStatus, ctapStatusError, ctapStatusName } from '../../../native/hid/ctap-status.ts';
import {
  authenticate,
  coseKeyFromPoint,
  decrypt,
  deriveSharedSecret,
  encapsulate,
  encrypt,
} from '../../../native/hid/pin-protocol-2.ts';

// PIN/UV auth protocol 2 (CTAP 2.1 §6.5.7) recomputed here from its definition with plain
// HMAC-SHA-256 and AES-256-CBC, and CTAP2 canonical CBOR (§8) checked byte for byte.

/** HKDF-SHA-256 for one 32-byte block, straight from RFC 5869 §2.2-2.3. */
function hkdfOneBlock(ikm: Uint8Array, salt: Uint8Array, info: string): Buffer {
  const prk = createHmac('sha256', salt).update(ikm).digest();
  return createHmac('sha256', prk)
    .update(Buffer.concat([Buffer.from(info), Buffer.of(1)]))
    .digest();
}

describe('HKDF as protocol 2 uses it', () => {
  it('matches RFC 5869 test case 3 (zero-length salt and info)', () => {
    const okm = hkdfOneBlock(Buffer.alloc(22, 0x0b), Buffer.alloc(0), '');
    expect(okm.toString('hex')).toBe(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d',
    );
  });

  it('derives HMAC key then AES key from Z with a salt of 32 zero bytes', () => {
    const z = randomBytes(32);
    const salt = Buffer.alloc(32);
    const expected = Buffer.concat([
      hkdfOneBlock(z, salt, 'CTAP2 HMAC key'),
      hkdfOneBlock(z, salt, 'CTAP2 AES key'),
    ]);
    expect(deriveSharedSecret(z).equals(expected)).toBe(true);
  });
});

describe('protocol 2 key agreement, encrypt, authenticate', () => {
  it('agrees the secret the authenticator computes from its own private key', () => {
    const authenticatorKey = createECDH('prime256v1');
    const point = authenticatorKey.generateKeys();
    const { platformKey, sharedSecret } = encapsulate(coseKeyFromPoint(point));
    expect(platformKey.get(1)).toBe(2); // kty EC2
    expect(platformKey.get(3)).toBe(-25); // ECDH-ES+HKDF-256
    expect(platformKey.get(-1)).toBe(1); // P-256
    const platformPoint = Buffer.concat([
      Buffer.of(4),
      platformKey.get(-2) as Uint8Array,
      platformKey.get(-3) as Uint8Array,
    ]);
    const z = authenticatorKey.computeSecret(platformPoint);
    const salt = Buffer.alloc(32);
    expect(sharedSecret.subarray(0, 32).equals(hkdfOneBlock(z, salt, 'CTAP2 HMAC key'))).toBe(true);
    expect(sharedSecret.subarray(32).equals(hkdfOneBlock(z, salt, 'CTAP2 AES key'))).toBe(true);
  });

  it('refuses a key agreement key that is not a P-256 point', () => {
    const bogus = coseKeyFromPoint(Buffer.concat([Buffer.of(4), Buffer.alloc(64, 7)]));
    expect(() => encapsulate(bogus)).toThrow(
      expect.objectContaining({ code: ErrorCode.TOKEN_PROTOCOL_ERROR }),
    );
    const wrongCurve = new Map(bogus).set(-1, 2);
    expect(() => encapsulate(wrongCurve)).toThrow(
      expect.objectContaining({ code: ErrorCode.TOKEN_PROTOCOL_ERROR }),
    );
  });

  it('encrypts as random IV then AES-256-CBC under the second half, without padding', () => {
    const shared = randomBytes(64);
    const plaintext = randomBytes(32);
    const a = encrypt(shared, plaintext);
    const b = encrypt(shared, plaintext);
    expect(a).toHaveLength(48);
    expect(a.subarray(0, 16).equals(b.subarray(0, 16))).toBe(false);
    const decipher = createDecipheriv('aes-256-cbc', shared.subarray(32), a.subarray(0, 16));
    decipher.setAutoPadding(false);
    const recovered = Buffer.concat([decipher.update(a.subarray(16)), decipher.final()]);
    expect(recovered.equals(plaintext)).toBe(true);
    expect(decrypt(shared, b).equals(plaintext)).toBe(true);
    expect(() => decrypt(shared, a.subarray(0, 40))).toThrow(
      expect.objectContaining({ code: ErrorCode.TOKEN_PROTOCOL_ERROR }),
    );
  });

  it('authenticates with the full 32-byte HMAC-SHA-256 under the first half', () => {
    const shared = randomBytes(64);
    const message = randomBytes(48);
    const expected = createHmac('sha256', shared.subarray(0, 32)).update(message).digest();
    expect(authenticate(shared, message).equals(expected)).toBe(true);
    const token = randomBytes(32);
    const byToken = createHmac('sha256', token).update(message).digest();
    expect(authenticate(token, message).equals(byToken)).toBe(true);
  });
});

describe('CTAP2 canonical CBOR', () => {
  it('sorts keys by major type, then length, then bytes, in shortest form', () => {
    const map = new Map<number | string, unknown>([
      ['aa', 1],
      [-1, 1],
      [1000, 1],
      ['b', 1],
      [3, -25],
      [24, 1],
      [1, 2],
    ]);
    expect(Buffer.from(encodeCtap(map)).toString('hex')).toBe(
      'a7' + '0102' + '033818' + '181801' + '1903e801' + '2001' + '616201' + '62616101',
    );
  });

  it('encodes Buffers as byte strings and decodes maps as Maps', () => {
    const encoded = encodeCtap(new Map([[1, Buffer.of(1, 2, 3)]]));
    expect(Buffer.from(encoded).toString('hex')).toBe('a10143010203');
    const decoded = decodeCtap(encoded) as Map<number, Uint8Array>;
    expect([...decoded.get(1)!]).toEqual([1, 2, 3]);
    expect(() => decodeCtap(Buffer.of(0xa1, 0x01))).toThrow(
      expect.objectContaining({ code: ErrorCode.TOKEN_PROTOCOL_ERROR }),
    );
  });
});

describe('CTAP2 status codes', () => {
  it.each([
    [CtapStatus.ERR_PIN_INVALID, ErrorCode.PIN_INCORRECT],
    [CtapStatus.ERR_PIN_BLOCKED, ErrorCode.PIN_LOCKED],
    [CtapStatus.ERR_PIN_AUTH_BLOCKED, ErrorCode.PIN_AUTH_BLOCKED],
    [CtapStatus.ERR_PIN_NOT_SET, ErrorCode.PIN_NOT_SET],
    [CtapStatus.ERR_PUAT_REQUIRED, ErrorCode.PIN_REQUIRED],
    [CtapStatus.ERR_NO_CREDENTIALS, ErrorCode.TOKEN_CREDENTIAL_NOT_FOUND],
    [CtapStatus.ERR_OPERATION_DENIED, ErrorCode.TOKEN_ACTION_DENIED],
    [CtapStatus.ERR_USER_ACTION_TIMEOUT, ErrorCode.TOKEN_TOUCH_TIMEOUT],
    [CtapStatus.ERR_KEEPALIVE_CANCEL, ErrorCode.TOKEN_CANCELLED],
    [CtapStatus.ERR_UNSUPPORTED_EXTENSION, ErrorCode.MECHANISM_UNSUPPORTED],
    [CtapStatus.ERR_CHANNEL_BUSY, ErrorCode.TOKEN_BUSY],
    [CtapStatus.ERR_INVALID_CBOR, ErrorCode.TOKEN_FAILED],
    [0x99, ErrorCode.TOKEN_FAILED],
  ])('status 0x%s is %s', (status, code) => {
    expect(ctapStatusError(status).code).toBe(code);
  });

  it('names statuses as the specification spells them', () => {
    expect(ctapStatusName(0x31)).toBe('CTAP2_ERR_PIN_INVALID');
    expect(ctapStatusName(0x01)).toBe('CTAP1_ERR_INVALID_COMMAND');
    expect(ctapStatusName(0x99)).toBe('CTAP status 0x99');
    expect(ctapStatusError(0x12).message).toContain('CTAP2_ERR_INVALID_CBOR');
  });
});

import { X509Certificate, createPublicKey, randomBytes } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import type * as Pkcs11 from 'pkcs11js';
import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';
import type {
  KeyProvenance,
  TokenKeyAlgorithm,
  TokenObjectClass,
  TokenObjectView,
} from '../../electron/shared/token-types.ts';

// PKCS#11 objects as Keywarden sees them: reading their attributes one by one (a token
// refuses a whole C_GetAttributeValue when one attribute is sensitive or unknown), turning
// EC and RSA public keys into SubjectPublicKeyInfo, and the templates keys are generated with.

type Lib = Pkcs11.PKCS11;
type Handle = Pkcs11.Handle;
// The constants come from the module the worker loads; only their numbers matter here.
export type Constants = typeof import('pkcs11js');

export const CURVE_OIDS: Record<'p256' | 'p384', Buffer> = {
  p256: Buffer.from('06082a8648ce3d030107', 'hex'),
  p384: Buffer.from('06052b81040022', 'hex'),
};

/** One attribute's value, or null when the token has none (or will not tell). */
export function attribute(lib: Lib, session: Handle, object: Handle, type: number): Buffer | null {
  try {
    const [result] = lib.C_GetAttributeValue(session, object, [{ type }]);
    const value = result?.value;
    return Buffer.isBuffer(value) ? value : null;
  } catch {
    return null;
  }
}

const bool = (value: Buffer | null) => (value === null ? null : value.length > 0 && value[0] !== 0);

/** A CK_ULONG attribute (8 bytes on 64-bit Unix, 4 on Windows), little-endian. */
function ulong(value: Buffer | null): number | null {
  if (value === null) return null;
  if (value.length === 8) return Number(value.readBigUInt64LE());
  if (value.length === 4) return value.readUInt32LE();
  return null;
}

function classOf(c: Constants, value: number | null): TokenObjectClass {
  switch (value) {
    case c.CKO_PRIVATE_KEY:
      return 'private-key';
    case c.CKO_PUBLIC_KEY:
      return 'public-key';
    case c.CKO_SECRET_KEY:
      return 'secret-key';
    case c.CKO_CERTIFICATE:
      return 'certificate';
    case c.CKO_DATA:
      return 'data';
    default:
      return 'other';
  }
}

/** The uncompressed point inside CKA_EC_POINT, which most tokens wrap in a DER OCTET STRING. */
function ecPoint(value: Buffer): Buffer | null {
  if (value[0] === 0x04 && value.length % 2 === 1 && value.length >= 65) {
    // Already raw, unless it is an OCTET STRING whose length byte happens to fit.
    const wrapped = value[1] === value.length - 2 && value[2] === 0x04;
    if (!wrapped) return value;
  }
  if (value[0] !== 0x04) return null;
  let offset = 2;
  let length = value[1] ?? 0;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    length = 0;
    for (let i = 0; i < bytes; i += 1) length = (length << 8) | (value[2 + i] ?? 0);
    offset = 2 + bytes;
  }
  const point = value.subarray(offset, offset + length);
  return point.length === length && point[0] === 0x04 ? point : null;
}

/** The DER SubjectPublicKeyInfo of an EC or RSA public key object, or null. */
export function publicKeyInfo(
  c: Constants,
  lib: Lib,
  session: Handle,
  object: Handle,
): Buffer | null {
  const keyType = ulong(attribute(lib, session, object, c.CKA_KEY_TYPE));
  try {
    if (keyType === c.CKK_EC) {
      const params = attribute(lib, session, object, c.CKA_EC_PARAMS);
      const raw = attribute(lib, session, object, c.CKA_EC_POINT);
      const point = raw ? ecPoint(raw) : null;
      const crv = params?.equals(CURVE_OIDS.p256)
        ? 'P-256'
        : params?.equals(CURVE_OIDS.p384)
          ? 'P-384'
          : null;
      if (!point || !crv) return null;
      const half = (point.length - 1) / 2;
      const jwk = {
        kty: 'EC',
        crv,
        x: point.subarray(1, 1 + half).toString('base64url'),
        y: point.subarray(1 + half).toString('base64url'),
      };
      return createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' });
    }
    if (keyType === c.CKK_RSA) {
      const n = attribute(lib, session, object, c.CKA_MODULUS);
      const e = attribute(lib, session, object, c.CKA_PUBLIC_EXPONENT);
      if (!n || !e) return null;
      const jwk = { kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') };
      return createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' });
    }
  } catch {
    return null; // a malformed point or modulus: shown without a public key
  }
  return null;
}

function algorithmOf(
  c: Constants,
  keyType: number | null,
  params: Buffer | null,
  bits: number | null,
): TokenKeyAlgorithm | null {
  if (keyType === c.CKK_EC) {
    if (params?.equals(CURVE_OIDS.p256)) return 'p256';
    if (params?.equals(CURVE_OIDS.p384)) return 'p384';
    return null;
  }
  if (keyType === c.CKK_RSA) {
    if (bits === 2048) return 'rsa2048';
    if (bits === 3072) return 'rsa3072';
    if (bits === 4096) return 'rsa4096';
    return null;
  }
  if (keyType === c.CKK_AES && bits === 256) return 'aes256';
  return null;
}

function keyTypeName(c: Constants, keyType: number | null): string | null {
  if (keyType === null) return null;
  if (keyType === c.CKK_EC) return 'ec';
  if (keyType === c.CKK_RSA) return 'rsa';
  if (keyType === c.CKK_AES) return 'aes';
  if (keyType === c.CKK_GENERIC_SECRET) return 'generic-secret';
  return `0x${keyType.toString(16)}`;
}

/** An object's view: class, CKA_ID, label, key type and size, provenance, public key. */
export function describeObject(
  c: Constants,
  lib: Lib,
  session: Handle,
  object: Handle,
  findPublic: (id: Buffer) => Handle | null,
): TokenObjectView {
  const get = (type: number) => attribute(lib, session, object, type);
  const objectClass = classOf(c, ulong(get(c.CKA_CLASS)));
  const id = get(c.CKA_ID) ?? Buffer.alloc(0);
  const label = (get(c.CKA_LABEL) ?? Buffer.alloc(0)).toString('utf8');
  const isKey =
    objectClass === 'private-key' || objectClass === 'public-key' || objectClass === 'secret-key';
  const keyType = isKey ? ulong(get(c.CKA_KEY_TYPE)) : null;
  let bits: number | null = null;
  let publicKey: Buffer | null = null;
  if (objectClass === 'public-key') publicKey = publicKeyInfo(c, lib, session, object);
  if (objectClass === 'certificate') publicKey = certificateKey(get(c.CKA_VALUE));
  if (objectClass === 'private-key') {
    const pub = findPublic(id);
    if (pub !== null) publicKey = publicKeyInfo(c, lib, session, pub);
  }
  const params = keyType === c.CKK_EC ? get(c.CKA_EC_PARAMS) : null;
  if (keyType === c.CKK_EC)
    bits = params?.equals(CURVE_OIDS.p384) ? 384 : params?.equals(CURVE_OIDS.p256) ? 256 : null;
  if (keyType === c.CKK_RSA) {
    const modulus = get(c.CKA_MODULUS);
    bits = modulus ? modulus.length * 8 : ulong(get(c.CKA_MODULUS_BITS));
    if (bits === null && publicKey) bits = rsaBitsOf(publicKey);
  }
  if (keyType === c.CKK_AES || keyType === c.CKK_GENERIC_SECRET) {
    const length = ulong(get(c.CKA_VALUE_LEN));
    bits = length === null ? null : length * 8;
  }
  let provenance: KeyProvenance | null = null;
  if (objectClass === 'private-key' || objectClass === 'secret-key') {
    const local = bool(get(c.CKA_LOCAL));
    const neverExtractable = bool(get(c.CKA_NEVER_EXTRACTABLE));
    provenance = {
      sensitive: bool(get(c.CKA_SENSITIVE)),
      extractable: bool(get(c.CKA_EXTRACTABLE)),
      alwaysSensitive: bool(get(c.CKA_ALWAYS_SENSITIVE)),
      neverExtractable,
      local,
      onDeviceGenerated: local === true && neverExtractable === true,
    };
  }
  return {
    class: objectClass,
    id: id.toString('hex'),
    label,
    keyType: keyTypeName(c, keyType),
    algorithm: algorithmOf(c, keyType, params, bits),
    sizeBits: bits,
    provenance,
    publicKey: publicKey?.toString('base64') ?? null,
  };
}

function rsaBitsOf(spki: Buffer): number | null {
  try {
    return (
      createPublicKey({ key: spki, format: 'der', type: 'spki' }).asymmetricKeyDetails
        ?.modulusLength ?? null
    );
  } catch {
    return null;
  }
}

/** A fresh CKA_ID: 16 random bytes. */
export const newObjectId = () => randomBytes(16);

/**
 * The templates a key is generated with: on the token (CKA_TOKEN), private, sensitive and
 * not extractable unless a ceremony asks, so CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE
 * end up true and prove it never left.
 */
export function generationTemplates(
  c: Constants,
  algorithm: TokenKeyAlgorithm,
  label: string,
  id: Buffer,
  extractable: boolean,
): { mechanism: number; public?: Pkcs11.Template; private: Pkcs11.Template } {
  const common = [
    { type: c.CKA_TOKEN, value: true },
    { type: c.CKA_LABEL, value: label },
    { type: c.CKA_ID, value: id },
  ];
  const secretSide = [
    ...common,
    { type: c.CKA_PRIVATE, value: true },
    { type: c.CKA_SENSITIVE, value: true },
    { type: c.CKA_EXTRACTABLE, value: extractable },
  ];
  if (algorithm === 'aes256') {
    return {
      mechanism: c.CKM_AES_KEY_GEN,
      private: [
        ...secretSide,
        { type: c.CKA_CLASS, value: c.CKO_SECRET_KEY },
        { type: c.CKA_VALUE_LEN, value: 32 },
        { type: c.CKA_ENCRYPT, value: true },
        { type: c.CKA_DECRYPT, value: true },
        { type: c.CKA_WRAP, value: true },
        { type: c.CKA_UNWRAP, value: true },
      ],
    };
  }
  if (algorithm === 'p256' || algorithm === 'p384') {
    return {
      mechanism: c.CKM_EC_KEY_PAIR_GEN,
      public: [
        ...common,
        { type: c.CKA_CLASS, value: c.CKO_PUBLIC_KEY },
        { type: c.CKA_EC_PARAMS, value: CURVE_OIDS[algorithm] },
        { type: c.CKA_VERIFY, value: true },
      ],
      private: [
        ...secretSide,
        { type: c.CKA_CLASS, value: c.CKO_PRIVATE_KEY },
        { type: c.CKA_SIGN, value: true },
        { type: c.CKA_DERIVE, value: true },
      ],
    };
  }
  const bits = Number(algorithm.slice(3));
  return {
    mechanism: c.CKM_RSA_PKCS_KEY_PAIR_GEN,
    public: [
      ...common,
      { type: c.CKA_CLASS, value: c.CKO_PUBLIC_KEY },
      { type: c.CKA_MODULUS_BITS, value: bits },
      { type: c.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
      { type: c.CKA_VERIFY, value: true },
      { type: c.CKA_ENCRYPT, value: true },
      { type: c.CKA_WRAP, value: true },
    ],
    private: [
      ...secretSide,
      { type: c.CKA_CLASS, value: c.CKO_PRIVATE_KEY },
      { type: c.CKA_SIGN, value: true },
      { type: c.CKA_DECRYPT, value: true },
      { type: c.CKA_UNWRAP, value: true },
    ],
  };
}

/**
 * The template an X.509 certificate is stored on a token with (CKO_CERTIFICATE, CKC_X_509):
 * its DER, the subject, issuer and serial number taken from it, and the CKA_ID of the key it
 * certifies, as PKCS#11 v2.40 section 4.6.3 and every PKI client that looks certificates up
 * expect. Also returns the certificate's SubjectPublicKeyInfo (DER). Throws FORMAT_INVALID
 * when `der` is not one X.509 certificate.
 */
export function certificateTemplate(
  c: Constants,
  der: Uint8Array,
  label: string,
  id: Buffer,
): { template: Pkcs11.Template; spki: Buffer } {
  let certificate: Certificate;
  try {
    certificate = AsnConvert.parse(der, Certificate);
    // Anything after the certificate, or a re-encoding that differs, is not one DER certificate.
    if (!Buffer.from(AsnConvert.serialize(certificate)).equals(Buffer.from(der))) throw new Error();
  } catch {
    throw new KeywardenError(
      ErrorCode.FORMAT_INVALID,
      'The file is not an X.509 certificate (PEM or DER).',
    );
  }
  const tbs = certificate.tbsCertificate;
  return {
    template: [
      { type: c.CKA_CLASS, value: c.CKO_CERTIFICATE },
      { type: c.CKA_CERTIFICATE_TYPE, value: c.CKC_X_509 },
      { type: c.CKA_TOKEN, value: true },
      { type: c.CKA_PRIVATE, value: false },
      { type: c.CKA_LABEL, value: label },
      { type: c.CKA_ID, value: id },
      { type: c.CKA_SUBJECT, value: Buffer.from(AsnConvert.serialize(tbs.subject)) },
      { type: c.CKA_ISSUER, value: Buffer.from(AsnConvert.serialize(tbs.issuer)) },
      {
        type: c.CKA_SERIAL_NUMBER,
        value: derInteger(new Uint8Array(tbs.serialNumber)),
      },
      { type: c.CKA_VALUE, value: Buffer.from(der) },
    ],
    spki: Buffer.from(AsnConvert.serialize(tbs.subjectPublicKeyInfo)),
  };
}

/** A DER INTEGER around content octets as a certificate carries them (already minimal). */
function derInteger(content: Uint8Array): Buffer {
  const length =
    content.length < 0x80
      ? Buffer.from([content.length])
      : Buffer.from([0x82, content.length >> 8, content.length & 0xff]);
  return Buffer.concat([Buffer.from([0x02]), length, content]);
}

/** The SubjectPublicKeyInfo (DER) of a certificate object's key, or null. */
function certificateKey(value: Buffer | null): Buffer | null {
  if (value === null) return null;
  try {
    return new X509Certificate(value).publicKey.export({ type: 'spki', format: 'der' });
  } catch {
    return null; // not X.509, or a key type node:crypto does not read
  }
}

/**
 * The template of an AES-256 key unwrapped onto the token: like a generated one, sensitive
 * and not extractable unless a ceremony asks (CKA_LOCAL stays false: it was not born here).
 */
export function unwrapTemplate(
  c: Constants,
  label: string,
  id: Buffer,
  extractable: boolean,
): Pkcs11.Template {
  return [
    { type: c.CKA_CLASS, value: c.CKO_SECRET_KEY },
    { type: c.CKA_KEY_TYPE, value: c.CKK_AES },
    { type: c.CKA_TOKEN, value: true },
    { type: c.CKA_LABEL, value: label },
    { type: c.CKA_ID, value: id },
    { type: c.CKA_PRIVATE, value: true },
    { type: c.CKA_SENSITIVE, value: true },
    { type: c.CKA_EXTRACTABLE, value: extractable },
    { type: c.CKA_ENCRYPT, value: true },
    { type: c.CKA_DECRYPT, value: true },
    { type: c.CKA_WRAP, value: true },
    { type: c.CKA_UNWRAP, value: true },
  ];
}

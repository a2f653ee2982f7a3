import { createPrivateKey, createPublicKey, randomBytes, webcrypto } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { KeyAlgorithm } from '../../shared/inventory-types.ts';
import { equalBytes } from '../crypto/bytes.ts';
import type { RsaPadding } from './key-operations.ts';

// PKCS#10 certificate requests (RFC 2986) and self-signed X.509 certificates (RFC 5280) for
// signing keys, built with @peculiar/x509 over node's WebCrypto. Pure functions: the caller
// reads the key material from the vault, passes it in and zeroes it afterwards; nothing here
// keeps a copy of the PKCS#8 bytes. The subject is built from structured fields, never parsed
// from a DN string, so a comma or "CN=" inside a value stays part of that value.

/** Who a certificate names. Every field is checked; nothing is trimmed or rewritten. */
export interface CertificateSubject {
  commonName: string;
  organization?: string;
  organizationalUnit?: string;
  /** ISO 3166 alpha-2, in capitals ("DE"). */
  country?: string;
  /** Goes into the subjectAltName as an rfc822Name (RFC 5280 §4.1.2.6), not into the DN. */
  email?: string;
  /** Host names in ASCII (xn-- for IDNs); a leading "*." wildcard label is allowed. */
  dnsNames?: string[];
}

export interface CertificateRequestInput {
  algorithm: KeyAlgorithm;
  /** The private key as PKCS#8 DER. Read only; the caller zeroes it. */
  pkcs8: Buffer;
  /** The same key's public half as DER SubjectPublicKeyInfo. */
  spki: Buffer;
  subject: CertificateSubject;
  /** RSA keys only: PKCS#1 v1.5 (the default) or PSS, both over SHA-256. */
  rsaPadding?: RsaPadding;
}

export interface SelfSignedCertificateInput extends CertificateRequestInput {
  notBefore: Date;
  notAfter: Date;
  /** A CA certificate: cA true and keyCertSign + cRLSign. */
  ca?: boolean;
}

type Curve = 'prime256v1' | 'secp384r1';

interface SigningScheme {
  /** What node:crypto reports for the key, so a key of another algorithm is refused. */
  keyType: 'ed25519' | 'ec' | 'rsa';
  curve?: Curve;
  modulusBits?: number;
  importAs:
    webcrypto.AlgorithmIdentifier | webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams;
  signWith: webcrypto.AlgorithmIdentifier | webcrypto.EcdsaParams | webcrypto.RsaPssParams;
}

const DISPLAY_NAMES: Readonly<Record<KeyAlgorithm, string>> = {
  ed25519: 'Ed25519',
  x25519: 'X25519',
  p256: 'P-256',
  p384: 'P-384',
  rsa2048: 'RSA-2048',
  rsa3072: 'RSA-3072',
  rsa4096: 'RSA-4096',
  aes256: 'AES-256',
  'hmac-sha256': 'HMAC-SHA256',
};

const badRequest = (message: string) => new KeywardenError(ErrorCode.BAD_REQUEST, message);

/** "an Ed25519", "a P-256": "an" before a letter spoken with a vowel sound. */
const withArticle = (name: string) => `${/^[AEFHILMNORSX]/i.test(name) ? 'an' : 'a'} ${name}`;
const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

const ecdsa = (curve: Curve, namedCurve: string, hash: string): SigningScheme => ({
  keyType: 'ec',
  curve,
  importAs: { name: 'ECDSA', namedCurve },
  signWith: { name: 'ECDSA', hash },
});

function rsa(modulusBits: number, padding: RsaPadding): SigningScheme {
  // PSS salt = the digest length (32 bytes), as key-operations.ts signs and OpenSSL expects.
  return padding === 'pss'
    ? {
        keyType: 'rsa',
        modulusBits,
        importAs: { name: 'RSA-PSS', hash: 'SHA-256' },
        signWith: { name: 'RSA-PSS', saltLength: 32 },
      }
    : {
        keyType: 'rsa',
        modulusBits,
        importAs: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        signWith: { name: 'RSASSA-PKCS1-v1_5' },
      };
}

/** The signature each algorithm makes. Throws KEY_PURPOSE_MISMATCH, BAD_REQUEST. */
function schemeFor(algorithm: KeyAlgorithm, rsaPadding: RsaPadding | undefined): SigningScheme {
  if (typeof algorithm !== 'string' || !Object.hasOwn(DISPLAY_NAMES, algorithm)) {
    throw badRequest('The key algorithm is not one Keywarden knows.');
  }
  const isRsa = algorithm === 'rsa2048' || algorithm === 'rsa3072' || algorithm === 'rsa4096';
  if (rsaPadding !== undefined && (!isRsa || (rsaPadding !== 'pkcs1' && rsaPadding !== 'pss'))) {
    throw badRequest(
      isRsa ? 'rsaPadding must be pkcs1 or pss.' : 'rsaPadding applies only to RSA keys.',
    );
  }
  switch (algorithm) {
    case 'ed25519':
      return { keyType: 'ed25519', importAs: { name: 'Ed25519' }, signWith: { name: 'Ed25519' } };
    case 'p256':
      return ecdsa('prime256v1', 'P-256', 'SHA-256');
    case 'p384':
      return ecdsa('secp384r1', 'P-384', 'SHA-384');
    case 'rsa2048':
      return rsa(2048, rsaPadding ?? 'pkcs1');
    case 'rsa3072':
      return rsa(3072, rsaPadding ?? 'pkcs1');
    case 'rsa4096':
      return rsa(4096, rsaPadding ?? 'pkcs1');
    default:
      throw new KeywardenError(
        ErrorCode.KEY_PURPOSE_MISMATCH,
        `${capitalised(withArticle(DISPLAY_NAMES[algorithm]))} key cannot sign a certificate.`,
      );
  }
}

// C0, DEL and C1 controls, lone surrogates, and the bidi controls that make a name read
// differently from what it is ("Trojan Source").
const UNPRINTABLE = /[\p{Cc}\p{Cs}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** A DN attribute's text: 1..max characters (RFC 5280 upper bounds), printable, untrimmed. */
function checkText(label: string, value: unknown, max: number): string {
  if (typeof value !== 'string') throw badRequest(`The ${label} must be text.`);
  if (UNPRINTABLE.test(value)) throw badRequest(`The ${label} contains a control character.`);
  const length = [...value].length;
  if (value.trim() === '') throw badRequest(`The ${label} must not be empty.`);
  if (value.trim() !== value) throw badRequest(`The ${label} must not start or end with a space.`);
  if (length > max) {
    throw badRequest(`The ${label} is ${length} characters long; at most ${max} are allowed.`);
  }
  return value;
}

const DNS_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** An ASCII host name (RFC 1123), optionally with a leading wildcard label above two labels. */
function isHostName(name: string, allowWildcard: boolean): boolean {
  if (name.length > 253) return false;
  const labels = name.split('.');
  if (allowWildcard && labels[0] === '*' && labels.length > 2) labels.shift();
  // An all-numeric last label makes it an IP address, not a name.
  return labels.every((label) => DNS_LABEL.test(label)) && !/^\d+$/.test(labels.at(-1) ?? '');
}

const EMAIL_LOCAL_PART = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}$/;

function checkEmail(value: unknown): string {
  if (typeof value !== 'string') throw badRequest('The email address must be text.');
  const at = value.lastIndexOf('@');
  if (
    value.length > 254 ||
    at < 1 ||
    !EMAIL_LOCAL_PART.test(value.slice(0, at)) ||
    !isHostName(value.slice(at + 1), false)
  ) {
    throw badRequest(
      'The email address must be an ASCII address such as name@example.com (at most 254 characters).',
    );
  }
  return value;
}

function checkDnsNames(value: unknown): string[] {
  if (!Array.isArray(value)) throw badRequest('dnsNames must be a list of host names.');
  const seen = new Set<string>();
  return value.map((name: unknown, index) => {
    if (typeof name !== 'string' || !isHostName(name, true)) {
      throw badRequest(
        `dnsNames[${index}] is not a host name: use letters, digits and hyphens in dot-separated labels of at most 63 characters (xn-- for international names, "*." only as the first label).`,
      );
    }
    if (seen.has(name.toLowerCase())) throw badRequest(`dnsNames[${index}] repeats a name.`);
    seen.add(name.toLowerCase());
    return name;
  });
}

/** The subject's RDNs (for an X.501 Name) and subjectAltName entries. Throws BAD_REQUEST. */
function checkSubject(subject: CertificateSubject) {
  if (typeof subject !== 'object' || subject === null) throw badRequest('A subject is required.');
  const rdns: x509.JsonNameParams = [];
  // RFC 5280 asks PrintableString for the country and UTF8String for the other attributes.
  if (subject.country !== undefined) {
    if (typeof subject.country !== 'string' || !/^[A-Z]{2}$/.test(subject.country)) {
      throw badRequest('The country must be a two-letter ISO 3166 code in capitals, such as DE.');
    }
    rdns.push({ '2.5.4.6': [{ printableString: subject.country }] });
  }
  if (subject.organization !== undefined) {
    const organization = checkText('organization', subject.organization, 64);
    rdns.push({ '2.5.4.10': [{ utf8String: organization }] });
  }
  if (subject.organizationalUnit !== undefined) {
    const unit = checkText('organizational unit', subject.organizationalUnit, 64);
    rdns.push({ '2.5.4.11': [{ utf8String: unit }] });
  }
  rdns.push({ '2.5.4.3': [{ utf8String: checkText('common name', subject.commonName, 64) }] });
  const altNames: x509.JsonGeneralNames = [];
  for (const name of subject.dnsNames === undefined ? [] : checkDnsNames(subject.dnsNames)) {
    altNames.push({ type: 'dns', value: name });
  }
  if (subject.email !== undefined)
    altNames.push({ type: 'email', value: checkEmail(subject.email) });
  return { rdns, altNames };
}

// X.509 times: UTCTime for 1950-2049, GeneralizedTime to 9999 (RFC 5280 §4.1.2.5), whole seconds.
const EARLIEST = Date.UTC(1950, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59);

function checkValidity(notBefore: unknown, notAfter: unknown): void {
  for (const [label, date] of [
    ['notBefore', notBefore],
    ['notAfter', notAfter],
  ] as const) {
    if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
      throw badRequest(`${label} must be a valid date.`);
    }
    if (date.getTime() < EARLIEST || date.getTime() > LATEST) {
      throw badRequest(`${label} must lie between 1950 and 9999.`);
    }
  }
  const seconds = (date: unknown) => Math.floor((date as Date).getTime() / 1000);
  if (seconds(notAfter) <= seconds(notBefore)) {
    throw badRequest('notAfter must be later than notBefore (certificates count whole seconds).');
  }
}

/**
 * Checks that the PKCS#8 key is of `algorithm` and that `spki` is its public half. Throws
 * FORMAT_INVALID (not DER of the kind named) and BAD_REQUEST (another algorithm or size, or a
 * public key that belongs to another key: a caller error, not a key used for the wrong job).
 */
function checkKeyPair(algorithm: KeyAlgorithm, scheme: SigningScheme, pkcs8: Buffer, spki: Buffer) {
  let derived: KeyObject;
  let given: KeyObject;
  try {
    // The private KeyObject lives in OpenSSL memory until collected and node:crypto cannot wipe
    // it; no JavaScript copy of the PKCS#8 bytes is made.
    derived = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }));
  } catch (cause) {
    throw new KeywardenError(ErrorCode.FORMAT_INVALID, 'The private key is not PKCS#8 DER.', {
      cause,
    });
  }
  try {
    given = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch (cause) {
    throw new KeywardenError(
      ErrorCode.FORMAT_INVALID,
      'The public key is not a DER SubjectPublicKeyInfo.',
      { cause },
    );
  }
  const details = derived.asymmetricKeyDetails ?? {};
  if (
    derived.asymmetricKeyType !== scheme.keyType ||
    (scheme.curve !== undefined && details.namedCurve !== scheme.curve) ||
    (scheme.modulusBits !== undefined && details.modulusLength !== scheme.modulusBits)
  ) {
    throw badRequest(`The private key is not ${withArticle(DISPLAY_NAMES[algorithm])} key.`);
  }
  const spkiOf = (key: KeyObject) => key.export({ type: 'spki', format: 'der' });
  if (!equalBytes(spkiOf(derived), spkiOf(given))) {
    throw badRequest('The public key does not belong to the private key.');
  }
}

// @peculiar/x509 registers its algorithms with tsyringe, which needs the Reflect metadata
// API; reflect-metadata provides it, as the library's README asks.
let providerSet = false;

/** @peculiar/x509, with node's WebCrypto as its provider. */
function x509Library(): typeof x509 {
  if (!providerSet) {
    x509.cryptoProvider.set(webcrypto);
    providerSet = true;
  }
  return x509;
}

/**
 * The key pair as WebCrypto keys. The private CryptoKey is non-extractable, but WebCrypto copies
 * the PKCS#8 bytes (the spec's importKey takes a copy) and the key lives in OpenSSL memory until
 * collected: neither can be wiped from JavaScript. Only the caller's buffer can, and it is theirs.
 */
async function importKeyPair(scheme: SigningScheme, pkcs8: Buffer, spki: Buffer) {
  try {
    const { subtle } = webcrypto;
    return {
      privateKey: await subtle.importKey('pkcs8', pkcs8, scheme.importAs, false, ['sign']),
      publicKey: await subtle.importKey('spki', spki, scheme.importAs, true, ['verify']),
    };
  } catch (cause) {
    throw new KeywardenError(ErrorCode.FORMAT_INVALID, 'WebCrypto could not import the key.', {
      cause,
    });
  }
}

/** The signing scheme, the checked subject and the library. Throws KEY_PURPOSE_MISMATCH, BAD_REQUEST. */
function prepare(input: CertificateRequestInput) {
  const scheme = schemeFor(input.algorithm, input.rsaPadding);
  const subject = checkSubject(input.subject);
  return { scheme, x509: x509Library(), subject };
}

/** Runs the library's part: whatever it throws becomes INTERNAL, as all input is checked by now. */
async function signing<T>(what: string, make: () => Promise<T>): Promise<T> {
  try {
    return await make();
  } catch (cause) {
    if (cause instanceof KeywardenError) throw cause;
    throw new KeywardenError(ErrorCode.INTERNAL, `Signing the ${what} failed.`, { cause });
  }
}

/**
 * A PKCS#10 certificate signing request for a signing key, as PEM ("CERTIFICATE REQUEST"),
 * asking for a subjectAltName when `dnsNames` or `email` is given. Throws KEY_PURPOSE_MISMATCH
 * (a key that does not sign: X25519, AES-256, HMAC-SHA256), BAD_REQUEST (the subject, the RSA
 * padding, or a key pair that does not match `algorithm` or itself), FORMAT_INVALID (key bytes
 * that do not parse) and INTERNAL (the signature failed).
 */
export async function createCsr(input: CertificateRequestInput): Promise<string> {
  const { scheme, x509, subject } = prepare(input);
  checkKeyPair(input.algorithm, scheme, input.pkcs8, input.spki);
  const keys = await importKeyPair(scheme, input.pkcs8, input.spki);
  return signing('certificate request', async () => {
    const request = await x509.Pkcs10CertificateRequestGenerator.create({
      name: new x509.Name(subject.rdns),
      keys,
      signingAlgorithm: scheme.signWith,
      extensions: subject.altNames.length
        ? [new x509.SubjectAlternativeNameExtension(subject.altNames)]
        : [],
    });
    return `${request.toString('pem')}\n`;
  });
}

/** 16 random bytes with the top bit clear (positive) and the next set (no leading zero). */
function serialNumber(): string {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  return serial.toString('hex');
}

/**
 * A self-signed X.509 v3 certificate as PEM ("CERTIFICATE"): a random positive 16-byte serial,
 * basicConstraints (critical; cA as `ca` asks), keyUsage (critical; digitalSignature, plus
 * keyCertSign and cRLSign for a CA), subjectKeyIdentifier, and a subjectAltName when `dnsNames`
 * or `email` is given. Times are whole seconds. Throws KEY_PURPOSE_MISMATCH, BAD_REQUEST (also
 * for the validity period and `ca`), FORMAT_INVALID and INTERNAL, as createCsr.
 */
export async function createSelfSignedCertificate(
  input: SelfSignedCertificateInput,
): Promise<string> {
  const { scheme, x509, subject } = prepare(input);
  checkValidity(input.notBefore, input.notAfter);
  if (input.ca !== undefined && typeof input.ca !== 'boolean') {
    throw badRequest('ca must be true or false.');
  }
  const ca = input.ca ?? false;
  checkKeyPair(input.algorithm, scheme, input.pkcs8, input.spki);
  const keys = await importKeyPair(scheme, input.pkcs8, input.spki);
  return signing('certificate', async () => {
    const usage = ca
      ? x509.KeyUsageFlags.digitalSignature |
        x509.KeyUsageFlags.keyCertSign |
        x509.KeyUsageFlags.cRLSign
      : x509.KeyUsageFlags.digitalSignature;
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(ca, undefined, true),
      new x509.KeyUsagesExtension(usage, true),
      await x509.SubjectKeyIdentifierExtension.create(input.spki),
    ];
    if (subject.altNames.length) {
      extensions.push(new x509.SubjectAlternativeNameExtension(subject.altNames));
    }
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serialNumber(),
      name: new x509.Name(subject.rdns),
      notBefore: input.notBefore,
      notAfter: input.notAfter,
      keys,
      signingAlgorithm: scheme.signWith,
      extensions,
    });
    return `${certificate.toString('pem')}\n`;
  });
}

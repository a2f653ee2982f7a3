import { spawnSync } from 'node:child_process';
import { X509Certificate, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCsr,
  createSelfSignedCertificate,
} from '../../electron/core/inventory/certificates.ts';
import type {
  CertificateSubject,
  SelfSignedCertificateInput,
} from '../../electron/core/inventory/certificates.ts';
import type { KeyAlgorithm } from '../../electron/shared/inventory-types.ts';

// Certificate requests and self-signed certificates against OpenSSL, the peer that CAs and
// servers check them with: it verifies every signature and shows the subject, names, dates
// and extensions that were asked for. Then the requests Keywarden refuses, and with which code.

interface KeyMaterial {
  pkcs8: Buffer;
  spki: Buffer;
}

function material(pair: { publicKey: KeyObject; privateKey: KeyObject }): KeyMaterial {
  return {
    pkcs8: pair.privateKey.export({ type: 'pkcs8', format: 'der' }),
    spki: pair.publicKey.export({ type: 'spki', format: 'der' }),
  };
}

let dir: string;
let keys: Record<'ed25519' | 'x25519' | 'p256' | 'p384' | 'rsa3072', KeyMaterial>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keywarden-certificates-'));
  keys = {
    ed25519: material(generateKeyPairSync('ed25519')),
    x25519: material(generateKeyPairSync('x25519')),
    p256: material(generateKeyPairSync('ec', { namedCurve: 'P-256' })),
    p384: material(generateKeyPairSync('ec', { namedCurve: 'P-384' })),
    rsa3072: material(generateKeyPairSync('rsa', { modulusLength: 3072 })),
  };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Runs openssl and returns stdout and stderr together; fails the test on a non-zero exit. */
function openssl(args: string[]): string {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  expect(result.status, `openssl ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return `${result.stdout}${result.stderr}`;
}

const spkiOfPem = (pem: string) =>
  createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('hex');

const subject: CertificateSubject = {
  commonName: 'Release signing, CN=not a second name',
  organization: 'Keywarden Test GmbH',
  organizationalUnit: 'Build',
  country: 'DE',
  email: 'release@example.com',
  dnsNames: ['sign.example.com', '*.build.example.com'],
};
// RFC 2253 order (last RDN first), with the comma escaped: one CN, not two.
const expectedSubject =
  'CN=Release signing\\, CN=not a second name,OU=Build,O=Keywarden Test GmbH,C=DE';
const expectedNames = 'DNS:sign.example.com, DNS:*.build.example.com, email:release@example.com';

const SIGNERS = [
  ['ed25519', undefined, /Signature Algorithm: ED25519/],
  ['p256', undefined, /Signature Algorithm: ecdsa-with-SHA256/],
  ['p384', undefined, /Signature Algorithm: ecdsa-with-SHA384/],
  ['rsa3072', 'pkcs1', /Signature Algorithm: sha256WithRSAEncryption/],
  [
    'rsa3072',
    'pss',
    /Signature Algorithm: rsassaPss[\s\S]*Hash Algorithm: sha256[\s\S]*Salt Length: 0x20/,
  ],
] as const;

const wholeSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);

describe('certificate signing requests OpenSSL verifies', () => {
  it.each(SIGNERS)('%s (%s)', async (algorithm, rsaPadding, signatureAlgorithm) => {
    const pem = await createCsr({ algorithm, ...keys[algorithm], subject, rsaPadding });
    expect(pem).toMatch(
      /^-----BEGIN CERTIFICATE REQUEST-----\n[\s\S]+\n-----END CERTIFICATE REQUEST-----\n$/,
    );
    const path = file(`${algorithm}-${rsaPadding}.csr.pem`, pem);
    expect(openssl(['req', '-in', path, '-verify', '-noout'])).toMatch(/verify OK/);
    const subjectLine = openssl(['req', '-in', path, '-noout', '-subject', '-nameopt', 'RFC2253']);
    expect(subjectLine.trim()).toBe(`subject=${expectedSubject}`);
    const text = openssl(['req', '-in', path, '-noout', '-text']);
    expect(text).toContain('X509v3 Subject Alternative Name:');
    expect(text).toContain(expectedNames);
    expect(text).toMatch(signatureAlgorithm);
    const publicKey = openssl(['req', '-in', path, '-noout', '-pubkey']);
    expect(spkiOfPem(publicKey)).toBe(keys[algorithm].spki.toString('hex'));
  });

  it('leaves out the subjectAltName when no names are asked for', async () => {
    const pem = await createCsr({ algorithm: 'p256', ...keys.p256, subject: { commonName: 'x' } });
    const text = openssl(['req', '-in', file('plain.csr.pem', pem), '-noout', '-text']);
    expect(text).toMatch(/Subject: CN ?= ?x\n/);
    expect(text).not.toContain('Subject Alternative Name');
  });
});

describe('self-signed certificates OpenSSL verifies', () => {
  const now = Date.now();
  const notBefore = wholeSeconds(now - 3_600_000);

  it.each(SIGNERS)(
    '%s (%s): a CA certificate',
    async (algorithm, rsaPadding, signatureAlgorithm) => {
      const notAfter = wholeSeconds(now + 30 * 86_400_000);
      const pem = await createSelfSignedCertificate({
        algorithm,
        ...keys[algorithm],
        subject,
        rsaPadding,
        notBefore,
        notAfter,
        ca: true,
      });
      expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
      const path = file(`${algorithm}-${rsaPadding}.ca.pem`, pem);
      expect(openssl(['verify', '-CAfile', path, path])).toContain(`${path}: OK`);
      const shown = openssl([
        'x509',
        '-in',
        path,
        '-noout',
        '-nameopt',
        'RFC2253',
        '-subject',
        '-dates',
        '-ext',
        'basicConstraints,keyUsage,subjectAltName,subjectKeyIdentifier',
      ]);
      expect(shown).toContain(`subject=${expectedSubject}\n`);
      const date = (field: string) => new Date(shown.match(new RegExp(`${field}=(.+)`))?.[1] ?? '');
      expect(date('notBefore').getTime()).toBe(notBefore.getTime());
      expect(date('notAfter').getTime()).toBe(notAfter.getTime());
      expect(shown).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:TRUE\n/);
      expect(shown).toMatch(
        /X509v3 Key Usage: critical\n\s+Digital Signature, Certificate Sign, CRL Sign\n/,
      );
      expect(shown).toContain(expectedNames);
      expect(shown).toMatch(
        /X509v3 Subject Key Identifier:\s*\n\s+([0-9A-F]{2}:){19}[0-9A-F]{2}\n/,
      );
      expect(openssl(['x509', '-in', path, '-noout', '-text'])).toMatch(signatureAlgorithm);

      const certificate = new X509Certificate(pem);
      expect(spkiOfPem(openssl(['x509', '-in', path, '-noout', '-pubkey']))).toBe(
        keys[algorithm].spki.toString('hex'),
      );
      expect(
        certificate.publicKey.export({ type: 'spki', format: 'der' }).equals(keys[algorithm].spki),
      ).toBe(true);
      // 16 bytes, positive, no leading zero byte: the first hex digit is 4 to 7.
      expect(certificate.serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/);
    },
  );

  it.each(SIGNERS)('%s (%s): an end-entity certificate', async (algorithm, rsaPadding) => {
    // After 2049 the time is a GeneralizedTime; milliseconds are dropped, not rounded.
    const notAfter = new Date(Date.UTC(2051, 5, 1, 12, 0, 0, 750));
    const pem = await createSelfSignedCertificate({
      algorithm,
      ...keys[algorithm],
      subject: { commonName: 'sign.example.com', dnsNames: ['sign.example.com'] },
      rsaPadding,
      notBefore,
      notAfter,
    });
    const certificate = new X509Certificate(pem);
    expect(
      certificate.verify(
        createPublicKey({ key: keys[algorithm].spki, format: 'der', type: 'spki' }),
      ),
    ).toBe(true);
    const shown = openssl([
      'x509',
      '-in',
      file(`${algorithm}-${rsaPadding}.ee.pem`, pem),
      '-noout',
      '-dates',
      '-ext',
      'basicConstraints,keyUsage,subjectAltName',
    ]);
    expect(shown).toContain('notAfter=Jun  1 12:00:00 2051 GMT');
    expect(shown).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/);
    expect(shown).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature\n/);
    expect(shown).toMatch(/X509v3 Subject Alternative Name:\s*\n\s+DNS:sign\.example\.com\n/);
  });

  it('gives every certificate its own random serial', async () => {
    const input: SelfSignedCertificateInput = {
      algorithm: 'ed25519',
      ...keys.ed25519,
      subject: { commonName: 'serials' },
      notBefore,
      notAfter: wholeSeconds(now + 86_400_000),
    };
    const first = new X509Certificate(await createSelfSignedCertificate(input));
    const second = new X509Certificate(await createSelfSignedCertificate(input));
    expect(first.serialNumber).not.toBe(second.serialNumber);
  });
});

describe('requests Keywarden refuses', () => {
  const notBefore = new Date('2026-01-01T00:00:00Z');
  const valid = () => ({
    algorithm: 'ed25519' as KeyAlgorithm,
    ...keys.ed25519,
    subject: { commonName: 'ok' } as CertificateSubject,
    notBefore,
    notAfter: new Date('2027-01-01T00:00:00Z'),
  });
  const refusal = async (input: SelfSignedCertificateInput) => {
    const fromCsr = await createCsr(input).catch((error: unknown) => error);
    const fromCertificate = await createSelfSignedCertificate(input).catch(
      (error: unknown) => error,
    );
    return { fromCsr, fromCertificate };
  };

  it('confirms the baseline request is accepted', async () => {
    const { fromCsr, fromCertificate } = await refusal(valid());
    expect(fromCsr).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    expect(fromCertificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it.each([
    ['x25519', () => keys.x25519, /^An X25519 key cannot sign a certificate\.$/],
    [
      'aes256',
      () => ({ pkcs8: randomBytes(32), spki: Buffer.alloc(0) }),
      /^An AES-256 key cannot sign/,
    ],
    [
      'hmac-sha256',
      () => ({ pkcs8: randomBytes(32), spki: Buffer.alloc(0) }),
      /^An HMAC-SHA256 key/,
    ],
  ] as const)('%s: KEY_PURPOSE_MISMATCH', async (algorithm, materialOf, message) => {
    const input = { ...valid(), algorithm, ...materialOf() };
    for (const error of Object.values(await refusal(input))) {
      expect(error).toMatchObject({
        code: 'KEY_PURPOSE_MISMATCH',
        message: expect.stringMatching(message),
      });
    }
  });

  const long = 'x'.repeat(65);
  it.each([
    ['an empty common name', { commonName: '' }, /common name must not be empty/],
    ['a blank common name', { commonName: '   ' }, /common name must not be empty/],
    ['a 65-character common name', { commonName: long }, /65 characters long; at most 64/],
    ['a padded common name', { commonName: ' ok' }, /must not start or end with a space/],
    ['a newline in the common name', { commonName: 'ok\nCN=evil' }, /control character/],
    [
      'a bidi override in the organization',
      { commonName: 'ok', organization: 'a\u202eb' },
      /organization contains a control character/,
    ],
    [
      'an empty organizational unit',
      { commonName: 'ok', organizationalUnit: '' },
      /organizational unit must not be empty/,
    ],
    ['a lower-case country', { commonName: 'ok', country: 'de' }, /country must be a two-letter/],
    [
      'a three-letter country',
      { commonName: 'ok', country: 'DEU' },
      /country must be a two-letter/,
    ],
    [
      'a space in a DNS name',
      { commonName: 'ok', dnsNames: ['exa mple.com'] },
      /dnsNames\[0\] is not a host name/,
    ],
    [
      'a leading hyphen',
      { commonName: 'ok', dnsNames: ['ok.com', '-bad.example.com'] },
      /dnsNames\[1\]/,
    ],
    ['an empty label', { commonName: 'ok', dnsNames: ['foo..com'] }, /dnsNames\[0\]/],
    ['a wildcard not first', { commonName: 'ok', dnsNames: ['foo.*.com'] }, /dnsNames\[0\]/],
    ['a wildcard over a TLD', { commonName: 'ok', dnsNames: ['*.com'] }, /dnsNames\[0\]/],
    ['a Unicode name', { commonName: 'ok', dnsNames: ['münchen.de'] }, /dnsNames\[0\]/],
    ['an IP address', { commonName: 'ok', dnsNames: ['192.0.2.1'] }, /dnsNames\[0\]/],
    [
      'a 64-character label',
      { commonName: 'ok', dnsNames: [`${'a'.repeat(64)}.com`] },
      /dnsNames\[0\]/,
    ],
    [
      'a repeated name',
      { commonName: 'ok', dnsNames: ['a.com', 'A.com'] },
      /dnsNames\[1\] repeats/,
    ],
    ['an email without a domain', { commonName: 'ok', email: 'release@' }, /email address/],
    ['an email with a space', { commonName: 'ok', email: 're lease@example.com' }, /email address/],
    ['an email without an @', { commonName: 'ok', email: 'release' }, /email address/],
    [
      'an email with nothing before the @',
      { commonName: 'ok', email: '@example.com' },
      /email address/,
    ],
    ['no subject at all', null, /A subject is required/],
  ] as const)('%s: BAD_REQUEST', async (_case, badSubject, message) => {
    const input = { ...valid(), subject: badSubject as unknown as CertificateSubject };
    for (const error of Object.values(await refusal(input))) {
      expect(error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(message) });
    }
  });

  it.each([
    ['notAfter equal to notBefore', notBefore],
    ['notAfter before notBefore', new Date('2025-12-31T23:59:59Z')],
    ['notAfter within the same second', new Date(notBefore.getTime() + 999)],
  ])('%s: BAD_REQUEST', async (_case, notAfter) => {
    await expect(createSelfSignedCertificate({ ...valid(), notAfter })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/notAfter must be later than notBefore/),
    });
  });

  it('refuses dates X.509 cannot write, and values that are not dates', async () => {
    for (const [notBeforeValue, notAfter] of [
      [new Date('1949-12-31T23:59:59Z'), notBefore],
      [notBefore, new Date('+010000-01-01T00:00:00Z')],
      [new Date(Number.NaN), notBefore],
      ['2026-01-01' as unknown as Date, notBefore],
    ] as const) {
      await expect(
        createSelfSignedCertificate({ ...valid(), notBefore: notBeforeValue, notAfter }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
  });

  it('refuses an RSA padding for a key that is not RSA, and an unknown padding', async () => {
    for (const error of Object.values(await refusal({ ...valid(), rsaPadding: 'pss' }))) {
      expect(error).toMatchObject({
        code: 'BAD_REQUEST',
        message: 'rsaPadding applies only to RSA keys.',
      });
    }
    const rsa = { ...valid(), algorithm: 'rsa3072' as const, ...keys.rsa3072 };
    for (const error of Object.values(await refusal({ ...rsa, rsaPadding: 'oaep' as never }))) {
      expect(error).toMatchObject({
        code: 'BAD_REQUEST',
        message: 'rsaPadding must be pkcs1 or pss.',
      });
    }
  });

  it('refuses a public key that belongs to another key with BAD_REQUEST', async () => {
    const other = material(generateKeyPairSync('ed25519'));
    for (const error of Object.values(await refusal({ ...valid(), spki: other.spki }))) {
      expect(error).toMatchObject({
        code: 'BAD_REQUEST',
        message: 'The public key does not belong to the private key.',
      });
    }
  });

  it('refuses a private key of another algorithm or size with BAD_REQUEST', async () => {
    const cases = [
      ['p384', keys.p256, 'The private key is not a P-384 key.'],
      ['ed25519', keys.p256, 'The private key is not an Ed25519 key.'],
      ['rsa4096', keys.rsa3072, 'The private key is not an RSA-4096 key.'],
    ] as const;
    for (const [algorithm, pair, message] of cases) {
      for (const error of Object.values(await refusal({ ...valid(), algorithm, ...pair }))) {
        expect(error).toMatchObject({ code: 'BAD_REQUEST', message });
      }
    }
  });

  it('refuses key bytes that do not parse with FORMAT_INVALID', async () => {
    const garbage = { pkcs8: randomBytes(48) };
    for (const error of Object.values(await refusal({ ...valid(), ...garbage }))) {
      expect(error).toMatchObject({
        code: 'FORMAT_INVALID',
        message: 'The private key is not PKCS#8 DER.',
      });
    }
    const truncated = { spki: keys.ed25519.spki.subarray(0, 20) };
    for (const error of Object.values(await refusal({ ...valid(), ...truncated }))) {
      expect(error).toMatchObject({ code: 'FORMAT_INVALID' });
    }
  });

  it('refuses an algorithm Keywarden does not know, and a ca flag that is not a boolean', async () => {
    for (const error of Object.values(await refusal({ ...valid(), algorithm: 'dsa' as never }))) {
      expect(error).toMatchObject({ code: 'BAD_REQUEST' });
    }
    await expect(
      createSelfSignedCertificate({ ...valid(), ca: 'yes' as never }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'ca must be true or false.' });
  });
});

import { webcrypto } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

// X.509 certificates for public keys held elsewhere (on a token), issued by a throwaway CA:
// what a PKI hands back for a key, to store beside it.

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** A DER certificate for the P-256 public key `spkiBase64`, subject `subject`, from a new CA. */
export async function certificateFor(spkiBase64: string, subject: string): Promise<Buffer> {
  const ca = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]);
  const publicKey = await webcrypto.subtle.importKey(
    'spki',
    Buffer.from(spkiBase64, 'base64'),
    { name: 'ECDSA', namedCurve: 'P-256' },
    true,
    ['verify'],
  );
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '00ff01',
    subject,
    issuer: 'CN=Test CA',
    notBefore: new Date('2026-01-01'),
    notAfter: new Date('2027-01-01'),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    publicKey,
    signingKey: ca.privateKey,
  });
  return Buffer.from(cert.rawData);
}

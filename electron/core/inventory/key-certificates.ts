import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { KeyView } from '../../shared/inventory-types.ts';
import { zeroize } from '../crypto/bytes.ts';
import { Outcome } from '../audit/audit-log.ts';
import type { UnlockedVault } from '../vault/unlocked-vault.ts';
import { createCsr, createSelfSignedCertificate } from './certificates.ts';
import type { CertificateSubject } from './certificates.ts';
import { readKey, requireOperator } from './key-inventory.ts';
import { readKeyMaterial } from './key-material.ts';
import type { RsaPadding } from './key-operations.ts';
import { requirePurpose } from './key-operations.ts';
import { requireStateAllows } from './key-states.ts';

// Certificate signing requests and self-signed certificates for the vault's signing keys:
// the key signs its own request, so it must be active and for signing. Audited with the
// subject's common name; the private key is zeroed as soon as the signature is made.

export interface CertificateOptions {
  subject: CertificateSubject;
  rsaPadding?: RsaPadding;
}

/** Reads a signing key's material for a certificate, after the checks a signature needs. */
function signingMaterial(
  vault: UnlockedVault,
  actor: string,
  id: string,
): { key: KeyView; material: Buffer; spki: Buffer } {
  return vault.query((records) => {
    requireOperator(records, actor);
    const key = readKey(records, id);
    requirePurpose(key, 'sign');
    requireStateAllows(key.state, 'sign');
    if (key.publicKey === null) {
      throw new KeywardenError(
        ErrorCode.KEY_PURPOSE_MISMATCH,
        `Key ${id} has no public key to certify.`,
      );
    }
    return {
      key,
      material: readKeyMaterial(records, key),
      spki: Buffer.from(key.publicKey, 'base64'),
    };
  });
}

/** Runs `make` with the key's material, zeroing it after, and audits the outcome. */
async function certify(
  vault: UnlockedVault,
  actor: string,
  id: string,
  action: string,
  subject: CertificateSubject,
  make: (key: KeyView, material: Buffer, spki: Buffer) => Promise<string>,
): Promise<string> {
  const event = {
    actor,
    action,
    target: id,
    outcome: Outcome.SUCCESS,
    detail: { commonName: subject.commonName },
  };
  let pem: string;
  try {
    const { key, material, spki } = signingMaterial(vault, actor, id);
    try {
      pem = await make(key, material, spki);
    } finally {
      zeroize(material);
    }
  } catch (error) {
    vault.recordFailure(event, error);
    throw error;
  }
  vault.apply(event, () => undefined);
  return pem;
}

/**
 * A PKCS#10 certificate signing request, signed by the key. Throws KEY_NOT_FOUND,
 * KEY_PURPOSE_MISMATCH, KEY_STATE_INVALID, KEY_NOT_HELD, BAD_REQUEST (the subject),
 * PERSON_NOT_FOUND, SEPARATION_OF_DUTIES, AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export function keyCsr(
  vault: UnlockedVault,
  actor: string,
  id: string,
  options: CertificateOptions,
): Promise<string> {
  return certify(vault, actor, id, 'key.csr', options.subject, (key, pkcs8, spki) =>
    createCsr({
      algorithm: key.algorithm,
      pkcs8,
      spki,
      subject: options.subject,
      ...(options.rsaPadding ? { rsaPadding: options.rsaPadding } : {}),
    }),
  );
}

/**
 * A self-signed X.509 certificate valid from `now` for `days` days, never past the key's
 * originator-usage end. Throws as keyCsr, and BAD_REQUEST for a validity beyond the key's
 * crypto-period.
 */
export function keyCertificate(
  vault: UnlockedVault,
  actor: string,
  id: string,
  options: CertificateOptions & { days: number; ca?: boolean },
  now: Date,
): Promise<string> {
  const notAfter = new Date(now.getTime() + options.days * 86_400_000);
  return certify(vault, actor, id, 'key.certificate', options.subject, (key, pkcs8, spki) => {
    const end = key.cryptoPeriod.originatorUsageEnd;
    if (end !== null && notAfter.getTime() > Date.parse(end)) {
      throw new KeywardenError(
        ErrorCode.BAD_REQUEST,
        `The certificate would outlive the key's originator-usage period (ends ${end}); ask for fewer days.`,
      );
    }
    return createSelfSignedCertificate({
      algorithm: key.algorithm,
      pkcs8,
      spki,
      subject: options.subject,
      notBefore: now,
      notAfter,
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
      ...(options.rsaPadding ? { rsaPadding: options.rsaPadding } : {}),
    });
  });
}

import { randomBytes, randomFillSync } from 'node:crypto';
import { combine, split } from 'shamir-secret-sharing';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { encodeFields, zeroize } from '../crypto/bytes.ts';
import { open, seal } from '../crypto/aead.ts';
import { hkdfSha256 } from '../crypto/subkeys.ts';
import { describeFactor, enrolFactor, factorParamsAreValid, optionFor } from './factors.ts';
import { FactorAttempts } from './factor-attempts.ts';
import type { FactorDevices, FactorEnrolment, FactorParams } from './factor-types.ts';

// Slots built from device factors: one factor (TPM, token, YubiKey, FIDO2), several at once
// (combined: every factor's secret goes into the KEK), or k of n (quorum: a random slot key is
// split with Shamir's scheme over GF(2^8) by an audited library, and each share is sealed under
// one factor's secret, so any k factors rebuild the slot key and fewer learn nothing of it).

export const MAX_SLOT_FACTORS = 16;
const COMBINED_LABEL = 'keywarden/v1/combined-slot';
const QUORUM_LABEL = 'keywarden/v1/quorum-slot';
const SHARE_LABEL = 'keywarden/v1/quorum-share';

/** "1 was offered", "2 were offered", "none was offered". */
const given = (count: number) =>
  count === 0 ? 'none was offered' : `${count} ${count === 1 ? 'was' : 'were'} offered`;

export interface SealedShare {
  nonce: string;
  sealed: string;
}

export interface PolicySlotParams {
  kdf: 'hkdf-sha256';
  salt: string;
  factors: FactorParams[];
  /** Quorum slots: how many factors open it, and each factor's sealed share (same order). */
  threshold?: number;
  shares?: SealedShare[];
}

/** The slot kinds this module builds and opens. */
export const POLICY_SLOT_KINDS: ReadonlySet<string> = new Set([
  'tpm2',
  'pkcs11',
  'yubikey-hmac',
  'fido2',
  'combined',
  'quorum',
]);

/** The kind a slot of these factors is stored as. */
export function policyKind(factors: readonly { kind: string }[], threshold?: number): string {
  if (threshold !== undefined) return 'quorum';
  return factors.length > 1 ? 'combined' : (factors[0]?.kind ?? 'combined');
}

/** Whether stored parameters have the shape of a slot of `kind`. */
export function policyParamsAreValid(kind: string, value: unknown): value is PolicySlotParams {
  const p = value as Partial<PolicySlotParams> | null;
  if (typeof p !== 'object' || p === null || p.kdf !== 'hkdf-sha256' || typeof p.salt !== 'string')
    return false;
  const factors = p.factors;
  if (!Array.isArray(factors) || factors.length === 0 || factors.length > MAX_SLOT_FACTORS)
    return false;
  if (!factors.every(factorParamsAreValid)) return false;
  if (kind !== 'quorum') return p.threshold === undefined && kind === policyKind(factors);
  return (
    Number.isInteger(p.threshold) &&
    p.threshold! >= 2 &&
    p.threshold! <= factors.length &&
    Array.isArray(p.shares) &&
    p.shares.length === factors.length &&
    p.shares.every((s) => typeof s?.nonce === 'string' && typeof s?.sealed === 'string')
  );
}

function shareKey(secret: Uint8Array, salt: Buffer, index: number): Buffer {
  return hkdfSha256(secret, salt, encodeFields(SHARE_LABEL, index), 32);
}

function shareAad(index: number, threshold: number, factor: FactorParams): Buffer {
  return encodeFields(SHARE_LABEL, index, threshold, JSON.stringify(factor));
}

function combinedKek(secrets: Uint8Array[], salt: Buffer): Buffer {
  const joined = encodeFields(...secrets);
  try {
    return hkdfSha256(joined, salt, COMBINED_LABEL, 32);
  } finally {
    zeroize(joined);
  }
}

/**
 * Refuses factors one slot cannot tell apart: a TPM, the OS keychain, a YubiKey or a FIDO2 key
 * is one device here (the one plugged in, the machine's TPM), so two of them would be the same
 * device twice, and a quorum of them would open with one. Tokens are told apart by serial;
 * passphrases, and TPM factors with a PIN (two people's PINs on one TPM), by what is typed.
 * Throws BAD_REQUEST.
 */
function checkDistinct(enrolments: FactorEnrolment[]): void {
  const seen = new Set<string>();
  for (const enrolment of enrolments) {
    if (enrolment.kind === 'passphrase' || (enrolment.kind === 'tpm2' && enrolment.pin)) continue;
    const device = enrolment.kind === 'pkcs11' ? `token ${enrolment.serial}` : enrolment.kind;
    if (seen.has(device)) {
      throw new KeywardenError(
        ErrorCode.BAD_REQUEST,
        `A slot cannot take the same device twice (${device}): it would open with that one device alone. Give each factor its own device.`,
      );
    }
    seen.add(device);
  }
}

/** Checks the shape of a slot to build. Throws BAD_REQUEST. */
function checkShape(count: number, threshold: number | undefined): void {
  if (count < 1 || count > MAX_SLOT_FACTORS) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `A slot takes 1 to ${MAX_SLOT_FACTORS} factors; got ${count}.`,
    );
  }
  if (
    threshold !== undefined &&
    (!Number.isInteger(threshold) || threshold < 2 || threshold > count)
  ) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `A quorum is 2 to ${count} of the slot's ${count} factors; got ${String(threshold)}.`,
    );
  }
}

export interface BuiltSlot {
  kind: string;
  params: PolicySlotParams;
  /** The slot's KEK; the caller zeroes it. */
  kek: Buffer;
  /** Takes back what enrolment left outside the vault, when the slot is not written after all. */
  undo: () => Promise<void>;
}

/**
 * Enrols every factor, one at a time (a token may ask for a touch), and builds the slot's KEK.
 * When any enrolment fails, the ones before it are undone. Throws BAD_REQUEST and the factors'
 * codes.
 */
export async function buildPolicySlot(
  devices: FactorDevices,
  enrolments: FactorEnrolment[],
  threshold?: number,
): Promise<BuiltSlot> {
  checkShape(enrolments.length, threshold);
  checkDistinct(enrolments);
  const secrets: Buffer[] = [];
  const factors: FactorParams[] = [];
  const undos: Array<() => Promise<void>> = [];
  const undo = async () => {
    for (const step of undos) await step();
  };
  let slotKey: Uint8Array | null = null;
  let shares: Uint8Array[] = [];
  try {
    for (const enrolment of enrolments) {
      const enrolled = await enrolFactor(devices, enrolment);
      secrets.push(enrolled.secret);
      factors.push(enrolled.params);
      if (enrolled.undo) undos.push(enrolled.undo);
    }
    const salt = randomBytes(16);
    const base = { kdf: 'hkdf-sha256' as const, salt: salt.toString('base64'), factors };
    const kind = policyKind(factors, threshold);
    if (threshold === undefined)
      return { kind, params: base, kek: combinedKek(secrets, salt), undo };
    // The library takes plain Uint8Arrays only (it checks the constructor, so no Buffer).
    slotKey = randomFillSync(new Uint8Array(32));
    shares = await split(slotKey, factors.length, threshold);
    const sealedShares = shares.map((share, index) => {
      const key = shareKey(secrets[index]!, salt, index);
      try {
        const sealed = seal(key, share, shareAad(index, threshold, factors[index]!));
        return {
          nonce: sealed.nonce.toString('base64'),
          sealed: sealed.ciphertext.toString('base64'),
        };
      } finally {
        zeroize(key);
      }
    });
    return {
      kind,
      params: { ...base, threshold, shares: sealedShares },
      kek: hkdfSha256(slotKey, salt, QUORUM_LABEL, 32),
      undo,
    };
  } catch (error) {
    await undo();
    throw error;
  } finally {
    zeroize(slotKey, ...shares, ...secrets);
  }
}

/** Which offer goes with each factor: the first unused offer that fits it, or -1. */
function assignOffers(factors: FactorParams[], attempts: FactorAttempts): number[] {
  const used = new Set<number>();
  return factors.map((factor) => {
    const index = attempts.offersFor(factor).find((i) => !used.has(i));
    if (index === undefined) return -1;
    used.add(index);
    return index;
  });
}

/** How many of the slot's factors the offers could serve, and what opening it needs. */
export function coverage(
  params: PolicySlotParams,
  attempts: FactorAttempts,
): { served: number; needed: number } {
  const served = assignOffers(params.factors, attempts).filter((i) => i >= 0).length;
  return { served, needed: params.threshold ?? params.factors.length };
}

/** Says what a slot needs that was not offered. */
export function missingFactors(
  slotId: number,
  params: PolicySlotParams,
  attempts: FactorAttempts,
): KeywardenError {
  const assigned = assignOffers(params.factors, attempts);
  const missing = params.factors.filter((_, i) => assigned[i]! < 0);
  if (params.threshold !== undefined) {
    return new KeywardenError(
      ErrorCode.QUORUM_NOT_MET,
      `Slot #${slotId} opens with ${params.threshold} of its ${params.factors.length} factors (${params.factors.map(describeFactor).join('; ')}); ${given(assigned.length - missing.length)}.`,
    );
  }
  return new KeywardenError(
    ErrorCode.FACTOR_MISSING,
    `Slot #${slotId} needs ${params.factors.map(describeFactor).join(' AND ')}; also give ${missing.map(optionFor).join(' and ')}.`,
  );
}

/**
 * Derives the KEK of a policy slot from the offered factors; returns null when the factors were
 * all recovered but do not open it (a combined slot cannot tell which one was wrong). Throws
 * FACTOR_MISSING, QUORUM_NOT_MET (with what each failing factor said) and the factors' codes.
 */
export async function policyKek(
  slotId: number,
  params: PolicySlotParams,
  attempts: FactorAttempts,
): Promise<Buffer> {
  const salt = Buffer.from(params.salt, 'base64');
  if (params.threshold === undefined) {
    const assigned = assignOffers(params.factors, attempts);
    if (assigned.some((i) => i < 0)) throw missingFactors(slotId, params, attempts);
    const secrets: Buffer[] = [];
    for (const [index, factor] of params.factors.entries())
      secrets.push(await attempts.secret(factor, assigned[index]!));
    return combinedKek(secrets, salt);
  }
  return quorumKek(slotId, params as Required<PolicySlotParams>, attempts, salt);
}

async function quorumKek(
  slotId: number,
  params: Required<PolicySlotParams>,
  attempts: FactorAttempts,
  salt: Buffer,
): Promise<Buffer> {
  const shares: Uint8Array[] = [];
  const failures: string[] = [];
  const used = new Set<number>();
  try {
    // Factors that cost no PIN try first: a quorum met without them spends none.
    const order = [...params.factors.entries()].sort(
      ([, a], [, b]) => Number(FactorAttempts.costsATry(a)) - Number(FactorAttempts.costsATry(b)),
    );
    for (const [index, factor] of order) {
      if (shares.length === params.threshold) break;
      for (const offer of attempts.offersFor(factor).filter((i) => !used.has(i))) {
        const share = await openShare(params, index, factor, attempts, offer, salt).catch(
          (error: unknown) => {
            failures.push(
              `${describeFactor(factor)}: ${(error as KeywardenError).code ?? ErrorCode.INTERNAL}`,
            );
            return null;
          },
        );
        if (share) {
          shares.push(Uint8Array.from(share));
          zeroize(share);
          used.add(offer);
          break;
        }
      }
    }
    if (shares.length < params.threshold) {
      const why = failures.length ? ` Failed: ${failures.join('; ')}.` : '';
      throw new KeywardenError(
        ErrorCode.QUORUM_NOT_MET,
        `Slot #${slotId} needs ${params.threshold} of its ${params.factors.length} factors; ${shares.length} opened.${why}`,
      );
    }
    const slotKey = await combine(shares);
    try {
      return hkdfSha256(slotKey, salt, QUORUM_LABEL, 32);
    } finally {
      zeroize(slotKey);
    }
  } finally {
    zeroize(...shares);
  }
}

async function openShare(
  params: Required<PolicySlotParams>,
  index: number,
  factor: FactorParams,
  attempts: FactorAttempts,
  offer: number,
  salt: Buffer,
): Promise<Buffer> {
  const secret = await attempts.secret(factor, offer);
  const key = shareKey(secret, salt, index);
  try {
    const stored = params.shares[index]!;
    const share = open(
      key,
      Buffer.from(stored.nonce, 'base64'),
      Buffer.from(stored.sealed, 'base64'),
      shareAad(index, params.threshold, factor),
    );
    if (!share) {
      throw new KeywardenError(
        ErrorCode.FACTOR_INCORRECT,
        `${describeFactor(factor)} is not the one enrolled.`,
      );
    }
    return share;
  } finally {
    zeroize(key);
  }
}

import type { FactorEnrolment, OfferedFactor } from '../../electron/core/vault/factor-types.ts';
import type { KdfChoice } from '../../electron/core/vault/kdf-params.ts';
import type { AddSlotRequest } from '../../electron/core/vault/slot-management.ts';
import type { BenchToken, Part } from './unlock-parts.ts';

// The slot kinds the slot unlock benchmark (unlock-bench.ts) measures: how each slot is
// enrolled beside a vault's passphrase slot, and what a person offers to open it. The TPM
// slots bind no PCRs (the CLI's default); a TPM PIN is stretched with the passphrase slot's
// Argon2id parameters, so the two compare; the combined slot is offered both factors, so it is
// the slot tried first (the one that needs the most factors). Every passphrase and PIN is a
// fresh Buffer per call, zeroed by the caller with zeroFactors.

export type FixedKdf = Extract<KdfChoice, { kind: 'fixed' }>;

export const BENCH_PASSPHRASE = 'benchmark passphrase, not a secret';
const TPM_PIN = 'benchmark TPM PIN, not a secret';
export const QUORUM = { tokens: 3, threshold: 2 } as const;

export interface KindContext {
  /** The passphrase slot's Argon2id parameters (section (a)'s). */
  kdf: FixedKdf;
  tokens: BenchToken[];
  /** CKA_ID of the RSA-2048 key on the first token. */
  rsaKeyId: string;
}

export interface SlotKindBench {
  /** The kind's key in the JSON output. */
  id: string;
  /** The kind's name in the table. */
  label: string;
  needs: Part[];
  /** The slot added beside the passphrase slot; null for the passphrase slot itself. */
  slot: (ctx: KindContext) => AddSlotRequest | 'keychain' | null;
  /** What a person offers at unlock. */
  offer: (ctx: KindContext) => OfferedFactor[];
}

const bytes = (text: string) => Buffer.from(text, 'utf8');

/** The vault passphrase, offered. */
export const offerPassphrase = (): OfferedFactor => ({
  kind: 'passphrase',
  passphrase: bytes(BENCH_PASSPHRASE),
});

const token = (ctx: KindContext, index: number): BenchToken => {
  const found = ctx.tokens[index];
  if (!found) throw new Error(`no SoftHSM2 token #${index + 1}`);
  return found;
};
const enrolToken = (t: BenchToken, keyId: string): FactorEnrolment => ({
  kind: 'pkcs11',
  serial: t.serial,
  keyId,
  pin: bytes(t.pin),
});
const offerToken = (t: BenchToken): OfferedFactor => ({
  kind: 'pkcs11',
  serial: t.serial,
  pin: bytes(t.pin),
});

export const SLOT_KINDS: readonly SlotKindBench[] = [
  {
    id: 'passphrase',
    label: 'passphrase slot, same Argon2id',
    needs: [],
    slot: () => null,
    offer: () => [offerPassphrase()],
  },
  {
    id: 'tpm2',
    label: 'TPM 2.0 slot (swtpm), no PIN',
    needs: ['tpm'],
    slot: () => ({ factors: [{ kind: 'tpm2', pcrs: [] }] }),
    offer: () => [{ kind: 'tpm2' }],
  },
  {
    id: 'tpm2Pin',
    label: 'TPM 2.0 slot + PIN (PIN through same Argon2id)',
    needs: ['tpm'],
    slot: ({ kdf }) => ({ factors: [{ kind: 'tpm2', pcrs: [], pin: bytes(TPM_PIN), kdf }] }),
    offer: () => [{ kind: 'tpm2', pin: bytes(TPM_PIN) }],
  },
  {
    id: 'keychain',
    label: 'OS keychain slot (gnome-keyring, private D-Bus)',
    needs: ['keychain'],
    slot: () => 'keychain',
    offer: () => [{ kind: 'keychain' }],
  },
  {
    id: 'pkcs11P256',
    label: 'PKCS#11 slot, EC P-256 key, ECDH (SoftHSM2)',
    needs: ['tokens'],
    slot: (ctx) => ({ factors: [enrolToken(token(ctx, 0), token(ctx, 0).p256)] }),
    offer: (ctx) => [offerToken(token(ctx, 0))],
  },
  {
    id: 'pkcs11Rsa2048',
    label: 'PKCS#11 slot, RSA-2048 key, OAEP (SoftHSM2)',
    needs: ['tokens'],
    slot: (ctx) => ({ factors: [enrolToken(token(ctx, 0), ctx.rsaKeyId)] }),
    offer: (ctx) => [offerToken(token(ctx, 0))],
  },
  {
    id: 'combined',
    label: 'combined slot: passphrase AND TPM 2.0',
    needs: ['tpm'],
    slot: ({ kdf }) => ({
      factors: [
        { kind: 'passphrase', passphrase: bytes(BENCH_PASSPHRASE), kdf },
        { kind: 'tpm2', pcrs: [] },
      ],
    }),
    offer: () => [offerPassphrase(), { kind: 'tpm2' }],
  },
  {
    id: 'quorum',
    label: `quorum slot: ${QUORUM.threshold} of ${QUORUM.tokens} SoftHSM2 tokens (P-256)`,
    needs: ['tokens'],
    slot: (ctx) => ({
      factors: ctx.tokens.map((t) => enrolToken(t, t.p256)),
      threshold: QUORUM.threshold,
    }),
    offer: (ctx) => ctx.tokens.slice(0, QUORUM.threshold).map(offerToken),
  },
];

/** Zeroes the passphrase and PIN bytes of factors offered or enrolled. */
export function zeroFactors(factors: ReadonlyArray<OfferedFactor | FactorEnrolment>): void {
  for (const factor of factors) {
    if ('passphrase' in factor) factor.passphrase.fill(0);
    if ('pin' in factor) factor.pin?.fill(0);
  }
}

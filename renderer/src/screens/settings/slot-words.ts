import type { SlotSummary } from '../../../../electron/shared/vault-types.ts';

// An unlock slot's public description in words: its kind, and what opens it. Nothing here
// is secret (the header is readable without unlocking).

const KINDS: Readonly<Record<string, string>> = {
  passphrase: 'Passphrase',
  'recovery-key': 'Recovery key',
  keychain: 'OS keychain',
  tpm2: 'TPM 2.0',
  pkcs11: 'Smartcard or HSM',
  'yubikey-hmac': 'YubiKey',
  fido2: 'FIDO2 security key',
  combined: 'Combined factors',
  quorum: 'Quorum',
};

/** "Passphrase", "Quorum: 2 of 3". */
export function slotKindWords(slot: SlotSummary): string {
  const kind = KINDS[slot.kind] ?? slot.kind;
  if (slot.kind === 'quorum')
    return `${kind}: ${slot.threshold ?? '?'} of ${slot.factors?.length ?? '?'}`;
  return kind;
}

/** What opens the slot: its factors in words, or for a passphrase its Argon2id cost. */
export function slotFactorWords(slot: SlotSummary): string[] {
  if (slot.factors && slot.factors.length > 0) return slot.factors;
  if (slot.kdf) {
    const { memoryKiB, iterations, parallelism } = slot.kdf;
    return [
      `Argon2id: ${Math.round(memoryKiB / 1024)} MiB, ${iterations} iterations, ${parallelism} lanes`,
    ];
  }
  if (slot.sealer) return [`kept by ${slot.sealer}`];
  return [];
}

const WHEN = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A slot's creation time for people; the raw text if it does not parse. */
export function createdWords(createdAt: string): string {
  const at = new Date(createdAt);
  return Number.isNaN(at.getTime()) ? createdAt : WHEN.format(at);
}

import type { SlotSummary } from '../../../../electron/shared/vault-types.ts';

// What a person must give to open a slot, read from the slot's public description: its kind,
// and for device, combined and quorum slots the factors in words ("TPM, PCR 7, PIN",
// "token 1234 (Ops) key 01", "FIDO2 key with PIN"). Nothing here is secret.

export type Need =
  | { kind: 'passphrase' }
  | { kind: 'recovery-key' }
  | { kind: 'keychain' }
  | { kind: 'tpm2'; pin: boolean }
  | { kind: 'pkcs11'; serial: string; label: string }
  | { kind: 'yubikey-hmac'; slot: string }
  | { kind: 'fido2'; pin: boolean };

/** The need one factor description names, or null for one this screen does not know. */
export function needOf(words: string): Need | null {
  if (words === 'passphrase') return { kind: 'passphrase' };
  if (words.startsWith('OS keychain')) return { kind: 'keychain' };
  if (words.startsWith('TPM')) return { kind: 'tpm2', pin: /, PIN$/.test(words) };
  const token = /^token (\S+)(?: \((.*)\))? key /.exec(words);
  if (token) return { kind: 'pkcs11', serial: token[1] ?? '', label: token[2] ?? '' };
  const yubikey = /^YubiKey slot (\d)/.exec(words);
  if (yubikey) return { kind: 'yubikey-hmac', slot: yubikey[1] ?? '' };
  if (words.startsWith('FIDO2')) return { kind: 'fido2', pin: words.endsWith('with PIN') };
  return null;
}

/** Everything a slot may ask for; for a quorum slot, any `threshold` of them will do. */
export function needsOf(slot: SlotSummary): Need[] {
  if (slot.kind === 'passphrase') return [{ kind: 'passphrase' }];
  if (slot.kind === 'recovery-key') return [{ kind: 'recovery-key' }];
  if (slot.kind === 'keychain') return [{ kind: 'keychain' }];
  const described = (slot.factors ?? []).map(needOf).filter((need) => need !== null);
  if (described.length > 0) return described;
  switch (slot.kind) {
    case 'tpm2':
      return [{ kind: 'tpm2', pin: false }];
    case 'yubikey-hmac':
      return [{ kind: 'yubikey-hmac', slot: '' }];
    case 'fido2':
      return [{ kind: 'fido2', pin: false }];
    default:
      return [];
  }
}

/**
 * Whether a need is given, so that the unlock request offers its factor: what must be typed
 * (a passphrase, a recovery key, a token's PIN) once it is; a device that needs no typing, or
 * whose PIN is optional, always.
 */
export function isGiven(need: Need, typed: string | undefined): boolean {
  switch (need.kind) {
    case 'passphrase':
    case 'recovery-key':
    case 'pkcs11':
      return (typed ?? '') !== '';
    default:
      return true;
  }
}

/** A slot in words: "Passphrase", "Quorum: 2 of 3 (officers)". */
export function slotTitle(slot: SlotSummary): string {
  const kinds: Record<string, string> = {
    passphrase: 'Passphrase',
    'recovery-key': 'Recovery key',
    keychain: 'OS keychain',
    tpm2: 'TPM 2.0',
    pkcs11: 'Smartcard or HSM',
    'yubikey-hmac': 'YubiKey',
    fido2: 'FIDO2 security key',
    combined: 'Combined factors',
    quorum: `Quorum: ${slot.threshold ?? '?'} of ${slot.factors?.length ?? '?'}`,
  };
  const name = slot.name ? ` (${slot.name})` : '';
  return `${kinds[slot.kind] ?? slot.kind}${name}`;
}

import { GENERATED_ALGORITHMS, TIERS } from '../../../../electron/shared/inventory-types.ts';
import type {
  GeneratedAlgorithm,
  PersonView,
  Purpose,
  Tier,
} from '../../../../electron/shared/inventory-types.ts';
import { TOKEN_KEY_ALGORITHMS } from '../../../../electron/shared/token-types.ts';

// What the new-key form offers: the algorithms the vault or a token generates, the purposes
// each allows (as the vault checks them; the service refuses any other in words), a sensible
// first choice of purposes, and who may own or hold a key.

/** The purposes each algorithm may serve, as the vault checks them. */
export { ALGORITHM_PURPOSES } from '../../../../electron/shared/inventory-types.ts';

/** The purposes a new key of each algorithm starts with. */
export const DEFAULT_PURPOSES: Readonly<Record<GeneratedAlgorithm, readonly Purpose[]>> = {
  ed25519: ['sign', 'verify'],
  x25519: ['agree', 'derive'],
  p256: ['sign', 'verify'],
  p384: ['sign', 'verify'],
  rsa3072: ['sign', 'verify'],
  rsa4096: ['sign', 'verify'],
  aes256: ['encrypt', 'decrypt'],
  'hmac-sha256': ['mac', 'verify'],
};

export const ALGORITHM_WORDS: Readonly<Record<GeneratedAlgorithm, string>> = {
  ed25519: 'Ed25519 (signing, SSH)',
  x25519: 'X25519 (key agreement)',
  p256: 'ECDSA P-256',
  p384: 'ECDSA P-384',
  rsa3072: 'RSA 3072',
  rsa4096: 'RSA 4096',
  aes256: 'AES-256 (secret key)',
  'hmac-sha256': 'HMAC-SHA256 (secret key)',
};

export type Placement = 'vault' | 'token';

/**
 * The algorithms generated in each place. A token makes the ones it knows that the vault
 * would generate too: RSA-2048 is held when found, never made new.
 */
export function algorithmsFor(placement: Placement): GeneratedAlgorithm[] {
  if (placement === 'vault') return [...GENERATED_ALGORITHMS];
  return GENERATED_ALGORITHMS.filter((a) =>
    (TOKEN_KEY_ALGORITHMS as readonly string[]).includes(a),
  );
}

/** Tiers allowed in each place: a tier 1 key lives on a token (or split), never whole in the vault. */
export function tiersFor(placement: Placement): Tier[] {
  return TIERS.filter((tier) => placement === 'token' || tier !== 1);
}

/** People who may own a key or hold it as custodian: anyone but auditors, who perform no key operation. */
export function keyPeople(people: readonly PersonView[]): PersonView[] {
  return people
    .filter((person) => !person.roles.includes('auditor'))
    .sort((a, b) => a.name.localeCompare(b.name));
}

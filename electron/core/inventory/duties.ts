import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { Role, Tier } from '../../shared/inventory-types.ts';

// Separation of duties and the tier rules: checks that refuse, naming the rule, before any
// change is made.

export interface Person {
  id: string;
  name: string;
  roles: Role[];
}

function refuse(rule: string): never {
  throw new KeywardenError(ErrorCode.SEPARATION_OF_DUTIES, rule);
}

/** An auditor reads the evidence and performs no key operation. Throws SEPARATION_OF_DUTIES. */
export function requireKeyOperator(person: Person): void {
  if (person.roles.includes('auditor')) {
    refuse(`${person.name} is an auditor, and an auditor performs no key operation.`);
  }
}

/**
 * An owner is a person, and for a tier 1-2 key is never the only custodian: someone else
 * must hold it too. Throws SEPARATION_OF_DUTIES.
 */
export function requireCustody(tier: Tier, owner: Person, custodians: readonly Person[]): void {
  if (tier > 2) return;
  const others = custodians.filter((custodian) => custodian.id !== owner.id);
  if (others.length === 0) {
    refuse(
      `A tier ${tier} key needs a custodian other than its owner ${owner.name}; add one with --custodian.`,
    );
  }
}

/** A destruction needs an authoriser and a witness who are different people. Throws SEPARATION_OF_DUTIES. */
export function requireDestructionParties(authoriser: Person, witness: Person): void {
  if (authoriser.id === witness.id) {
    refuse(
      `${authoriser.name} cannot both authorise and witness a destruction; name a different witness.`,
    );
  }
  requireKeyOperator(authoriser);
}

export type KeyPlacement =
  { kind: 'vault' } | { kind: 'token' } | { kind: 'external' } | { kind: 'split' };

/**
 * Tier 1 (catastrophic if lost or disclosed) keys live on a token or are split among
 * custodians, never whole in the vault or elsewhere. Throws POLICY_VIOLATION naming the rule.
 */
export function requireTierPlacement(tier: Tier, placement: KeyPlacement): void {
  if (tier === 1 && placement.kind !== 'token' && placement.kind !== 'split') {
    throw new KeywardenError(
      ErrorCode.POLICY_VIOLATION,
      `Rule "tier 1 on a token or split": a tier 1 key must be generated on a token or split among custodians, not kept ${placement.kind === 'vault' ? 'whole in the vault' : 'as an external reference'}.`,
    );
  }
}

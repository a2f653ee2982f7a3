import { describe, expect, it } from 'vitest';
import {
  requireCustody,
  requireDestructionParties,
  requireKeyOperator,
  requireTierPlacement,
} from '../../../electron/core/inventory/duties.ts';
import type { Person } from '../../../electron/core/inventory/duties.ts';

const alice: Person = { id: 'p-alice', name: 'Alice', roles: ['officer', 'custodian'] };
const bob: Person = { id: 'p-bob', name: 'Bob', roles: ['custodian', 'witness'] };
const audrey: Person = { id: 'p-audrey', name: 'Audrey', roles: ['auditor', 'witness'] };
const refused = (code: string) => expect.objectContaining({ code });

describe('separation of duties', () => {
  it('an auditor performs no key operation', () => {
    expect(() => requireKeyOperator(audrey)).toThrow(refused('SEPARATION_OF_DUTIES'));
    expect(() => requireKeyOperator(alice)).not.toThrow();
  });

  it.each([1, 2] as const)('a tier %i key needs a custodian besides its owner', (tier) => {
    expect(() => requireCustody(tier, alice, [])).toThrow(refused('SEPARATION_OF_DUTIES'));
    expect(() => requireCustody(tier, alice, [alice])).toThrow(/other than its owner Alice/);
    expect(() => requireCustody(tier, alice, [alice, bob])).not.toThrow();
  });

  it.each([3, 4] as const)('a tier %i key may be held by its owner alone', (tier) => {
    expect(() => requireCustody(tier, alice, [alice])).not.toThrow();
  });

  it('a destruction needs an authoriser and a different witness, and no auditor authorises', () => {
    expect(() => requireDestructionParties(alice, alice)).toThrow(refused('SEPARATION_OF_DUTIES'));
    expect(() => requireDestructionParties(audrey, bob)).toThrow(refused('SEPARATION_OF_DUTIES'));
    expect(() => requireDestructionParties(alice, audrey)).not.toThrow();
  });
});

describe('tier rules', () => {
  it.each([
    ['vault', true],
    ['external', true],
    ['token', false],
    ['split', false],
  ] as const)('a tier 1 key placed as %s is refused: %s', (kind, refusedExpected) => {
    const check = () => requireTierPlacement(1, { kind });
    if (refusedExpected)
      expect(check).toThrow(
        expect.objectContaining({
          code: 'POLICY_VIOLATION',
          message: expect.stringContaining('tier 1 on a token or split'),
        }),
      );
    else expect(check).not.toThrow();
  });

  it.each([2, 3, 4] as const)('a tier %i key may live in the vault', (tier) => {
    expect(() => requireTierPlacement(tier, { kind: 'vault' })).not.toThrow();
  });
});

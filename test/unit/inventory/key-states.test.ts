import { describe, expect, it } from 'vitest';
import {
  requireStateAllows,
  requireTransition,
  stateAllows,
} from '../../../electron/core/inventory/key-states.ts';
import { KEY_STATES, PURPOSES } from '../../../electron/shared/inventory-types.ts';

// Written out by hand from NIST SP 800-57 Part 1 section 7 and the issue, not derived from
// the implementation's table, so that a wrong entry there fails here.
const LEGAL = new Set([
  'pre-activation>active',
  'pre-activation>compromised',
  'pre-activation>destroyed',
  'active>suspended',
  'active>deactivated',
  'active>compromised',
  'suspended>active',
  'suspended>deactivated',
  'suspended>compromised',
  'deactivated>destruction-pending',
  'deactivated>compromised',
  'destruction-pending>destroyed',
  'destruction-pending>deactivated',
  'destruction-pending>compromised',
  'compromised>destroyed-compromised',
  'destroyed>destroyed-compromised',
]);

const pairs = KEY_STATES.flatMap((from) => KEY_STATES.map((to) => [from, to] as const));

describe('lifecycle transitions', () => {
  it('covers all 64 pairs', () => expect(pairs).toHaveLength(64));

  it.each(pairs)('%s -> %s', (from, to) => {
    if (LEGAL.has(`${from}>${to}`)) {
      expect(() => requireTransition(from, to)).not.toThrow();
    } else {
      expect(() => requireTransition(from, to)).toThrow(
        expect.objectContaining({
          code: 'KEY_STATE_INVALID',
          message: expect.stringContaining(`The key is ${from}`),
        }),
      );
    }
  });
});

// What each state allows, by hand: protection only while active; processing (verify,
// decrypt, unwrap) also while suspended, deactivated or awaiting destruction.
const PROCESS = ['verify', 'decrypt', 'unwrap'];
const expectedAllows = (state: string, use: string): boolean => {
  if (state === 'active') return true;
  if (['suspended', 'deactivated', 'destruction-pending'].includes(state))
    return PROCESS.includes(use);
  return false;
};

describe('uses by state', () => {
  const cases = KEY_STATES.flatMap((state) => PURPOSES.map((use) => [state, use] as const));
  it.each(cases)('%s key, %s', (state, use) => {
    expect(stateAllows(state, use)).toBe(expectedAllows(state, use));
  });

  it('a deactivated key verifies and decrypts but never signs or encrypts', () => {
    expect(() => requireStateAllows('deactivated', 'verify')).not.toThrow();
    expect(() => requireStateAllows('deactivated', 'decrypt')).not.toThrow();
    expect(() => requireStateAllows('deactivated', 'sign')).toThrow(
      /deactivated: it cannot sign \(it may still verify/,
    );
    expect(() => requireStateAllows('deactivated', 'encrypt')).toThrow(
      expect.objectContaining({ code: 'KEY_STATE_INVALID' }),
    );
  });
});

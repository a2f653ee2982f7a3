import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { KeyState, Purpose } from '../../shared/inventory-types.ts';

// The key lifecycle (NIST SP 800-57 Part 1 section 7, KMIP, CycloneDX CBOM): which state may
// follow which, and what a key in each state may still be used for.

/** The legal transitions: from each state, the states it may move to. */
export const TRANSITIONS: Readonly<Record<KeyState, readonly KeyState[]>> = {
  'pre-activation': ['active', 'compromised', 'destroyed'],
  active: ['suspended', 'deactivated', 'compromised'],
  suspended: ['active', 'deactivated', 'compromised'],
  deactivated: ['destruction-pending', 'compromised'],
  // The destruction window: cancelling it returns the key to deactivated.
  'destruction-pending': ['destroyed', 'deactivated', 'compromised'],
  compromised: ['destroyed-compromised'],
  destroyed: ['destroyed-compromised'],
  'destroyed-compromised': [],
};

/** Uses that apply protection, allowed only while a key is active. */
const PROTECT: ReadonlySet<Purpose> = new Set([
  'sign',
  'encrypt',
  'wrap',
  'mac',
  'derive',
  'agree',
  'ssh-auth',
]);
/** Uses that only process protected data (verify, decrypt, unwrap), allowed a little longer. */
const PROCESS: ReadonlySet<Purpose> = new Set(['verify', 'decrypt', 'unwrap']);
const PROCESSING_STATES: ReadonlySet<KeyState> = new Set([
  'active',
  'suspended',
  'deactivated',
  'destruction-pending',
]);

/** Whether a key in `state` may be used for `use`. */
export function stateAllows(state: KeyState, use: Purpose): boolean {
  if (PROTECT.has(use)) return state === 'active';
  return PROCESS.has(use) && PROCESSING_STATES.has(state);
}

/** Refuses a use the state does not allow. Throws KEY_STATE_INVALID naming the state. */
export function requireStateAllows(state: KeyState, use: Purpose): void {
  if (!stateAllows(state, use)) {
    const allowed = PROCESSING_STATES.has(state)
      ? ' (it may still verify, decrypt and unwrap)'
      : '';
    throw new KeywardenError(
      ErrorCode.KEY_STATE_INVALID,
      `The key is ${state}: it cannot ${use}${allowed}.`,
    );
  }
}

/** Refuses a transition the lifecycle does not allow. Throws KEY_STATE_INVALID naming the current state. */
export function requireTransition(from: KeyState, to: KeyState): void {
  if (!TRANSITIONS[from].includes(to)) {
    const next = TRANSITIONS[from];
    throw new KeywardenError(
      ErrorCode.KEY_STATE_INVALID,
      `The key is ${from} and cannot become ${to}; from ${from} it may become ${next.length ? next.join(', ') : 'nothing else'}.`,
    );
  }
}

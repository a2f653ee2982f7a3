import type { CryptoPeriod, KeyState } from './inventory-types.ts';

// When a key falls due, the one rule core's dueWithinDays filter, the summaries the inventory
// loads and the screens all follow: a key still protecting data is due at the end of its
// originator-usage period (or, with no originator use, its recipient-usage period); a key
// winding down is due when it may no longer process either, the end of its recipient-usage
// period; a destroyed key is never due again. Plain data only: the renderer imports it.

/** Which end of its crypto-period a key falls due at. */
export type DueEnd = 'originator' | 'recipient';

/** Keys that still apply protection: due when their originator usage ends. */
const IN_USE: ReadonlySet<KeyState> = new Set(['pre-activation', 'active', 'suspended']);
/** Keys that only process (verify, decrypt, unwrap): due when their recipient usage ends. */
const WINDING_DOWN: ReadonlySet<KeyState> = new Set([
  'deactivated',
  'compromised',
  'destruction-pending',
]);

/**
 * When a key in `state` with crypto-period `period` falls due (an ISO date) and at which end
 * of the period; null for a key never due again. Throws nothing.
 */
export function dueEndOf(
  state: KeyState,
  period: CryptoPeriod,
): { at: string; end: DueEnd } | null {
  if (IN_USE.has(state)) {
    return period.originatorUsageEnd === null
      ? { at: period.recipientUsageEnd, end: 'recipient' }
      : { at: period.originatorUsageEnd, end: 'originator' };
  }
  if (WINDING_DOWN.has(state)) return { at: period.recipientUsageEnd, end: 'recipient' };
  return null;
}

/** When a key in `state` with crypto-period `period` falls due, as an ISO date; null for never. */
export function dueDateOf(state: KeyState, period: CryptoPeriod): string | null {
  return dueEndOf(state, period)?.at ?? null;
}

import { describe, expect, it } from 'vitest';
import { dueDateOf, dueEndOf } from '../../../electron/shared/due-dates.ts';
import { KEY_STATES } from '../../../electron/shared/inventory-types.ts';
import type { CryptoPeriod, KeyState } from '../../../electron/shared/inventory-types.ts';

// The one due-date rule (shared/due-dates.ts) that core's dueWithinDays filter, the
// inventory's summaries and the screens follow, state by state.

const PERIOD: CryptoPeriod = {
  policyRow: 'signature-private',
  originatorUsageEnd: '2027-01-01T00:00:00.000Z',
  recipientUsageEnd: '2029-01-01T00:00:00.000Z',
};
/** A key type with no originator use (a public verification key). */
const RECIPIENT_ONLY: CryptoPeriod = { ...PERIOD, originatorUsageEnd: null };

const EXPECTED: Record<KeyState, 'originator' | 'recipient' | null> = {
  'pre-activation': 'originator',
  active: 'originator',
  suspended: 'originator',
  deactivated: 'recipient',
  compromised: 'recipient',
  'destruction-pending': 'recipient',
  destroyed: null,
  'destroyed-compromised': null,
};

describe('when a key falls due', () => {
  it.each(KEY_STATES.map((state) => [state, EXPECTED[state]] as const))(
    'a %s key: at its %s-usage end',
    (state, end) => {
      const at =
        end === 'originator'
          ? PERIOD.originatorUsageEnd
          : end === 'recipient'
            ? PERIOD.recipientUsageEnd
            : null;
      expect(dueEndOf(state, PERIOD)).toEqual(end === null ? null : { at, end });
      expect(dueDateOf(state, PERIOD)).toBe(at);
    },
  );

  it('a key in use with no originator use falls due at its recipient-usage end', () => {
    expect(dueEndOf('active', RECIPIENT_ONLY)).toEqual({
      at: RECIPIENT_ONLY.recipientUsageEnd,
      end: 'recipient',
    });
    expect(dueDateOf('suspended', RECIPIENT_ONLY)).toBe(RECIPIENT_ONLY.recipientUsageEnd);
  });
});

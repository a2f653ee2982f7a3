// Times in the audit screen: local, to the second, in the person's own locale.

const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** "23 Nov 2026, 05:04:11" (as the locale writes it) in local time, from an ISO date. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : TIME.format(date);
}

const DAY = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const CLOCK = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

/** The day and the time of day apart, for a narrow column. */
export function dayAndClock(iso: string): { day: string; clock: string } {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return { day: iso, clock: '' };
  return { day: DAY.format(date), clock: CLOCK.format(date) };
}

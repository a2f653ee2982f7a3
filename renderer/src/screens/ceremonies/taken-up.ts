// Which ceremonies this page has taken up: the ones started here, and the ones resumed here.
// A ceremony opened before (in another session, or before a lock reloaded the page) is taken
// up with ceremony:resume first, so its transcript records that it went on in a new session,
// as `keywarden ceremony resume` records it. Ids only; nothing here outlives the page.

const takenUp = new Set<string>();

/** Marks a ceremony as taken up by this page (started or resumed here). */
export function takeUp(id: string): void {
  takenUp.add(id);
}

/** Whether this page started or resumed the ceremony. */
export function isTakenUp(id: string): boolean {
  return takenUp.has(id);
}

import { AsyncLocalStorage } from 'node:async_hooks';

// A change that needs a fresh unlock (REAUTH_WINDOW_MS) may instead run right after a person
// authenticated for that very change: a ceremony's administrator proves presence at the step
// whose action splits a key. The grant belongs to the asynchronous call that was given it
// (AsyncLocalStorage), so it is never something a request can claim for itself.

const grants = new AsyncLocalStorage<{ reason: string }>();

/** Runs `work` as freshly authenticated, for `reason` (what authenticated it). */
export function asFreshlyAuthenticated<T>(reason: string, work: () => Promise<T>): Promise<T> {
  return grants.run({ reason }, work);
}

/** Whether the current call runs under a grant of asFreshlyAuthenticated. */
export function isFreshlyAuthenticated(): boolean {
  return grants.getStore() !== undefined;
}

import { AsyncLocalStorage } from 'node:async_hooks';
import type { RecordStore } from './record-store.ts';

// A rider is a change that must commit in the same transaction as the next change some other
// code makes: a ceremony step is recorded as done in the very transaction that generates,
// rotates or destroys its key, so a crash leaves both or neither. The rider belongs to the
// asynchronous call that set it (AsyncLocalStorage), so another request served meanwhile by
// the same vault never carries it.

/** Runs inside the next audited transaction, given the records and what the change returned. */
export type Rider = (records: RecordStore, value: unknown) => void;

interface Seat {
  rider: Rider;
  /** Whether the rider goes with a transaction whose change returned `value`. */
  accepts: (value: unknown) => boolean;
  taken: boolean;
}

const seats = new AsyncLocalStorage<Seat>();

/**
 * Runs `work` with `rider` attached to the first audited transaction it makes whose change
 * returned a value `accepts` takes (any, by default): a destruction on a token first records
 * that it began, and only its last transaction says the key is destroyed. Returns what `work`
 * returned and whether the rider went along (false: no such transaction committed, and the
 * caller records the step in a transaction of its own). Throws whatever `work` throws.
 */
export async function withRider<T>(
  rider: Rider,
  work: () => Promise<T>,
  accepts: (value: unknown) => boolean = () => true,
): Promise<{ value: T; carried: boolean }> {
  const seat: Seat = { rider, accepts, taken: false };
  const value = await seats.run(seat, work);
  return { value, carried: seat.taken };
}

/**
 * Called inside a transaction once its change has run: runs the waiting rider, if any, and
 * marks it taken (a rollback after this puts it back).
 */
export function carryRider(records: RecordStore, value: unknown): () => void {
  const seat = seats.getStore();
  if (!seat || seat.taken || !seat.accepts(value)) return () => undefined;
  seat.rider(records, value);
  seat.taken = true;
  return () => {
    seat.taken = false;
  };
}

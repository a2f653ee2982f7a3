import type { DetailValue } from '../shared/ceremony-run-types.ts';
import { zeroize } from '../core/crypto/bytes.ts';
import type { ActionInput, Contributions } from './ceremony-actions.ts';

// What the contributors to a ceremony's action step have given (shares, components, PINs: as
// copies, the request's own bytes being zeroed when its call returns) and how each proved
// presence, held in memory only until the last contributor comes and the action runs. Each
// set belongs to one step at one head of the transcript: once the ceremony has moved on (or
// another process moved it) a set left over is dropped, never used. Locking the vault drops
// every set: nothing given for a ceremony outlives the session it was given in.

interface HeldSet {
  step: string;
  head: string;
  inputs: Contributions;
  proofs: Map<string, Record<string, DetailValue>>;
}

export class HeldContributions {
  readonly #sets = new Map<string, HeldSet>();

  /** The set held for `ceremony` at `step` and transcript head `head`, if that is the one held. */
  get(ceremony: string, step: string, head: string): HeldSet | null {
    const set = this.#sets.get(ceremony);
    return set && set.step === step && set.head === head ? set : null;
  }

  /** Adds `name`'s contribution (copied) and proof to the set for that step and head. */
  add(
    ceremony: string,
    at: { step: string; head: string },
    name: string,
    input: ActionInput | undefined,
    proof: Record<string, DetailValue>,
  ): HeldSet {
    if (!this.get(ceremony, at.step, at.head)) this.drop(ceremony);
    const set = this.#sets.get(ceremony) ?? { ...at, inputs: new Map(), proofs: new Map() };
    const copies = Object.entries(input ?? {}).map(([field, value]) => [
      field,
      value === undefined ? undefined : Buffer.from(value),
    ]);
    set.inputs.set(name, Object.fromEntries(copies) as ActionInput);
    set.proofs.set(name, proof);
    this.#sets.set(ceremony, set);
    return set;
  }

  /** Zeroes and forgets what is held for `ceremony`. */
  drop(ceremony: string): void {
    for (const input of this.#sets.get(ceremony)?.inputs.values() ?? [])
      for (const value of Object.values(input)) if (value instanceof Uint8Array) zeroize(value);
    this.#sets.delete(ceremony);
  }

  /** Zeroes and forgets everything held (the vault is being locked). */
  clear(): void {
    for (const ceremony of [...this.#sets.keys()]) this.drop(ceremony);
  }
}

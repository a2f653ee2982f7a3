import type { KeyAlgorithm, KeyState, Purpose, Tier } from './inventory-types.ts';

// What keys:list-summaries gives the inventory screen: of each key, only what its grid shows,
// filters, searches and sorts by (a KeyView's history, public key and notes are the key
// screen's to load), so a 100,000-key inventory crosses IPC in a fraction of keys:list's size.

/** Where a key lives, as the grid shows and filters it: no module path, no external reference. */
export type KeySummaryLocation =
  { kind: 'vault' } | { kind: 'token'; serial: string } | { kind: 'external' };

/** One key as the inventory grid holds it. Never holds key material. */
export interface KeySummary {
  id: string;
  name: string;
  algorithm: KeyAlgorithm;
  /** A person id. */
  owner: string;
  state: KeyState;
  tier: Tier;
  purposes: Purpose[];
  environment: string;
  labels: string[];
  location: KeySummaryLocation;
  /** When the key falls due (shared/due-dates.ts), as an ISO date; null for never again. */
  due: string | null;
}

/** A page of the summaries, by name then id, and how many keys the vault holds in all. */
export interface KeySummaryPage {
  keys: KeySummary[];
  total: number;
  /**
   * Names the read of the vault the page was cut from. Pages of one scan join up; a page of
   * another scan means the keys changed between the calls, and the paging starts over.
   */
  scan: string;
}

/** How far a scan of the vault's key entries has got: `done` of `total` entries read. */
export interface KeyScanProgress {
  done: number;
  total: number;
}

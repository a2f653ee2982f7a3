import { GENERATED_ALGORITHMS } from '../../shared/inventory-types.ts';
import type { KeyActions, KeyVersionView, KeyView } from '../../shared/inventory-types.ts';
import { toPgpWords } from '../ceremony/pgp-words.ts';
import type { RecordStore } from '../vault/record-store.ts';
import { destructionIsDue } from './key-destruction.ts';
import { DESTRUCTION_STATES, readKey } from './key-inventory.ts';
import { ROTATABLE } from './key-rotation.ts';
import { TRANSITIONS, stateAllows } from './key-states.ts';

// What a key's detail view shows beyond its stored entry: the fingerprint in PGP words, the
// versions of its lineage, and the actions its state and place allow now. Worked out here,
// from the lifecycle's own tables, so the UI never repeats the state machine.

/** The fingerprint's bytes ("SHA256:" and unpadded base64) in PGP words; null for none. */
function fingerprintWords(fingerprint: string | null): string[] | null {
  const encoded = fingerprint?.replace(/^SHA256:/, '');
  return encoded ? toPgpWords(Buffer.from(encoded, 'base64')) : null;
}

const versionOf = (key: KeyView): KeyVersionView => ({
  id: key.id,
  version: key.version,
  state: key.state,
  createdAt: key.createdAt,
  activatedAt: key.activatedAt,
});

/** Every version of `key`'s lineage, oldest first, by following predecessor and successor. */
function versionsOf(records: RecordStore, key: KeyView): KeyVersionView[] {
  const older: KeyVersionView[] = [];
  const newer: KeyVersionView[] = [];
  const seen = new Set([key.id]);
  for (let id = key.predecessor; id !== null && !seen.has(id);) {
    seen.add(id);
    const version = readKey(records, id);
    older.unshift(versionOf(version));
    id = version.predecessor;
  }
  for (let id = key.successor; id !== null && !seen.has(id);) {
    seen.add(id);
    const version = readKey(records, id);
    newer.push(versionOf(version));
    id = version.successor;
  }
  return [...older, versionOf(key), ...newer];
}

/** What keys:transition, keys:rotate, keys:destroy and the exports would accept for `key` now. */
export function keyActions(key: KeyView, now: Date): KeyActions {
  const held = key.location.kind === 'vault' && !key.publicOnly;
  const destroy: KeyActions['destroy'] =
    key.state === 'deactivated'
      ? 'schedule'
      : key.state === 'compromised'
        ? 'destroy-now'
        : destructionIsDue(key, now)
          ? 'carry-out'
          : null;
  // A pending destruction leaves only through the destruction flow (cancel or carry out), or
  // to compromised; once begun on a token, only to compromised.
  const transitions =
    key.state === 'destruction-pending' || key.destructionBegun
      ? TRANSITIONS[key.state].filter((to) => to === 'compromised')
      : TRANSITIONS[key.state].filter((to) => !DESTRUCTION_STATES.has(to));
  return {
    transitions,
    rotate:
      key.successor === null &&
      ROTATABLE.has(key.state) &&
      held &&
      (GENERATED_ALGORITHMS as readonly string[]).includes(key.algorithm),
    destroy,
    destroyNeedsPin:
      key.location.kind === 'token' && (destroy === 'carry-out' || destroy === 'destroy-now'),
    cancelDestroy: key.state === 'destruction-pending' && !key.destructionBegun,
    exportPublic: key.publicKey !== null,
    csr:
      held &&
      key.publicKey !== null &&
      key.purposes.includes('sign') &&
      stateAllows(key.state, 'sign'),
  };
}

/**
 * A key's entry with what its detail view shows: fingerprint words, versions, allowed
 * actions. Call inside a read. Throws KEY_NOT_FOUND, RECORD_TAMPERED.
 */
export function describeKey(records: RecordStore, id: string, now: Date): KeyView {
  const key = readKey(records, id);
  const words = fingerprintWords(key.fingerprint);
  return {
    ...key,
    ...(words ? { fingerprintWords: words } : {}),
    versions: versionsOf(records, key),
    actions: keyActions(key, now),
  };
}

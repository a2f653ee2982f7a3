import { join } from 'node:path';
import type { DetailValue } from '../shared/ceremony-run-types.ts';
import type { KeyView } from '../shared/inventory-types.ts';
import { zeroize } from '../core/crypto/bytes.ts';
import { keyCheckValue } from '../core/ceremony/kcv.ts';
import type { CeremonyState } from '../core/ceremony/ceremony-state.ts';
import { readKey } from '../core/inventory/key-inventory.ts';
import { readKeyMaterial } from '../core/inventory/key-material.ts';
import type { RecordStore } from '../core/vault/record-store.ts';

// What a ceremony's action entry says: the key it made, rebuilt, rotated or destroyed (ids,
// check values, fingerprints, never material), who acted and how each proved presence.

/** A parameter's value as text, or undefined. */
export const text = (value: DetailValue | undefined) =>
  typeof value === 'string' ? value : undefined;
/** A parameter's value as a list (purposes), or empty. */
export const list = (value: DetailValue | undefined) => (Array.isArray(value) ? value : []);

/** A key entry as the transcript names it. */
export function keyDetail(key: KeyView): Record<string, DetailValue> {
  return {
    key: key.id,
    name: key.name,
    algorithm: key.algorithm,
    fingerprint: key.fingerprint,
    location: key.location.kind === 'token' ? `token ${key.location.serial}` : key.location.kind,
  };
}

/** The check value of a secret key just entered (its material read and zeroed at once). */
export function secretKcv(records: RecordStore, id: string): string {
  const material = readKeyMaterial(records, readKey(records, id));
  try {
    return keyCheckValue(material);
  } finally {
    zeroize(material);
  }
}

/** Whether a transaction's change returned a key entry. */
export function isKeyView(value: unknown): value is KeyView {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as KeyView).id === 'string' &&
    typeof (value as KeyView).algorithm === 'string'
  );
}

/**
 * Who acted on an action step and how each proved presence, in order: "passphrase", or
 * "token:" and the signature over the presence challenge at the entry's head, which
 * verifyTranscript checks against the participant's key.
 */
export function presenceOf(proofs: ReadonlyMap<string, Record<string, DetailValue>>) {
  const entries = [...proofs.entries()];
  return {
    contributors: entries.map(([name]) => name),
    proofs: entries.map(([, proof]) =>
      proof.proof === 'token' ? `token:${String(proof.signature)}` : 'passphrase',
    ),
  };
}

/** The folder of a ceremony's split files, inside the folder the parameters name. */
export function splitFolder(state: CeremonyState): string {
  return join(
    text(state.header.parameters['out-dir']) ?? '',
    `shares-${state.header.ceremony.slice(0, 8)}`,
  );
}

import { describe, expect, it } from 'vitest';
import { toggleRecords } from '../../../electron/core/vault/record-set.ts';
import type { RecordAddress } from '../../../electron/core/vault/record-set.ts';

const key = Buffer.alloc(32, 9);
const addresses: RecordAddress[] = [
  { collection: 'keys', recordId: 'a', version: 1 },
  { collection: 'keys', recordId: 'b', version: 3 },
  { collection: 'notes', recordId: 'a', version: 1 },
];
const setOf = (list: RecordAddress[], k: Buffer = key) => {
  const set = Buffer.alloc(32);
  toggleRecords(set, k, list);
  return set;
};

describe('the record set', () => {
  it('does not depend on the order rows are read in', () => {
    expect(setOf(addresses).equals(setOf([...addresses].reverse()))).toBe(true);
  });

  it('changes with any address: collection, id or version', () => {
    const base = setOf(addresses);
    for (const changed of [
      { collection: 'keys', recordId: 'a', version: 2 },
      { collection: 'keys', recordId: 'c', version: 1 },
      { collection: 'other', recordId: 'a', version: 1 },
    ]) {
      expect(setOf([changed, ...addresses.slice(1)]).equals(base)).toBe(false);
    }
    expect(setOf(addresses.slice(1)).equals(base)).toBe(false);
  });

  it('is keyed: another key gives another set', () => {
    expect(setOf(addresses, Buffer.alloc(32, 8)).equals(setOf(addresses))).toBe(false);
  });

  it('toggling an address twice removes it, which is why a repeated row must be refused', () => {
    const set = setOf(addresses);
    toggleRecords(set, key, [addresses[0]!, addresses[0]!]);
    expect(set.equals(setOf(addresses))).toBe(true);
  });

  it('moving a record from one version to the next equals building the set afresh', () => {
    const set = setOf(addresses);
    toggleRecords(set, key, [addresses[1]!, { ...addresses[1]!, version: 4 }]);
    expect(
      set.equals(setOf([addresses[0]!, { ...addresses[1]!, version: 4 }, addresses[2]!])),
    ).toBe(true);
  });
});

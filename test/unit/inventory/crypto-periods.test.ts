import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  addMonths,
  computeCryptoPeriod,
  defaultPolicyTable,
  parsePolicyTable,
  policyRowFor,
} from '../../../electron/core/inventory/crypto-periods.ts';

const table = defaultPolicyTable();
const activated = new Date('2026-03-15T10:00:00.000Z');

// Each row's expected dates for a key activated on 2026-03-15, from NIST SP 800-57 Part 1
// Rev. 5 Table 1 (upper end of each range), computed by hand.
const EXPECTED: Record<string, [string | null, string]> = {
  'private-signature': ['2029-03-15', '2029-03-15'],
  'public-signature-verification': [null, '2031-03-15'],
  'symmetric-authentication': ['2028-03-15', '2031-03-15'],
  'private-authentication': ['2028-03-15', '2028-03-15'],
  'public-authentication': [null, '2028-03-15'],
  'symmetric-data-encryption': ['2028-03-15', '2031-03-15'],
  'symmetric-key-wrapping': ['2028-03-15', '2031-03-15'],
  'symmetric-master': ['2027-03-15', '2027-03-15'],
  'private-key-transport': ['2028-03-15', '2028-03-15'],
  'public-key-transport': ['2028-03-15', '2028-03-15'],
  'symmetric-key-agreement': ['2028-03-15', '2028-03-15'],
  'private-static-key-agreement': ['2028-03-15', '2028-03-15'],
  'public-static-key-agreement': ['2028-03-15', '2028-03-15'],
  'symmetric-authorization': ['2028-03-15', '2028-03-15'],
  'private-authorization': ['2028-03-15', '2028-03-15'],
  'public-authorization': [null, '2028-03-15'],
};

describe('the shipped policy table', () => {
  it('has exactly the rows of SP 800-57 Table 1 that fit an inventory', () => {
    expect(table.rows.map((r) => r.id).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(table.excluded?.map((r) => r.nistRow)).toEqual([8, 15, 16]);
  });

  it.each(Object.entries(EXPECTED))('%s', (id, [originator, recipient]) => {
    const row = table.rows.find((r) => r.id === id);
    expect(row).toBeDefined();
    const period = computeCryptoPeriod(row!, activated);
    expect(period.policyRow).toBe(id);
    expect(period.originatorUsageEnd?.slice(0, 10) ?? null).toBe(originator);
    expect(period.recipientUsageEnd.slice(0, 10)).toBe(recipient);
  });
});

describe('which row governs a key', () => {
  it.each([
    ['ed25519', ['sign'], 'private-signature'],
    ['p256', ['sign', 'verify'], 'private-signature'],
    ['ed25519', ['ssh-auth'], 'private-authentication'],
    ['x25519', ['agree'], 'private-static-key-agreement'],
    ['rsa3072', ['encrypt', 'decrypt'], 'private-key-transport'],
    ['aes256', ['encrypt', 'decrypt'], 'symmetric-data-encryption'],
    ['aes256', ['wrap', 'unwrap'], 'symmetric-key-wrapping'],
    ['hmac-sha256', ['mac'], 'symmetric-authentication'],
    ['aes256', ['derive'], 'symmetric-master'],
    // Two uses: the stricter row wins (master key ~1 year beats data encryption 2 years).
    ['aes256', ['encrypt', 'derive'], 'symmetric-master'],
    // Signing (3 years) and key transport (2 years): key transport's shorter period wins.
    ['rsa4096', ['sign', 'encrypt'], 'private-key-transport'],
  ] as const)('%s for %j -> %s', (algorithm, purposes, row) => {
    expect(policyRowFor(table, algorithm, purposes).id).toBe(row);
  });

  it('refuses a key with no purpose, and a table missing a needed row', () => {
    expect(() => policyRowFor(table, 'ed25519', [])).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST' }),
    );
    const edited = { ...table, rows: table.rows.filter((r) => r.id !== 'private-signature') };
    expect(() => policyRowFor(edited, 'ed25519', ['sign'])).toThrow(
      expect.objectContaining({ code: 'POLICY_INVALID' }),
    );
  });
});

describe('policy edits', () => {
  const raw = JSON.parse(
    readFileSync(new URL('../../../resources/policy/crypto-periods.json', import.meta.url), 'utf8'),
  );
  it.each([
    ['a zero originator period', (t: typeof raw) => (t.rows[0].originatorMonths = 0)],
    ['a negative recipient period', (t: typeof raw) => (t.rows[0].recipientExtraMonths = -1)],
    ['a fractional month', (t: typeof raw) => (t.rows[0].originatorMonths = 1.5)],
    ['a duplicate row id', (t: typeof raw) => (t.rows[1].id = t.rows[0].id)],
    ['an unknown field', (t: typeof raw) => (t.rows[0].extra = true)],
    [
      'a row with no period at all',
      (t: typeof raw) =>
        Object.assign(t.rows[0], { originatorMonths: null, recipientExtraMonths: 0 }),
    ],
  ])('refuses %s with POLICY_INVALID', (_name, edit) => {
    const copy = structuredClone(raw);
    edit(copy);
    expect(() => parsePolicyTable(copy)).toThrow(
      expect.objectContaining({ code: 'POLICY_INVALID' }),
    );
  });

  it('hands out copies: editing one never changes the default', () => {
    const copy = defaultPolicyTable();
    copy.rows[0]!.originatorMonths = 1;
    expect(defaultPolicyTable().rows[0]!.originatorMonths).toBe(36);
  });
});

describe('calendar months', () => {
  it.each([
    ['2026-01-31T00:00:00.000Z', 1, '2026-02-28T00:00:00.000Z'],
    ['2028-01-31T00:00:00.000Z', 1, '2028-02-29T00:00:00.000Z'],
    ['2026-03-31T12:30:00.000Z', 12, '2027-03-31T12:30:00.000Z'],
    ['2026-11-30T00:00:00.000Z', 3, '2027-02-28T00:00:00.000Z'],
    ['2024-02-29T00:00:00.000Z', 12, '2025-02-28T00:00:00.000Z'],
  ])('%s + %i months = %s', (from, months, to) => {
    expect(addMonths(new Date(from), months).toISOString()).toBe(to);
  });
});

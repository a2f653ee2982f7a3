import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { KEY_ALGORITHMS, PURPOSES } from '../../shared/inventory-types.ts';
import { policyTableSchema } from '../../shared/policy-schema.ts';
import type {
  CryptoPeriod,
  KeyAlgorithm,
  PolicyRow,
  PolicyTable,
  Purpose,
} from '../../shared/inventory-types.ts';
import defaultTable from '../../../resources/policy/crypto-periods.json' with { type: 'json' };

// Crypto-periods from the policy table (NIST SP 800-57 Part 1 Rev. 5, Table 1, shipped in
// resources/policy/ and editable per vault): which row a key falls under, and the dates
// its originator and recipient usage periods end.

/**
 * Checks a policy table (the shipped default, or an officer's edit). Throws POLICY_INVALID
 * naming the first problem; nothing is adjusted.
 */
export function parsePolicyTable(input: unknown): PolicyTable {
  const parsed = policyTableSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'table';
    throw new KeywardenError(
      ErrorCode.POLICY_INVALID,
      `The crypto-period policy is invalid: ${where} ${issue?.message ?? 'is malformed'}. Nothing was changed.`,
    );
  }
  return parsed.data;
}

/** The shipped default table (a fresh copy each call, so an edit never touches it). */
export function defaultPolicyTable(): PolicyTable {
  return parsePolicyTable(structuredClone(defaultTable));
}

const SYMMETRIC: ReadonlySet<KeyAlgorithm> = new Set(['aes256', 'hmac-sha256']);

/** The policy row for each purpose of a private (or secret) key of this algorithm. */
function rowIdFor(algorithm: KeyAlgorithm, purpose: Purpose): string {
  if (SYMMETRIC.has(algorithm)) {
    switch (purpose) {
      case 'encrypt':
      case 'decrypt':
        return 'symmetric-data-encryption';
      case 'wrap':
      case 'unwrap':
        return 'symmetric-key-wrapping';
      case 'mac':
      case 'verify':
        return 'symmetric-authentication';
      case 'derive':
        return 'symmetric-master';
      case 'agree':
        return 'symmetric-key-agreement';
      default:
        return 'symmetric-authorization';
    }
  }
  switch (purpose) {
    case 'sign':
    case 'verify':
      return 'private-signature';
    case 'ssh-auth':
      return 'private-authentication';
    case 'agree':
    case 'derive':
      return 'private-static-key-agreement';
    case 'encrypt':
    case 'decrypt':
    case 'wrap':
    case 'unwrap':
      return 'private-key-transport';
    default:
      return 'private-authorization';
  }
}

/**
 * The row that governs a key: of the rows its purposes fall under, the one whose periods
 * end first (a key used two ways lives by the stricter rule). Throws POLICY_INVALID when
 * the vault's table lacks a row it needs, BAD_REQUEST for a key with no purpose.
 */
export function policyRowFor(
  table: PolicyTable,
  algorithm: KeyAlgorithm,
  purposes: readonly Purpose[],
): PolicyRow {
  if (purposes.length === 0) {
    throw new KeywardenError(ErrorCode.BAD_REQUEST, 'A key needs at least one purpose.');
  }
  const rows = [...new Set(purposes.map((purpose) => rowIdFor(algorithm, purpose)))].map((id) => {
    const row = table.rows.find((candidate) => candidate.id === id);
    if (!row) {
      throw new KeywardenError(
        ErrorCode.POLICY_INVALID,
        `The vault's crypto-period policy has no row "${id}"; restore it with the policy editor.`,
      );
    }
    return row;
  });
  const end = (row: PolicyRow) => (row.originatorMonths ?? 0) + row.recipientExtraMonths;
  return rows.reduce((strictest, row) => {
    const a = strictest.originatorMonths ?? Infinity;
    const b = row.originatorMonths ?? Infinity;
    return b < a || (b === a && end(row) < end(strictest)) ? row : strictest;
  });
}

/** `date` plus `months` calendar months in UTC; the day is kept, or the month's last day. */
export function addMonths(date: Date, months: number): Date {
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const result = new Date(date);
  result.setUTCDate(1);
  result.setUTCFullYear(year, month, Math.min(date.getUTCDate(), lastDay));
  return result;
}

/** The crypto-period of a key activated at `activatedAt` under `row`. */
export function computeCryptoPeriod(row: PolicyRow, activatedAt: Date): CryptoPeriod {
  const originatorEnd =
    row.originatorMonths === null ? null : addMonths(activatedAt, row.originatorMonths);
  const recipientEnd = addMonths(originatorEnd ?? activatedAt, row.recipientExtraMonths);
  return {
    policyRow: row.id,
    originatorUsageEnd: originatorEnd?.toISOString() ?? null,
    recipientUsageEnd: recipientEnd.toISOString(),
  };
}

/** The row ids the inventory looks up, for every algorithm and purpose it knows. */
export function requiredPolicyRows(): string[] {
  const ids = new Set<string>();
  for (const algorithm of KEY_ALGORITHMS)
    for (const purpose of PURPOSES) ids.add(rowIdFor(algorithm, purpose));
  return [...ids].sort();
}

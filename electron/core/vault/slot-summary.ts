import type { SlotSummary } from '../../shared/vault-types.ts';
import { parseParams, SlotKind } from './unlock-slots.ts';
import type { KeychainSlotParams, PassphraseSlotParams, SlotRow } from './unlock-slots.ts';
import { POLICY_SLOT_KINDS, policyParamsAreValid } from './policy-slots.ts';
import { describeFactor } from './factors.ts';

// What a slot shows while the vault is locked: its kind, name, cost parameters and factors in
// words. Nothing here is secret; a slot whose parameters do not parse shows its kind only.

/** The public summary of a slot row. */
export function summarizeSlot(row: SlotRow): SlotSummary {
  const summary: SlotSummary = { slotId: row.slot_id, kind: row.kind, createdAt: row.created_at };
  if (row.name !== null) summary.name = row.name;
  if (row.kind === SlotKind.PASSPHRASE) {
    const params = parseParams<PassphraseSlotParams>(row.params);
    if (params)
      summary.kdf = {
        memoryKiB: params.memoryKiB,
        iterations: params.iterations,
        parallelism: params.parallelism,
      };
  }
  if (row.kind === SlotKind.KEYCHAIN) {
    const params = parseParams<KeychainSlotParams>(row.params);
    if (typeof params?.sealer === 'string') summary.sealer = params.sealer;
  }
  if (POLICY_SLOT_KINDS.has(row.kind)) {
    const params: unknown = parseParams(row.params);
    if (policyParamsAreValid(row.kind, params)) {
      summary.factors = params.factors.map(describeFactor);
      if (params.threshold !== undefined) summary.threshold = params.threshold;
    }
  }
  return summary;
}

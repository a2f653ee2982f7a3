import type { RequestOf } from '../../../../electron/shared/contract.ts';
import type { GeneratedAlgorithm, Purpose } from '../../../../electron/shared/inventory-types.ts';
import type { TokenView } from '../../../../electron/shared/token-types.ts';
import { DEFAULT_PURPOSES, algorithmsFor, tiersFor } from './new-key-choices.ts';
import type { Placement } from './new-key-choices.ts';

// What the new-key form holds while it is filled in (nothing secret: the token PIN is kept
// apart, in the form, and only for the call), and the keys:generate request it makes.

export interface Draft {
  name: string;
  placement: Placement;
  /** The chosen token, as tokenId gives it. */
  token: string | null;
  algorithm: GeneratedAlgorithm;
  purposes: Purpose[];
  /** A person id. */
  owner: string | null;
  custodians: string[];
  tier: string;
  environment: string;
  classification: string;
  /** Comma-separated. */
  labels: string;
  notes: string;
  preActivation: boolean;
}

export const FRESH: Draft = {
  name: '',
  placement: 'vault',
  token: null,
  algorithm: 'ed25519',
  purposes: [...DEFAULT_PURPOSES.ed25519],
  owner: null,
  custodians: [],
  tier: '3',
  environment: 'production',
  classification: 'confidential',
  labels: '',
  notes: '',
  preActivation: false,
};

/** A token's id in the form: its module and serial (a serial is unique per module). */
export const tokenId = (token: TokenView) => `${token.module}\n${token.serial}`;

/**
 * The draft moved to the vault or a token: an algorithm and a tier the place allows (with
 * the algorithm's usual purposes when it had to change), and the first attached token.
 */
export function placeDraft(draft: Draft, placement: Placement, attached: TokenView[]): Draft {
  const algorithms = algorithmsFor(placement);
  const algorithm = algorithms.includes(draft.algorithm) ? draft.algorithm : algorithms[0];
  const first = attached[0];
  return {
    ...draft,
    placement,
    ...(algorithm && algorithm !== draft.algorithm
      ? { algorithm, purposes: [...DEFAULT_PURPOSES[algorithm]] }
      : {}),
    ...(tiersFor(placement).map(String).includes(draft.tier) ? {} : { tier: '3' }),
    token: placement === 'token' ? (draft.token ?? (first ? tokenId(first) : null)) : null,
  };
}

/** The keys:generate request a draft makes, without the token part. */
export function requestOf(draft: Draft): RequestOf<'keys:generate'> {
  const labels = draft.labels
    .split(',')
    .map((label) => label.trim())
    .filter(Boolean);
  return {
    name: draft.name.trim(),
    algorithm: draft.algorithm,
    purposes: draft.purposes,
    owner: draft.owner ?? '',
    custodians: draft.custodians.filter((id) => id !== draft.owner),
    tier: Number(draft.tier),
    environment: draft.environment.trim() || 'production',
    classification: draft.classification.trim() || 'confidential',
    ...(labels.length ? { labels } : {}),
    ...(draft.notes.trim() ? { notes: draft.notes } : {}),
    ...(draft.preActivation ? { preActivation: true } : {}),
  };
}

import { statSync } from 'node:fs';
import type { CeremonyRoleName, DetailValue } from '../shared/ceremony-run-types.ts';
import { ErrorCode, KeywardenError } from '../shared/errors.ts';
import type { KeyView } from '../shared/inventory-types.ts';
import { isMnemonic } from '../core/ceremony/key-combine.ts';
import { checkSplittable } from '../core/ceremony/key-split.ts';
import { decodeShare } from '../core/ceremony/shares.ts';
import type { CeremonyState } from '../core/ceremony/ceremony-state.ts';
import type { CeremonyStep, CeremonyTemplate } from '../core/ceremony/ceremony-templates.ts';
import { destructionIsDue } from '../core/inventory/key-destruction.ts';
import { readKey } from '../core/inventory/key-inventory.ts';
import type { RecordStore } from '../core/vault/record-store.ts';
import type { ActionInput } from './ceremony-actions.ts';

// What a ceremony's action will need, checked before anything is done: at opening, that the
// key its action acts on can take that action (and is not the key that signs the transcript),
// and that the folder a split writes to exists; when a contributor gives their part, that it
// is there and well formed. A ceremony is not opened only to fail at its action, and no one
// types a share in only to learn, when the last custodian has typed theirs, that the first
// was damaged.

const refuse = (code: ErrorCode, why: string) => new KeywardenError(code, why);
const textOf = (value: DetailValue | undefined) => (typeof value === 'string' ? value : '');

/**
 * Checks a new ceremony's action steps against the vault. Call in the opening's transaction.
 * Throws KEY_NOT_FOUND, KEY_STATE_INVALID (a key that cannot be destroyed yet, or split),
 * KEY_NOT_HELD, FORMAT_UNSUPPORTED (a key with nothing to split), BAD_REQUEST (the ceremony
 * key is the key acted on; an output folder that is not one).
 */
export function checkActionsAtOpening(
  records: RecordStore,
  template: CeremonyTemplate,
  state: CeremonyState,
  now: Date,
): void {
  const { parameters, signer } = state.header;
  const keyId = textOf(parameters.key);
  for (const step of template.steps) {
    if (step.action === 'rotate-key' || step.action === 'destroy-key') {
      if (keyId === signer.keyId)
        throw refuse(
          ErrorCode.BAD_REQUEST,
          `Key ${keyId} is this ceremony's own key: once ${step.action === 'rotate-key' ? 'rotated' : 'destroyed'} it could not sign the transcript. Sign with another key.`,
        );
    }
    if (step.action === 'destroy-key') {
      const key = readKey(records, keyId);
      if (!destructionIsDue(key, now))
        throw refuse(
          ErrorCode.KEY_STATE_INVALID,
          `Key ${keyId} is ${key.state}: a destroy-key ceremony destroys a compromised key, or one whose destruction window has passed ("keywarden keys destroy" schedules it).`,
        );
    }
    if (step.action === 'split-key') {
      checkSplittable(readKey(records, keyId));
      const folder = textOf(parameters['out-dir']);
      let isFolder = false;
      try {
        isFolder = statSync(folder).isDirectory();
      } catch {
        // Reported below.
      }
      if (!isFolder)
        throw refuse(
          ErrorCode.BAD_REQUEST,
          `The folder for the share files, ${folder}, does not exist: mount the removable medium first.`,
        );
    }
  }
}

/** The key an action acts on, when it is on a token (so its PIN is needed). */
export function tokenKeyOf(records: RecordStore, state: CeremonyState): KeyView | null {
  const keyId = textOf(state.header.parameters.key);
  if (!keyId) return null;
  const key = readKey(records, keyId);
  return key.location.kind === 'token' ? key : null;
}

/**
 * Checks what `name` (in `role`) gives an action step, before it is held. Throws
 * SHARE_INVALID (a damaged or foreign share, named by its custodian), PIN_REQUIRED, BAD_REQUEST.
 */
export function checkContribution(
  step: CeremonyStep,
  state: CeremonyState,
  tokenKey: KeyView | null,
  name: string,
  role: CeremonyRoleName,
  input: ActionInput | undefined,
): void {
  const lacks = (what: string) =>
    refuse(
      what.includes('PIN') ? ErrorCode.PIN_REQUIRED : ErrorCode.BAD_REQUEST,
      `${name} gives ${what} at step "${step.id}".`,
    );
  switch (step.action) {
    case 'combine-shares': {
      if (!input?.share) throw lacks('their share');
      const text = Buffer.from(input.share).toString('utf8');
      if (!isMnemonic(text)) decodeShare(text, `${name}'s share`);
      return;
    }
    case 'enter-components':
      if (!input?.component) throw lacks('their component');
      if (input.component.length !== 32)
        throw refuse(
          ErrorCode.BAD_REQUEST,
          `${name}'s component is ${input.component.length} bytes; a component of a ${textOf(state.header.parameters.algorithm) || 'AES-256'} key is 32.`,
        );
      return;
    case 'enrol-token':
      if (role === 'administrator' && !input?.soPin) throw lacks('the new security officer PIN');
      if (role === 'custodian' && !input?.pin) throw lacks('their new user PIN');
      return;
    case 'generate-key':
      if (textOf(state.header.parameters.token) && role === 'administrator' && !input?.pin)
        throw lacks("the token's PIN");
      return;
    case 'destroy-key':
      if (tokenKey && role === 'administrator' && !input?.pin)
        throw lacks(
          `the PIN of token ${tokenKey.location.kind === 'token' ? tokenKey.location.serial : ''}`,
        );
      return;
    default:
      return;
  }
}

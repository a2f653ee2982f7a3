import type {
  CeremonyStepView,
  CeremonyView,
} from '../../../../electron/shared/ceremony-run-types.ts';
import { roleOf } from './ceremony-words.ts';

// What a person brings at their turn, as the services check it (ceremony-preflight.ts): a
// share at a recombination, a component at component entry, a new PIN at a token's enrolment,
// a token's PIN where the vault acts on a token. And how they prove presence: their presence
// passphrase, or their token's PIN (the token signs).

export type TurnNeed =
  | { kind: 'share' }
  | { kind: 'component' }
  /** A PIN the vault sets (typed twice) or one it uses (typed once). */
  | { kind: 'pin'; field: 'pin' | 'soPin'; label: string; confirm: boolean };

/**
 * What `by` gives at `step` beside their presence proof. `tokenOfKey` is the serial of the
 * token the ceremony's key lives on, when it is on one (a destruction needs its PIN).
 */
export function needsOf(
  view: CeremonyView,
  step: CeremonyStepView,
  by: string,
  tokenOfKey: string | null,
): TurnNeed | null {
  if (step.kind !== 'action') return null;
  const role = roleOf(view, by);
  const token = typeof view.parameters.token === 'string' ? view.parameters.token : null;
  switch (step.action) {
    case 'combine-shares':
      return role === 'custodian' ? { kind: 'share' } : null;
    case 'enter-components':
      return role === 'custodian' ? { kind: 'component' } : null;
    case 'enrol-token':
      if (role === 'administrator')
        return { kind: 'pin', field: 'soPin', label: 'New security officer PIN', confirm: true };
      return role === 'custodian'
        ? { kind: 'pin', field: 'pin', label: 'Your new user PIN', confirm: true }
        : null;
    case 'generate-key':
      return role === 'administrator' && token
        ? { kind: 'pin', field: 'pin', label: `PIN of token ${token}`, confirm: false }
        : null;
    case 'destroy-key':
      return role === 'administrator' && tokenOfKey
        ? { kind: 'pin', field: 'pin', label: `PIN of token ${tokenOfKey}`, confirm: false }
        : null;
    default:
      return null;
  }
}

/** The button a person presses to take their turn. */
export function turnVerb(step: CeremonyStepView, need: TurnNeed | null): string {
  switch (step.kind) {
    case 'presence':
      return 'Confirm I am present';
    case 'acknowledge':
      return 'Acknowledge';
    case 'sign-off':
      return 'Sign off';
    case 'action':
      if (need?.kind === 'share') return 'Present my share';
      if (need?.kind === 'component') return 'Enter my component';
      return step.title;
  }
}

/** What the vault will do at an action step, said before the person presses the button. */
export function actionNote(view: CeremonyView, step: CeremonyStepView): string | null {
  const p = view.parameters;
  const custodians = view.participants.filter((x) => x.role === 'custodian').map((x) => x.name);
  switch (step.action) {
    case 'split-key':
      return `The vault writes one share file${p.format === 'pdf' ? ' and one printable sheet' : ''} for each custodian (${custodians.join(', ')}) into a new folder of this ceremony’s own in ${String(p['out-dir'])}. No share is ever shown here.`;
    case 'combine-shares':
      return 'Your share is checked as soon as you give it and held in memory only; once every custodian has given theirs, the vault rebuilds the key and checks its check value.';
    case 'enter-components':
      return 'Your component is held in memory only; once every custodian has entered theirs, the vault combines them and checks the key’s check value.';
    case 'generate-key':
      return `The vault generates the key “${String(p.name)}” (${String(p.algorithm)})${typeof p.token === 'string' ? ` on token ${p.token}` : ''}.`;
    case 'rotate-key':
      return `The vault generates a new version of key ${String(p.key)}; the old version then only decrypts and verifies.`;
    case 'destroy-key':
      return `The vault destroys key ${String(p.key)}. This cannot be undone.`;
    case 'enrol-token':
      return 'Once the administrator and the custodian have given their PINs, the vault initialises the token.';
    default:
      return null;
  }
}

/** What the screen says while the vault works on a turn (an action can take a while). */
export function workingWords(step: CeremonyStepView): string {
  switch (step.action) {
    case 'split-key':
      return 'Splitting the key and writing the share files…';
    case 'combine-shares':
      return 'Checking the share (and rebuilding the key once every share is in)…';
    case 'enter-components':
      return 'Checking the component (and combining once every component is in)…';
    case 'generate-key':
      return 'Generating the key…';
    case 'rotate-key':
      return 'Rotating the key…';
    case 'destroy-key':
      return 'Destroying the key…';
    case 'enrol-token':
      return 'Initialising the token…';
    default:
      return 'Checking the presence proof…';
  }
}

/**
 * The bytes of a component typed in hex (spaces and line breaks allowed), or null when it is
 * not whole bytes of hex. The caller zeroes the bytes once the call that needs them returns.
 */
export function hexBytes(typed: string): Uint8Array | null {
  const digits = typed.replace(/\s+/g, '');
  if (digits.length === 0 || digits.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(digits)) return null;
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i += 1)
    bytes[i] = Number.parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

import { readFileSync } from 'node:fs';
import type { CeremonyView } from '../shared/ceremony-run-types.ts';
import { ErrorCode, KeywardenError, toErrorInfo } from '../shared/errors.ts';
import type { KeywardenServices } from '../services/services.ts';
import type { Prompter } from './ceremony-prompter.ts';
import type { CliIo } from './main.ts';
import { hexFromTyped, normalizePassphrase } from './secret-input.ts';

// The steps of a ceremony at one terminal: for the step due, the person due answers, gives
// what an action asks of them (a share file, a component typed without echo, a PIN) and proves
// presence; the services record it. At a terminal a mistake is tried again; a script stops.

const CLEAR_SCREEN = '\x1b[2J\x1b[3J\x1b[H';

/** A file's bytes (secret or not: the caller zeroes a secret). Throws BAD_REQUEST. */
export function secretFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    throw new KeywardenError(ErrorCode.BAD_REQUEST, `${what} ${path} cannot be read.`);
  }
}

/** What an action step asks of `who`, by the action; all secret bytes, zeroed by the caller. */
async function actionInput(
  services: KeywardenServices,
  io: CliIo,
  prompter: Prompter,
  view: CeremonyView,
  action: string | undefined,
  who: string,
): Promise<Record<string, Uint8Array>> {
  const role = view.participants.find((p) => p.name === who)?.role;
  switch (action) {
    case 'combine-shares':
      return {
        share: secretFile(
          await prompter.line(`${who}, the path of your share file: `),
          'Share file',
        ),
      };
    case 'enter-components':
      for (;;) {
        const typed = await prompter.secret(`${who}, your component in hex (not shown): `);
        let component: Buffer;
        try {
          component = hexFromTyped(typed);
        } finally {
          typed.fill(0);
        }
        let check;
        try {
          check = await services.invoke('ceremony:check-component', {
            value: Buffer.from(component),
          });
        } catch (error) {
          component.fill(0);
          throw error;
        }
        const legacy = check.legacyKcv ? `; legacy form ${check.legacyKcv}` : '';
        io.err(
          `Check value of ${who}'s component: ${check.kcv}  (${check.kcvWords.join(' ')})${legacy}\n`,
        );
        if (
          (await prompter.line('Does it match your component form? [y/N] ')).toLowerCase() === 'y'
        ) {
          io.err(CLEAR_SCREEN);
          return { component };
        }
        component.fill(0);
        io.err('Component discarded; enter it again.\n');
      }
    case 'enrol-token':
      return role === 'administrator'
        ? { soPin: await prompter.secret(`${who}, the new security officer PIN (not shown): `) }
        : { pin: await prompter.secret(`${who}, your new user PIN (not shown): `) };
    case 'generate-key':
    case 'destroy-key': {
      // The token is the one named (generating), or the one the key lives on (destroying).
      const key =
        action === 'destroy-key'
          ? await services.invoke('keys:show', { id: String(view.parameters.key) })
          : null;
      const serial =
        key?.location.kind === 'token'
          ? key.location.serial
          : action === 'generate-key' && typeof view.parameters.token === 'string'
            ? view.parameters.token
            : null;
      if (!serial) return {};
      return { pin: await prompter.secret(`${who}, the PIN of token ${serial} (not shown): `) };
    }
    default:
      return {};
  }
}

/** `who`'s presence passphrase, normalised to NFC as it was when chosen. */
async function presencePassphrase(prompter: Prompter, who: string): Promise<Buffer> {
  const typed = await prompter.secret(`${who}, your presence passphrase (not shown): `);
  try {
    return normalizePassphrase(typed);
  } finally {
    typed.fill(0);
  }
}

/**
 * Asks `who` for their proof of presence: their passphrase, or their token's PIN (the token
 * signs). The caller zeroes the bytes. Throws SECRET_INPUT_UNAVAILABLE when input ends.
 */
export async function proofOf(prompter: Prompter, view: CeremonyView, who: string) {
  const presence = view.participants.find((p) => p.name === who)?.presence;
  return presence === 'token'
    ? { pin: await prompter.secret(`${who}, your token's PIN to sign your presence (not shown): `) }
    : { passphrase: await presencePassphrase(prompter, who) };
}

function actionSummary(view: CeremonyView, step: string): string {
  const entry = view.entries.find((e) => e.step === step && e.event === 'action');
  if (!entry) return '';
  return Object.entries(entry.detail)
    .map(
      ([field, value]) =>
        `  ${field}: ${Array.isArray(value) ? value.join(', ') : String(value)}\n`,
    )
    .join('');
}

/**
 * Takes the ceremony from the step due to its end (or an abort); returns the last view. At a
 * terminal an error is shown and the turn asked again; otherwise it is thrown (its codes are
 * the ceremony channels').
 */
export async function runSteps(
  services: KeywardenServices,
  io: CliIo,
  prompter: Prompter,
  start: CeremonyView,
  interactive: boolean,
): Promise<CeremonyView> {
  let view = start;
  let announced = '';
  while (view.status === 'open' && view.next) {
    const { step: stepId, by: who } = view.next;
    const index = view.steps.findIndex((s) => s.id === stepId);
    const step = view.steps[index]!;
    if (announced !== stepId) {
      io.err(`\nStep ${index + 1} of ${view.steps.length}: ${step.title}\n${step.text}\n`);
      announced = stepId;
    }
    const role = view.participants.find((p) => p.name === who)?.role ?? '';
    if (step.kind !== 'presence') {
      const verb =
        step.kind === 'action' ? 'go ahead' : step.kind === 'sign-off' ? 'sign off' : 'acknowledge';
      const answer = (
        await prompter.line(`${who} (${role}), ${verb}? [y = yes, abort = abort the ceremony] `)
      ).toLowerCase();
      if (answer === 'abort') return abort(services, prompter, view);
      if (answer !== 'y') continue;
    }
    const secrets: Uint8Array[] = [];
    try {
      const input =
        step.kind === 'action'
          ? await actionInput(services, io, prompter, view, step.action, who)
          : {};
      secrets.push(...Object.values(input));
      const proof = await proofOf(prompter, view, who);
      secrets.push(...Object.values(proof));
      view = await services.invoke('ceremony:advance', {
        id: view.id,
        step: stepId,
        by: who,
        ...proof,
        ...(Object.keys(input).length > 0 ? { input } : {}),
      });
      io.out(`done: ${stepId} ${who}\n`);
      io.err(actionSummary(view, stepId));
    } catch (error) {
      // At a terminal a mistyped passphrase or share is tried again; a script stops.
      if (!interactive) throw error;
      const info = toErrorInfo(error);
      io.err(`error [${info.code}]: ${info.message}\n`);
      // A failed action drops every contribution to it: who is asked next comes from the vault.
      view = await services.invoke('ceremony:show', { id: view.id });
    } finally {
      for (const secret of secrets) secret.fill(0);
    }
  }
  return view;
}

async function abort(
  services: KeywardenServices,
  prompter: Prompter,
  view: CeremonyView,
): Promise<CeremonyView> {
  const administrator = view.participants.find((p) => p.role === 'administrator')!.name;
  const reason = await prompter.line(`${administrator}, why is the ceremony aborted? `);
  const proof = await proofOf(prompter, view, administrator);
  try {
    return await services.invoke('ceremony:abort', {
      id: view.id,
      by: administrator,
      reason: reason || 'not given',
      ...proof,
    });
  } finally {
    for (const secret of Object.values(proof)) secret.fill(0);
  }
}

import { readFileSync } from 'node:fs';
import type { CeremonyView, TranscriptVerification } from '../shared/ceremony-run-types.ts';
import { ErrorCode, ExitCode, KeywardenError, toErrorInfo } from '../shared/errors.ts';
import type { KeywardenServices } from '../services/services.ts';
import { requiredOption } from './arguments.ts';
import type { ParsedOptions } from './arguments.ts';
import { pipedPrompter, terminalPrompter } from './ceremony-prompter.ts';
import type { Prompter } from './ceremony-prompter.ts';
import type { CliIo } from './main.ts';
import { hexFromTyped } from './secret-input.ts';

// `ceremony run TEMPLATE`, `ceremony resume ID`: a ceremony taken step by step at one terminal
// (an air-gapped workstation): each participant in turn proves presence and acknowledges, the
// vault acts, witnesses sign off; then the signed transcript is written. Also `ceremony
// templates`, `list`, `show`, `abort`, `export`, `verify`, and `people presence`.

const CLEAR_SCREEN = '\x1b[2J\x1b[3J\x1b[H';
const ROLES = ['administrator', 'custodian', 'witness', 'auditor'] as const;

function usage(message: string): KeywardenError {
  return new KeywardenError(ErrorCode.USAGE, `${message} Run "keywarden --help" for usage.`);
}

/** --participant ROLE:NAME, each. Throws USAGE. */
function participantsOf(options: ParsedOptions) {
  return (options.participant ?? []).map((given) => {
    const colon = given.indexOf(':');
    const role = given.slice(0, colon) as (typeof ROLES)[number];
    if (colon < 1 || !ROLES.includes(role) || colon === given.length - 1)
      throw usage(
        `--participant takes ROLE:NAME, ROLE one of ${ROLES.join(', ')}; not "${given}".`,
      );
    return { role, name: given.slice(colon + 1) };
  });
}

/** --param NAME=VALUE, each. Throws USAGE. */
function parametersOf(options: ParsedOptions): Record<string, string> {
  const parameters: Record<string, string> = {};
  // Taken whole: a value may hold commas (purposes=sign,verify).
  for (const given of options.param ?? []) {
    const eq = given.indexOf('=');
    if (eq < 1) throw usage(`--param takes NAME=VALUE; not "${given}".`);
    parameters[given.slice(0, eq)] = given.slice(eq + 1);
  }
  return parameters;
}

function secretFile(path: string, what: string): Buffer {
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
        const check = await services.invoke('ceremony:check-component', {
          value: Buffer.from(component),
        });
        io.err(`Check value of ${who}'s component: ${check.kcv}  (${check.kcvWords.join(' ')})\n`);
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
    case 'destroy-key':
      if (typeof view.parameters.token === 'string')
        return {
          pin: await prompter.secret(
            `${who}, the PIN of token ${view.parameters.token} (not shown): `,
          ),
        };
      return {};
    default:
      return {};
  }
}

async function proofOf(prompter: Prompter, view: CeremonyView, who: string) {
  const presence = view.participants.find((p) => p.name === who)?.presence;
  return presence === 'token'
    ? { pin: await prompter.secret(`${who}, your token's PIN to sign your presence (not shown): `) }
    : { passphrase: await prompter.secret(`${who}, your presence passphrase (not shown): `) };
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

/** Takes the ceremony from the step due to its end (or an abort); returns the last view. */
async function runSteps(
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

/** --transcript-pdf, which prints the transcript --transcript-out writes. Throws USAGE. */
function transcriptPdfOf(options: ParsedOptions): string | undefined {
  const pdfPath = options['transcript-pdf'];
  if (pdfPath !== undefined && options['transcript-out'] === undefined)
    throw usage('--transcript-pdf prints the transcript --transcript-out writes; give both.');
  return pdfPath;
}

/**
 * Writes the signed transcript to `outPath` (and its printable PDF to `pdfPath`, when given),
 * asking the token PIN if needed.
 */
async function exportTranscript(
  services: KeywardenServices,
  io: CliIo,
  options: ParsedOptions,
  id: string,
  outPath: string,
  pdfPath: string | undefined,
) {
  const pinFile = options['signing-pin-file'];
  const pin = pinFile ? secretFile(pinFile, 'PIN file') : undefined;
  try {
    const written = await services.invoke('ceremony:export-transcript', {
      id,
      outPath,
      ...(pdfPath !== undefined ? { pdfPath } : {}),
      ...(pin ? { pin } : {}),
    });
    io.err(
      `Transcript of ceremony ${id} (${written.status}, ${written.entries} entries) written to ${written.path}${written.pdfPath ? `, its printable copy to ${written.pdfPath}` : ''}.\n`,
    );
    return written;
  } finally {
    pin?.fill(0);
  }
}

function formatVerification(result: TranscriptVerification): string {
  return `Transcript of ceremony ${result.ceremony} (${result.template}) verifies: ${result.entries} entries, ${result.status}, ${result.presenceSignatures} token-signed presence(s).\nSigned by key ${result.signer.keyId} (${result.signer.algorithm}, SHA-256 ${result.signer.fingerprint}) at ${result.signedAt}.\nHead: ${result.head}\n`;
}

/** Runs a ceremony-engine command; returns null for any other. `unlock` opens the vault. */
export async function runCeremonyRunCommand(
  name: string,
  options: ParsedOptions,
  operands: Record<string, string>,
  services: KeywardenServices,
  io: CliIo,
  unlock: () => Promise<unknown>,
): Promise<number | null> {
  const json = options.json === true;
  const print = (value: unknown, text: string) =>
    io.out(json ? `${JSON.stringify(value, null, 2)}\n` : text);
  switch (name) {
    case 'ceremony verify': {
      const publicKey = secretFile(
        requiredOption(options, 'public-key'),
        'Public key file',
      ).toString('utf8');
      const transcript = secretFile(operands.TRANSCRIPT ?? '', 'Transcript');
      const result = await services.invoke('ceremony:verify-transcript', { transcript, publicKey });
      print(result, formatVerification(result));
      return ExitCode.OK;
    }
    case 'ceremony templates': {
      const templates = await services.invoke('ceremony:list-templates', {});
      print(templates, templates.map((t) => `${t.id.padEnd(16)} ${t.title}\n`).join(''));
      return ExitCode.OK;
    }
    case 'ceremony run':
    case 'ceremony resume': {
      const outPath = options['transcript-out'];
      const pdfPath = transcriptPdfOf(options);
      const participants = name === 'ceremony run' ? participantsOf(options) : [];
      const parameters = parametersOf(options);
      const signingKey = name === 'ceremony run' ? requiredOption(options, 'signing-key') : '';
      await unlock();
      const interactive = process.stdin.isTTY === true;
      const prompter = interactive ? terminalPrompter() : pipedPrompter((q) => io.err(q));
      try {
        const view =
          name === 'ceremony run'
            ? await services.invoke('ceremony:start', {
                template: operands.TEMPLATE ?? '',
                parameters,
                participants,
                signingKey,
              })
            : await services.invoke('ceremony:resume', { id: operands.ID ?? '' });
        io.out(`ceremony: ${view.id}\n`);
        const last = await runSteps(services, io, prompter, view, interactive);
        io.out(`status: ${last.status}\n`);
        if (outPath) await exportTranscript(services, io, options, last.id, outPath, pdfPath);
        return last.status === 'aborted' ? ExitCode.FAILURE : ExitCode.OK;
      } finally {
        prompter.close();
      }
    }
    case 'ceremony abort': {
      await unlock();
      const view = await services.invoke('ceremony:show', { id: operands.ID ?? '' });
      const administrator = view.participants.find((p) => p.role === 'administrator')!.name;
      const prompter = process.stdin.isTTY ? terminalPrompter() : pipedPrompter((q) => io.err(q));
      try {
        const proof = await proofOf(prompter, view, administrator);
        try {
          const aborted = await services.invoke('ceremony:abort', {
            id: view.id,
            by: administrator,
            reason: requiredOption(options, 'reason'),
            ...proof,
          });
          print(aborted, `Ceremony ${aborted.id} aborted.\n`);
        } finally {
          for (const secret of Object.values(proof)) secret.fill(0);
        }
      } finally {
        prompter.close();
      }
      return ExitCode.OK;
    }
    case 'ceremony list': {
      await unlock();
      const list = await services.invoke('ceremony:list', {});
      print(
        list,
        list
          .map(
            (c) =>
              `${c.id}  ${c.template.padEnd(16)} ${c.status.padEnd(9)} ${c.stepsDone}/${c.steps} steps  opened ${c.openedAt}\n`,
          )
          .join('') || 'No ceremonies.\n',
      );
      return ExitCode.OK;
    }
    case 'ceremony show': {
      await unlock();
      const view = await services.invoke('ceremony:show', { id: operands.ID ?? '' });
      print(
        view,
        `${view.template.title} (${view.id}): ${view.status}\n${view.steps.map((s) => `  [${s.state === 'done' ? 'x' : s.state === 'due' ? '>' : ' '}] ${s.title}${s.waiting.length ? ` (waiting for ${s.waiting.join(', ')})` : ''}\n`).join('')}`,
      );
      return ExitCode.OK;
    }
    case 'ceremony export': {
      const outPath = requiredOption(options, 'out');
      await unlock();
      const id = operands.ID ?? '';
      const written = await exportTranscript(services, io, options, id, outPath, options.pdf);
      print(written, `${written.path}\n${written.pdfPath ? `${written.pdfPath}\n` : ''}`);
      return ExitCode.OK;
    }
    case 'people presence': {
      const tokenKey = options['token-key'];
      await unlock();
      const prompter = process.stdin.isTTY ? terminalPrompter() : pipedPrompter((q) => io.err(q));
      let passphrase: Buffer | undefined;
      try {
        if (!tokenKey)
          passphrase = await prompter.secret(
            `${operands.NAME ?? ''}, choose your presence passphrase (not shown): `,
          );
        const set = await services.invoke('people:set-presence', {
          name: operands.NAME ?? '',
          ...(tokenKey ? { tokenKey } : { passphrase }),
        });
        print(
          set,
          `${set.person} proves presence at ceremonies with ${set.method === 'token' ? 'a signature by their token' : 'their passphrase'}.\n`,
        );
        return ExitCode.OK;
      } finally {
        passphrase?.fill(0);
        prompter.close();
      }
    }
    default:
      return null;
  }
}

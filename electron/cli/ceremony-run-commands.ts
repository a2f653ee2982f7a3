import { CEREMONY_ROLE_NAMES } from '../shared/ceremony-run-types.ts';
import type { CeremonyRoleName, TranscriptVerification } from '../shared/ceremony-run-types.ts';
import { ErrorCode, ExitCode, KeywardenError } from '../shared/errors.ts';
import type { KeywardenServices } from '../services/services.ts';
import { requiredOption } from './arguments.ts';
import type { ParsedOptions } from './arguments.ts';
import { pipedPrompter, terminalPrompter } from './ceremony-prompter.ts';
import type { Prompter } from './ceremony-prompter.ts';
import { normalizePassphrase } from './secret-input.ts';
import type { CliIo } from './main.ts';
import { proofOf, runSteps, secretFile } from './ceremony-steps.ts';

// `ceremony run TEMPLATE`, `ceremony resume ID`: a ceremony taken step by step at one terminal
// (an air-gapped workstation): each participant in turn proves presence and acknowledges, the
// vault acts, witnesses sign off; then the signed transcript is written. Also `ceremony
// templates`, `list`, `show`, `abort`, `export`, `verify`, and `people presence`.

function usage(message: string): KeywardenError {
  return new KeywardenError(ErrorCode.USAGE, `${message} Run "keywarden --help" for usage.`);
}

/** --participant ROLE:NAME, each. Throws USAGE. */
function participantsOf(options: ParsedOptions) {
  return (options.participant ?? []).map((given) => {
    const colon = given.indexOf(':');
    const role = given.slice(0, colon) as CeremonyRoleName;
    if (colon < 1 || !CEREMONY_ROLE_NAMES.includes(role) || colon === given.length - 1)
      throw usage(
        `--participant takes ROLE:NAME, ROLE one of ${CEREMONY_ROLE_NAMES.join(', ')}; not "${given}".`,
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

/**
 * A person chooses their presence passphrase: at a terminal typed twice, and normalised to
 * NFC as the vault passphrase is (so the same words typed on another OS prove the same person).
 * The caller zeroes it. Throws PASSPHRASE_MISMATCH, SECRET_INPUT_UNAVAILABLE.
 */
async function choosePresencePassphrase(prompter: Prompter, name: string): Promise<Buffer> {
  const typed = await prompter.secret(`${name}, choose your presence passphrase (not shown): `);
  try {
    if (process.stdin.isTTY) {
      const again = await prompter.secret(`${name}, type it again: `);
      const same = typed.equals(again);
      again.fill(0);
      if (!same)
        throw new KeywardenError(
          ErrorCode.PASSPHRASE_MISMATCH,
          'The two passphrases differ; nothing was changed.',
        );
    }
    return normalizePassphrase(typed);
  } finally {
    typed.fill(0);
  }
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
      const reason = requiredOption(options, 'reason');
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
            reason,
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
        if (!tokenKey) passphrase = await choosePresencePassphrase(prompter, operands.NAME ?? '');
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

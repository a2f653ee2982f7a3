import { findTemplate } from '../../electron/core/ceremony/ceremony-templates.ts';

// The lines a room of people types into `keywarden ceremony run` when its standard input is
// not a terminal: for each step in the template's order, each person due answers "y" (not at
// attendance), gives what the action asks of them, then their presence proof: their presence
// passphrase, or the PIN of the token whose key signs their presence.

/** Each test participant's presence passphrase. */
export const PRESENCE: Readonly<Record<string, string>> = {
  Alice: 'alice presence passphrase',
  Carol: 'carol presence passphrase',
  Dave: 'dave presence passphrase',
  Erin: 'erin presence passphrase',
  Wendy: 'wendy presence passphrase',
  Walter: 'walter presence passphrase',
};

/**
 * The answers of each step of a ceremony of `templateId` in turn, for a ceremony taken in
 * several sittings; see ceremonyAnswers for the arguments.
 */
export function answersByStep(
  templateId: string,
  participants: ReadonlyArray<readonly [string, string]>,
  inputs: Readonly<Record<string, string[]>> = {},
  proofs: Readonly<Record<string, string>> = {},
): Array<{ step: string; lines: string[] }> {
  return findTemplate(templateId).steps.map((step) => {
    const lines: string[] = [];
    const actors = participants.filter(
      ([role]) => !step.by || (step.by as string[]).includes(role),
    );
    for (const [, name] of actors) {
      if (step.kind !== 'presence') lines.push('y');
      if (step.kind === 'action') lines.push(...(inputs[name] ?? []));
      lines.push(proofs[name] ?? PRESENCE[name] ?? '');
    }
    return { step: step.id, lines };
  });
}

/** Lines as standard input: each ended by a newline. */
export function answerText(lines: readonly string[]): string {
  return `${lines.join('\n')}\n`;
}

/**
 * The answers for a whole ceremony of `templateId` by `participants` ([role, name] in the
 * order given to --participant); `inputs` gives the lines an action asks of a person, and
 * `proofs` the line a person proves presence with where it is not their PRESENCE passphrase
 * (the PIN of their token).
 */
export function ceremonyAnswers(
  templateId: string,
  participants: ReadonlyArray<readonly [string, string]>,
  inputs: Readonly<Record<string, string[]>> = {},
  proofs: Readonly<Record<string, string>> = {},
): string {
  return answerText(
    answersByStep(templateId, participants, inputs, proofs).flatMap((step) => step.lines),
  );
}

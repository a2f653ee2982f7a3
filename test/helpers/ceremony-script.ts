import { findTemplate } from '../../electron/core/ceremony/ceremony-templates.ts';

// The lines a room of people types into `keywarden ceremony run` when its standard input is
// not a terminal: for each step in the template's order, each person due answers "y" (not at
// attendance), gives what the action asks of them, then their presence passphrase.

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
 * The answers for a whole ceremony of `templateId` by `participants` ([role, name] in the
 * order given to --participant); `inputs` gives the lines an action asks of a person.
 */
export function ceremonyAnswers(
  templateId: string,
  participants: ReadonlyArray<readonly [string, string]>,
  inputs: Readonly<Record<string, string[]>> = {},
): string {
  const lines: string[] = [];
  for (const step of findTemplate(templateId).steps) {
    const actors = participants.filter(
      ([role]) => !step.by || (step.by as string[]).includes(role),
    );
    for (const [, name] of actors) {
      if (step.kind !== 'presence') lines.push('y');
      if (step.kind === 'action') lines.push(...(inputs[name] ?? []));
      lines.push(PRESENCE[name] ?? '');
    }
  }
  return `${lines.join('\n')}\n`;
}

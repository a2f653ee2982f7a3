import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CEREMONY_ROLE_NAMES } from '../../shared/ceremony-run-types.ts';
import type { CeremonyRoleName } from '../../shared/ceremony-run-types.ts';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import generateKey from '../../../resources/ceremonies/generate-key.json' with { type: 'json' };
import splitKey from '../../../resources/ceremonies/split-key.json' with { type: 'json' };
import recombineKey from '../../../resources/ceremonies/recombine-key.json' with { type: 'json' };
import rotateKey from '../../../resources/ceremonies/rotate-key.json' with { type: 'json' };
import destroyKey from '../../../resources/ceremonies/destroy-key.json' with { type: 'json' };
import enrolToken from '../../../resources/ceremonies/enrol-token.json' with { type: 'json' };
import componentEntry from '../../../resources/ceremonies/component-entry.json' with { type: 'json' };
import { canonicalJson } from './canonical-json.ts';

// Ceremony templates: the scripts in resources/ceremonies/, one JSON file each. A template
// names its parameters, the roles it needs (administrator, custodians, witnesses, auditor)
// with how many of each, and its steps in order: everyone present proves who they are,
// people acknowledge what they saw, the administrator has the vault act, witnesses sign off.

export const CEREMONY_ROLES = CEREMONY_ROLE_NAMES;
export type CeremonyRole = CeremonyRoleName;

/** The registry role a person needs to take each ceremony role. */
export const REGISTRY_ROLE_FOR: Readonly<Record<CeremonyRole, string>> = {
  administrator: 'officer',
  custodian: 'custodian',
  witness: 'witness',
  auditor: 'auditor',
};

/** What the vault does in an action step. */
export const CEREMONY_ACTIONS = [
  'generate-key',
  'split-key',
  'combine-shares',
  'enter-components',
  'rotate-key',
  'destroy-key',
  'enrol-token',
] as const;
export type CeremonyAction = (typeof CEREMONY_ACTIONS)[number];

const name = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/);
const words = z.string().min(1).max(2000);

const parameterSchema = z
  .object({
    name,
    kind: z.enum(['key', 'text', 'integer', 'choice', 'directory', 'token', 'purposes']),
    label: words,
    optional: z.boolean().optional(),
    default: z.union([z.string(), z.number()]).optional(),
    min: z.number().int().optional(),
    max: z.number().int().optional(),
    choices: z.array(z.string().min(1)).min(1).optional(),
    /** Text: the most characters, and a pattern it must match (the channel's own limits). */
    maxLength: z.number().int().min(1).max(4096).optional(),
    pattern: z.string().min(1).max(200).optional(),
  })
  .strict();

const countSchema = z
  .object({ min: z.number().int().min(0).max(255), max: z.number().int().min(1).max(255) })
  .strict();

const stepSchema = z
  .object({
    id: name,
    kind: z.enum(['presence', 'acknowledge', 'action', 'sign-off']),
    title: z.string().min(1).max(200),
    text: words,
    /** Who acts: every participant of these roles (presence: everyone when absent). */
    by: z.array(z.enum(CEREMONY_ROLES)).min(1).optional(),
    action: z.enum(CEREMONY_ACTIONS).optional(),
  })
  .strict();

const templateSchema = z
  .object({
    id: name,
    version: z.number().int().min(1),
    title: z.string().min(1).max(200),
    summary: words,
    parameters: z.array(parameterSchema),
    roles: z.object(Object.fromEntries(CEREMONY_ROLES.map((role) => [role, countSchema]))).strict(),
    /** A parameter whose value is the least number of custodians (the split's threshold). */
    quorum: z.object({ custodians: name }).strict().optional(),
    steps: z.array(stepSchema).min(2),
  })
  .strict();

export type CeremonyParameter = z.infer<typeof parameterSchema>;
export type CeremonyStep = z.infer<typeof stepSchema>;
export type CeremonyTemplate = z.infer<typeof templateSchema> & {
  roles: Record<CeremonyRole, { min: number; max: number }>;
  /** SHA-256 of the template's canonical JSON: the transcript names exactly what was run. */
  digest: string;
};

/**
 * Checks a template's shape and its internal consistency (unique step ids, actions on action
 * steps only, a presence step first, parameters the quorum names). Throws
 * CEREMONY_TEMPLATE_INVALID naming the template and what is wrong.
 */
export function parseTemplate(source: unknown, origin: string): CeremonyTemplate {
  const parsed = templateSchema.safeParse(source);
  const fail = (why: string) =>
    new KeywardenError(ErrorCode.CEREMONY_TEMPLATE_INVALID, `Template ${origin}: ${why}`);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw fail(`${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is malformed'}.`);
  }
  const template = parsed.data;
  const ids = template.steps.map((step) => step.id);
  if (new Set(ids).size !== ids.length) throw fail('two steps share an id.');
  if (template.steps[0]?.kind !== 'presence') throw fail('the first step must be a presence step.');
  for (const step of template.steps) {
    if ((step.kind === 'action') !== (step.action !== undefined))
      throw fail(`step ${step.id}: an action step names its action, and only it does.`);
    if (step.kind !== 'presence' && !step.by) throw fail(`step ${step.id} says who acts.`);
    // Someone must be there to act: a step whose roles may all be empty would never be done.
    if (
      step.by &&
      !step.by.some((role) => (template.roles as Record<string, { min: number }>)[role]!.min >= 1)
    )
      throw fail(`step ${step.id} may have no one to act on it.`);
  }
  const params = new Set(template.parameters.map((p) => p.name));
  if (params.size !== template.parameters.length) throw fail('two parameters share a name.');
  const quorum = template.parameters.find((p) => p.name === template.quorum?.custodians);
  if (template.quorum && quorum?.kind !== 'integer')
    throw fail(`the quorum names no whole-number parameter "${template.quorum.custodians}".`);
  for (const p of template.parameters) {
    const value = p.default;
    const outside =
      value !== undefined &&
      ((p.choices !== undefined && !p.choices.includes(String(value))) ||
        (typeof value === 'number' &&
          ((p.min !== undefined && value < p.min) || (p.max !== undefined && value > p.max))));
    if (outside) throw fail(`parameter ${p.name}'s default is not one it allows.`);
  }
  for (const role of CEREMONY_ROLES) {
    const count = template.roles[role]!;
    if (count.min > count.max) throw fail(`the ${role} role wants more than it allows.`);
  }
  if (template.roles.administrator!.min !== 1 || template.roles.administrator!.max !== 1)
    throw fail('a ceremony has exactly one administrator.');
  return {
    ...template,
    roles: template.roles as Record<CeremonyRole, { min: number; max: number }>,
    digest: createHash('sha256').update(canonicalJson(source)).digest('hex'),
  };
}

const TEMPLATES: readonly CeremonyTemplate[] = [
  generateKey,
  splitKey,
  recombineKey,
  rotateKey,
  destroyKey,
  enrolToken,
  componentEntry,
].map((source) => parseTemplate(source, (source as { id?: string }).id ?? '(unnamed)'));

/** The templates this build ships, in the order people are offered them. */
export function listTemplates(): readonly CeremonyTemplate[] {
  return TEMPLATES;
}

/** The template with this id. Throws CEREMONY_TEMPLATE_NOT_FOUND listing the ones there are. */
export function findTemplate(id: string): CeremonyTemplate {
  const found = TEMPLATES.find((template) => template.id === id);
  if (!found) {
    throw new KeywardenError(
      ErrorCode.CEREMONY_TEMPLATE_NOT_FOUND,
      `There is no ceremony template "${id}"; there are ${TEMPLATES.map((t) => t.id).join(', ')}.`,
    );
  }
  return found;
}

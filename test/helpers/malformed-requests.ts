import { acceptedKinds, describeSchema, minimalValue } from './schema-nodes.ts';
import type { Field, SchemaNode } from './schema-nodes.ts';
import {
  bytesViolations,
  enumViolations,
  EXTRA_KEYS,
  MISSING,
  numberViolations,
  stringViolations,
  withFields,
  WRONG_KIND_VALUES,
} from './malformed-values.ts';
import type { Malformed } from './malformed-values.ts';

export type { Malformed } from './malformed-values.ts';

// Malformed IPC requests, built from what a channel's zod schema declares: each is wrong by
// construction (a value of a kind the field does not take, a length past its bound, a key
// the strict object does not know, a required field left out), starting from the channel's
// minimal valid request. Whether the services refuse them is for the test to observe.
// Values are made on demand (`make`), so a 64 MiB buffer lives only while it is sent.

type ObjectNode = Extract<SchemaNode, { type: 'object' }>;
/** A change to one field of an object: its new value, or MISSING to leave it out. */
interface FieldChange extends Malformed {
  field: string;
}

const prefixed = (prefix: string, list: Malformed[]): Malformed[] =>
  list.map(({ label, make }) => ({ label: `${prefix}${label}`, make }));

/** Values whose kind the node does not take (`undefined` too unless the field is optional). */
function wrongKinds(node: SchemaNode, optional: boolean): Malformed[] {
  const accepted = acceptedKinds(node);
  if (optional) accepted.add('undefined');
  return WRONG_KIND_VALUES.filter(({ kind }) => !accepted.has(kind));
}

/** Every malformed value for a node: wrong kinds, then values of its kind that break a bound. */
function malformedValues(node: SchemaNode, base: () => unknown, optional = false): Malformed[] {
  return [...wrongKinds(node, optional), ...ownKindViolations(node, base)];
}

/** Each field missing (if required) or malformed, and unknown keys on a strict object. */
function fieldChanges(node: ObjectNode, base: () => unknown, skip: string | null): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const [field, { node: fieldNode, optional }] of Object.entries(node.shape) as [
    string,
    Field,
  ][]) {
    if (field === skip) continue;
    if (!optional) changes.push({ field, label: `${field} missing`, make: () => MISSING });
    const current = () => {
      const object = base() as Record<string, unknown>;
      return Object.hasOwn(object, field) ? object[field] : minimalValue(fieldNode);
    };
    for (const value of malformedValues(fieldNode, current, optional))
      changes.push({ field, label: `${field}: ${value.label}`, make: value.make });
  }
  if (node.strict)
    for (const extra of EXTRA_KEYS)
      changes.push({ field: extra.key(), label: extra.label, make: extra.value });
  return changes;
}

function objectViolations(node: ObjectNode, base: () => unknown, skip: string | null): Malformed[] {
  const changes: Malformed[] = fieldChanges(node, base, skip).map((change) => ({
    label: change.label,
    make: () => withFields(base(), [[change.field, change.make()]]),
  }));
  if (node.strict)
    changes.push({
      label: 'an own __proto__ key (JSON.parse)',
      make: () => Object.assign(JSON.parse('{"__proto__":{"polluted":true}}'), base()),
    });
  return changes;
}

function arrayViolations(node: Extract<SchemaNode, { type: 'array' }>, base: () => unknown) {
  const element = () => minimalValue(node.element);
  const items = (count: number) => Array.from({ length: count }, element);
  const out: Malformed[] = [];
  if (node.min >= 1) out.push({ label: `${node.min - 1} items`, make: () => items(node.min - 1) });
  const max = node.max;
  if (max !== null) out.push({ label: `${max + 1} items`, make: () => items(max + 1) });
  const filled = () => {
    const array = base() as unknown[];
    return array.length > 0 ? [...array] : items(1);
  };
  if (!acceptedKinds(node.element).has('undefined'))
    out.push({
      label: 'a hole at [0]',
      make: () => {
        const array = filled();
        delete array[0];
        return array;
      },
    });
  for (const value of malformedValues(node.element, element))
    out.push({
      label: `[0]: ${value.label}`,
      make: () => Object.assign(filled(), { 0: value.make() }),
    });
  return out;
}

/** Values of the node's own kind that break one of its declared constraints. */
function ownKindViolations(node: SchemaNode, base: () => unknown): Malformed[] {
  switch (node.type) {
    case 'object':
      return objectViolations(node, base, null);
    case 'string':
      return stringViolations(node, base);
    case 'number':
      return numberViolations(node);
    case 'enum':
      return enumViolations(node.values);
    case 'array':
      return arrayViolations(node, base);
    case 'bytes':
      return bytesViolations(node);
    case 'union':
      return unionViolations(node);
    case 'record': {
      const keys = ownKindViolations(node.key, () => 'p').map(({ label, make }) => ({
        label: `key: ${label}`,
        make: () => withFields({}, [[make() as string, minimalValue(node.value)]]),
      }));
      const values = malformedValues(node.value, () => minimalValue(node.value)).map(
        ({ label, make }) => ({ label: `.p: ${label}`, make: () => ({ p: make() }) }),
      );
      return [...keys, ...values];
    }
    case 'nullable':
      return ownKindViolations(node.inner, base);
    case 'boolean':
    case 'unknown':
      return [];
  }
}

function unionViolations(node: Extract<SchemaNode, { type: 'union' }>): Malformed[] {
  const { discriminator, options } = node;
  if (discriminator === null) {
    // A violation of one option is a violation of the union only where no other option takes its kind.
    return options.flatMap((option, index) => {
      const others = options
        .filter((_, other) => other !== index)
        .flatMap((o) => [...acceptedKinds(o)]);
      const own = [...acceptedKinds(option)];
      if (own.some((kind) => others.includes(kind))) return [];
      return ownKindViolations(option, () => minimalValue(option));
    });
  }
  const tags = options.map((option) => (option as ObjectNode).shape[discriminator]!.node);
  const known = tags.flatMap((tag) => (tag.type === 'enum' ? tag.values : []));
  const first = () => minimalValue(options[0]!);
  const out: Malformed[] = [
    {
      label: `${discriminator} missing`,
      make: () => withFields(first(), [[discriminator, MISSING]]),
    },
    ...enumViolations(known).map(({ label, make }) => ({
      label: `${discriminator} ${label}`,
      make: () => withFields(first(), [[discriminator, make()]]),
    })),
  ];
  options.forEach((option, index) => {
    const tag = JSON.stringify(known[index]);
    const base = () => minimalValue(option);
    out.push(
      ...prefixed(
        `<${discriminator}=${tag}> `,
        objectViolations(option as ObjectNode, base, discriminator),
      ),
    );
  });
  return out;
}

/** A deterministic PRNG (mulberry32): the same seed gives the same requests. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The channel's minimal valid request. Throws when none parses (a generator bug). */
export function validRequest(schema: unknown): unknown {
  return minimalValue(describeSchema(schema));
}

/**
 * Malformed requests for one channel's request schema: every systematic one, then `compound`
 * more that each change two to four fields at once, chosen by `random`. Throws when the
 * schema is not a strict object or holds a type this generator does not know.
 */
export function malformedRequests(
  schema: unknown,
  { random, compound }: { random: () => number; compound: number },
): Malformed[] {
  const node = describeSchema(schema);
  if (node.type !== 'object' || !node.strict) throw new Error('a request is a strict object');
  const base = () => minimalValue(node);
  const topLevel: Malformed[] = [
    ...wrongKinds(node, false),
    { label: 'an array holding the valid request', make: () => [base()] },
    { label: 'a Map of the valid request', make: () => new Map(Object.entries(base() as object)) },
  ];
  const changes = fieldChanges(node, base, null);
  const combined: Malformed[] = [];
  for (let index = 0; index < compound && changes.length > 0; index += 1) {
    const picked = new Map<string, FieldChange>();
    const count = 2 + Math.floor(random() * 3);
    for (let tries = 0; picked.size < count && tries < 20; tries += 1) {
      const change = changes[Math.floor(random() * changes.length)]!;
      if (!picked.has(change.field)) picked.set(change.field, change);
    }
    const chosen = [...picked.values()];
    combined.push({
      label: `compound: ${chosen.map((change) => change.label).join(' + ')}`,
      make: () =>
        withFields(
          base(),
          chosen.map((change) => [change.field, change.make()]),
        ),
    });
  }
  return [...topLevel, ...objectViolations(node, base, null), ...combined];
}

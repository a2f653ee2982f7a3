import type { z } from 'zod';

// Reads a zod 4 request schema (its `_zod.def`) into a small tree of the constraints it
// declares, and builds the minimal valid value of each node. The IPC fuzz generator starts
// its single-field mutations from those values; what is malformed it decides from the
// declared constraints alone, never by asking the schema whether a candidate parses.

type Schema = z.core.$ZodType;

/** The JavaScript kinds of value the fuzz generator tells apart. */
export type ValueKind =
  | 'string'
  | 'number'
  | 'boolean'
  | 'null'
  | 'undefined'
  | 'bigint'
  | 'array'
  | 'object'
  | 'bytes'
  | 'exotic';

export const ALL_KINDS: readonly ValueKind[] = [
  'string',
  'number',
  'boolean',
  'null',
  'undefined',
  'bigint',
  'array',
  'object',
  'bytes',
  'exotic',
];

export interface Field {
  node: SchemaNode;
  optional: boolean;
}

/** What a schema declares, node by node. Bounds are inclusive; null means none declared. */
export type SchemaNode =
  | { type: 'object'; schema: Schema; shape: Record<string, Field>; strict: boolean }
  | { type: 'string'; min: number; max: number | null; pattern: RegExp | null }
  | { type: 'number'; int: boolean; min: number | null; max: number | null }
  | { type: 'boolean' }
  | { type: 'enum'; values: readonly (string | number)[] }
  | { type: 'array'; element: SchemaNode; min: number; max: number | null }
  | { type: 'bytes'; min: number; max: number | null }
  | { type: 'union'; options: SchemaNode[]; discriminator: string | null }
  | { type: 'record'; key: SchemaNode; value: SchemaNode }
  | { type: 'nullable'; inner: SchemaNode }
  | { type: 'unknown' };

/** A zod def as this reader sees it: its type tag and whatever fields that type has. */
type Def = { type: string; checks?: Schema[] } & Record<string, unknown>;
type CheckDef = { check: string; format?: string } & Record<string, unknown>;

const defOf = (schema: unknown): Def => (schema as Schema)._zod.def as unknown as Def;
const checksOf = (def: Def): CheckDef[] =>
  (def.checks ?? []).map((check) => check._zod.def as unknown as CheckDef);

/** Byte-field sizes are probed up to here: a field that takes more has no bound we know. */
const PROBE_LIMIT = 64 * 1024 * 1024 + 1;
let probeBuffer: Uint8Array | null = null;

/**
 * The sizes a `z.instanceof(Uint8Array)` field takes: its refinements are predicates with no
 * declared bounds, so they are asked about views of one zero-filled buffer (never sent).
 */
function bytesBounds(def: Def, where: string): { min: number; max: number | null } {
  const isBytes = def.fn as (value: unknown) => boolean;
  if (!isBytes(new Uint8Array(1)) || isBytes([1]) || isBytes(new ArrayBuffer(1)))
    throw new Error(`${where}: a custom schema that is not z.instanceof(Uint8Array)`);
  probeBuffer ??= new Uint8Array(PROBE_LIMIT);
  const buffer = probeBuffer;
  const refinements = checksOf(def).map((check) => check.fn as (value: unknown) => unknown);
  const takes = (length: number) => refinements.every((fn) => fn(buffer.subarray(0, length)));
  const min = takes(0) ? 0 : 1;
  if (!takes(min)) throw new Error(`${where}: no byte length is accepted`);
  if (takes(PROBE_LIMIT)) return { min, max: null };
  let [low, high] = [min, PROBE_LIMIT]; // takes(low) and not takes(high)
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (takes(middle)) low = middle;
    else high = middle;
  }
  return { min, max: low };
}

function stringNode(def: Def, where: string): SchemaNode {
  let [min, max, pattern]: [number, number | null, RegExp | null] = [0, null, null];
  for (const check of checksOf(def)) {
    if (check.check === 'min_length') min = check.minimum as number;
    else if (check.check === 'max_length') max = check.maximum as number;
    else if (check.check === 'length_equals') min = max = check.length as number;
    else if (check.check === 'string_format' && check.format === 'regex')
      pattern = check.pattern as RegExp;
    else throw new Error(`${where}: unsupported string check ${check.check}/${check.format}`);
  }
  return { type: 'string', min, max, pattern };
}

function numberNode(def: Def, where: string): SchemaNode {
  const node: Extract<SchemaNode, { type: 'number' }> = {
    type: 'number',
    int: false,
    min: null,
    max: null,
  };
  for (const check of checksOf(def)) {
    if (check.check === 'number_format' && check.format === 'safeint') node.int = true;
    else if (check.check === 'greater_than' && check.inclusive) node.min = check.value as number;
    else if (check.check === 'less_than' && check.inclusive) node.max = check.value as number;
    else throw new Error(`${where}: unsupported number check ${check.check}/${check.format}`);
  }
  return node;
}

/** Reads a schema into the constraints it declares. Throws on a schema type it does not know. */
export function describeSchema(schema: unknown, where = 'request'): SchemaNode {
  const def = defOf(schema);
  const sizes = (d: Def) => {
    const found: { min: number; max: number | null } = { min: 0, max: null };
    for (const check of checksOf(d)) {
      if (check.check === 'min_length') found.min = check.minimum as number;
      else if (check.check === 'max_length') found.max = check.maximum as number;
    }
    return found;
  };
  switch (def.type) {
    case 'object': {
      const shape: Record<string, Field> = {};
      for (const [key, field] of Object.entries(def.shape as Record<string, Schema>)) {
        const optional = defOf(field).type === 'optional';
        const inner = optional ? defOf(field).innerType : field;
        shape[key] = { optional, node: describeSchema(inner, `${where}.${key}`) };
      }
      const strict = def.catchall !== undefined && defOf(def.catchall).type === 'never';
      return { type: 'object', schema: schema as Schema, shape, strict };
    }
    case 'string':
      return stringNode(def, where);
    case 'number':
      return numberNode(def, where);
    case 'boolean':
      return { type: 'boolean' };
    case 'enum':
      return { type: 'enum', values: Object.values(def.entries as Record<string, string>) };
    case 'literal':
      return { type: 'enum', values: def.values as (string | number)[] };
    case 'array':
      return { type: 'array', element: describeSchema(def.element, `${where}[]`), ...sizes(def) };
    case 'custom':
      return { type: 'bytes', ...bytesBounds(def, where) };
    case 'union': {
      const options = (def.options as Schema[]).map((option) => describeSchema(option, where));
      const discriminator = typeof def.discriminator === 'string' ? def.discriminator : null;
      if (discriminator === null && options.every((option) => option.type === 'enum'))
        return { type: 'enum', values: options.flatMap((option) => option.values) };
      return { type: 'union', options, discriminator };
    }
    case 'record':
      return {
        type: 'record',
        key: describeSchema(def.keyType, `${where}<key>`),
        value: describeSchema(def.valueType, `${where}<value>`),
      };
    case 'nullable':
      return { type: 'nullable', inner: describeSchema(def.innerType, where) };
    case 'unknown':
      return { type: 'unknown' };
    default:
      throw new Error(`${where}: unsupported schema type ${def.type}`);
  }
}

/** The kinds of value a node takes (before its bounds are checked). */
export function acceptedKinds(node: SchemaNode): Set<ValueKind> {
  switch (node.type) {
    case 'object':
    case 'record':
      return new Set(['object']);
    case 'enum':
      return new Set(node.values.map((value) => typeof value as ValueKind));
    case 'union':
      return new Set(node.options.flatMap((option) => [...acceptedKinds(option)]));
    case 'nullable':
      return new Set([...acceptedKinds(node.inner), 'null']);
    case 'unknown':
      return new Set(ALL_KINDS);
    default:
      return new Set([node.type]);
  }
}

/** The shortest string a string node takes ('a's or '0's, to satisfy a hex or id pattern). */
function minimalString(node: Extract<SchemaNode, { type: 'string' }>): string {
  const low = Math.max(node.min, 1);
  const high = Math.min(node.max ?? low + 256, low + 256);
  for (let length = low; length <= high; length += 1)
    for (const char of ['a', '0']) {
      const candidate = char.repeat(length);
      if (!node.pattern || node.pattern.test(candidate)) return candidate;
    }
  throw new Error(`no minimal string for ${String(node.pattern)}`);
}

/**
 * The minimal valid value of a node: each required field at its minimum. An object whose
 * refinement refuses that (a factor or factors, one of them) gets one optional field more,
 * the first that makes it parse. Throws when none does: that is a generator bug.
 */
export function minimalValue(node: SchemaNode): unknown {
  switch (node.type) {
    case 'object': {
      const required: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(node.shape))
        if (!field.optional) required[key] = minimalValue(field.node);
      const candidates = [required];
      for (const [key, field] of Object.entries(node.shape))
        if (field.optional) candidates.push({ ...required, [key]: minimalValue(field.node) });
      const parses = (candidate: unknown) =>
        (node.schema as z.ZodType).safeParse(structuredClone(candidate)).success;
      const base = candidates.find(parses);
      if (!base) throw new Error(`no valid base for { ${Object.keys(node.shape).join(', ')} }`);
      return base;
    }
    case 'string':
      return minimalString(node);
    case 'number':
      return node.min === null ? 0 : Math.ceil(node.min);
    case 'boolean':
      return false;
    case 'enum':
      return node.values[0];
    case 'array':
      return Array.from({ length: node.min }, () => minimalValue(node.element));
    case 'bytes':
      return new Uint8Array(Math.max(node.min, 1));
    case 'union':
      return minimalValue(node.options[0]!);
    case 'record':
      return {};
    case 'nullable':
      return minimalValue(node.inner);
    case 'unknown':
      return {};
  }
}

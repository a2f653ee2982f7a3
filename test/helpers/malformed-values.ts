import type { ValueKind } from './schema-nodes.ts';
import type { SchemaNode } from './schema-nodes.ts';

// The catalogue the IPC fuzz generator draws on: values of every kind a structured clone
// carries (prototype-pollution objects, cycles, deep nesting and exotic objects among them),
// keys a strict object does not declare, and the values that break a string, number, enum
// or byte-field bound. Each is malformed by construction where the generator offers it.

/** One malformed request (or value): what is wrong with it, and a maker of a fresh copy. */
export interface Malformed {
  label: string;
  make: () => unknown;
}

/** Stands for a field left out, where a change names a field's new value. */
export const MISSING = Symbol('missing');

export const MiB = 1024 * 1024;
const hugeStrings = new Map<number, string>();
/** A string of `length` 'a's (a valid hex and id character), made once and shared. */
export const huge = (length: number) =>
  hugeStrings.get(length) ?? hugeStrings.set(length, 'a'.repeat(length)).get(length)!;

function cyclicObject(): unknown {
  const value: Record<string, unknown> = { name: 'loop' };
  value.self = value;
  return value;
}
function deeplyNested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level += 1) value = { nested: value };
  return value;
}
const sample = (label: string, kind: ValueKind, make: () => unknown) => ({ label, kind, make });

/** Values of every kind, each offered where a field does not take its kind. */
export const WRONG_KIND_VALUES = [
  sample('a string', 'string', () => 'text'),
  sample('the string "true"', 'string', () => 'true'),
  sample('a number', 'number', () => 42),
  sample('NaN', 'number', () => NaN),
  sample('a boolean', 'boolean', () => true),
  sample('null', 'null', () => null),
  sample('undefined', 'undefined', () => undefined),
  sample('a bigint', 'bigint', () => 10n),
  sample('an empty array', 'array', () => []),
  sample('an array of numbers', 'array', () => [1, 2, 3]),
  sample('an array of strings', 'array', () => ['text']),
  sample('a cyclic array', 'array', () => {
    const loop: unknown[] = [];
    loop.push(loop);
    return loop;
  }),
  sample('an empty object', 'object', () => ({})),
  sample('a nested object', 'object', () => ({ nested: { deeper: ['x'] } })),
  sample('{"__proto__":{"polluted":true}} (JSON.parse)', 'object', () =>
    JSON.parse('{"__proto__":{"polluted":true}}'),
  ),
  sample('{"constructor":{"prototype":{"polluted":true}}}', 'object', () =>
    JSON.parse('{"constructor":{"prototype":{"polluted":true}}}'),
  ),
  sample('an object nested 1000 deep', 'object', () => deeplyNested(1000)),
  sample('a cyclic object', 'object', cyclicObject),
  sample('a Uint8Array', 'bytes', () => new Uint8Array([1, 2, 3])),
  sample('an ArrayBuffer', 'exotic', () => new ArrayBuffer(3)),
  sample('a DataView', 'exotic', () => new DataView(new ArrayBuffer(3))),
  sample('an Int8Array', 'exotic', () => new Int8Array([1, 2, 3])),
  sample('a Uint8ClampedArray', 'exotic', () => new Uint8ClampedArray([1, 2, 3])),
  sample('a Uint16Array', 'exotic', () => new Uint16Array([1, 2, 3])),
  sample('a Date', 'exotic', () => new Date(0)),
  sample('a Map', 'exotic', () => new Map([['key', 'value']])),
  sample('a Set', 'exotic', () => new Set(['value'])),
  sample('a RegExp', 'exotic', () => /text/),
  sample('an Error', 'exotic', () => new Error('text')),
  sample('a boxed String', 'exotic', () => new String('text')),
  sample('a boxed Number', 'exotic', () => new Number(1)),
];

/** Keys a strict object does not declare, prototype-pollution keys among them. */
export const EXTRA_KEYS: { label: string; key: () => string; value: () => unknown }[] = [
  { label: 'an unknown key', key: () => 'extra', value: () => 1 },
  { label: 'an own __proto__ key', key: () => '__proto__', value: () => ({ polluted: true }) },
  {
    label: 'an own constructor key',
    key: () => 'constructor',
    value: () => ({ prototype: { polluted: true } }),
  },
  { label: 'an own prototype key', key: () => 'prototype', value: () => ({ polluted: true }) },
  { label: 'an own toString key', key: () => 'toString', value: () => 'text' },
  { label: 'an own hasOwnProperty key', key: () => 'hasOwnProperty', value: () => 1 },
  { label: 'an empty key', key: () => '', value: () => 1 },
  { label: 'a numeric key', key: () => '0', value: () => 1 },
  { label: 'a 1 MiB key', key: () => huge(MiB), value: () => 1 },
];

/** A copy of `object` with own data properties set (`__proto__` too) or, for MISSING, removed. */
export function withFields(object: unknown, changes: [string, unknown][]): Record<string, unknown> {
  const copy = { ...(object as Record<string, unknown>) };
  for (const [key, value] of changes) {
    if (value === MISSING) delete copy[key];
    else
      Object.defineProperty(copy, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return copy;
}

/** Strings of a string node's kind that break its length or pattern. */
export function stringViolations(
  node: Extract<SchemaNode, { type: 'string' }>,
  base: () => unknown,
) {
  const out: Malformed[] = [];
  if (node.min >= 1) out.push({ label: 'an empty string', make: () => '' });
  if (node.min > 1)
    out.push({ label: `${node.min - 1} chars`, make: () => 'a'.repeat(node.min - 1) });
  const max = node.max;
  if (max !== null) out.push({ label: `${max + 1} chars`, make: () => 'a'.repeat(max + 1) });
  for (const [label, length] of [
    ['1 MiB', MiB],
    ['16 MiB', 16 * MiB],
  ] as const)
    if (max !== null ? length > max : !node.pattern?.test(huge(length)))
      out.push({ label: `a ${label} string`, make: () => huge(length) });
  const pattern = node.pattern;
  if (pattern) {
    const valid = String(base());
    const candidates = {
      'a non-matching character': `z${valid.slice(1)}`,
      'a trailing newline': `${valid}\n`,
      'a leading space': ` ${valid}`,
      'a NUL character': `${valid.slice(1)}\u0000`,
    };
    for (const [label, candidate] of Object.entries(candidates))
      if (!pattern.test(candidate))
        out.push({ label: `${label} for ${pattern}`, make: () => candidate });
  }
  return out;
}

/** Numbers that break a number node: NaN, infinities, fractions of an integer, out of range. */
export function numberViolations(node: Extract<SchemaNode, { type: 'number' }>): Malformed[] {
  const out: [string, number][] = [
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
  ];
  if (node.int)
    out.push(['not an integer', (node.min ?? 0) + 0.5], ['2^53', 2 ** 53], ['-2^53', -(2 ** 53)]);
  if (node.min !== null)
    out.push([`below ${node.min}`, node.min - (node.int ? 1 : 0.5)], ['-1e308', -1e308]);
  if (node.max !== null)
    out.push([`above ${node.max}`, node.max + (node.int ? 1 : 0.5)], ['1e308', 1e308]);
  return out.map(([label, value]) => ({ label, make: () => value }));
}

/** Values of an enum's kind that are not among its members. */
export function enumViolations(values: readonly (string | number)[]): Malformed[] {
  const first = values[0]!;
  const candidates: (string | number)[] =
    typeof first === 'string'
      ? [
          '',
          'not-a-member',
          '__proto__',
          'constructor',
          'toString',
          first.toUpperCase(),
          ` ${first}`,
        ]
      : [0, -1, Math.max(...(values as number[])) + 1, first + 0.5, String(first)];
  return candidates
    .filter((candidate) => !values.includes(candidate))
    .map((candidate) => ({
      label: `not a member: ${JSON.stringify(candidate)}`,
      make: () => candidate,
    }));
}

/** Byte arrays of a wrong size: empty where one byte is the least, one past the bound. */
export function bytesViolations({ min, max }: Extract<SchemaNode, { type: 'bytes' }>): Malformed[] {
  const out: Malformed[] = [];
  if (min >= 1) out.push({ label: 'empty bytes', make: () => new Uint8Array(0) });
  if (max !== null) out.push({ label: `${max + 1} bytes`, make: () => new Uint8Array(max + 1) });
  return out;
}

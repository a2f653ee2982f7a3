import { randomBytes } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { zeroize } from '../crypto/bytes.ts';
import { keyCheckValue } from './kcv.ts';

// XOR key components, PCI style: a key is split into 2 to N full-length components, each
// alone uniformly random (all but the last are random; the last is the key XOR the others),
// so no custodian learns anything of the key. Each component has its check value, read back
// when it is entered; the combined key's check value is compared before anything is done
// with it.

export const MAX_COMPONENTS = 16;

export interface Component {
  /** 1-based position, as custodians are told. */
  index: number;
  /** The component's bytes; the caller zeroes them once shown or written. */
  value: Buffer;
  kcv: string;
}

/** Splits `key` into `count` components. Throws BAD_REQUEST. */
export function splitComponents(key: Uint8Array, count: number): Component[] {
  if (!Number.isInteger(count) || count < 2 || count > MAX_COMPONENTS) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `A key is split into 2 to ${MAX_COMPONENTS} components; got ${String(count)}.`,
    );
  }
  if (key.length === 0)
    throw new KeywardenError(ErrorCode.BAD_REQUEST, 'There is no key to split.');
  const last = Buffer.from(key);
  const components: Component[] = [];
  for (let index = 1; index < count; index += 1) {
    const value = randomBytes(key.length);
    for (let i = 0; i < last.length; i += 1) last[i]! ^= value[i]!;
    components.push({ index, value, kcv: keyCheckValue(value) });
  }
  components.push({ index: count, value: last, kcv: keyCheckValue(last) });
  return components;
}

/**
 * XORs the components into the key and checks it against `expectedKcv` (the key's check value
 * as recorded when it was split, or as the key's owner states it). Returns the key (the caller
 * zeroes it). Throws BAD_REQUEST (fewer than two, lengths differ), KCV_MISMATCH naming the
 * check value it got; the key is zeroed before that error.
 */
export function combineComponents(components: readonly Uint8Array[], expectedKcv: string): Buffer {
  if (components.length < 2 || components.length > MAX_COMPONENTS) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `Combining takes 2 to ${MAX_COMPONENTS} components; got ${components.length}.`,
    );
  }
  const length = components[0]!.length;
  if (length === 0 || components.some((c) => c.length !== length)) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      'The components differ in length: each is as long as the key. Check each against its check value.',
    );
  }
  const key = Buffer.alloc(length);
  for (const component of components) for (let i = 0; i < length; i += 1) key[i]! ^= component[i]!;
  const kcv = keyCheckValue(key);
  if (kcv !== expectedKcv.toUpperCase()) {
    zeroize(key);
    throw new KeywardenError(
      ErrorCode.KCV_MISMATCH,
      `The combined key's check value is ${kcv}, not ${expectedKcv.toUpperCase()}: a component was mistyped, or one is missing or from another key. Check each component's own check value.`,
    );
  }
  return key;
}

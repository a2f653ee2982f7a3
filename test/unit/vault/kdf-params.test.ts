import { describe, expect, it } from 'vitest';
import {
  resolveKdfParams,
  storedParamsAreValid,
  validateKdfChoice,
} from '../../../electron/core/vault/kdf-params.ts';
import type { KdfChoice } from '../../../electron/core/vault/kdf-params.ts';
import { libargon2 } from '../../../native/kdf/argon2-kdf.ts';
import { KeywardenError } from '../../../electron/shared/errors.ts';

const fixed = (memoryMiB: number, iterations: number, parallelism: number): KdfChoice => ({
  kind: 'fixed',
  memoryMiB,
  iterations,
  parallelism,
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof KeywardenError ? error.code : 'not a KeywardenError';
  }
  return undefined;
}

describe('Argon2id parameter limits', () => {
  it.each([
    ['memory below 19 MiB', fixed(18, 3, 1)],
    ['iterations below 2', fixed(64, 1, 1)],
    ['parallelism 0', fixed(64, 3, 0)],
    ['fractional memory', fixed(19.5, 3, 1)],
    ['memory above 4 GiB', fixed(8192, 3, 1)],
    ['NaN iterations', fixed(64, Number.NaN, 1)],
    [
      'target time below 100 ms',
      { kind: 'calibrate', targetMs: 10, memoryMiB: 64, parallelism: 1 } as KdfChoice,
    ],
  ])('refuses %s with KDF_PARAMS_INVALID', (_name, choice) => {
    expect(codeOf(() => validateKdfChoice(choice))).toBe('KDF_PARAMS_INVALID');
  });

  it('accepts the floors exactly', () => {
    expect(codeOf(() => validateKdfChoice(fixed(19, 2, 1)))).toBeUndefined();
  });

  it('never clamps: a refused value is reported as given', () => {
    expect(() => validateKdfChoice(fixed(18, 3, 1))).toThrow(/got 18/);
  });

  it('treats out-of-range stored parameters as invalid', () => {
    expect(storedParamsAreValid({ memoryKiB: 19 * 1024, iterations: 2, parallelism: 1 })).toBe(
      true,
    );
    expect(storedParamsAreValid({ memoryKiB: 1024, iterations: 2, parallelism: 1 })).toBe(false);
    expect(storedParamsAreValid({ memoryKiB: 19 * 1024, iterations: 1, parallelism: 1 })).toBe(
      false,
    );
  });
});

describe('calibration', () => {
  it('keeps the chosen memory and lanes and picks at least the iteration floor', async () => {
    const progress: number[] = [];
    const params = await resolveKdfParams(
      libargon2,
      { kind: 'calibrate', targetMs: 150, memoryMiB: 19, parallelism: 1 },
      (p) => progress.push(p.iterations),
    );
    expect(params.memoryKiB).toBe(19 * 1024);
    expect(params.parallelism).toBe(1);
    expect(params.iterations).toBeGreaterThanOrEqual(2);
    expect(progress).toEqual([params.iterations]);
  });

  it('scales iterations with the target time', async () => {
    const low = await resolveKdfParams(libargon2, {
      kind: 'calibrate',
      targetMs: 100,
      memoryMiB: 19,
      parallelism: 1,
    });
    const high = await resolveKdfParams(libargon2, {
      kind: 'calibrate',
      targetMs: 2000,
      memoryMiB: 19,
      parallelism: 1,
    });
    expect(high.iterations).toBeGreaterThan(low.iterations);
  });
});

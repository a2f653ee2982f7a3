import { availableParallelism } from 'node:os';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { Argon2id, Argon2idParams } from '../../../native/kdf/kdf.ts';

// Argon2id parameters for passphrase slots: the floors (OWASP's m = 19 MiB, t = 2) are
// refused, never clamped; defaults are calibrated on this machine to a target time.

export const KDF_LIMITS = {
  minMemoryMiB: 19,
  maxMemoryMiB: 4096,
  minIterations: 2,
  maxIterations: 1000,
  minParallelism: 1,
  maxParallelism: 16,
  minTargetMs: 100,
  maxTargetMs: 60_000,
} as const;

export const KDF_DEFAULTS = {
  memoryMiB: 256,
  ceremonyMemoryMiB: 1024,
  targetMs: 1000,
  parallelism: Math.min(4, availableParallelism()),
} as const;

/** How a new passphrase slot picks its parameters: fixed, or calibrated to a target time. */
export type KdfChoice =
  | { kind: 'fixed'; memoryMiB: number; iterations: number; parallelism: number }
  | { kind: 'calibrate'; targetMs: number; memoryMiB: number; parallelism: number };

function requireInteger(name: string, value: number, min: number, max: number, unit = ''): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new KeywardenError(
      ErrorCode.KDF_PARAMS_INVALID,
      `Argon2id ${name} must be a whole number from ${min} to ${max}${unit}; got ${String(value)}. Nothing was changed.`,
    );
  }
}

/** Checks a KdfChoice against the limits. Throws KDF_PARAMS_INVALID; never adjusts a value. */
export function validateKdfChoice(choice: KdfChoice): void {
  requireInteger(
    'memory',
    choice.memoryMiB,
    KDF_LIMITS.minMemoryMiB,
    KDF_LIMITS.maxMemoryMiB,
    ' MiB',
  );
  requireInteger(
    'parallelism',
    choice.parallelism,
    KDF_LIMITS.minParallelism,
    KDF_LIMITS.maxParallelism,
  );
  if (choice.kind === 'fixed') {
    requireInteger(
      'iterations',
      choice.iterations,
      KDF_LIMITS.minIterations,
      KDF_LIMITS.maxIterations,
    );
  } else {
    requireInteger(
      'target time',
      choice.targetMs,
      KDF_LIMITS.minTargetMs,
      KDF_LIMITS.maxTargetMs,
      ' ms',
    );
  }
}

/** Checks parameters read back from a slot; out-of-range values mean the header was altered. */
export function storedParamsAreValid(params: Argon2idParams): boolean {
  const inRange = (v: number, min: number, max: number) =>
    Number.isInteger(v) && v >= min && v <= max;
  return (
    inRange(params.memoryKiB, KDF_LIMITS.minMemoryMiB * 1024, KDF_LIMITS.maxMemoryMiB * 1024) &&
    inRange(params.iterations, KDF_LIMITS.minIterations, KDF_LIMITS.maxIterations) &&
    inRange(params.parallelism, KDF_LIMITS.minParallelism, KDF_LIMITS.maxParallelism)
  );
}

export interface CalibrationProgress {
  phase: 'calibrating';
  iterations: number;
  elapsedMs: number;
}

/**
 * Resolves a KdfChoice to concrete parameters. Calibration times one derivation at the
 * iteration floor with the chosen memory and scales the iteration count to the target; if
 * the floor alone exceeds the target, the floor is used (it is never gone below).
 * Throws KDF_PARAMS_INVALID.
 */
export async function resolveKdfParams(
  argon2: Argon2id,
  choice: KdfChoice,
  onProgress?: (progress: CalibrationProgress) => void,
): Promise<Argon2idParams> {
  validateKdfChoice(choice);
  const memoryKiB = choice.memoryMiB * 1024;
  if (choice.kind === 'fixed') {
    return { memoryKiB, iterations: choice.iterations, parallelism: choice.parallelism };
  }
  const probe = {
    memoryKiB,
    iterations: KDF_LIMITS.minIterations,
    parallelism: choice.parallelism,
  };
  const started = performance.now();
  const sample = await argon2.derive({
    ...probe,
    password: Buffer.from('keywarden calibration'),
    salt: Buffer.alloc(16),
    hashLength: 32,
  });
  sample.fill(0);
  const elapsedMs = performance.now() - started;
  const perIteration = elapsedMs / KDF_LIMITS.minIterations;
  const iterations = Math.min(
    KDF_LIMITS.maxIterations,
    Math.max(KDF_LIMITS.minIterations, Math.round(choice.targetMs / perIteration)),
  );
  onProgress?.({ phase: 'calibrating', iterations, elapsedMs });
  return { ...probe, iterations };
}

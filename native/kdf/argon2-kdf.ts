import argon2 from 'argon2';
import type { Argon2id, Argon2idInput } from './kdf.ts';

// Argon2id over libargon2 (the `argon2` package). The hash runs on libuv's thread pool, so
// a 1 GiB ceremony derivation does not block the process that serves the UI.

/** The Argon2id implementation backed by libargon2. */
export const libargon2: Argon2id = {
  async derive(input: Argon2idInput): Promise<Buffer> {
    // The package takes Buffers; wrap without copying so the caller's zeroing reaches them.
    const view = (bytes: Uint8Array) =>
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return argon2.hash(view(input.password), {
      type: argon2.argon2id,
      raw: true,
      salt: view(input.salt),
      memoryCost: input.memoryKiB,
      timeCost: input.iterations,
      parallelism: input.parallelism,
      hashLength: input.hashLength,
      ...(input.secret ? { secret: view(input.secret) } : {}),
      ...(input.associatedData ? { associatedData: view(input.associatedData) } : {}),
    });
  },
};

import { describe, expect, it } from 'vitest';
import { libargon2 } from '../../../native/kdf/argon2-kdf.ts';

describe('Argon2id (libargon2)', () => {
  it('matches RFC 9106 §5.3', async () => {
    const tag = await libargon2.derive({
      password: Buffer.alloc(32, 0x01),
      salt: Buffer.alloc(16, 0x02),
      secret: Buffer.alloc(8, 0x03),
      associatedData: Buffer.alloc(12, 0x04),
      memoryKiB: 32,
      iterations: 3,
      parallelism: 4,
      hashLength: 32,
    });
    expect(tag.toString('hex')).toBe(
      '0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659',
    );
  });

  it('depends on every input', async () => {
    const base = {
      password: Buffer.from('pw'),
      salt: Buffer.alloc(16, 1),
      memoryKiB: 64,
      iterations: 2,
      parallelism: 1,
      hashLength: 32,
    };
    const a = await libargon2.derive(base);
    const b = await libargon2.derive({ ...base, salt: Buffer.alloc(16, 2) });
    const c = await libargon2.derive({ ...base, iterations: 3 });
    expect(a.equals(b)).toBe(false);
    expect(a.equals(c)).toBe(false);
  });
});

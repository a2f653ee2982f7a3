import { randomBytes, randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  combineShares,
  decodeShare,
  encodeShare,
  shareCheck,
  splitSecret,
} from '../../../electron/core/ceremony/shares.ts';
import type { ShareObject } from '../../../electron/core/ceremony/shares.ts';
import { keyCheckValue } from '../../../electron/core/ceremony/kcv.ts';

// Shamir shares as custodians carry them: every k-subset rebuilds the secret and no smaller
// one does; random secrets and shapes round-trip; and every bad share is refused with a code
// naming it, never a wrong secret.

const names = (n: number) => Array.from({ length: n }, (_, i) => `custodian ${i + 1}`);

function subsets<T>(items: readonly T[], size: number): T[][] {
  if (size === 0) return [[]];
  return items.flatMap((item, i) =>
    subsets(items.slice(i + 1), size - 1).map((rest) => [item, ...rest]),
  );
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

/** Re-checks an edited share, as a careful forger (or a consistent typo) would. */
function resealed(share: ShareObject, change: Partial<ShareObject>): ShareObject {
  const edited = { ...share, ...change };
  return { ...edited, check: shareCheck(edited) };
}

describe('Shamir shares', () => {
  for (const [k, n] of [
    [2, 2],
    [2, 3],
    [3, 5],
    [4, 6],
  ] as const) {
    it(`${k} of ${n}: every ${k}-subset rebuilds the secret, no ${k - 1}-subset does`, async () => {
      const secret = randomBytes(32);
      const split = await splitSecret(secret, k, names(n));
      expect(split.kcv).toBe(keyCheckValue(secret));
      const shares = split.shares.map((share) => decodeShare(encodeShare(share), share.custodian));
      for (const subset of subsets(shares, k)) {
        const rebuilt = await combineShares(
          subset,
          subset.map((s) => s.custodian),
        );
        expect(rebuilt).toEqual(secret);
      }
      for (const subset of subsets(shares, k - 1)) {
        expect(
          await codeOf(
            combineShares(
              subset,
              subset.map((s) => s.custodian),
            ),
          ),
        ).toBe(k - 1 === 0 ? 'QUORUM_NOT_MET' : 'QUORUM_NOT_MET');
      }
    });
  }

  it('round-trips 100 random secrets of random lengths and shapes', async () => {
    for (let round = 0; round < 100; round += 1) {
      const n = randomInt(2, 12);
      const k = randomInt(2, n + 1);
      const secret = randomBytes(randomInt(1, 65));
      const { shares } = await splitSecret(secret, k, names(n));
      const chosen = shares.sort(() => randomInt(0, 3) - 1).slice(0, k);
      expect(
        await combineShares(
          chosen,
          chosen.map((s) => s.custodian),
        ),
      ).toEqual(secret);
    }
  });

  it('holds no share value that equals the secret, and no field of it', async () => {
    const secret = randomBytes(32);
    const { shares } = await splitSecret(secret, 2, names(3));
    for (const share of shares) {
      expect(encodeShare(share)).not.toContain(secret.toString('base64'));
      expect(encodeShare(share)).not.toContain(secret.toString('hex'));
    }
  });

  describe('bad shares', () => {
    it('a mistyped share fails its check, named', async () => {
      const { shares } = await splitSecret(randomBytes(32), 2, names(3));
      const text = encodeShare(shares[1]!).replace(
        /"value": "(.)/,
        (_m, c: string) => `"value": "${c === 'A' ? 'B' : 'A'}`,
      );
      expect(() => decodeShare(text, 'bob.share')).toThrow(
        /Share bob\.share fails its integrity check/,
      );
    });

    it('a foreign share (another ceremony) is SHARE_INVALID naming it', async () => {
      const secret = randomBytes(32);
      const one = await splitSecret(secret, 2, names(3));
      const other = await splitSecret(secret, 2, names(3));
      const error = await combineShares(
        [one.shares[0]!, other.shares[1]!],
        ['a.share', 'b.share'],
      ).catch((e: Error & { code: string }) => e);
      expect(error).toMatchObject({
        code: 'SHARE_INVALID',
        message: expect.stringContaining('b.share belongs to another ceremony'),
      });
    });

    it('a duplicated share is SHARE_INVALID naming both', async () => {
      const { shares } = await splitSecret(randomBytes(32), 2, names(3));
      const error = await combineShares([shares[0]!, shares[0]!], ['a.share', 'copy.share']).catch(
        (e: Error & { code: string }) => e,
      );
      expect(error).toMatchObject({
        code: 'SHARE_INVALID',
        message: expect.stringContaining('copy.share repeats share a.share'),
      });
    });

    it('an altered but re-checked share never yields a wrong secret; with one share more it is named', async () => {
      const secret = randomBytes(32);
      const { shares } = await splitSecret(secret, 2, names(3));
      const bytes = Buffer.from(shares[1]!.value, 'base64');
      bytes[0]! ^= 0xff;
      const altered = resealed(shares[1]!, { value: bytes.toString('base64') });
      expect(decodeShare(encodeShare(altered), 'b.share').value).toBe(altered.value);
      expect(await codeOf(combineShares([shares[0]!, altered], ['a', 'b']))).toBe('SHARE_INVALID');
      const error = await combineShares(
        [shares[0]!, altered, shares[2]!],
        ['a.share', 'b.share', 'c.share'],
      ).catch((e: Error & { code: string }) => e);
      expect(error).toMatchObject({
        code: 'SHARE_INVALID',
        message: expect.stringContaining('b.share does not fit the others'),
      });
    });

    it.each([
      ['not JSON', 'share: 1234'],
      ['another format', JSON.stringify({ format: 'slip39' })],
      ['another version', JSON.stringify({ format: 'keywarden-share', version: 2 })],
      [
        'an index out of range',
        JSON.stringify({
          format: 'keywarden-share',
          version: 1,
          ceremony: 'c',
          index: 9,
          threshold: 2,
          shares: 3,
          custodian: 'x',
          algorithm: 'secret',
          kcv: 'A',
          fingerprint: 'f',
          value: 'AA==',
          check: '00',
        }),
      ],
      [
        'a threshold of 1',
        JSON.stringify({
          format: 'keywarden-share',
          version: 1,
          ceremony: 'c',
          index: 1,
          threshold: 1,
          shares: 3,
          custodian: 'x',
          algorithm: 'secret',
          kcv: 'A',
          fingerprint: 'f',
          value: 'AA==',
          check: '00',
        }),
      ],
    ])('%s is SHARE_INVALID', (_name, text) => {
      expect(() => decodeShare(text, 'x.share')).toThrow(
        expect.objectContaining({ code: 'SHARE_INVALID' }),
      );
    });

    it('refuses bad split requests with BAD_REQUEST', async () => {
      for (const [k, n] of [
        [1, 3],
        [4, 3],
        [2, 256],
      ] as const) {
        expect(await codeOf(splitSecret(randomBytes(32), k, names(n)))).toBe('BAD_REQUEST');
      }
      expect(await codeOf(splitSecret(randomBytes(32), 2, ['a', 'a']))).toBe('BAD_REQUEST');
      expect(await codeOf(splitSecret(new Uint8Array(0), 2, names(2)))).toBe('BAD_REQUEST');
    });
  });
});

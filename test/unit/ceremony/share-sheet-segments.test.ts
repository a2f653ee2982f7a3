import { describe, expect, it } from 'vitest';
import { qrSegments } from '../../../electron/core/ceremony/share-sheet.ts';
import { encodeShareText } from '../../../electron/core/ceremony/share-text.ts';
import { splitSecret } from '../../../electron/core/ceremony/shares.ts';

// A share too long for one printed QR code (a private key's) is spread over several, split at
// line ends: scanned in order they give back the share's text exactly.

describe('QR segments of a share sheet', () => {
  it('keeps a secret key share in one code, and spreads a private key share over several', async () => {
    for (const [bytes, one] of [
      [32, true],
      [1_800, false],
    ] as const) {
      const split = await splitSecret(Buffer.alloc(bytes, 7), 2, ['Carol', 'Dave'], 'secret');
      const text = encodeShareText(split.shares[0]!);
      const segments = qrSegments(text);
      expect(segments.length === 1).toBe(one);
      expect(segments.join('')).toBe(text);
      for (const segment of segments) {
        expect(Buffer.byteLength(segment)).toBeLessThanOrEqual(600);
        expect(segment.endsWith('\n')).toBe(true);
      }
    }
  });
});

import { describe, expect, it } from 'vitest';
import {
  generateRecoveryKey,
  parseRecoveryKey,
} from '../../../electron/core/vault/recovery-key.ts';
import { KeywardenError } from '../../../electron/shared/errors.ts';

describe('recovery keys', () => {
  it('are 160 random bits in nine groups of four after a KW1 prefix', () => {
    const a = generateRecoveryKey();
    const b = generateRecoveryKey();
    expect(a.secret.length).toBe(20);
    expect(a.text).toMatch(/^KW1(-[0-9A-HJKMNP-TV-Z]{4}){9}$/);
    expect(a.text).not.toBe(b.text);
  });

  it('parse back to the same bytes, however they are typed', () => {
    const { secret, text } = generateRecoveryKey();
    expect(parseRecoveryKey(text).equals(secret)).toBe(true);
    expect(parseRecoveryKey(text.toLowerCase().replace(/-/g, ' ')).equals(secret)).toBe(true);
    expect(
      parseRecoveryKey(text.replace(/^KW1-/, '').replace(/0/g, 'O').replace(/1/g, 'l')).equals(
        secret,
      ),
    ).toBe(true);
  });

  it('report a mistyped character as malformed, without echoing the key', () => {
    const { text } = generateRecoveryKey();
    const last = text.at(-1) === 'A' ? 'B' : 'A';
    const typo = text.slice(0, -1) + last;
    try {
      parseRecoveryKey(typo);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(KeywardenError);
      expect((error as KeywardenError).code).toBe('RECOVERY_KEY_MALFORMED');
      expect((error as Error).message).not.toContain(typo.slice(4, 12));
    }
  });

  it.each([
    ['too short', 'KW1-ABCD'],
    ['a character outside the alphabet', 'KW1-' + 'U'.repeat(36)],
  ])('refuse %s', (_n, input) => {
    expect(() => parseRecoveryKey(input)).toThrow(
      expect.objectContaining({ code: 'RECOVERY_KEY_MALFORMED' }),
    );
  });
});

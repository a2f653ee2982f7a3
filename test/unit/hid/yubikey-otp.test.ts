import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode, KeywardenError } from '../../../electron/shared/errors.ts';
import type { HidFeatureTransport } from '../../../native/hid/hid-transport.ts';
import {
  CRC_OK_RESIDUAL,
  crc16,
  hmacChallengeFrame,
  yubiKeyChallengeResponse,
} from '../../../native/hid/yubikey-otp.ts';
import { YubiKeyOtpModel } from '../../helpers/yubikey-otp.model.ts';

// YubiKey HMAC-SHA1 challenge-response over OTP HID feature reports, host side against the
// device model, with the published HMAC-SHA1 vectors of RFC 2202 §3 and the CRC's check value.

async function failure(promise: Promise<unknown>): Promise<KeywardenError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeywardenError);
  return error as KeywardenError;
}

function yubiKey(slot: 1 | 2, secret: Buffer, extra: { requireTouch?: boolean } = {}) {
  const model = new YubiKeyOtpModel();
  model.slots[slot] = { secret, variableLength: true, ...extra };
  return model;
}

describe('CRC-16 (ISO 13239, as the YubiKey computes it)', () => {
  it('gives the CRC-16/X-25 check value for "123456789" once inverted', () => {
    const crc = crc16(Buffer.from('123456789'));
    expect(crc).toBe(0x6f91);
    expect(~crc & 0xffff).toBe(0x906e);
  });

  it('leaves the residue 0xF0B8 over data followed by its inverted CRC', () => {
    const data = randomBytes(20);
    const tail = Buffer.alloc(2);
    tail.writeUInt16LE(~crc16(data) & 0xffff);
    expect(crc16(Buffer.concat([data, tail]))).toBe(CRC_OK_RESIDUAL);
    tail[0]! ^= 1;
    expect(crc16(Buffer.concat([data, tail]))).not.toBe(CRC_OK_RESIDUAL);
  });
});

describe('challenge frame', () => {
  it('is payload, slot command, CRC of the payload little-endian, filler', () => {
    const frame = hmacChallengeFrame(2, Buffer.from('Hi There'));
    expect(frame).toHaveLength(70);
    expect(frame.subarray(0, 8).toString()).toBe('Hi There');
    expect(frame.subarray(8, 64).every((b) => b === 0)).toBe(true);
    expect(frame[64]).toBe(0x38);
    expect(frame.readUInt16LE(65)).toBe(crc16(frame.subarray(0, 64)));
    expect([...frame.subarray(67)]).toEqual([0, 0, 0]);
    expect(hmacChallengeFrame(1, Buffer.of(5, 0))[64]).toBe(0x30);
    // A challenge ending in 0 is padded with 1, so the key can strip the padding.
    expect(
      hmacChallengeFrame(1, Buffer.of(5, 0))
        .subarray(2, 64)
        .every((b) => b === 1),
    ).toBe(true);
  });

  it('refuses an empty challenge or one over 64 bytes', () => {
    for (const challenge of [Buffer.alloc(0), Buffer.alloc(65, 1)]) {
      expect(() => hmacChallengeFrame(1, challenge)).toThrow(
        expect.objectContaining({ code: ErrorCode.BAD_REQUEST }),
      );
    }
  });
});

describe('HMAC-SHA1 challenge-response', () => {
  // RFC 2202 §3 test cases whose key fits a YubiKey slot (20 bytes; shorter keys are
  // zero-padded by HMAC itself, so "Jefe" is the 20-byte key "Jefe" + 16 zero bytes).
  it.each([
    ['0b'.repeat(20), Buffer.from('Hi There'), 'b617318655057264e28bc0b6fb378c8ef146be00'],
    [
      Buffer.from('Jefe').toString('hex') + '00'.repeat(16),
      Buffer.from('what do ya want for nothing?'),
      'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79',
    ],
    ['aa'.repeat(20), Buffer.alloc(50, 0xdd), '125d7342b9ac11cd91a39af48aa17b4f63f175d3'],
    [
      '0c'.repeat(20),
      Buffer.from('Test With Truncation'),
      '4c1a03424b55e07fe7f27be1d58bb9324a9a5a04',
    ],
  ])('RFC 2202 key %s', async (key, data, expected) => {
    for (const slot of [1, 2] as const) {
      const model = yubiKey(slot, Buffer.from(key, 'hex'));
      const response = await yubiKeyChallengeResponse(model, {
        slot,
        challenge: data,
        pollIntervalMs: 1,
      });
      expect(response.toString('hex')).toBe(expected);
      expect(model.writesWhileBusy).toBe(0);
      expect(model.badCrcFrames).toBe(0);
    }
  });

  it('answers HMAC-SHA1(secret, challenge) per slot, and 64-byte challenges whole', async () => {
    const model = new YubiKeyOtpModel();
    const [secret1, secret2] = [randomBytes(20), randomBytes(20)];
    model.slots[1] = { secret: secret1, variableLength: true };
    model.slots[2] = { secret: secret2 };
    const challenge = randomBytes(32);
    const hmac = (secret: Buffer, data: Buffer) => createHmac('sha1', secret).update(data).digest();
    const one = await yubiKeyChallengeResponse(model, { slot: 1, challenge, pollIntervalMs: 1 });
    expect(one.equals(hmac(secret1, challenge))).toBe(true);
    const full = randomBytes(64);
    const two = await yubiKeyChallengeResponse(model, {
      slot: 2,
      challenge: full,
      pollIntervalMs: 1,
    });
    expect(two.equals(hmac(secret2, full))).toBe(true);
  });

  it('waits for a touch, reporting it, when the slot requires one', async () => {
    const secret = randomBytes(20);
    const model = yubiKey(1, secret, { requireTouch: true });
    const progress: string[] = [];
    const challenge = randomBytes(32);
    const pending = yubiKeyChallengeResponse(model, {
      slot: 1,
      challenge,
      pollIntervalMs: 2,
      onProgress: (p) => {
        progress.push(p);
        setTimeout(() => model.press(), 30);
      },
    });
    const response = await pending;
    expect(progress).toEqual(['touch-needed']);
    expect(response.equals(createHmac('sha1', secret).update(challenge).digest())).toBe(true);
  });

  it('no touch in time is TOKEN_TOUCH_TIMEOUT; the host giving up first is too', async () => {
    const model = yubiKey(1, randomBytes(20), { requireTouch: true });
    model.touchTimeoutMs = 60;
    const options = { slot: 1, challenge: randomBytes(8), pollIntervalMs: 2 } as const;
    expect((await failure(yubiKeyChallengeResponse(model, options))).code).toBe(
      ErrorCode.TOKEN_TOUCH_TIMEOUT,
    );
    model.touchTimeoutMs = 5_000;
    const early = await failure(yubiKeyChallengeResponse(model, { ...options, timeoutMs: 60 }));
    expect(early.code).toBe(ErrorCode.TOKEN_TOUCH_TIMEOUT);
  });

  it('a slot without challenge-response is TOKEN_SLOT_NOT_CONFIGURED', async () => {
    const model = yubiKey(1, randomBytes(20));
    const error = await failure(
      yubiKeyChallengeResponse(model, { slot: 2, challenge: randomBytes(8), pollIntervalMs: 1 }),
    );
    expect(error.code).toBe(ErrorCode.TOKEN_SLOT_NOT_CONFIGURED);
  });

  it('a key that stays busy is TOKEN_TIMEOUT', async () => {
    const model = yubiKey(1, randomBytes(20));
    model.processingMs = 10_000;
    const error = await failure(
      yubiKeyChallengeResponse(model, {
        slot: 1,
        challenge: randomBytes(8),
        pollIntervalMs: 2,
        timeoutMs: 80,
      }),
    );
    expect(error.code).toBe(ErrorCode.TOKEN_TIMEOUT);
  });

  it('refuses an answer whose CRC does not check out', async () => {
    const model = yubiKey(1, randomBytes(20));
    const corrupting: HidFeatureTransport = {
      sendFeatureReport: (report) => model.sendFeatureReport(report),
      close: () => model.close(),
      async getFeatureReport() {
        const report = Buffer.from(await model.getFeatureReport());
        if (report[7] === 0x41) report[2]! ^= 0x01; // a bit flipped in the second chunk
        return report;
      },
    };
    const error = await failure(
      yubiKeyChallengeResponse(corrupting, {
        slot: 1,
        challenge: randomBytes(8),
        pollIntervalMs: 1,
      }),
    );
    expect(error.code).toBe(ErrorCode.TOKEN_PROTOCOL_ERROR);
  });

  it('refuses a feature report that is not 8 bytes at once, instead of polling on', async () => {
    const model = yubiKey(1, randomBytes(20));
    const short: HidFeatureTransport = {
      sendFeatureReport: (report) => model.sendFeatureReport(report),
      close: () => model.close(),
      getFeatureReport: async () => Buffer.from(await model.getFeatureReport()).subarray(0, 7),
    };
    const started = Date.now();
    const error = await failure(
      yubiKeyChallengeResponse(short, { slot: 1, challenge: randomBytes(8), timeoutMs: 5_000 }),
    );
    expect(error.code).toBe(ErrorCode.TOKEN_PROTOCOL_ERROR);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('refuses an answer with a chunk skipped', async () => {
    const model = yubiKey(1, randomBytes(20));
    const skipping: HidFeatureTransport = {
      sendFeatureReport: (report) => model.sendFeatureReport(report),
      close: () => model.close(),
      async getFeatureReport() {
        const report = Buffer.from(await model.getFeatureReport());
        if (report[7] === 0x41) report[7] = 0x42;
        return report;
      },
    };
    const error = await failure(
      yubiKeyChallengeResponse(skipping, { slot: 1, challenge: randomBytes(8), pollIntervalMs: 1 }),
    );
    expect(error.code).toBe(ErrorCode.TOKEN_PROTOCOL_ERROR);
  });

  it('stops reading a key that sends response chunks without end', async () => {
    let writes = 0;
    let reads = 0;
    const endless: HidFeatureTransport = {
      async sendFeatureReport() {
        writes += 1;
      },
      async getFeatureReport() {
        // Idle while the frame is written, then chunk after chunk, the sequence never wrapping
        // to 0 at the right place.
        if (writes < 10) return Buffer.alloc(8);
        const report = Buffer.alloc(8, 0xaa);
        report[7] = 0x40 | (reads++ & 0x1f);
        return report;
      },
      close: async () => undefined,
    };
    const error = await failure(
      yubiKeyChallengeResponse(endless, {
        slot: 1,
        challenge: Buffer.alloc(64, 7),
        pollIntervalMs: 1,
      }),
    );
    expect(error.code).toBe(ErrorCode.TOKEN_PROTOCOL_ERROR);
    expect(reads).toBe(5);
  });

  it('a key pulled out mid-exchange is TOKEN_REMOVED', async () => {
    const model = yubiKey(1, randomBytes(20), { requireTouch: true });
    model.touchTimeoutMs = 5_000;
    setTimeout(() => model.unplug(), 30);
    const error = await failure(
      yubiKeyChallengeResponse(model, { slot: 1, challenge: randomBytes(8), pollIntervalMs: 2 }),
    );
    expect(error.code).toBe(ErrorCode.TOKEN_REMOVED);
  });

  it('the model drops frames with a bad CRC, as a real key does', async () => {
    const model = yubiKey(1, randomBytes(20));
    const frame = hmacChallengeFrame(1, randomBytes(8));
    frame[0]! ^= 0xff;
    for (let seq = 0; seq < 10; seq += 1) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      await model.sendFeatureReport(
        Buffer.concat([frame.subarray(seq * 7, seq * 7 + 7), Buffer.of(0x80 | seq)]),
      );
    }
    expect(model.badCrcFrames).toBe(1);
    expect((await model.getFeatureReport())[7]).toBe(0);
  });
});

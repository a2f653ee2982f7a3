import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { ErrorCode, KeywardenError } from '../../../electron/shared/errors.ts';
import {
  CtapHidChannel,
  MAX_MESSAGE_SIZE,
  ctapHidError,
  ctapHidPackets,
} from '../../../native/hid/ctaphid.ts';
import {
  type CborContext,
  Cmd,
  CtapHidDeviceModel,
  HidErr,
  rawPackets,
} from '../../helpers/ctaphid-device.model.ts';

// CTAPHID framing (CTAP 2.1 §11.2) between the host side and the device model.

type Handler = (request: Uint8Array, context: CborContext) => Promise<Uint8Array>;
const echo: Handler = async (request) => request;

function device(handle: Handler = echo) {
  return new CtapHidDeviceModel({ handle });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeywardenError);
  return (error as KeywardenError).code;
}

describe('CTAPHID packets', () => {
  it.each([
    [0, 1],
    [57, 1],
    [58, 2],
    [57 + 59, 2],
    [57 + 59 + 1, 3],
    [MAX_MESSAGE_SIZE, 129],
  ])('a %i-byte message takes %i packets of 64 bytes', (size, count) => {
    const data = randomBytes(size);
    const packets = ctapHidPackets(0x01020304, 0x10, data);
    expect(packets).toHaveLength(count);
    expect(packets.every((p) => p.length === 64)).toBe(true);
    const first = Buffer.from(packets[0]!);
    expect(first.readUInt32BE(0)).toBe(0x01020304);
    expect(first[4]).toBe(0x90);
    expect(first.readUInt16BE(5)).toBe(size);
    const joined = Buffer.concat([
      first.subarray(7),
      ...packets.slice(1).map((p, seq) => {
        expect(Buffer.from(p).readUInt32BE(0)).toBe(0x01020304);
        expect(p[4]).toBe(seq);
        return Buffer.from(p).subarray(5);
      }),
    ]);
    expect(joined.subarray(0, size).equals(data)).toBe(true);
    expect(joined.subarray(size).every((b) => b === 0)).toBe(true);
  });

  it('refuses a message one byte over the maximum', () => {
    expect(() => ctapHidPackets(1, 0x10, new Uint8Array(MAX_MESSAGE_SIZE + 1))).toThrow(
      expect.objectContaining({ code: ErrorCode.BAD_REQUEST }),
    );
  });

  it.each([
    [HidErr.INVALID_SEQ, ErrorCode.TOKEN_PROTOCOL_ERROR],
    [HidErr.INVALID_CMD, ErrorCode.TOKEN_PROTOCOL_ERROR],
    [HidErr.MSG_TIMEOUT, ErrorCode.TOKEN_TIMEOUT],
    [HidErr.CHANNEL_BUSY, ErrorCode.TOKEN_BUSY],
  ])('CTAPHID_ERROR 0x%s is %s', (code, expected) => {
    expect(ctapHidError(code).code).toBe(expected);
  });
});

describe('CTAPHID channel', () => {
  it('allocates a channel with INIT on the broadcast channel and a fresh nonce', async () => {
    const model = device();
    const a = await CtapHidChannel.open(model);
    const b = await CtapHidChannel.open(model);
    expect(model.channels.has(a.cid)).toBe(true);
    expect(a.cid).not.toBe(b.cid);
    expect(a.info).toEqual({ protocolVersion: 2, deviceVersion: [5, 4, 3], capabilities: 0x0c });
    const inits = model.written.filter((p) => p.readUInt32BE(0) === 0xffffffff);
    expect(inits.map((p) => p[4])).toEqual([0x86, 0x86]);
    expect(inits.map((p) => p.readUInt16BE(5))).toEqual([8, 8]);
    expect(inits[0]!.subarray(7, 15).equals(inits[1]!.subarray(7, 15))).toBe(false);
  });

  it("skips another program's INIT answer (another nonce)", async () => {
    const model = device();
    const foreign = Buffer.alloc(17);
    foreign.writeUInt32BE(0x0badcafe, 8);
    model.inject(rawPackets(0xffffffff, Cmd.INIT, foreign)[0]!);
    const channel = await CtapHidChannel.open(model);
    expect(channel.cid).not.toBe(0x0badcafe);
    expect(model.channels.has(channel.cid)).toBe(true);
  });

  it('refuses an INIT answer that allocates a reserved channel id', async () => {
    const model = device();
    model.outgoing = (report) => {
      if (report[4] === 0x86) report.writeUInt32BE(0, 15);
      return [report];
    };
    expect(await codeOf(CtapHidChannel.open(model))).toBe(ErrorCode.TOKEN_PROTOCOL_ERROR);
  });

  it.each([0, 1, 57, 58, 116, 117, 1000, MAX_MESSAGE_SIZE])(
    'PING echoes %i bytes through reassembly on both sides',
    async (size) => {
      const model = device();
      const channel = await CtapHidChannel.open(model);
      const data = randomBytes(size);
      await expect(channel.ping(data)).resolves.toBeUndefined();
      const sent = model.written.filter((p) => p.readUInt32BE(0) === channel.cid);
      expect(sent).toHaveLength(ctapHidPackets(channel.cid, 1, data).length);
    },
  );

  it('skips packets of other channels interleaved with its own', async () => {
    const model = device();
    const channel = await CtapHidChannel.open(model);
    model.outgoing = (report) => [
      ...rawPackets(0x11223344, Cmd.CBOR, randomBytes(100)),
      report,
      Buffer.concat([Buffer.of(0x11, 0x22, 0x33, 0x44, 0x00), randomBytes(59)]),
    ];
    const data = randomBytes(300);
    const answer = await channel.cbor(data);
    expect(Buffer.from(answer).equals(data)).toBe(true);
  });

  it('refuses continuation packets out of sequence', async () => {
    const model = device();
    const channel = await CtapHidChannel.open(model);
    model.outgoing = (report) => {
      if ((report[4]! & 0x80) === 0 && report[4] === 1) report[4] = 2;
      return [report];
    };
    expect(await codeOf(channel.cbor(randomBytes(200)))).toBe(ErrorCode.TOKEN_PROTOCOL_ERROR);
  });

  it('refuses reports that are not 64 bytes and answers to another command', async () => {
    const model = device();
    const channel = await CtapHidChannel.open(model);
    model.inject(Buffer.alloc(32));
    expect(await codeOf(channel.cbor(Buffer.of(4)))).toBe(ErrorCode.TOKEN_PROTOCOL_ERROR);
    const other = device();
    const second = await CtapHidChannel.open(other);
    other.outgoing = (report) => {
      if (report[4] === 0x90) report[4] = 0x83;
      return [report];
    };
    expect(await codeOf(second.cbor(Buffer.of(4)))).toBe(ErrorCode.TOKEN_PROTOCOL_ERROR);
  });

  it('maps a CTAPHID_ERROR on its channel to a coded error', async () => {
    const model = device(() => new Promise(() => undefined));
    const channel = await CtapHidChannel.open(model);
    setTimeout(() => model.inject(rawPackets(channel.cid, Cmd.ERROR, Buffer.of(0x06))[0]!), 10);
    expect(await codeOf(channel.cbor(Buffer.of(4)))).toBe(ErrorCode.TOKEN_BUSY);
  });

  it('surfaces KEEPALIVE as progress and keeps waiting past the packet timeout', async () => {
    const model = device(async (request, context) => {
      // 8 x 60 ms: twice the packet timeout in all, every gap well inside it even on a busy machine.
      for (let i = 0; i < 8; i += 1) {
        context.keepalive(i < 4 ? 1 : 2);
        await delay(60);
      }
      return request;
    });
    const channel = await CtapHidChannel.open(model, { packetTimeoutMs: 250 });
    const progress: string[] = [];
    const answer = await channel.cbor(Buffer.of(1, 2, 3), { onProgress: (p) => progress.push(p) });
    expect([...answer]).toEqual([1, 2, 3]);
    expect(progress.slice(0, 4)).toEqual(['processing', 'processing', 'processing', 'processing']);
    expect(progress.slice(4)).toEqual([
      'touch-needed',
      'touch-needed',
      'touch-needed',
      'touch-needed',
    ]);
  });

  it('times out a silent token, and a request past its overall limit', async () => {
    const silent = device(() => new Promise(() => undefined));
    const channel = await CtapHidChannel.open(silent, { packetTimeoutMs: 50 });
    const started = Date.now();
    expect(await codeOf(channel.cbor(Buffer.of(4)))).toBe(ErrorCode.TOKEN_TIMEOUT);
    expect(Date.now() - started).toBeLessThan(1_000);

    let stop = false;
    const chatty = device(async (request, context) => {
      while (!stop) {
        context.keepalive(1);
        await delay(10);
      }
      return request;
    });
    const busy = await CtapHidChannel.open(chatty, { packetTimeoutMs: 50 });
    expect(await codeOf(busy.cbor(Buffer.of(4), { requestTimeoutMs: 120 }))).toBe(
      ErrorCode.TOKEN_TIMEOUT,
    );
    stop = true;
  });

  it('sends CTAPHID_CANCEL when the request is aborted, and the token ends it', async () => {
    const model = device(async (_request, context) => {
      while (!context.cancelled()) {
        context.keepalive(2);
        await delay(10);
      }
      return Buffer.of(0x2d);
    });
    const channel = await CtapHidChannel.open(model);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 40);
    const answer = await channel.cbor(Buffer.of(2), { signal: controller.signal });
    expect([...answer]).toEqual([0x2d]);
    const cancels = model.written.filter((p) => p.readUInt32BE(0) === channel.cid && p[4] === 0x91);
    expect(cancels).toHaveLength(1);
    expect(await codeOf(channel.cbor(Buffer.of(2), { signal: controller.signal }))).toBe(
      ErrorCode.TOKEN_CANCELLED,
    );
  });

  it('refuses an answer whose BCNT is more than CTAPHID can carry, without allocating it', async () => {
    const model = device();
    const channel = await CtapHidChannel.open(model);
    model.outgoing = (report) => {
      if (report[4] === 0x90) report.writeUInt16BE(0xffff, 5);
      return [report];
    };
    expect(await codeOf(channel.cbor(Buffer.of(4)))).toBe(ErrorCode.TOKEN_PROTOCOL_ERROR);
  });

  it('a token flooding other channels still times out at the request limit', async () => {
    const model = device(() => new Promise(() => undefined));
    const channel = await CtapHidChannel.open(model, { packetTimeoutMs: 50 });
    const flood = setInterval(() => {
      for (const report of rawPackets(0x11223344, Cmd.CBOR, randomBytes(20))) model.inject(report);
    }, 1);
    try {
      const started = Date.now();
      expect(await codeOf(channel.cbor(Buffer.of(4), { requestTimeoutMs: 100 }))).toBe(
        ErrorCode.TOKEN_TIMEOUT,
      );
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      clearInterval(flood);
    }
  });

  it('sends CTAPHID_CANCEL when it gives up on a request, so the token stops', async () => {
    let cancelled = false;
    const model = device(async (_request, context) => {
      while (!context.cancelled()) await delay(5);
      cancelled = true;
      return Buffer.of(0x2d);
    });
    const channel = await CtapHidChannel.open(model, { packetTimeoutMs: 30 });
    expect(await codeOf(channel.cbor(Buffer.of(4)))).toBe(ErrorCode.TOKEN_TIMEOUT);
    const cancels = model.written.filter((p) => p.readUInt32BE(0) === channel.cid && p[4] === 0x91);
    expect(cancels).toHaveLength(1);
    await vi.waitFor(() => expect(cancelled).toBe(true), { timeout: 2000, interval: 5 });
  });

  it('runs concurrent requests on one channel one after the other', async () => {
    const model = device(async (request) => {
      await delay(20);
      return request;
    });
    const channel = await CtapHidChannel.open(model);
    const [a, b, c] = [randomBytes(70), randomBytes(3), randomBytes(200)];
    const answers = await Promise.all([channel.cbor(a), channel.cbor(b), channel.cbor(c)]);
    expect(answers.map((x) => Buffer.from(x).toString('hex'))).toEqual(
      [a, b, c].map((x) => x.toString('hex')),
    );
  });

  it('reports TOKEN_REMOVED when the token disappears mid-transaction', async () => {
    const model = device(() => new Promise(() => undefined));
    const channel = await CtapHidChannel.open(model);
    setTimeout(() => model.unplug(), 20);
    expect(await codeOf(channel.cbor(Buffer.of(4)))).toBe(ErrorCode.TOKEN_REMOVED);
  });
});

describe('CTAPHID device model (what a real token answers)', () => {
  async function answerTo(model: CtapHidDeviceModel, cid: number): Promise<Buffer> {
    for (;;) {
      const report = await model.read(1_000);
      if (!report) throw new Error('no answer');
      if (Buffer.from(report).readUInt32BE(0) === cid) return Buffer.from(report);
    }
  }

  it('answers continuation packets out of sequence with ERR_INVALID_SEQ', async () => {
    const model = device();
    const { cid } = await CtapHidChannel.open(model);
    const [first, , second] = rawPackets(cid, Cmd.PING, randomBytes(200));
    await model.write(first!);
    await model.write(second!);
    const answer = await answerTo(model, cid);
    expect([answer[4], answer[7]]).toEqual([0x80 | Cmd.ERROR, HidErr.INVALID_SEQ]);
  });

  it('answers another channel with ERR_CHANNEL_BUSY while a message is half sent', async () => {
    const model = device();
    const a = await CtapHidChannel.open(model);
    const b = await CtapHidChannel.open(model);
    await model.write(rawPackets(a.cid, Cmd.PING, randomBytes(100))[0]!);
    await model.write(rawPackets(b.cid, Cmd.PING, Buffer.of(1))[0]!);
    const answer = await answerTo(model, b.cid);
    expect([answer[4], answer[7]]).toEqual([0x80 | Cmd.ERROR, HidErr.CHANNEL_BUSY]);
  });

  it('times out a half-sent message with ERR_MSG_TIMEOUT', async () => {
    const model = new CtapHidDeviceModel({ handle: echo }, { messageTimeoutMs: 30 });
    const { cid } = await CtapHidChannel.open(model);
    await model.write(rawPackets(cid, Cmd.PING, randomBytes(100))[0]!);
    const answer = await answerTo(model, cid);
    expect([answer[4], answer[7]]).toEqual([0x80 | Cmd.ERROR, HidErr.MSG_TIMEOUT]);
  });

  it('refuses unknown channels and commands, and an oversized BCNT', async () => {
    const model = device();
    const { cid } = await CtapHidChannel.open(model);
    await model.write(rawPackets(0x01010101, Cmd.PING, Buffer.of(1))[0]!);
    expect((await answerTo(model, 0x01010101))[7]).toBe(HidErr.INVALID_CHANNEL);
    await model.write(rawPackets(cid, 0x55, Buffer.of(1))[0]!);
    expect((await answerTo(model, cid))[7]).toBe(HidErr.INVALID_CMD);
    await model.write(rawPackets(cid, Cmd.PING, Buffer.of(1), MAX_MESSAGE_SIZE + 1)[0]!);
    expect((await answerTo(model, cid))[7]).toBe(HidErr.INVALID_LEN);
  });
});

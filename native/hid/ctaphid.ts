import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';
import { HID_REPORT_SIZE, type HidReportTransport, type TokenProgress } from './hid-transport.ts';

// The host side of CTAPHID, the FIDO HID transport (CTAP 2.1 §11.2). A message travels as one
// initialisation packet (CID, CMD with bit 7 set, BCNT big-endian, 57 data bytes) and up to 128
// continuation packets (CID, SEQ 0..0x7f, 59 data bytes). Packets for other channels belong to
// other programs using the same token and are skipped; KEEPALIVE packets report progress.

export const CtapHidCommand = {
  PING: 0x01,
  MSG: 0x03,
  LOCK: 0x04,
  INIT: 0x06,
  WINK: 0x08,
  CBOR: 0x10,
  CANCEL: 0x11,
  KEEPALIVE: 0x3b,
  ERROR: 0x3f,
} as const;
export type CtapHidCommand = (typeof CtapHidCommand)[keyof typeof CtapHidCommand];

/** CTAPHID_ERROR codes (§11.2.9.1.6), by name. */
export const CtapHidError = {
  INVALID_CMD: 0x01,
  INVALID_PAR: 0x02,
  INVALID_LEN: 0x03,
  INVALID_SEQ: 0x04,
  MSG_TIMEOUT: 0x05,
  CHANNEL_BUSY: 0x06,
  LOCK_REQUIRED: 0x0a,
  INVALID_CHANNEL: 0x0b,
  OTHER: 0x7f,
} as const;

export const BROADCAST_CID = 0xffffffff;
export const INIT_PACKET_DATA = HID_REPORT_SIZE - 7;
export const CONT_PACKET_DATA = HID_REPORT_SIZE - 5;
/** The largest message CTAPHID can carry: one initialisation and 128 continuation packets. */
export const MAX_MESSAGE_SIZE = INIT_PACKET_DATA + 128 * CONT_PACKET_DATA;

const KEEPALIVE_PROCESSING = 1;
const KEEPALIVE_UPNEEDED = 2;
const INIT_NONCE_SIZE = 8;
const INIT_RESPONSE_SIZE = 17;

/** Capability flags of the INIT response. */
export const CtapHidCapability = { WINK: 0x01, CBOR: 0x04, NMSG: 0x08 } as const;

export interface CtapHidTimeouts {
  /** How long to wait for the next packet (KEEPALIVE counts) before TOKEN_TIMEOUT. */
  packetTimeoutMs?: number;
  /** How long one request may take in all, touch included, before TOKEN_TIMEOUT. */
  requestTimeoutMs?: number;
}

export interface CtapHidRequestOptions extends CtapHidTimeouts {
  /** Called for every KEEPALIVE: the token is working, or waits for a touch. */
  onProgress?: (progress: TokenProgress) => void;
  /** Aborting sends CTAPHID_CANCEL; the token then ends the request (TOKEN_CANCELLED). */
  signal?: AbortSignal;
}

/** Splits a message into CTAPHID packets of 64 bytes each, zero-filled. */
export function ctapHidPackets(cid: number, cmd: number, data: Uint8Array): Uint8Array[] {
  if (data.length > MAX_MESSAGE_SIZE) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `A CTAPHID message holds at most ${MAX_MESSAGE_SIZE} bytes; this one has ${data.length}.`,
    );
  }
  const first = Buffer.alloc(HID_REPORT_SIZE);
  first.writeUInt32BE(cid >>> 0, 0);
  first[4] = 0x80 | cmd;
  first.writeUInt16BE(data.length, 5);
  first.set(data.subarray(0, INIT_PACKET_DATA), 7);
  const packets: Uint8Array[] = [first];
  for (let offset = INIT_PACKET_DATA, seq = 0; offset < data.length; seq += 1) {
    const next = Buffer.alloc(HID_REPORT_SIZE);
    next.writeUInt32BE(cid >>> 0, 0);
    next[4] = seq;
    next.set(data.subarray(offset, offset + CONT_PACKET_DATA), 5);
    packets.push(next);
    offset += CONT_PACKET_DATA;
  }
  return packets;
}

/** The coded error for a CTAPHID_ERROR code. */
export function ctapHidError(code: number): KeywardenError {
  const name = Object.entries(CtapHidError).find(([, value]) => value === code)?.[0];
  const label = `CTAPHID_ERR_${name ?? `0x${code.toString(16).padStart(2, '0')}`}`;
  if (code === CtapHidError.MSG_TIMEOUT) {
    return new KeywardenError(ErrorCode.TOKEN_TIMEOUT, `The token timed out a message (${label}).`);
  }
  if (code === CtapHidError.CHANNEL_BUSY || code === CtapHidError.LOCK_REQUIRED) {
    return new KeywardenError(
      ErrorCode.TOKEN_BUSY,
      `The token is busy with another program (${label}); close it and try again.`,
    );
  }
  return new KeywardenError(
    ErrorCode.TOKEN_PROTOCOL_ERROR,
    `The token refused the message (${label}).`,
  );
}

function protocolError(what: string): KeywardenError {
  return new KeywardenError(ErrorCode.TOKEN_PROTOCOL_ERROR, `The token sent ${what}.`);
}

function timeoutError(): KeywardenError {
  return new KeywardenError(
    ErrorCode.TOKEN_TIMEOUT,
    'The token did not answer in time; check that it is plugged in and try again.',
  );
}

/** What CTAPHID_INIT told about the token. */
export interface CtapHidDeviceInfo {
  protocolVersion: number;
  deviceVersion: readonly [number, number, number];
  capabilities: number;
}

/** One CTAPHID channel on one token: requests on it run one at a time. */
export class CtapHidChannel {
  readonly cid: number;
  readonly info: CtapHidDeviceInfo;
  readonly #transport: HidReportTransport;
  readonly #timeouts: Required<CtapHidTimeouts>;
  /** The end of the request running now: a channel carries one request at a time. */
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(
    transport: HidReportTransport,
    cid: number,
    info: CtapHidDeviceInfo,
    timeouts: Required<CtapHidTimeouts>,
  ) {
    this.#transport = transport;
    this.cid = cid;
    this.info = info;
    this.#timeouts = timeouts;
  }

  /**
   * Allocates a channel with CTAPHID_INIT on the broadcast channel, with an 8-byte nonce from
   * the OS CSPRNG that the answer must echo. Throws TOKEN_TIMEOUT, TOKEN_REMOVED,
   * TOKEN_PROTOCOL_ERROR (a malformed answer) or TOKEN_BUSY.
   */
  static async open(
    transport: HidReportTransport,
    timeouts: CtapHidTimeouts = {},
  ): Promise<CtapHidChannel> {
    const settled = { packetTimeoutMs: 2_000, requestTimeoutMs: 30_000, ...timeouts };
    const nonce = randomBytes(INIT_NONCE_SIZE);
    const broadcast = new CtapHidChannel(transport, BROADCAST_CID, EMPTY_INFO, settled);
    const answer = await broadcast.#transact(
      CtapHidCommand.INIT,
      nonce,
      {},
      (response) =>
        // An INIT answer with another nonce answers another program's INIT: not ours.
        response.length >= INIT_NONCE_SIZE &&
        timingSafeEqual(response.subarray(0, INIT_NONCE_SIZE), nonce),
    );
    if (answer.length < INIT_RESPONSE_SIZE) throw protocolError('a short CTAPHID_INIT answer');
    const cid = Buffer.from(answer).readUInt32BE(8);
    if (cid === 0 || cid === BROADCAST_CID) throw protocolError('a reserved channel id');
    const info: CtapHidDeviceInfo = {
      protocolVersion: answer[12] ?? 0,
      deviceVersion: [answer[13] ?? 0, answer[14] ?? 0, answer[15] ?? 0],
      capabilities: answer[16] ?? 0,
    };
    return new CtapHidChannel(transport, cid, info, settled);
  }

  /**
   * Sends a CTAP2 CBOR request (command byte and CBOR) and returns the raw answer. Requests on
   * one channel wait for each other. Throws TOKEN_TIMEOUT (after sending CTAPHID_CANCEL),
   * TOKEN_CANCELLED (signal already aborted), TOKEN_REMOVED, TOKEN_BUSY, TOKEN_PROTOCOL_ERROR
   * (a malformed or oversized answer, or CTAPHID_ERROR), and BAD_REQUEST (request too large).
   */
  cbor(request: Uint8Array, options: CtapHidRequestOptions = {}): Promise<Uint8Array> {
    return this.#exclusive(() => this.#transact(CtapHidCommand.CBOR, request, options));
  }

  /** Sends a CTAP1/U2F APDU and returns the raw answer. Throws what cbor() throws. */
  msg(apdu: Uint8Array, options: CtapHidRequestOptions = {}): Promise<Uint8Array> {
    return this.#exclusive(() => this.#transact(CtapHidCommand.MSG, apdu, options));
  }

  /**
   * Echoes `data` through the token. Throws TOKEN_PROTOCOL_ERROR if it comes back changed, and
   * what cbor() throws.
   */
  async ping(data: Uint8Array, options: CtapHidRequestOptions = {}): Promise<void> {
    const echo = await this.#exclusive(() => this.#transact(CtapHidCommand.PING, data, options));
    if (Buffer.compare(Buffer.from(echo), Buffer.from(data)) !== 0) {
      throw protocolError('a PING answer that differs from the request');
    }
  }

  /**
   * Sends CTAPHID_CANCEL for the channel's pending request; the token sends no answer. Throws
   * TOKEN_REMOVED when the token is gone.
   */
  async cancel(): Promise<void> {
    const [packet] = ctapHidPackets(this.cid, CtapHidCommand.CANCEL, new Uint8Array(0));
    if (packet) await this.#transport.write(packet);
  }

  /** Releases the device. */
  close(): Promise<void> {
    return this.#transport.close();
  }

  /** Runs `request` once every earlier request on this channel has settled. */
  #exclusive<T>(request: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(request);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  async #transact(
    cmd: number,
    data: Uint8Array,
    options: CtapHidRequestOptions,
    accept: (response: Uint8Array) => boolean = () => true,
  ): Promise<Uint8Array> {
    const { signal, onProgress } = options;
    if (signal?.aborted) {
      throw new KeywardenError(ErrorCode.TOKEN_CANCELLED, 'The token request was cancelled.');
    }
    for (const packet of ctapHidPackets(this.cid, cmd, data)) await this.#transport.write(packet);
    const onAbort = () => void this.cancel().catch(() => undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const deadline = Date.now() + (options.requestTimeoutMs ?? this.#timeouts.requestTimeoutMs);
      for (;;) {
        const message = await this.#receive(deadline, onProgress);
        if (message.cmd === CtapHidCommand.ERROR) throw ctapHidError(message.data[0] ?? 0x7f);
        if (message.cmd !== cmd) throw protocolError(`an answer to another command`);
        if (accept(message.data)) return message.data;
      }
    } catch (error) {
      // A token still working on a request we gave up on would answer the next one with
      // CHANNEL_BUSY: tell it to stop (best effort; it sends no answer to CANCEL).
      if (
        error instanceof KeywardenError &&
        error.code === ErrorCode.TOKEN_TIMEOUT &&
        cmd === CtapHidCommand.CBOR
      ) {
        await this.cancel().catch(() => undefined);
      }
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Reads one whole message on this channel, skipping other channels and KEEPALIVEs. */
  async #receive(
    deadline: number,
    onProgress: ((progress: TokenProgress) => void) | undefined,
  ): Promise<{ cmd: number; data: Uint8Array }> {
    for (;;) {
      const packet = await this.#nextPacket(deadline);
      if (packet.readUInt32BE(0) !== this.cid || (packet[4]! & 0x80) === 0) continue;
      const cmd = packet[4]! & 0x7f;
      if (cmd === CtapHidCommand.KEEPALIVE) {
        const status = packet[7];
        if (status === KEEPALIVE_UPNEEDED) onProgress?.('touch-needed');
        else if (status === KEEPALIVE_PROCESSING) onProgress?.('processing');
        continue;
      }
      const length = packet.readUInt16BE(5);
      if (length > MAX_MESSAGE_SIZE) throw protocolError('a message longer than CTAPHID allows');
      const data = Buffer.alloc(length);
      packet.copy(data, 0, 7, 7 + Math.min(length, INIT_PACKET_DATA));
      let filled = Math.min(length, INIT_PACKET_DATA);
      for (let seq = 0; filled < length;) {
        const next = await this.#nextPacket(deadline);
        if (next.readUInt32BE(0) !== this.cid) continue;
        if (next[4] !== seq) throw protocolError('continuation packets out of sequence');
        const take = Math.min(length - filled, CONT_PACKET_DATA);
        next.copy(data, filled, 5, 5 + take);
        filled += take;
        seq += 1;
      }
      return { cmd, data };
    }
  }

  async #nextPacket(deadline: number): Promise<Buffer> {
    const left = deadline - Date.now();
    if (left <= 0) throw timeoutError();
    const report = await this.#transport.read(Math.min(left, this.#timeouts.packetTimeoutMs));
    if (report === undefined) throw timeoutError();
    if (report.length !== HID_REPORT_SIZE) throw protocolError('a report of the wrong size');
    return Buffer.from(report.buffer, report.byteOffset, report.byteLength);
  }
}

const EMPTY_INFO: CtapHidDeviceInfo = {
  protocolVersion: 0,
  deviceVersion: [0, 0, 0],
  capabilities: 0,
};

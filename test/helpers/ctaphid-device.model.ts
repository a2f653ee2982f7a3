import { randomInt } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';
import type { HidReportTransport } from '../../native/hid/hid-transport.ts';

// The device side of CTAPHID (CTAP 2.1 §11.2), in process: a test double for a FIDO token's
// HID interface that speaks the real 64-byte reports. It reassembles initialisation and
// continuation packets, allocates channels on CTAPHID_INIT, refuses a second channel while one
// transaction runs (ERR_CHANNEL_BUSY), times out half-sent messages, answers PING and WINK, and
// passes CBOR requests to an authenticator, which may send KEEPALIVEs and see CTAPHID_CANCEL.
// Written from the specification independently of native/hid, so shared mistakes cannot hide.

const BROADCAST = 0xffffffff;
const INIT_DATA = 57;
const CONT_DATA = 59;
const MAX_MESSAGE = INIT_DATA + 128 * CONT_DATA;
export const Cmd = {
  PING: 0x01,
  MSG: 0x03,
  INIT: 0x06,
  WINK: 0x08,
  CBOR: 0x10,
  CANCEL: 0x11,
  KEEPALIVE: 0x3b,
  ERROR: 0x3f,
} as const;
export const HidErr = {
  INVALID_CMD: 0x01,
  INVALID_LEN: 0x03,
  INVALID_SEQ: 0x04,
  MSG_TIMEOUT: 0x05,
  CHANNEL_BUSY: 0x06,
  INVALID_CHANNEL: 0x0b,
} as const;

/** What an authenticator sees of the transport while it handles one CBOR request. */
export interface CborContext {
  /** Sends KEEPALIVE with status 1 (processing) or 2 (user presence needed). */
  keepalive(status: 1 | 2): void;
  /** Whether the host sent CTAPHID_CANCEL for this request. */
  cancelled(): boolean;
}

export interface CborHandler {
  handle(request: Uint8Array, context: CborContext): Promise<Uint8Array>;
}

/** Builds raw reports: for tests that hand-craft what a device (or another host) would send. */
export function rawPackets(cid: number, cmd: number, data: Uint8Array, bcnt = data.length) {
  const reports: Buffer[] = [];
  const first = Buffer.alloc(64);
  first.writeUInt32BE(cid >>> 0, 0);
  first[4] = 0x80 | cmd;
  first.writeUInt16BE(bcnt, 5);
  Buffer.from(data.subarray(0, INIT_DATA)).copy(first, 7);
  reports.push(first);
  for (let at = INIT_DATA, seq = 0; at < data.length; at += CONT_DATA, seq += 1) {
    const next = Buffer.alloc(64);
    next.writeUInt32BE(cid >>> 0, 0);
    next[4] = seq;
    Buffer.from(data.subarray(at, at + CONT_DATA)).copy(next, 5);
    reports.push(next);
  }
  return reports;
}

interface Assembly {
  cid: number;
  cmd: number;
  data: Buffer;
  filled: number;
  nextSeq: number;
  timer: NodeJS.Timeout;
}

export class CtapHidDeviceModel implements HidReportTransport {
  /** Every report the host wrote, in order. */
  readonly written: Buffer[] = [];
  /** Channels allocated so far. */
  readonly channels = new Set<number>();
  /** Rewrites or drops each report the device sends (for malformed-frame tests). */
  outgoing: (report: Buffer) => Buffer[] = (report) => [report];
  readonly #handler: CborHandler;
  readonly #messageTimeoutMs: number;
  readonly #queue: Buffer[] = [];
  #waiter: ((report: Buffer | undefined) => void) | undefined;
  #assembly: Assembly | undefined;
  #busy: { cid: number; cancelled: boolean } | undefined;
  #unplugged = false;
  #closed = false;

  constructor(handler: CborHandler, options: { messageTimeoutMs?: number } = {}) {
    this.#handler = handler;
    this.#messageTimeoutMs = options.messageTimeoutMs ?? 500;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The device disappears: every later call fails as node-hid's would, with TOKEN_REMOVED. */
  unplug(): void {
    this.#unplugged = true;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.(undefined);
  }

  /** Queues a report as if the device (or a reply to another program) had sent it. */
  inject(report: Buffer): void {
    this.#queue.push(report);
    this.#wake();
  }

  async write(report: Uint8Array): Promise<void> {
    this.#assertPresent();
    if (report.length !== 64) throw new Error('the model takes 64-byte reports only');
    const packet = Buffer.from(report);
    this.written.push(packet);
    this.#receive(packet);
  }

  async read(timeoutMs: number): Promise<Uint8Array | undefined> {
    this.#assertPresent();
    const next = this.#queue.shift();
    if (next) return next;
    const report = await new Promise<Buffer | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.#waiter = (value) => {
        clearTimeout(timer);
        resolve(value);
      };
    });
    this.#assertPresent();
    return report;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #assertPresent(): void {
    if (this.#unplugged)
      throw new KeywardenError(ErrorCode.TOKEN_REMOVED, 'The token was removed.');
  }

  #wake(): void {
    if (!this.#waiter) return;
    const next = this.#queue.shift();
    if (!next) return;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter(next);
  }

  #send(cid: number, cmd: number, data: Uint8Array): void {
    if (this.#unplugged) return;
    for (const packet of rawPackets(cid, cmd, data)) this.#queue.push(...this.outgoing(packet));
    this.#wake();
  }

  #error(cid: number, code: number): void {
    this.#send(cid, Cmd.ERROR, Buffer.of(code));
  }

  #receive(packet: Buffer): void {
    const cid = packet.readUInt32BE(0);
    if ((packet[4]! & 0x80) === 0) return this.#continuation(cid, packet);
    const cmd = packet[4]! & 0x7f;
    const bcnt = packet.readUInt16BE(5);
    if (cmd === Cmd.INIT) return this.#init(cid, packet, bcnt);
    if (cid === BROADCAST || !this.channels.has(cid))
      return this.#error(cid, HidErr.INVALID_CHANNEL);
    if (cmd === Cmd.CANCEL) {
      if (this.#busy?.cid === cid) this.#busy.cancelled = true;
      return;
    }
    if (this.#assembly && this.#assembly.cid === cid) {
      this.#abortAssembly();
      return this.#error(cid, HidErr.INVALID_SEQ);
    }
    if (this.#assembly || this.#busy) return this.#error(cid, HidErr.CHANNEL_BUSY);
    if (bcnt > MAX_MESSAGE) return this.#error(cid, HidErr.INVALID_LEN);
    const data = Buffer.alloc(bcnt);
    packet.copy(data, 0, 7, 7 + Math.min(bcnt, INIT_DATA));
    const filled = Math.min(bcnt, INIT_DATA);
    if (filled === bcnt) return this.#dispatch(cid, cmd, data);
    const timer = setTimeout(() => {
      this.#assembly = undefined;
      this.#error(cid, HidErr.MSG_TIMEOUT);
    }, this.#messageTimeoutMs);
    this.#assembly = { cid, cmd, data, filled, nextSeq: 0, timer };
  }

  #continuation(cid: number, packet: Buffer): void {
    const assembly = this.#assembly;
    // A stray continuation packet (no transaction, or another channel's) is dropped.
    if (!assembly || assembly.cid !== cid) return;
    if (packet[4] !== assembly.nextSeq) {
      this.#abortAssembly();
      return this.#error(cid, HidErr.INVALID_SEQ);
    }
    const take = Math.min(assembly.data.length - assembly.filled, CONT_DATA);
    packet.copy(assembly.data, assembly.filled, 5, 5 + take);
    assembly.filled += take;
    assembly.nextSeq += 1;
    if (assembly.filled < assembly.data.length) return;
    this.#abortAssembly();
    this.#dispatch(cid, assembly.cmd, assembly.data);
  }

  #abortAssembly(): void {
    if (this.#assembly) clearTimeout(this.#assembly.timer);
    this.#assembly = undefined;
  }

  #init(cid: number, packet: Buffer, bcnt: number): void {
    if (bcnt !== 8) return this.#error(cid, HidErr.INVALID_LEN);
    let channel = cid;
    if (cid === BROADCAST) {
      do channel = randomInt(1, 0xffffffff);
      while (this.channels.has(channel));
      this.channels.add(channel);
    } else if (!this.channels.has(cid)) {
      return this.#error(cid, HidErr.INVALID_CHANNEL);
    } else if (this.#assembly?.cid === cid) {
      this.#abortAssembly(); // INIT on an open channel resynchronises it.
    }
    const answer = Buffer.alloc(17);
    packet.copy(answer, 0, 7, 15);
    answer.writeUInt32BE(channel, 8);
    answer.set([2, 5, 4, 3, 0x04 | 0x08], 12); // CTAPHID 2, device 5.4.3, CBOR | NMSG
    this.#send(cid, Cmd.INIT, answer);
  }

  #dispatch(cid: number, cmd: number, data: Buffer): void {
    if (cmd === Cmd.PING) return this.#send(cid, Cmd.PING, data);
    if (cmd === Cmd.WINK) return this.#send(cid, Cmd.WINK, new Uint8Array(0));
    if (cmd !== Cmd.CBOR) return this.#error(cid, HidErr.INVALID_CMD);
    const busy = { cid, cancelled: false };
    this.#busy = busy;
    const context: CborContext = {
      keepalive: (status) => this.#send(cid, Cmd.KEEPALIVE, Buffer.of(status)),
      cancelled: () => busy.cancelled,
    };
    void this.#handler
      .handle(data, context)
      .then((answer) => this.#send(cid, Cmd.CBOR, answer))
      .catch(() => this.#send(cid, Cmd.CBOR, Buffer.of(0x7f)))
      .finally(() => {
        if (this.#busy === busy) this.#busy = undefined;
      });
  }
}

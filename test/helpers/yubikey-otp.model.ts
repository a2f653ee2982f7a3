import { createHmac } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';
import type { HidFeatureTransport } from '../../native/hid/hid-transport.ts';

// The device side of a YubiKey's OTP HID interface, in process: 8-byte feature reports, a
// 70-byte frame written 7 bytes at a time under SLOT_WRITE_FLAG | seq, the payload's CRC-16
// checked, HMAC-SHA1 challenge-response in slot 1 (0x30) or 2 (0x38), the answer read back in
// chunks flagged RESP_PENDING | seq (wrapping to 0 when done) with its inverted CRC, an
// optional wait for a touch shown as RESP_TIMEOUT_WAIT | seconds left, and the dummy write that
// ends a read. Written from ykpers' ykdef.h and yubikey-manager, independently of native/hid.

const WRITE_FLAG = 0x80;
const PENDING_FLAG = 0x40;
const TIMEOUT_WAIT_FLAG = 0x20;
const DUMMY_WRITE = 0x8f;
const FRAME_SIZE = 70;

/** ISO 13239 CRC-16 as ykpers' yubikey_crc16 (no final xor). */
function crc(data: Uint8Array): number {
  let value = 0xffff;
  for (const byte of data) {
    value ^= byte;
    for (let i = 0; i < 8; i += 1) value = value & 1 ? (value >>> 1) ^ 0x8408 : value >>> 1;
  }
  return value;
}

export interface HmacSlot {
  /** The 20-byte HMAC-SHA1 key. */
  secret: Buffer;
  /** The key waits for its button before answering (CFGFLAG_CHAL_BTN_TRIG). */
  requireTouch?: boolean;
  /** Variable-length challenges: trailing bytes equal to the last are stripped (HMAC_LT64). */
  variableLength?: boolean;
}

type Phase =
  | { kind: 'idle' }
  | { kind: 'busy'; until: number; then: Buffer }
  | { kind: 'touch'; since: number; deadline: number; then: Buffer }
  | { kind: 'responding'; response: Buffer; seq: number };

export class YubiKeyOtpModel implements HidFeatureTransport {
  readonly slots: Partial<Record<1 | 2, HmacSlot>> = {};
  /** How long the key computes before the answer is ready (SLOT_WRITE_FLAG shows meanwhile). */
  processingMs = 5;
  /** How long it waits for a touch before giving up (a real key waits about 15 s). */
  touchTimeoutMs = 300;
  /**
   * A person who touches the key this long after it starts waiting for a touch; undefined
   * (the default) is nobody, so only press() answers.
   */
  touchAfterMs: number | undefined;
  /** Reports the host wrote while the key was busy: a real key drops them, so must a host not. */
  writesWhileBusy = 0;
  /** Frames whose CRC did not match, dropped as a real key drops them. */
  badCrcFrames = 0;
  #frame = Buffer.alloc(FRAME_SIZE);
  #phase: Phase = { kind: 'idle' };
  readonly #programSequence = 1;
  #pendingTouch = false;
  #unplugged = false;
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  /** The user touches the key: a pending challenge is answered. */
  press(): void {
    if (this.#phase.kind === 'touch')
      this.#phase = { kind: 'responding', response: this.#phase.then, seq: 0 };
  }

  /** The key disappears: every later call fails as node-hid's would, with TOKEN_REMOVED. */
  unplug(): void {
    this.#unplugged = true;
  }

  async sendFeatureReport(report: Uint8Array): Promise<void> {
    this.#assertPresent();
    if (report.length !== 8) throw new Error('the model takes 8-byte feature reports only');
    this.#advance();
    const control = report[7]!;
    if (control === DUMMY_WRITE) {
      if (this.#phase.kind === 'responding') this.#phase = { kind: 'idle' };
      return;
    }
    if ((control & WRITE_FLAG) === 0) return;
    if (this.#phase.kind === 'busy') {
      this.writesWhileBusy += 1;
      return;
    }
    const seq = control & 0x1f;
    if (seq > 9) return;
    if (seq === 0) this.#frame.fill(0);
    this.#frame.set(report.subarray(0, 7), seq * 7);
    // Between chunks the key is briefly busy, as a real one is while it stores each report.
    if (seq < 9) this.#phase = { kind: 'busy', until: Date.now() + 1, then: Buffer.alloc(0) };
    else this.#execute();
  }

  async getFeatureReport(): Promise<Uint8Array> {
    this.#assertPresent();
    this.#advance();
    const phase = this.#phase;
    if (phase.kind === 'busy')
      return Buffer.of(0, 5, 4, 3, this.#programSequence, 0, 0, WRITE_FLAG);
    if (phase.kind === 'touch') {
      const secondsLeft = Math.ceil((phase.deadline - Date.now()) / 1000) & 0x1f;
      return Buffer.of(0, 5, 4, 3, this.#programSequence, 0, 0, TIMEOUT_WAIT_FLAG | secondsLeft);
    }
    if (phase.kind === 'responding') {
      const chunks = Math.ceil(phase.response.length / 7);
      const report = Buffer.alloc(8);
      phase.response.copy(report, 0, phase.seq * 7, phase.seq * 7 + 7);
      report[7] = PENDING_FLAG | phase.seq;
      phase.seq = (phase.seq + 1) % chunks;
      return report;
    }
    return Buffer.of(0, 5, 4, 3, this.#programSequence, 0, 0, 0);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #assertPresent(): void {
    if (this.#unplugged)
      throw new KeywardenError(ErrorCode.TOKEN_REMOVED, 'The YubiKey was removed.');
  }

  /** Moves time-driven phases on: computation done, touch wait over. */
  #advance(): void {
    const phase = this.#phase;
    const now = Date.now();
    if (phase.kind === 'busy' && now >= phase.until) {
      this.#phase = phase.then.length === 0 ? { kind: 'idle' } : this.#afterComputing(phase.then);
    } else if (phase.kind === 'touch' && now >= phase.deadline) {
      this.#phase = { kind: 'idle' };
    } else if (
      phase.kind === 'touch' &&
      this.touchAfterMs !== undefined &&
      now >= phase.since + this.touchAfterMs
    ) {
      this.press();
    }
  }

  #afterComputing(response: Buffer): Phase {
    return this.#pendingTouch
      ? {
          kind: 'touch',
          since: Date.now(),
          deadline: Date.now() + this.touchTimeoutMs,
          then: response,
        }
      : { kind: 'responding', response, seq: 0 };
  }

  #execute(): void {
    const payload = this.#frame.subarray(0, 64);
    if (this.#frame.readUInt16LE(65) !== crc(payload)) {
      this.badCrcFrames += 1;
      this.#phase = { kind: 'idle' };
      return;
    }
    const command = this.#frame[64];
    const slot = command === 0x30 ? this.slots[1] : command === 0x38 ? this.slots[2] : undefined;
    // A command the key does not take (or a slot without challenge-response) is ignored: the
    // host sees a plain status again and nothing to read.
    if (!slot) {
      this.#phase = { kind: 'idle' };
      return;
    }
    let length = 64;
    if (slot.variableLength) while (length > 0 && payload[length - 1] === payload[63]) length -= 1;
    const mac = createHmac('sha1', slot.secret).update(payload.subarray(0, length)).digest();
    const response = Buffer.alloc(28); // 20-byte HMAC, 2-byte inverted CRC, padding to 4 chunks
    mac.copy(response);
    response.writeUInt16LE(~crc(mac) & 0xffff, 20);
    this.#pendingTouch = slot.requireTouch === true;
    this.#phase = { kind: 'busy', until: Date.now() + this.processingMs, then: response };
  }
}

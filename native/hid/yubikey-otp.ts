import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';
import {
  FEATURE_REPORT_SIZE,
  type HidFeatureTransport,
  type TokenProgress,
  sleep,
} from './hid-transport.ts';

// YubiKey HMAC-SHA1 challenge-response over the OTP HID interface, as ykpers, yubikey-manager
// and KeePassXC speak it. The host writes a 70-byte frame (64-byte payload, slot command, CRC-16
// of the payload little-endian, 3 filler bytes) as 7-byte chunks in feature reports whose last
// byte is SLOT_WRITE_FLAG | sequence; all-zero chunks other than the first and last are skipped.
// It then polls the feature report: RESP_PENDING_FLAG | sequence marks a response chunk,
// RESP_TIMEOUT_WAIT_FLAG a wait for a touch. The 20-byte HMAC comes back followed by its
// inverted CRC, so the CRC over both leaves the ISO 13239 residue.

export const SLOT_WRITE_FLAG = 0x80;
export const RESP_PENDING_FLAG = 0x40;
export const RESP_TIMEOUT_WAIT_FLAG = 0x20;
export const SEQUENCE_MASK = 0x1f;
export const DUMMY_REPORT_WRITE = 0x8f;
export const CRC_OK_RESIDUAL = 0xf0b8;

/** The slot commands for HMAC-SHA1 challenge-response (ykdef.h SLOT_CHAL_HMAC1/2). */
export const HmacSlotCommand = { 1: 0x30, 2: 0x38 } as const;
export type YubiKeySlot = keyof typeof HmacSlotCommand;

export const PAYLOAD_SIZE = 64;
export const FRAME_SIZE = PAYLOAD_SIZE + 6;
const CHUNK_SIZE = FEATURE_REPORT_SIZE - 1;
const HMAC_SHA1_SIZE = 20;
/** 20 HMAC bytes and 2 CRC bytes arrive in 4 chunks of 7 (ykpers checks exactly this). */
const HMAC_RESPONSE_CHUNKS = Math.ceil((HMAC_SHA1_SIZE + 2) / CHUNK_SIZE);

/** CRC-16 as the YubiKey computes it (ISO 13239: reflected 0x1021, initial 0xffff, no xor-out). */
export function crc16(data: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  return crc;
}

/**
 * The 70-byte frame of an HMAC-SHA1 challenge. A challenge shorter than 64 bytes is padded
 * with a byte unlike its last one, so a key set for variable-length input (HMAC_LT64) strips
 * the padding. Throws BAD_REQUEST for an empty challenge or one over 64 bytes.
 */
export function hmacChallengeFrame(slot: YubiKeySlot, challenge: Uint8Array): Buffer {
  if (challenge.length === 0 || challenge.length > PAYLOAD_SIZE) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `A YubiKey challenge has 1 to ${PAYLOAD_SIZE} bytes.`,
    );
  }
  const frame = Buffer.alloc(FRAME_SIZE);
  frame.fill(challenge[challenge.length - 1] === 0 ? 1 : 0, 0, PAYLOAD_SIZE);
  frame.set(challenge, 0);
  frame[PAYLOAD_SIZE] = HmacSlotCommand[slot];
  frame.writeUInt16LE(crc16(frame.subarray(0, PAYLOAD_SIZE)), PAYLOAD_SIZE + 1);
  return frame;
}

export interface ChallengeResponseOptions {
  slot: YubiKeySlot;
  /** 1 to 64 bytes; the caller keeps and zeroes it. */
  challenge: Uint8Array;
  /** Called when the key waits for its button to be touched. */
  onProgress?: (progress: TokenProgress) => void;
  /** How long the whole exchange may take, touch included (default 20 s). */
  timeoutMs?: number;
  /** How often the feature report is polled (default 20 ms). */
  pollIntervalMs?: number;
}

function timeout(touch: boolean): KeywardenError {
  return touch
    ? new KeywardenError(ErrorCode.TOKEN_TOUCH_TIMEOUT, 'The YubiKey was not touched in time.')
    : new KeywardenError(ErrorCode.TOKEN_TIMEOUT, 'The YubiKey did not answer in time.');
}

/**
 * HMAC-SHA1(slot secret, challenge) computed by the YubiKey; 20 bytes the caller zeroes.
 * Throws BAD_REQUEST (challenge size), TOKEN_SLOT_NOT_CONFIGURED (the slot holds no
 * challenge-response secret, so the key answers nothing), TOKEN_TOUCH_TIMEOUT, TOKEN_TIMEOUT,
 * TOKEN_PROTOCOL_ERROR (a report that is not 8 bytes, chunks missing or in excess, a bad CRC),
 * and TOKEN_REMOVED from the transport. Every wait is bounded by `timeoutMs`.
 */
export async function yubiKeyChallengeResponse(
  transport: HidFeatureTransport,
  options: ChallengeResponseOptions,
): Promise<Buffer> {
  const frame = hmacChallengeFrame(options.slot, options.challenge);
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  const poll = options.pollIntervalMs ?? 20;
  try {
    await writeFrame(transport, frame, deadline, poll);
  } finally {
    // The frame holds the challenge: zeroed once sent.
    frame.fill(0);
  }
  const response = await readResponse(transport, deadline, poll, options.onProgress);
  try {
    if (crc16(response.subarray(0, HMAC_SHA1_SIZE + 2)) !== CRC_OK_RESIDUAL) {
      throw new KeywardenError(
        ErrorCode.TOKEN_PROTOCOL_ERROR,
        'The YubiKey answer failed its CRC.',
      );
    }
    return Buffer.from(response.subarray(0, HMAC_SHA1_SIZE));
  } finally {
    response.fill(0);
  }
}

async function writeFrame(
  transport: HidFeatureTransport,
  frame: Buffer,
  deadline: number,
  poll: number,
): Promise<void> {
  const last = FRAME_SIZE / CHUNK_SIZE - 1;
  for (let seq = 0; seq <= last; seq += 1) {
    const chunk = frame.subarray(seq * CHUNK_SIZE, (seq + 1) * CHUNK_SIZE);
    if (seq !== 0 && seq !== last && chunk.every((byte) => byte === 0)) continue;
    // The key drops a report written while it still handles the previous one.
    for (;;) {
      const status = await readReport(transport);
      if ((status[CHUNK_SIZE]! & SLOT_WRITE_FLAG) === 0) break;
      if (Date.now() >= deadline) throw timeout(false);
      await sleep(poll);
    }
    const report = Buffer.alloc(FEATURE_REPORT_SIZE);
    report.set(chunk, 0);
    report[CHUNK_SIZE] = SLOT_WRITE_FLAG | seq;
    await transport.sendFeatureReport(report);
    report.fill(0);
  }
}

async function readResponse(
  transport: HidFeatureTransport,
  deadline: number,
  poll: number,
  onProgress: ((progress: TokenProgress) => void) | undefined,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let touch = false;
  try {
    for (;;) {
      const report = await readReport(transport);
      const flags = report[CHUNK_SIZE]!;
      if (flags & RESP_PENDING_FLAG) {
        const seq = flags & SEQUENCE_MASK;
        if (seq === chunks.length && chunks.length < HMAC_RESPONSE_CHUNKS) {
          chunks.push(report.subarray(0, CHUNK_SIZE));
          continue;
        }
        report.fill(0);
        // The sequence wraps to 0 once every chunk has been read.
        if (seq === 0 && chunks.length === HMAC_RESPONSE_CHUNKS) return Buffer.concat(chunks);
        throw new KeywardenError(
          ErrorCode.TOKEN_PROTOCOL_ERROR,
          'The YubiKey answer has chunks missing, repeated or in excess.',
        );
      }
      report.fill(0);
      if (chunks.length > 0) {
        throw new KeywardenError(ErrorCode.TOKEN_PROTOCOL_ERROR, 'The YubiKey answer broke off.');
      }
      if (flags & RESP_TIMEOUT_WAIT_FLAG) {
        if (!touch) onProgress?.('touch-needed');
        touch = true;
      } else if (flags === 0) {
        // Back to a plain status with nothing sent: the wait for a touch ran out, or the slot
        // has no challenge-response secret and the key ignored the command.
        if (touch) throw timeout(true);
        throw new KeywardenError(
          ErrorCode.TOKEN_SLOT_NOT_CONFIGURED,
          'That YubiKey slot is not set up for HMAC-SHA1 challenge-response.',
        );
      }
      if (Date.now() >= deadline) throw timeout(touch);
      await sleep(poll);
    }
  } finally {
    for (const chunk of chunks) chunk.fill(0);
    await resetReportMode(transport);
  }
}

/**
 * The key's 8-byte feature report, copied; the transport's buffer is zeroed, since a response
 * chunk holds HMAC bytes. Throws TOKEN_PROTOCOL_ERROR for a report of another size.
 */
async function readReport(transport: HidFeatureTransport): Promise<Buffer> {
  const raw = await transport.getFeatureReport();
  const report = Buffer.from(raw);
  raw.fill(0);
  if (report.length !== FEATURE_REPORT_SIZE) {
    throw new KeywardenError(
      ErrorCode.TOKEN_PROTOCOL_ERROR,
      `The YubiKey sent a feature report of ${report.length} bytes, not ${FEATURE_REPORT_SIZE}.`,
    );
  }
  return report;
}

/** Tells the key the host is done reading (a dummy write), as ykpers and yubikey-manager do. */
async function resetReportMode(transport: HidFeatureTransport): Promise<void> {
  const report = Buffer.alloc(FEATURE_REPORT_SIZE);
  report[CHUNK_SIZE] = DUMMY_REPORT_WRITE;
  await transport.sendFeatureReport(report).catch(() => undefined);
}

// The two ways Keywarden talks to a HID token, as small interfaces. node-hid implements them
// for real devices (node-hid-transport.ts) and the device models in test/helpers implement them
// in process, so the protocol code above never knows which one it is speaking to.

/** FIDO CTAPHID: interrupt reports of 64 bytes, host to device and back. */
export interface HidReportTransport {
  /**
   * Writes one 64-byte output report (without a report id; the implementation adds one if its
   * platform needs it). Throws TOKEN_REMOVED when the device is gone.
   */
  write(report: Uint8Array): Promise<void>;
  /**
   * Reads one 64-byte input report, or undefined when none arrives within `timeoutMs`.
   * Throws TOKEN_REMOVED when the device is gone.
   */
  read(timeoutMs: number): Promise<Uint8Array | undefined>;
  /** Releases the device; never throws. */
  close(): Promise<void>;
}

/** YubiKey OTP interface: 8-byte feature reports (7 data bytes and a status/sequence byte). */
export interface HidFeatureTransport {
  /** Sends one 8-byte feature report (without a report id). Throws TOKEN_REMOVED when gone. */
  sendFeatureReport(report: Uint8Array): Promise<void>;
  /**
   * Reads the device's current 8-byte feature report into a buffer of its own, which the caller
   * may overwrite (it zeroes response chunks). Throws TOKEN_REMOVED when gone.
   */
  getFeatureReport(): Promise<Uint8Array>;
  /** Releases the device; never throws. */
  close(): Promise<void>;
}

/** What a token is waiting for while a request runs, for the UI to show. */
export type TokenProgress = 'processing' | 'touch-needed';

/** The size of a CTAPHID report (full-speed USB interrupt endpoint). */
export const HID_REPORT_SIZE = 64;

/** The size of a YubiKey OTP feature report, without its report id. */
export const FEATURE_REPORT_SIZE = 8;

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

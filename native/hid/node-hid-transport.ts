import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';
import { loadNodeHid } from './hid-devices.ts';
import {
  FEATURE_REPORT_SIZE,
  HID_REPORT_SIZE,
  type HidFeatureTransport,
  type HidReportTransport,
} from './hid-transport.ts';

// The two HID transports over node-hid's HIDAsync. Tokens use unnumbered reports, so every
// report written starts with report id 0, as hidapi requires; reads come without it.

/** The part of node-hid's HIDAsync these transports use. */
export interface HidAsyncDevice {
  write(values: Buffer): Promise<number>;
  read(timeoutMs?: number): Promise<Buffer | undefined>;
  sendFeatureReport(data: Buffer): Promise<number>;
  getFeatureReport(reportId: number, reportLength: number): Promise<Buffer>;
  close(): Promise<void>;
}

function removed(cause: unknown): KeywardenError {
  return new KeywardenError(
    ErrorCode.TOKEN_REMOVED,
    'The token was removed during the operation; plug it in and try again.',
    { cause },
  );
}

function withReportId(report: Uint8Array, size: number): Buffer {
  if (report.length !== size) {
    throw new KeywardenError(ErrorCode.INTERNAL, `A report to the token has ${size} bytes.`);
  }
  const framed = Buffer.alloc(size + 1);
  framed.set(report, 1);
  return framed;
}

/** A CTAPHID report transport over an open HIDAsync. Errors become TOKEN_REMOVED. */
export function reportTransportOver(device: HidAsyncDevice): HidReportTransport {
  return {
    async write(report) {
      const framed = withReportId(report, HID_REPORT_SIZE);
      try {
        await device.write(framed);
      } catch (cause) {
        throw removed(cause);
      } finally {
        framed.fill(0);
      }
    },
    async read(timeoutMs) {
      try {
        const report = await device.read(Math.max(1, Math.ceil(timeoutMs)));
        return report === undefined || report.length === 0 ? undefined : report;
      } catch (cause) {
        throw removed(cause);
      }
    },
    close: () => device.close().catch(() => undefined),
  };
}

/** A YubiKey OTP feature-report transport over an open HIDAsync. Errors become TOKEN_REMOVED. */
export function featureTransportOver(device: HidAsyncDevice): HidFeatureTransport {
  return {
    async sendFeatureReport(report) {
      const framed = withReportId(report, FEATURE_REPORT_SIZE);
      try {
        await device.sendFeatureReport(framed);
      } catch (cause) {
        throw removed(cause);
      } finally {
        framed.fill(0);
      }
    },
    async getFeatureReport() {
      let report: Buffer;
      try {
        report = await device.getFeatureReport(0, FEATURE_REPORT_SIZE + 1);
      } catch (cause) {
        throw removed(cause);
      }
      // hidapi returns the report id first on some platforms and not on others.
      return report.length > FEATURE_REPORT_SIZE ? report.subarray(1) : report;
    },
    close: () => device.close().catch(() => undefined),
  };
}

async function open(path: string): Promise<HidAsyncDevice> {
  await loadNodeHid();
  const { HIDAsync } = (await import('node-hid')).default;
  try {
    return await HIDAsync.open(path);
  } catch (cause) {
    throw new KeywardenError(
      ErrorCode.TOKEN_NOT_PRESENT,
      'The token could not be opened: it was removed, or this user may not use it ' +
        '(on Linux, install the udev rules for security tokens, such as those of libfido2).',
      { cause },
    );
  }
}

/** Opens a FIDO interface by path. Throws HID_UNAVAILABLE or TOKEN_NOT_PRESENT. */
export async function openCtapHidTransport(path: string): Promise<HidReportTransport> {
  return reportTransportOver(await open(path));
}

/** Opens a YubiKey OTP interface by path. Throws HID_UNAVAILABLE or TOKEN_NOT_PRESENT. */
export async function openYubiKeyOtpTransport(path: string): Promise<HidFeatureTransport> {
  return featureTransportOver(await open(path));
}

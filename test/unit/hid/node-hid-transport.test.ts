import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../electron/shared/errors.ts';
import {
  type HidAsyncDevice,
  featureTransportOver,
  reportTransportOver,
} from '../../../native/hid/node-hid-transport.ts';

// The node-hid adapters: report id 0 in front of every report written (hidapi's rule for
// devices without numbered reports), reads passed through, failures as TOKEN_REMOVED.

function fakeDevice(overrides: Partial<HidAsyncDevice> = {}) {
  const calls: { method: string; data: Buffer }[] = [];
  const device: HidAsyncDevice = {
    async write(values) {
      calls.push({ method: 'write', data: Buffer.from(values) });
      return values.length;
    },
    async read() {
      return Buffer.alloc(64, 0xab);
    },
    async sendFeatureReport(data) {
      calls.push({ method: 'sendFeatureReport', data: Buffer.from(data) });
      return data.length;
    },
    async getFeatureReport() {
      return Buffer.of(0, 1, 2, 3, 4, 5, 6, 7, 8);
    },
    async close() {},
    ...overrides,
  };
  return { device, calls };
}

describe('node-hid report transport', () => {
  it('writes 65 bytes, report id 0 first, and reads 64', async () => {
    const { device, calls } = fakeDevice();
    const transport = reportTransportOver(device);
    const report = randomBytes(64);
    await transport.write(report);
    expect(calls[0]!.data).toHaveLength(65);
    expect(calls[0]!.data[0]).toBe(0);
    expect(calls[0]!.data.subarray(1).equals(report)).toBe(true);
    expect(await transport.read(10)).toEqual(Buffer.alloc(64, 0xab));
  });

  it('reads nothing on a timeout, and TOKEN_REMOVED when the device is gone', async () => {
    const quiet = reportTransportOver(fakeDevice({ read: async () => undefined }).device);
    expect(await quiet.read(10)).toBeUndefined();
    const gone = reportTransportOver(
      fakeDevice({
        write: async () => Promise.reject(new Error('could not write')),
        read: async () => Promise.reject(new Error('could not read')),
      }).device,
    );
    await expect(gone.write(Buffer.alloc(64))).rejects.toMatchObject({
      code: ErrorCode.TOKEN_REMOVED,
    });
    await expect(gone.read(10)).rejects.toMatchObject({ code: ErrorCode.TOKEN_REMOVED });
  });
});

describe('node-hid feature transport', () => {
  it('sends 9 bytes, report id 0 first, and reads 8 without the report id', async () => {
    const { device, calls } = fakeDevice();
    const transport = featureTransportOver(device);
    await transport.sendFeatureReport(Buffer.of(1, 2, 3, 4, 5, 6, 7, 0x80));
    expect([...calls[0]!.data]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 0x80]);
    expect([...(await transport.getFeatureReport())]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const bare = featureTransportOver(
      fakeDevice({ getFeatureReport: async () => Buffer.of(9, 8, 7, 6, 5, 4, 3, 2) }).device,
    );
    expect([...(await bare.getFeatureReport())]).toEqual([9, 8, 7, 6, 5, 4, 3, 2]);
  });

  it('TOKEN_REMOVED when the device is gone', async () => {
    const gone = featureTransportOver(
      fakeDevice({ getFeatureReport: async () => Promise.reject(new Error('gone')) }).device,
    );
    await expect(gone.getFeatureReport()).rejects.toMatchObject({ code: ErrorCode.TOKEN_REMOVED });
  });
});

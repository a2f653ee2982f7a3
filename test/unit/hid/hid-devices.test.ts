import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { ErrorCode, KeywardenError } from '../../../electron/shared/errors.ts';
import {
  HID_TOKEN_TABLE,
  type HidDeviceDescriptor,
  type HidTokenChange,
  classifyHidDevices,
  listHidTokens,
  watchHidTokens,
} from '../../../native/hid/hid-devices.ts';

// Token enumeration: the vendor table, sorting HID interfaces into FIDO and YubiKey OTP, the
// real node-hid with no device present, and plug/unplug noticed by polling.

const FIDO = { usagePage: 0xf1d0, usage: 0x01 };
const KEYBOARD = { usagePage: 0x01, usage: 0x06 };

const device = (over: Partial<HidDeviceDescriptor>): HidDeviceDescriptor => ({
  vendorId: 0x1050,
  productId: 0x0407,
  path: '/dev/hidraw0',
  ...over,
});

describe('the token table', () => {
  it('reads every vendor id, product id and interface usage as a number', () => {
    expect(HID_TOKEN_TABLE.interfaces.fido2).toEqual(FIDO);
    expect(HID_TOKEN_TABLE.interfaces['yubikey-otp']).toEqual(KEYBOARD);
    const names = new Set(HID_TOKEN_TABLE.vendors.map((v) => v.name));
    for (const name of [
      'Yubico',
      'Nitrokey',
      'Feitian',
      'SoloKeys',
      'Google Titan',
      'Token2',
      'OnlyKey',
    ]) {
      expect(names).toContain(name);
    }
    for (const vendor of HID_TOKEN_TABLE.vendors) {
      expect(vendor.vendorId).toBeGreaterThan(0);
      expect(vendor.vendorId).toBeLessThanOrEqual(0xffff);
      expect(vendor.protocols.length).toBeGreaterThan(0);
      for (const id of vendor.productIds ?? []) expect(Number.isInteger(id) && id > 0).toBe(true);
    }
  });
});

describe('classifyHidDevices', () => {
  it('sorts interfaces into FIDO and YubiKey OTP, and leaves other devices out', () => {
    const tokens = classifyHidDevices([
      device({ path: '/dev/hidraw1', ...FIDO, product: 'YubiKey OTP+FIDO+CCID' }),
      device({ path: '/dev/hidraw0', ...KEYBOARD, product: 'YubiKey OTP+FIDO+CCID' }),
      device({ path: '/dev/hidraw2', vendorId: 0x046d, productId: 0xc31c, ...KEYBOARD }),
      device({ path: '/dev/hidraw3', vendorId: 0x046d, productId: 0xc077, usagePage: 1, usage: 2 }),
      device({ path: '/dev/hidraw4', vendorId: 0x0483, productId: 0xa2ca, ...FIDO }),
      device({
        path: '/dev/hidraw5',
        vendorId: 0x0483,
        productId: 0x1234,
        ...FIDO,
        manufacturer: 'ACME',
      }),
      device({ path: '/dev/hidraw6', vendorId: 0x20a0, productId: 0x42b1, ...KEYBOARD }),
      device({ path: undefined, ...FIDO }),
    ]);
    expect(tokens.map((t) => [t.path, t.protocol, t.vendor])).toEqual([
      ['/dev/hidraw0', 'yubikey-otp', 'Yubico'],
      ['/dev/hidraw1', 'fido2', 'Yubico'],
      ['/dev/hidraw4', 'fido2', 'SoloKeys'],
      ['/dev/hidraw5', 'fido2', 'ACME'],
    ]);
    expect(tokens[1]).toMatchObject({
      vendorId: 0x1050,
      productId: 0x0407,
      product: 'YubiKey OTP+FIDO+CCID',
    });
  });
});

describe('listHidTokens', () => {
  it('with the real node-hid (libusb installed by scripts/install-test-deps.sh) and no token plugged in: []', async () => {
    expect(await listHidTokens()).toEqual([]);
  });

  it('returns [] when the OS lists nothing, or fails listing', async () => {
    expect(await listHidTokens({ devices: async () => [] })).toEqual([]);
    const failing = {
      devices: async (): Promise<HidDeviceDescriptor[]> => Promise.reject(new Error('EIO')),
    };
    expect(await listHidTokens(failing)).toEqual([]);
  });

  it('reports HID_UNAVAILABLE when node-hid cannot be loaded', async () => {
    const unavailable = async () => {
      throw new KeywardenError(ErrorCode.HID_UNAVAILABLE, 'no HID library');
    };
    await expect(listHidTokens(unavailable)).rejects.toMatchObject({
      code: ErrorCode.HID_UNAVAILABLE,
    });
  });
});

/** Waits (up to 2 s, however loaded the machine) until `check` passes. */
const settle = (check: () => void) => vi.waitFor(check, { timeout: 2000, interval: 5 });

describe('watchHidTokens', () => {
  it('notices a token plugged in and pulled out, and stops when told', async () => {
    let present: HidDeviceDescriptor[] = [];
    const changes: HidTokenChange[] = [];
    const stop = watchHidTokens((change) => changes.push(change), {
      intervalMs: 5,
      enumerator: { devices: async () => present },
    });
    await delay(20);
    expect(changes).toEqual([]);
    present = [device({ path: '/dev/hidraw7', ...FIDO })];
    await settle(() => expect(changes).toHaveLength(1));
    expect(changes[0]!.added.map((t) => t.path)).toEqual(['/dev/hidraw7']);
    expect(changes[0]!.removed).toEqual([]);
    present = [];
    await settle(() => expect(changes).toHaveLength(2));
    expect(changes[1]!.removed.map((t) => t.path)).toEqual(['/dev/hidraw7']);
    expect(changes[1]!.present).toEqual([]);
    stop();
    present = [device({ path: '/dev/hidraw8', ...FIDO })];
    await delay(30);
    expect(changes).toHaveLength(2);
  });

  it('reports a throwing handler as INTERNAL and keeps watching', async () => {
    let present = [device({ path: '/dev/hidraw7', ...FIDO })];
    const errors: KeywardenError[] = [];
    const seen: string[][] = [];
    const stop = watchHidTokens(
      (change) => {
        seen.push(change.present.map((t) => t.path));
        if (seen.length === 1) throw new Error('listener bug');
      },
      {
        intervalMs: 5,
        enumerator: { devices: async () => present },
        onError: (e) => errors.push(e),
      },
    );
    try {
      await settle(() => expect(seen).toHaveLength(1));
      present = [];
      await settle(() => expect(seen).toEqual([['/dev/hidraw7'], []]));
      expect(errors.map((e) => e.code)).toEqual([ErrorCode.INTERNAL]);
    } finally {
      stop();
    }
  });

  it('reports HID_UNAVAILABLE once and stops', async () => {
    const errors: KeywardenError[] = [];
    let calls = 0;
    watchHidTokens(() => expect.fail('no change without a HID library'), {
      intervalMs: 5,
      enumerator: async () => {
        calls += 1;
        throw new KeywardenError(ErrorCode.HID_UNAVAILABLE, 'no HID library');
      },
      onError: (error) => errors.push(error),
    });
    await settle(() => expect(errors).toHaveLength(1));
    await delay(40); // and nothing more after it
    expect(errors.map((e) => e.code)).toEqual([ErrorCode.HID_UNAVAILABLE]);
    expect(calls).toBe(1);
  });
});

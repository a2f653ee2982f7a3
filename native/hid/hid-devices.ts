import tokenTable from '../../resources/hid-tokens.json' with { type: 'json' };
import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';

// Which HID tokens are plugged in: node-hid's device list, sorted into FIDO (CTAPHID) and
// YubiKey OTP interfaces by usage page and named from resources/hid-tokens.json. Plug and
// unplug are noticed by polling, which works the same on every platform and needs no hotplug
// support from the HID library.

export type HidTokenProtocol = 'fido2' | 'yubikey-otp';

/** A HID interface as node-hid describes it. */
export interface HidDeviceDescriptor {
  vendorId: number;
  productId: number;
  path?: string | undefined;
  serialNumber?: string | undefined;
  manufacturer?: string | undefined;
  product?: string | undefined;
  usagePage?: number | undefined;
  usage?: number | undefined;
}

/** One token interface Keywarden can speak to. */
export interface HidToken {
  /** The OS path to open it by (hidraw node, IOService path, or Windows device path). */
  path: string;
  protocol: HidTokenProtocol;
  vendorId: number;
  productId: number;
  /** The vendor's name from the table, or the device's own manufacturer string. */
  vendor: string;
  product: string;
  serialNumber?: string;
}

/** What Keywarden needs of node-hid to list devices. */
export interface HidEnumerator {
  devices(): Promise<HidDeviceDescriptor[]>;
}

interface VendorEntry {
  name: string;
  vendorId: number;
  productIds: number[] | undefined;
  protocols: HidTokenProtocol[];
}

interface TokenTable {
  interfaces: Record<HidTokenProtocol, { usagePage: number; usage: number }>;
  vendors: VendorEntry[];
}

const hex = (value: string) => Number.parseInt(value, 16);

/** The table of resources/hid-tokens.json, with its hex strings read as numbers. */
export const HID_TOKEN_TABLE: TokenTable = {
  interfaces: {
    fido2: {
      usagePage: hex(tokenTable.interfaces.fido2.usagePage),
      usage: hex(tokenTable.interfaces.fido2.usage),
    },
    'yubikey-otp': {
      usagePage: hex(tokenTable.interfaces['yubikey-otp'].usagePage),
      usage: hex(tokenTable.interfaces['yubikey-otp'].usage),
    },
  },
  vendors: tokenTable.vendors.map((vendor) => ({
    name: vendor.name,
    vendorId: hex(vendor.vendorId),
    productIds: 'productIds' in vendor ? vendor.productIds?.map(hex) : undefined,
    protocols: vendor.protocols as HidTokenProtocol[],
  })),
};

function vendorOf(device: HidDeviceDescriptor, table: TokenTable): VendorEntry | undefined {
  return table.vendors.find(
    (vendor) =>
      vendor.vendorId === device.vendorId &&
      (vendor.productIds === undefined || vendor.productIds.includes(device.productId)),
  );
}

function protocolOf(
  device: HidDeviceDescriptor,
  vendor: VendorEntry | undefined,
  table: TokenTable,
): HidTokenProtocol | undefined {
  const matches = (protocol: HidTokenProtocol) =>
    device.usagePage === table.interfaces[protocol].usagePage &&
    device.usage === table.interfaces[protocol].usage;
  // Any vendor's FIDO interface speaks CTAPHID; a keyboard is a YubiKey OTP interface only on
  // the vendors that have one (every other keyboard is just a keyboard).
  if (matches('fido2')) return 'fido2';
  if (matches('yubikey-otp') && vendor?.protocols.includes('yubikey-otp')) return 'yubikey-otp';
  return undefined;
}

/** The token interfaces among `devices`, sorted by path. */
export function classifyHidDevices(
  devices: readonly HidDeviceDescriptor[],
  table: TokenTable = HID_TOKEN_TABLE,
): HidToken[] {
  const tokens: HidToken[] = [];
  for (const device of devices) {
    if (!device.path) continue;
    const vendor = vendorOf(device, table);
    const protocol = protocolOf(device, vendor, table);
    if (protocol === undefined) continue;
    tokens.push({
      path: device.path,
      protocol,
      vendorId: device.vendorId,
      productId: device.productId,
      vendor: vendor?.name ?? device.manufacturer ?? 'Unknown vendor',
      product: device.product ?? 'Security token',
      ...(device.serialNumber ? { serialNumber: device.serialNumber } : {}),
    });
  }
  return tokens.sort((a, b) => a.path.localeCompare(b.path));
}

let nodeHid: Promise<HidEnumerator> | undefined;

/**
 * node-hid, loaded on first use (hidraw on Linux). Throws HID_UNAVAILABLE when the package or
 * its native library cannot be loaded; every other unlock factor still works then.
 */
export function loadNodeHid(): Promise<HidEnumerator> {
  nodeHid ??= (async () => {
    try {
      const hid = (await import('node-hid')).default;
      if (process.platform === 'linux') hid.setDriverType('hidraw');
      hid.getHidapiVersion(); // loads the native binding now, so a missing library shows here
      return { devices: () => hid.devicesAsync() };
    } catch (cause) {
      nodeHid = undefined;
      throw new KeywardenError(
        ErrorCode.HID_UNAVAILABLE,
        'USB security tokens cannot be used: the HID library did not load' +
          (process.platform === 'linux' ? ' (it needs libudev1 and libusb-1.0-0).' : '.'),
        { cause },
      );
    }
  })();
  return nodeHid;
}

/**
 * The token interfaces plugged in now; [] when there are none or the OS cannot list them.
 * Throws HID_UNAVAILABLE only, when node-hid cannot be loaded.
 */
export async function listHidTokens(
  enumerator?: HidEnumerator | (() => Promise<HidEnumerator>),
): Promise<HidToken[]> {
  const source =
    enumerator === undefined
      ? await loadNodeHid()
      : typeof enumerator === 'function'
        ? await enumerator()
        : enumerator;
  try {
    return classifyHidDevices(await source.devices());
  } catch {
    // Listing is advisory: a device vanishing mid-enumeration is the same as no device.
    return [];
  }
}

export interface HidTokenChange {
  added: HidToken[];
  removed: HidToken[];
  present: HidToken[];
}

export interface HidTokenWatchOptions {
  intervalMs?: number;
  enumerator?: HidEnumerator | (() => Promise<HidEnumerator>);
  /**
   * Called with HID_UNAVAILABLE, after which watching stops; or with INTERNAL when `onChange`
   * threw, after which watching goes on.
   */
  onError?: (error: KeywardenError) => void;
}

const keyOf = (token: HidToken) => `${token.protocol}\u0000${token.path}`;

/**
 * Polls for token interfaces and calls `onChange` when some came or went (the first poll
 * reports every present one as added). Returns a function that stops watching. Never throws:
 * errors go to `onError` (see HidTokenWatchOptions).
 */
export function watchHidTokens(
  onChange: (change: HidTokenChange) => void,
  options: HidTokenWatchOptions = {},
): () => void {
  let known = new Map<string, HidToken>();
  let busy = false;
  let stopped = false;
  const tick = async () => {
    if (busy || stopped) return;
    busy = true;
    let present: HidToken[];
    try {
      present = await listHidTokens(options.enumerator);
    } catch (error) {
      // listHidTokens throws only HID_UNAVAILABLE: no later poll can do better.
      stop();
      options.onError?.(
        error instanceof KeywardenError
          ? error
          : new KeywardenError(ErrorCode.HID_UNAVAILABLE, 'USB security tokens cannot be listed.', {
              cause: error,
            }),
      );
      return;
    } finally {
      busy = false;
    }
    if (stopped) return;
    const now = new Map(present.map((token) => [keyOf(token), token]));
    const added = present.filter((token) => !known.has(keyOf(token)));
    const removed = [...known.values()].filter((token) => !now.has(keyOf(token)));
    known = now;
    if (added.length === 0 && removed.length === 0) return;
    try {
      onChange({ added, removed, present });
    } catch (cause) {
      // A failing listener is reported, never swallowed, and does not end the watch.
      options.onError?.(
        new KeywardenError(ErrorCode.INTERNAL, 'A token plug/unplug handler failed.', { cause }),
      );
    }
  };
  const timer = setInterval(() => void tick(), options.intervalMs ?? 1_000);
  timer.unref();
  void tick();
  function stop() {
    stopped = true;
    clearInterval(timer);
  }
  return stop;
}

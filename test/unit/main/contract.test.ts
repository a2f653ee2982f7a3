import { beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { CHANNELS, contract, events } from '../../../electron/shared/contract.ts';
import type { Channel, EventName } from '../../../electron/shared/contract.ts';
import { methodName } from '../../../electron/shared/api.ts';
import type { KeywardenApi } from '../../../electron/shared/api.ts';
import { KeywardenServices } from '../../../electron/services/services.ts';
import { realDeps } from '../../../electron/services/runtime.ts';

// The contract test: every channel has a request schema, a service handler and a preload
// method, and the preload exposes nothing else. Electron's contextBridge and ipcRenderer
// cannot run here, so they are recorders; the preload module itself is the app's.

const exposed: Array<{ key: string; api: unknown }> = [];
const invoked: Array<{ channel: string; request: unknown }> = [];
const listening = new Map<string, Array<(event: unknown, payload: unknown) => void>>();

vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld: (key: string, api: unknown) => exposed.push({ key, api }),
  },
  ipcRenderer: {
    invoke: async (channel: string, request: unknown) => {
      invoked.push({ channel, request });
      return { ok: true, value: channel };
    },
    on: (name: string, listener: (event: unknown, payload: unknown) => void) =>
      listening.set(name, [...(listening.get(name) ?? []), listener]),
    removeListener: (name: string, listener: (event: unknown, payload: unknown) => void) =>
      listening.set(
        name,
        (listening.get(name) ?? []).filter((l) => l !== listener),
      ),
  },
}));

let api: KeywardenApi;
beforeAll(async () => {
  await import('../../../electron/preload/preload.ts');
  api = exposed[0]?.api as KeywardenApi;
});

describe('the IPC contract', () => {
  it('names every channel domain:verb-noun and gives each a request schema', () => {
    for (const channel of CHANNELS) {
      expect(channel).toMatch(/^[a-z]+:[a-z]+(-[a-z]+)*$/);
      expect(contract[channel].request, channel).toBeInstanceOf(z.ZodType);
    }
    for (const name of Object.keys(events)) expect(name).toMatch(/^[a-z]+:[a-z]+(-[a-z]+)*$/);
  });

  it('has a service handler for every channel and no other', () => {
    const services = new KeywardenServices({ deps: realDeps(), actor: 'contract-test' });
    expect(services.channels().sort()).toEqual([...CHANNELS].sort());
  });

  it('the preload exposes exactly one object, window.keywarden', () => {
    expect(exposed.map((e) => e.key)).toEqual(['keywarden']);
  });

  it('the preload has one method per channel, each invoking its own channel only', async () => {
    for (const channel of CHANNELS) {
      const { domain, method } = methodName(channel);
      const call = (api as unknown as Record<string, Record<string, (r: unknown) => unknown>>)[
        domain
      ]?.[method];
      expect(call, channel).toBeTypeOf('function');
      invoked.length = 0;
      await expect(call?.({ probe: channel })).resolves.toEqual({ ok: true, value: channel });
      expect(invoked).toEqual([{ channel, request: { probe: channel } }]);
    }
  });

  it('the preload exposes nothing but the channels and on()', () => {
    const domains = new Set(CHANNELS.map((c) => methodName(c).domain));
    expect(Object.keys(api).sort()).toEqual([...domains, 'on'].sort());
    for (const domain of domains) {
      const methods = Object.keys((api as unknown as Record<string, object>)[domain] ?? {});
      const expected = CHANNELS.filter((c) => methodName(c).domain === domain).map(
        (c) => methodName(c).method,
      );
      expect(methods.sort(), domain).toEqual(expected.sort());
    }
  });

  it('on() delivers the payload alone, for declared events only, until stopped', () => {
    const name: EventName = 'tokens:changed';
    const heard: unknown[] = [];
    const stop = api.on(name, (payload) => heard.push(payload));
    const sender = { sender: 'the IPC event must not reach the page' };
    for (const listener of listening.get(name) ?? []) listener(sender, { inserted: [] });
    expect(heard).toEqual([{ inserted: [] }]);
    stop();
    expect(listening.get(name)).toEqual([]);
    expect(() => api.on('vault:unlock' as EventName, () => undefined)).toThrow(TypeError);
    expect(() => api.on('__proto__' as EventName, () => undefined)).toThrow(TypeError);
    expect(listening.has('vault:unlock')).toBe(false);
  });

  it('every method name maps back to one channel (no two channels share a method)', () => {
    const names = CHANNELS.map((c: Channel) => Object.values(methodName(c)).join('.'));
    expect(new Set(names).size).toBe(CHANNELS.length);
  });
});

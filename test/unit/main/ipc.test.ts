import { describe, expect, it } from 'vitest';
import type { IpcMainInvokeEvent } from 'electron';
import { handle, registerChannels } from '../../../electron/main/ipc.ts';
import { appUrlCheck } from '../../../electron/main/window-policy.ts';
import { CHANNELS } from '../../../electron/shared/contract.ts';
import type { Channel } from '../../../electron/shared/contract.ts';
import { ErrorCode, KeywardenError } from '../../../electron/shared/errors.ts';

// The handle() wrapper: the sender check comes first, then the call; whatever happens, the
// renderer gets a reply and never a thrown error or a stack.

/** An invoke event as Electron builds it, from a frame at `url`. */
function from(url: string, parent: object | null = null): IpcMainInvokeEvent {
  return { senderFrame: { url, parent } } as unknown as IpcMainInvokeEvent;
}

const isAppUrl = appUrlCheck(null);
const appFrame = from('app://keywarden/index.html');

describe('handle()', () => {
  it('runs the channel it was made for and wraps the value', async () => {
    const calls: unknown[] = [];
    const handler = handle(
      'people:list',
      async (channel, request) => {
        calls.push([channel, request]);
        return ['ada'];
      },
      isAppUrl,
    );
    expect(await handler(appFrame, { x: 1 })).toEqual({ ok: true, value: ['ada'] });
    expect(calls).toEqual([['people:list', { x: 1 }]]);
  });

  it("passes a KeywardenError's code and message, and hides any other error's", async () => {
    const coded = handle(
      'people:list',
      async () => {
        throw new KeywardenError(ErrorCode.VAULT_LOCKED, 'The vault is locked; unlock it first.');
      },
      isAppUrl,
    );
    expect(await coded(appFrame, {})).toEqual({
      ok: false,
      error: { code: 'VAULT_LOCKED', message: 'The vault is locked; unlock it first.' },
    });
    const internal = await handle(
      'people:list',
      async () => {
        throw new Error('/home/officer/secret/path: EACCES');
      },
      isAppUrl,
    )(appFrame, {});
    expect(internal.ok).toBe(false);
    expect(JSON.stringify(internal)).not.toContain('/home/officer');
    expect(!internal.ok && internal.error.code).toBe('INTERNAL');
  });

  it('refuses, without calling anything, a sender that is not the app main frame', async () => {
    let called = 0;
    const handler = handle('people:list', async () => (called += 1), isAppUrl);
    for (const event of [
      from('app://keywarden/index.html', { url: 'app://keywarden/index.html' }),
      from('https://evil.example/'),
      from('app://keywarden.evil/index.html'),
      from('file:///app/index.html'),
      from('not a url'),
      { senderFrame: null } as unknown as IpcMainInvokeEvent,
    ]) {
      const reply = await handler(event, {});
      expect(reply.ok === false && reply.error.code).toBe('IPC_BAD_REQUEST');
    }
    expect(called).toBe(0);
  });

  it('will not be made for a name that is not a channel', () => {
    expect(() => handle('vault:run-anything' as Channel, async () => 0, isAppUrl)).toThrow(
      TypeError,
    );
  });
});

describe('registerChannels()', () => {
  it('registers one handler per contract channel, and removes them all again', () => {
    const handlers = new Map<string, unknown>();
    const registry = {
      handle: (channel: string, listener: unknown) => void handlers.set(channel, listener),
      removeHandler: (channel: string) => void handlers.delete(channel),
    };
    const remove = registerChannels(registry, async () => null, isAppUrl);
    expect([...handlers.keys()].sort()).toEqual([...CHANNELS].sort());
    remove();
    expect(handlers.size).toBe(0);
  });
});

import { ipcMain } from 'electron';
import type { IpcMainInvokeEvent } from 'electron';
import { CHANNELS } from '../shared/contract.ts';
import type { Reply } from '../shared/contract.ts';
import { ErrorCode, toErrorInfo } from '../shared/errors.ts';
import type { KeywardenServices } from '../services/services.ts';

// IPC registration: one handler per contract channel, each checking the sender frame before
// anything else and wrapping the reply as { ok, value } | { ok: false, error }. Requests
// are validated by services.invoke against the contract schema.

/** Decides whether a URL is the app's own page (compared after parsing, never as a prefix). */
export type AppUrlCheck = (url: URL) => boolean;

/** Whether an IPC event comes from the app's own page in the window's main frame. */
export function isTrustedSender(event: IpcMainInvokeEvent, isAppUrl: AppUrlCheck): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  try {
    return isAppUrl(new URL(frame.url));
  } catch {
    return false;
  }
}

/** Registers every channel of the contract. Returns a function that removes them again. */
export function registerChannels(services: KeywardenServices, isAppUrl: AppUrlCheck): () => void {
  for (const channel of CHANNELS) {
    ipcMain.handle(channel, async (event, request: unknown): Promise<Reply<unknown>> => {
      if (!isTrustedSender(event, isAppUrl)) {
        return {
          ok: false,
          error: {
            code: ErrorCode.IPC_BAD_REQUEST,
            message: 'Request refused: it did not come from the app window.',
          },
        };
      }
      try {
        return { ok: true, value: await services.invoke(channel, request) };
      } catch (error) {
        return { ok: false, error: toErrorInfo(error) };
      }
    });
  }
  return () => CHANNELS.forEach((channel) => ipcMain.removeHandler(channel));
}

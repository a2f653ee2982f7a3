import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { CHANNELS, isChannel } from '../shared/contract.ts';
import type { Channel, Reply } from '../shared/contract.ts';
import { ErrorCode, toErrorInfo } from '../shared/errors.ts';

// IPC registration: one handle() wrapper per contract channel. It checks the sender frame
// before anything else, then has the services validate the request against the channel's
// schema at run time (IPC_BAD_REQUEST when it does not match), and wraps whatever happens as
// { ok: true, value } | { ok: false, error: { code, message } }. The channel is fixed when
// the handler is registered: nothing the renderer sends chooses what runs.
//
// Only types come from 'electron' here, so the wrapper is tested in plain Node with the
// real services behind it.

/** Decides whether a URL is the app's own page (compared after parsing, never as a prefix). */
export type AppUrlCheck = (url: URL) => boolean;

/** What the wrapper calls: the services' invoke, which validates and runs one channel. */
export type InvokeChannel = (channel: Channel, request: unknown) => Promise<unknown>;

/** Where handlers are registered: Electron's ipcMain, or a recorder in tests. */
export type HandlerRegistry = Pick<IpcMain, 'handle' | 'removeHandler'>;

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

const REFUSED_SENDER: Reply<never> = {
  ok: false,
  error: {
    code: ErrorCode.IPC_BAD_REQUEST,
    message: 'Request refused: it did not come from the app window.',
  },
};

/**
 * The handler of one channel: refuses (IPC_BAD_REQUEST) a sender that is not the app's main
 * frame, else runs the channel and wraps its value or its error. Never throws, whatever the
 * request holds.
 */
export function handle(
  channel: Channel,
  invoke: InvokeChannel,
  isAppUrl: AppUrlCheck,
): (event: IpcMainInvokeEvent, request: unknown) => Promise<Reply<unknown>> {
  if (!isChannel(channel)) throw new TypeError(`"${String(channel)}" is not a contract channel`);
  return async (event, request) =>
    isTrustedSender(event, isAppUrl) ? replyOf(invoke, channel, request) : REFUSED_SENDER;
}

/**
 * Runs one channel and wraps the outcome as a reply; never throws. The test bridge answers
 * its socket with this too, so its replies are the app's.
 */
export async function replyOf(
  invoke: InvokeChannel,
  channel: Channel,
  request: unknown,
): Promise<Reply<unknown>> {
  try {
    return { ok: true, value: await invoke(channel, request) };
  } catch (error) {
    // toErrorInfo passes a KeywardenError's code and message, and hides anything else.
    return { ok: false, error: toErrorInfo(error) };
  }
}

/** Registers every channel of the contract. Returns a function that removes them again. */
export function registerChannels(
  ipc: HandlerRegistry,
  invoke: InvokeChannel,
  isAppUrl: AppUrlCheck,
): () => void {
  for (const channel of CHANNELS) ipc.handle(channel, handle(channel, invoke, isAppUrl));
  return () => CHANNELS.forEach((channel) => ipc.removeHandler(channel));
}

import type { IpcMainInvokeEvent } from 'electron';
import { registerChannels } from '../../electron/main/ipc.ts';
import type { HandlerRegistry, InvokeChannel } from '../../electron/main/ipc.ts';
import { appUrlCheck } from '../../electron/main/window-policy.ts';
import type { ClipboardPort } from '../../electron/services/app-handlers.ts';
import type {
  Channel,
  Reply,
  RequestOf,
  ResponseOf,
  ServiceEvent,
} from '../../electron/shared/contract.ts';
import type { ErrorInfo } from '../../electron/shared/errors.ts';
import type { Recorded } from './secret-scan.ts';

// The renderer's side of the IPC boundary, in plain Node: the contract's channels registered
// by main's own registerChannels() onto a Map standing in for ipcMain, called with an event
// from the app's main frame; and everything that comes back (replies, pushed events, clipboard
// writes) kept as the renderer would get it: structured clones, taken at once, so a buffer the
// services zero or reuse later still shows what was sent.

type Handler = (event: IpcMainInvokeEvent, request: unknown) => Promise<Reply<unknown>>;

/** The app's main frame, as Electron describes the sender of a renderer's invoke. */
const APP_FRAME = {
  senderFrame: { url: 'app://keywarden/index.html', parent: null },
} as unknown as IpcMainInvokeEvent;

/** What each channel answered: how many ok replies, and the codes of the errors. */
export interface ChannelOutcomes {
  ok: number;
  errors: string[];
}

export class IpcRecorder {
  /** Every reply, event and clipboard write, in order. */
  readonly recorded: Recorded[] = [];
  readonly outcomes = new Map<Channel, ChannelOutcomes>();
  private readonly handlers = new Map<string, Handler>();
  private readonly counts = new Map<string, number>();
  private clipboardText = '';
  private readonly printable: (text: string) => string;

  /**
   * Registers every channel of the contract over `invoke` (the real services' invoke).
   * `printable` filters an error message before a failure shows it (it may hold a secret).
   */
  constructor(invoke: InvokeChannel, printable: (text: string) => string = (text) => text) {
    this.printable = printable;
    const registry: HandlerRegistry = {
      handle: (channel, listener) => void this.handlers.set(channel, listener as Handler),
      removeHandler: (channel) => void this.handlers.delete(channel),
    };
    registerChannels(registry, invoke, appUrlCheck(null));
  }

  /** Calls `channel` as the renderer does; records and returns the reply, whatever it is. */
  async call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<Reply<ResponseOf<C>>> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`no handler registered for ${channel}`);
    const reply = structuredClone(await handler(APP_FRAME, request)) as Reply<ResponseOf<C>>;
    this.record(`reply ${channel}`, reply);
    const outcome = this.outcomes.get(channel) ?? { ok: 0, errors: [] };
    if (reply.ok) outcome.ok += 1;
    else outcome.errors.push(reply.error.code);
    this.outcomes.set(channel, outcome);
    return reply;
  }

  /** Calls `channel` and returns its value; throws with the error's code and message if it failed. */
  async ok<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
    const reply = await this.call(channel, request);
    if (!reply.ok) {
      const message = this.printable(reply.error.message);
      throw new Error(`${channel} failed: ${reply.error.code}: ${message}`);
    }
    return reply.value;
  }

  /** Calls `channel` expecting an error; returns it, or throws if the call succeeded. */
  async fails<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ErrorInfo> {
    const reply = await this.call(channel, request);
    if (reply.ok) throw new Error(`${channel} succeeded where it was expected to fail`);
    return reply.error;
  }

  /** The services' onEvent: records each pushed event. */
  readonly onEvent = (event: ServiceEvent): void => {
    this.record(`event ${event.name}`, event);
  };

  /** An in-memory clipboard that records every write. */
  readonly clipboard: ClipboardPort = {
    writeConcealed: async (text) => {
      this.record('clipboard write', text);
      this.clipboardText = text;
    },
    readText: async () => this.clipboardText,
    clear: async () => {
      this.clipboardText = '';
    },
  };

  /** The events of one name recorded so far. */
  events(name: ServiceEvent['name']): unknown[] {
    return this.recorded
      .filter((entry) => entry.source.startsWith(`event ${name} #`))
      .map((entry) => entry.value);
  }

  /** Keeps a clone of `value`, numbered per kind: "reply vault:unlock #3". */
  private record(kind: string, value: unknown): void {
    const count = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, count);
    this.recorded.push({ source: `${kind} #${count}`, value: structuredClone(value) });
  }
}

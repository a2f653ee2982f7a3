import { buildApi } from '../../../electron/shared/api.ts';
import type { Channel, EventName, Reply } from '../../../electron/shared/contract.ts';
import { BRIDGE_PROTOCOL, TOKEN_PROTOCOL_PREFIX, decodeServerFrame, encodeFrame } from './wire.ts';

// The page side of the test bridge, built as one classic script (/bridge-shim.js) that the
// bridge's index.html loads before the renderer's module script. It gives the page the same
// window.keywarden the Electron preload gives it (built by the same buildApi), forwarding each
// call over the bridge's WebSocket instead of Electron's IPC, so the real renderer runs against
// the real services.
//
// The token reaches the page in the URL fragment (#token=…), which browsers never send to a
// server. The shim takes it out of the address bar and keeps it in sessionStorage, which lives
// as long as this tab, so the reload that follows every lock connects again. The page presents
// it as a WebSocket subprotocol (see wire.ts), never in a URL.

/** The browser globals the shim uses: test/ is type-checked against Node's types only. */
interface BrowserPage {
  location: { hash: string; pathname: string; search: string; host: string; reload(): void };
  history: { replaceState(data: unknown, unused: string, url: string): void };
}
const page = globalThis as unknown as BrowserPage;

const TOKEN_STORAGE_KEY = 'keywarden-bridge-token';

/** The token from #token=… (then removed from the address bar), else from this tab's storage. */
function takeToken(): string | null {
  const fromUrl = /^#token=([A-Za-z0-9_-]+)$/.exec(page.location.hash)?.[1];
  if (fromUrl !== undefined) {
    sessionStorage.setItem(TOKEN_STORAGE_KEY, fromUrl);
    page.history.replaceState(null, '', page.location.pathname + page.location.search);
  }
  return sessionStorage.getItem(TOKEN_STORAGE_KEY);
}

type Pending = { resolve: (reply: Reply<unknown>) => void; reject: (error: Error) => void };
const pending = new Map<number, Pending>();
const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
/** Frames sent before the socket opened, sent in order once it has. */
const outbox: string[] = [];
let nextId = 1;
/** Why calls fail from now on, once the socket has closed (or never could open). */
let broken: Error | null = null;

function breakWith(error: Error): void {
  broken ??= error;
  for (const call of pending.values()) call.reject(broken);
  pending.clear();
  outbox.length = 0;
}

/** Delivers an event to its listeners; one that throws does not keep it from the others. */
function deliver(name: EventName, payload: unknown): void {
  for (const listener of [...(listeners.get(name) ?? [])]) {
    try {
      listener(payload);
    } catch (error) {
      // Reported as an uncaught error, as a throwing IPC listener is in the app.
      setTimeout(() => {
        throw error;
      });
    }
  }
  // The app reloads the renderer after every lock: nothing of the unlocked UI survives it.
  if (name === 'vault:locked') page.location.reload();
}

function connect(token: string): WebSocket {
  const socket = new WebSocket(`ws://${page.location.host}/`, [
    BRIDGE_PROTOCOL,
    `${TOKEN_PROTOCOL_PREFIX}${token}`,
  ]);
  socket.addEventListener('open', () => {
    for (const text of outbox.splice(0)) socket.send(text);
  });
  socket.addEventListener('message', (message: MessageEvent) => {
    let frame;
    try {
      frame = decodeServerFrame(String(message.data));
    } catch (error) {
      breakWith(error as Error);
      socket.close();
      return;
    }
    if ('event' in frame) {
      deliver(frame.event, frame.payload);
      return;
    }
    const call = pending.get(frame.id);
    pending.delete(frame.id);
    call?.resolve(frame.reply);
  });
  socket.addEventListener('close', () => breakWith(new Error('The bridge connection closed.')));
  return socket;
}

const token = takeToken();
const socket = token === null ? null : connect(token);
const NO_TOKEN = new Error('No bridge token: open the URL the bridge printed.');

/** One call of window.keywarden: a frame out, its reply back. Rejects once the socket is gone. */
function invoke(channel: Channel, request: unknown): Promise<Reply<unknown>> {
  return new Promise((resolve, reject) => {
    if (socket === null || broken !== null) {
      reject(broken ?? NO_TOKEN);
      return;
    }
    const id = nextId++;
    const text = encodeFrame({ id, channel, request });
    pending.set(id, { resolve, reject });
    if (socket.readyState === WebSocket.OPEN) socket.send(text);
    else outbox.push(text);
  });
}

function subscribe(name: EventName, listener: (payload: unknown) => void): () => void {
  const named = listeners.get(name) ?? new Set();
  listeners.set(name, named);
  named.add(listener);
  return () => void named.delete(listener);
}

// Read-only, as contextBridge makes it in the app.
const api = buildApi(invoke, subscribe);
for (const domain of Object.values(api)) Object.freeze(domain);
Object.defineProperty(globalThis, 'keywarden', { value: Object.freeze(api), enumerable: true });

import type { Page } from 'playwright-core';

// Holding the app's calls on some channels between the page and the bridge. A test that must
// see what the page shows only while a call is under way (a progress bar, the first page of
// many) holds the call, or its reply, until it has looked: what it sees then does not hang
// on how fast the machine is. Every other frame, events included, passes at once.

/**
 * When a held call may go on. Each is asked with the call's request and lets the frame pass
 * once it resolves; left out, frames pass at once.
 */
export interface ChannelGate<Request> {
  /** Before the call goes to the bridge. */
  request?: (request: Request) => Promise<void>;
  /** Before the bridge's reply comes back to the page. */
  reply?: (request: Request) => Promise<void>;
}

/** A promise and the function that settles it. */
export function later(): { promise: Promise<void>; release: () => void } {
  let release = () => {};
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

/**
 * Sends the page's calls on `channels`, and their replies, through the gate `gate()` gives at
 * the time (so a test may change it between steps). Once per page: its socket has one route.
 * Only sockets opened afterwards go through it: a page already loaded is to be loaded again.
 */
export async function gateChannels<Request>(
  page: Page,
  channels: readonly string[],
  gate: () => ChannelGate<Request>,
): Promise<void> {
  await page.routeWebSocket(
    () => true,
    (socket) => {
      const bridge = socket.connectToServer();
      const held = new Map<number, Request>();
      socket.onMessage((message) => {
        const frame = JSON.parse(String(message)) as {
          id?: number;
          channel?: string;
          request?: Request;
        };
        if (
          frame.channel === undefined ||
          !channels.includes(frame.channel) ||
          frame.id === undefined
        ) {
          bridge.send(message);
          return;
        }
        const request = frame.request as Request;
        held.set(frame.id, request);
        void (gate().request?.(request) ?? Promise.resolve()).then(() => bridge.send(message));
      });
      bridge.onMessage((message) => {
        const { id } = JSON.parse(String(message)) as { id?: number };
        if (id === undefined || !held.has(id)) {
          socket.send(message);
          return;
        }
        const request = held.get(id) as Request;
        held.delete(id);
        void (gate().reply?.(request) ?? Promise.resolve()).then(() => socket.send(message));
      });
    },
  );
}

import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { isChannel } from '../../../electron/shared/contract.ts';
import type { Reply, ServiceEvent } from '../../../electron/shared/contract.ts';
import { ErrorCode, toErrorInfo } from '../../../electron/shared/errors.ts';
import { replyOf } from '../../../electron/main/ipc.ts';
import type { InvokeChannel } from '../../../electron/main/ipc.ts';
import type { BridgePage } from './page-build.ts';
import {
  BRIDGE_PROTOCOL,
  TOKEN_PROTOCOL_PREFIX,
  WireError,
  decodeRequestFrame,
  encodeFrame,
} from './wire.ts';

// The bridge's one listening socket, on 127.0.0.1 only: the built page over HTTP, and the
// services over a WebSocket on the same port. Both refuse a Host header other than
// 127.0.0.1:PORT, so a DNS name rebound to this machine reaches nothing. The WebSocket also
// needs the page's own Origin and the run's token; a refused upgrade gets 403 and no socket.

export interface BridgeServerOptions {
  page: BridgePage;
  /** The run's token, as the page presents it. */
  token: string;
  /** The services' invoke: validates and runs one channel. */
  invoke: InvokeChannel;
  /** 0: any free port. */
  port: number;
}

export interface BridgeServer {
  /** http://127.0.0.1:PORT, the page's origin. */
  origin: string;
  /** Sends a contract event to every connected page. */
  broadcast(event: ServiceEvent): void;
  /** Stops listening and closes every connection and socket. */
  close(): Promise<void>;
}

const UNKNOWN_CHANNEL: Reply<never> = {
  ok: false,
  error: { code: ErrorCode.IPC_BAD_REQUEST, message: 'Unknown channel.' },
};

/** Whether `offered` is the token, compared in constant time. */
function isToken(offered: string | undefined, token: Buffer): boolean {
  if (offered === undefined) return false;
  const bytes = Buffer.from(offered, 'utf8');
  return bytes.length === token.length && timingSafeEqual(bytes, token);
}

/** The token the client offered among its subprotocols (see wire.ts), if any. */
function offeredToken(request: IncomingMessage): string | undefined {
  return (request.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((protocol) => protocol.trim())
    .find((protocol) => protocol.startsWith(TOKEN_PROTOCOL_PREFIX))
    ?.slice(TOKEN_PROTOCOL_PREFIX.length);
}

/** Answers 403 and destroys the socket once the answer is out (as ws refuses a handshake). */
function refuseUpgrade(socket: Socket): void {
  socket.once('error', () => socket.destroy());
  socket.once('finish', () => socket.destroy());
  socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
}

/** The reply frame; a reply the wire cannot carry is sent as an INTERNAL error instead. */
function replyFrame(id: number, reply: Reply<unknown>): string {
  try {
    return encodeFrame({ id, reply });
  } catch (error) {
    return encodeFrame({ id, reply: { ok: false, error: toErrorInfo(error) } });
  }
}

/** Answers a socket's frames, one reply per request frame; drops a socket that breaks the wire. */
function serveSocket(socket: WebSocket, invoke: InvokeChannel): void {
  // ws closes the connection after a protocol error (bad UTF-8, an oversized frame); there is
  // nothing more to do, but an 'error' event without a listener would end the bridge.
  socket.on('error', () => undefined);
  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      socket.close(1003, 'Text frames only.');
      return;
    }
    let frame;
    try {
      frame = decodeRequestFrame(data.toString());
    } catch (error) {
      socket.close(1007, error instanceof WireError ? error.message : 'Malformed frame.');
      return;
    }
    const { id, channel, request } = frame;
    const replied = isChannel(channel)
      ? replyOf(invoke, channel, request)
      : Promise.resolve(UNKNOWN_CHANNEL);
    void replied.then((reply) => {
      if (socket.readyState === socket.OPEN) socket.send(replyFrame(id, reply));
    });
  });
}

/**
 * Listens on 127.0.0.1:`port` and serves `page` and the services. Rejects with the listen
 * error (EADDRINUSE for a port in use).
 */
export async function startBridgeServer(options: BridgeServerOptions): Promise<BridgeServer> {
  const { page, invoke } = options;
  const token = Buffer.from(options.token, 'utf8');
  // Known once listening; no request arrives before.
  let host = '';
  let origin = '';
  let policy = '';

  const serveFile = (request: IncomingMessage, response: ServerResponse) => {
    if (request.headers.host !== host) {
      response.writeHead(403).end();
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    // Only the built files, by exact name: there is no file system path to climb out of.
    const path = (request.url ?? '').split('?')[0] ?? '';
    const file = page.get(path === '/' ? '/index.html' : path);
    if (file === undefined) {
      // Chromium asks any http page for /favicon.ico (the app's file never does): no icon, no
      // error in the console, when the renderer has none.
      response.writeHead(path === '/favicon.ico' ? 204 : 404).end();
      return;
    }
    response.writeHead(200, {
      'Content-Type': file.contentType,
      'Content-Length': file.body.length,
      'Content-Security-Policy': policy,
      'X-Content-Type-Options': 'nosniff',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    });
    response.end(request.method === 'HEAD' ? undefined : file.body);
  };

  const server = createServer(serveFile);
  // noServer: the upgrade is checked below before ws sees it. The selected subprotocol is
  // BRIDGE_PROTOCOL, never the token, so the token is not echoed back.
  const sockets = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has(BRIDGE_PROTOCOL) ? BRIDGE_PROTOCOL : false),
  });
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    const allowed =
      request.url === '/' &&
      request.headers.host === host &&
      request.headers.origin === origin &&
      isToken(offeredToken(request), token);
    if (!allowed) {
      refuseUpgrade(socket);
      return;
    }
    sockets.handleUpgrade(request, socket, head, (client) => serveSocket(client, invoke));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  host = `127.0.0.1:${port}`;
  origin = `http://${host}`;
  policy = [
    "default-src 'self'",
    "script-src 'self'",
    `connect-src 'self' ws://${host}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

  return {
    origin,
    broadcast(event) {
      const text = encodeFrame({ event: event.name, payload: event.payload });
      for (const client of sockets.clients) {
        if (client.readyState === client.OPEN) client.send(text);
      }
    },
    close() {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

import { isEventName } from '../../../electron/shared/api.ts';
import type { EventName, Reply } from '../../../electron/shared/contract.ts';

// The test bridge's messages over its WebSocket, for both ends: the bridge (Node) and the
// page's shim (the browser), so nothing here uses a Node-only API.
//
// Frames are JSON text. Electron's IPC carries Uint8Array by structured clone; JSON cannot, so
// every Uint8Array travels as the tagged object {"$bytes": "<base64>"} and comes back as a
// Uint8Array. Any other object with a "$bytes" key is refused, so a tag never means two things.
//
//   page → bridge   {id, channel, request}   one call of window.keywarden
//   bridge → page   {id, reply}              its reply, exactly as replyOf made it
//   bridge → page   {event, payload}         a contract event, pushed to every page
//
// Secret bytes (passphrases, PINs) pass through here as base64 text inside JS strings, which
// cannot be zeroed; the Uint8Array a request decodes to is zeroed by KeywardenServices.invoke
// once the call ends, as in the app. Acceptable for a test tool that is never shipped.

/** The WebSocket subprotocol the bridge selects; the page offers it with its token. */
export const BRIDGE_PROTOCOL = 'keywarden-bridge';
/** The page presents its token as a second offered subprotocol: this prefix, then the token. */
export const TOKEN_PROTOCOL_PREFIX = 'keywarden-token.';

/** One call: `id` is the caller's, echoed in the reply. */
export interface RequestFrame {
  id: number;
  /** Unchecked here: the bridge answers IPC_BAD_REQUEST for a name that is not a channel. */
  channel: unknown;
  request: unknown;
}
export interface ReplyFrame {
  id: number;
  reply: Reply<unknown>;
}
export interface EventFrame {
  event: EventName;
  payload: unknown;
}
export type ServerFrame = ReplyFrame | EventFrame;

/** A frame that is not well formed: the receiving end drops the connection. */
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

const BYTES_TAG = '$bytes';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  // In slices: fromCharCode takes its arguments on the stack.
  for (let at = 0; at < bytes.length; at += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  }
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  if (!BASE64.test(text)) throw new WireError('A $bytes value is not canonical base64.');
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A frame as JSON text, every Uint8Array (a Node Buffer included) tagged. Throws WireError
 * for an object that already has a "$bytes" key.
 */
export function encodeFrame(frame: RequestFrame | ServerFrame): string {
  return JSON.stringify(frame, function (this: Record<string, unknown>, key, value: unknown) {
    // `this[key]` is the value before toJSON: a Buffer's toJSON would hide that it is bytes.
    const original = this[key];
    if (original instanceof Uint8Array) return { [BYTES_TAG]: toBase64(original) };
    if (isRecord(value) && Object.hasOwn(value, BYTES_TAG)) {
      throw new WireError('An object with a "$bytes" key cannot be sent.');
    }
    return value;
  });
}

/** Parses JSON text, turning each {"$bytes": base64} back into a Uint8Array. Throws WireError. */
function decodeJson(text: string): unknown {
  try {
    // Text that cannot hold a tag (neither "$bytes" nor any \u escape that could spell one)
    // parses without the reviver: a 100,000-key reply then costs a plain JSON.parse, as a
    // structured clone costs the app, not a function call per value.
    if (!text.includes(BYTES_TAG) && !text.includes('\\u')) return JSON.parse(text) as unknown;
    return JSON.parse(text, (_key, value: unknown) => {
      if (!isRecord(value) || !Object.hasOwn(value, BYTES_TAG)) return value;
      const encoded = value[BYTES_TAG];
      if (Object.keys(value).length !== 1 || typeof encoded !== 'string') {
        throw new WireError('A $bytes tag must be the only key, with a base64 string.');
      }
      return fromBase64(encoded);
    });
  } catch (error) {
    if (error instanceof WireError) throw error;
    throw new WireError('A frame is not JSON.');
  }
}

const isId = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/**
 * A page's frame: an object with a whole-number `id`; `channel` and `request` as sent.
 * Throws WireError for anything else (the bridge then closes that socket).
 */
export function decodeRequestFrame(text: string): RequestFrame {
  const frame = decodeJson(text);
  if (!isRecord(frame) || !isId(frame.id)) {
    throw new WireError('A request frame must be an object with a whole-number id.');
  }
  return { id: frame.id, channel: frame.channel, request: frame.request };
}

/**
 * The bridge's frame: a reply ({id, reply} with reply.ok a boolean) or an event ({event,
 * payload} naming one of the contract's events). Throws WireError for anything else.
 */
export function decodeServerFrame(text: string): ServerFrame {
  const frame = decodeJson(text);
  if (isRecord(frame) && isId(frame.id) && isRecord(frame.reply)) {
    if (typeof frame.reply.ok === 'boolean') {
      return { id: frame.id, reply: frame.reply as Reply<unknown> };
    }
  }
  if (isRecord(frame) && isEventName(frame.event)) {
    return { event: frame.event, payload: frame.payload };
  }
  throw new WireError('A bridge frame must be a reply or an event.');
}

import { createHash } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';
import { asMap, bytesAt, type CborMap, decodeCtap, encodeCtap, uintAt } from './ctap-cbor.ts';
import { CtapStatus, ctapStatusError } from './ctap-status.ts';
import type { CtapHidChannel, CtapHidRequestOptions } from './ctaphid.ts';
import {
  PIN_PROTOCOL_2,
  type PinProtocolSession,
  decrypt,
  encapsulate,
  encrypt,
} from './pin-protocol-2.ts';

// CTAP 2.1 authenticator commands over one CTAPHID channel: authenticatorGetInfo and the
// clientPIN subcommands Keywarden needs (PIN retries, key agreement, a pinUvAuthToken from the
// PIN with permissions), always with PIN/UV auth protocol 2.

export const CtapCommand = {
  MAKE_CREDENTIAL: 0x01,
  GET_ASSERTION: 0x02,
  GET_INFO: 0x04,
  CLIENT_PIN: 0x06,
} as const;

const ClientPinSubcommand = {
  GET_PIN_RETRIES: 0x01,
  GET_KEY_AGREEMENT: 0x02,
  GET_PIN_UV_AUTH_TOKEN_USING_PIN_WITH_PERMISSIONS: 0x09,
} as const;

/** pinUvAuthToken permissions (CTAP 2.1 §6.5.5.7). */
export const PinPermission = { MAKE_CREDENTIAL: 0x01, GET_ASSERTION: 0x02 } as const;

/** What authenticatorGetInfo says, in the parts Keywarden reads. */
export interface AuthenticatorInfo {
  versions: string[];
  extensions: string[];
  aaguid: Uint8Array;
  options: Record<string, boolean>;
  maxMsgSize: number | undefined;
  pinUvAuthProtocols: number[];
}

/** A pinUvAuthToken and the key agreement it was obtained under (both secret). */
export interface PinUvAuthSession {
  session: PinProtocolSession;
  /** 32 bytes; the caller zeroes it, with session.sharedSecret, when done. */
  pinUvAuthToken: Buffer;
}

/** Zeroes a session's secrets (the pinUvAuthToken and the shared secret); never throws. */
export function clearPinUvAuthSession(auth: PinUvAuthSession | PinProtocolSession): void {
  if ('pinUvAuthToken' in auth) {
    auth.pinUvAuthToken.fill(0);
    auth.session.sharedSecret.fill(0);
  } else {
    auth.sharedSecret.fill(0);
  }
}

const MIN_PIN_CODE_POINTS = 4;
const MAX_PIN_BYTES = 63;

/** The number of Unicode code points in UTF-8 bytes (counted without decoding to a string). */
function codePoints(utf8: Uint8Array): number {
  let count = 0;
  for (const byte of utf8) if ((byte & 0xc0) !== 0x80) count += 1;
  return count;
}

/** A CTAP2 authenticator reached through a CTAPHID channel. */
export class Ctap2Authenticator {
  readonly channel: CtapHidChannel;

  constructor(channel: CtapHidChannel) {
    this.channel = channel;
  }

  /**
   * Sends one authenticator command with its CBOR parameters; returns the answer's CBOR map
   * (undefined when the answer is the status alone). Throws the coded error of a non-OK status
   * (ctap-status.ts), and whatever the channel throws (TOKEN_TIMEOUT, TOKEN_REMOVED, ...).
   */
  async request(
    command: number,
    parameters: CborMap | undefined,
    options: CtapHidRequestOptions = {},
  ): Promise<CborMap | undefined> {
    const body = parameters === undefined ? new Uint8Array(0) : encodeCtap(parameters);
    const answer = await this.channel.cbor(Buffer.concat([Buffer.of(command), body]), options);
    const status = answer[0];
    if (status === undefined) {
      throw new KeywardenError(ErrorCode.TOKEN_PROTOCOL_ERROR, 'The token sent an empty answer.');
    }
    if (status !== CtapStatus.OK) throw ctapStatusError(status);
    if (answer.length === 1) return undefined;
    return asMap(decodeCtap(answer.subarray(1)), 'a CBOR map');
  }

  /** authenticatorGetInfo. Throws TOKEN_PROTOCOL_ERROR on a malformed answer, and what request throws. */
  async getInfo(): Promise<AuthenticatorInfo> {
    const info = asMap(await this.request(CtapCommand.GET_INFO, undefined), 'its info');
    const strings = (value: unknown) =>
      Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
    const options: Record<string, boolean> = {};
    const optionMap = info.get(4);
    if (optionMap instanceof Map) {
      for (const [key, value] of optionMap) {
        if (typeof key === 'string' && typeof value === 'boolean') options[key] = value;
      }
    }
    const protocols = info.get(6);
    const maxMsgSize = info.get(5);
    const aaguid = bytesAt(info, 3, 'its AAGUID');
    if (aaguid.length !== 16)
      throw new KeywardenError(
        ErrorCode.TOKEN_PROTOCOL_ERROR,
        'The token sent an AAGUID that is not 16 bytes.',
      );
    return {
      versions: strings(info.get(1)),
      extensions: strings(info.get(2)),
      aaguid,
      options,
      maxMsgSize: typeof maxMsgSize === 'number' ? maxMsgSize : undefined,
      pinUvAuthProtocols: Array.isArray(protocols)
        ? protocols.filter((p): p is number => typeof p === 'number')
        : [],
    };
  }

  /** clientPIN getPINRetries: the PIN tries left. Throws TOKEN_PROTOCOL_ERROR if absent, and what request throws. */
  async getPinRetries(): Promise<number> {
    const answer = await this.#clientPin(ClientPinSubcommand.GET_PIN_RETRIES);
    return uintAt(answer, 3, 'the PIN retries');
  }

  /**
   * clientPIN getKeyAgreement, then ECDH and KDF: a fresh protocol 2 session whose shared secret
   * the caller zeroes. Throws TOKEN_PROTOCOL_ERROR (not a P-256 key), and what request throws.
   */
  async agreeKey(): Promise<PinProtocolSession> {
    const answer = await this.#clientPin(ClientPinSubcommand.GET_KEY_AGREEMENT);
    return encapsulate(asMap(answer.get(1), 'the key agreement key'));
  }

  /**
   * clientPIN getPinUvAuthTokenUsingPinWithPermissions. `pin` is UTF-8 (NFC), 4 to 63 bytes;
   * the caller keeps and zeroes it. Throws PIN_INVALID (refused before it reaches the token),
   * PIN_INCORRECT (with the tries left), PIN_LOCKED, PIN_AUTH_BLOCKED, PIN_NOT_SET, and what
   * request throws.
   */
  async getPinUvAuthToken(
    pin: Uint8Array,
    permissions: number,
    rpId: string | undefined,
  ): Promise<PinUvAuthSession> {
    if (codePoints(pin) < MIN_PIN_CODE_POINTS || pin.length > MAX_PIN_BYTES) {
      throw new KeywardenError(
        ErrorCode.PIN_INVALID,
        `A token PIN has ${MIN_PIN_CODE_POINTS} to ${MAX_PIN_BYTES} bytes (at least ${MIN_PIN_CODE_POINTS} characters).`,
      );
    }
    const session = await this.agreeKey();
    // LEFT(SHA-256(PIN), 16): the digest is zeroed once encrypted; the PIN stays the caller's.
    const pinHash = createHash('sha256').update(pin).digest();
    try {
      const parameters = new Map<number, unknown>([
        [3, session.platformKey],
        [6, encrypt(session.sharedSecret, pinHash.subarray(0, 16))],
        [9, permissions],
      ]);
      if (rpId !== undefined) parameters.set(0x0a, rpId);
      const answer = await this.#clientPin(
        ClientPinSubcommand.GET_PIN_UV_AUTH_TOKEN_USING_PIN_WITH_PERMISSIONS,
        parameters,
      );
      const pinUvAuthToken = decrypt(session.sharedSecret, bytesAt(answer, 2, 'the token'));
      if (pinUvAuthToken.length !== 32) {
        pinUvAuthToken.fill(0);
        throw new KeywardenError(ErrorCode.TOKEN_PROTOCOL_ERROR, 'The token sent a bad token.');
      }
      return { session, pinUvAuthToken };
    } catch (error) {
      session.sharedSecret.fill(0);
      if (error instanceof KeywardenError && error.code === ErrorCode.PIN_INCORRECT) {
        throw await this.#withRetries(error);
      }
      throw error;
    } finally {
      pinHash.fill(0);
    }
  }

  async #withRetries(error: KeywardenError): Promise<KeywardenError> {
    const retries = await this.getPinRetries().catch(() => undefined);
    if (retries === undefined) return error;
    const left = retries === 1 ? '1 try left' : `${retries} tries left`;
    return new KeywardenError(
      ErrorCode.PIN_INCORRECT,
      `The token PIN is incorrect; ${left} before the PIN is blocked.`,
    );
  }

  async #clientPin(subcommand: number, more?: Map<number, unknown>): Promise<CborMap> {
    const parameters = new Map<number, unknown>([
      [1, PIN_PROTOCOL_2],
      [2, subcommand],
      ...(more ?? []),
    ]);
    return asMap(await this.request(CtapCommand.CLIENT_PIN, parameters), 'a clientPIN answer');
  }
}

import { createHash, randomBytes } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';
import { asMap, bytesAt, decodeCtap, decodeCtapSequence } from './ctap-cbor.ts';
import {
  type Ctap2Authenticator,
  CtapCommand,
  PinPermission,
  type PinUvAuthSession,
  clearPinUvAuthSession,
} from './ctap2.ts';
import type { CtapHidRequestOptions } from './ctaphid.ts';
import { PIN_PROTOCOL_2, authenticate, decrypt, encrypt } from './pin-protocol-2.ts';

// FIDO2 hmac-secret (CTAP 2.1 §12.5), as systemd-cryptenroll uses it to unlock a disk: enrol a
// non-resident credential with hmac-secret, then get HMAC-SHA-256(CredRandom, salt) for one or
// two 32-byte salts by getAssertion. The salts travel encrypted under a protocol 2 shared
// secret, and so do the outputs. The same credential and salt give the same 32 bytes.

const FLAG_UV = 0x04;
const FLAG_AT = 0x40;
const FLAG_ED = 0x80;
const HMAC_SECRET = 'hmac-secret';
const SALT_SIZE = 32;
const MAX_USER_ID_SIZE = 64;

interface UserAction extends Pick<CtapHidRequestOptions, 'onProgress' | 'signal'> {
  /** The token PIN as UTF-8, when the token has one; the caller zeroes it. */
  pin?: Uint8Array;
}

export interface HmacSecretEnrolRequest extends UserAction {
  rpId: string;
  /** A label for the relying party, shown by some token managers. */
  rpName?: string;
  /** The user handle (up to 64 bytes) and name stored with the credential. */
  userId: Uint8Array;
  userName: string;
}

export interface HmacSecretCredential {
  credentialId: Uint8Array;
  aaguid: Uint8Array;
  /** Whether the PIN was verified: outputs later differ with and without it (§12.5). */
  userVerified: boolean;
}

export interface HmacSecretRequest extends UserAction {
  rpId: string;
  credentialId: Uint8Array;
  /** One or two salts of 32 bytes each. */
  salts: readonly [Uint8Array] | readonly [Uint8Array, Uint8Array];
  /** Whether the token asks for a touch (default true). */
  userPresence?: boolean;
}

export interface HmacSecretOutput {
  /** One 32-byte output per salt. Secret: the caller zeroes them when done. */
  outputs: Buffer[];
  userVerified: boolean;
}

function refuse(code: ErrorCode, message: string): KeywardenError {
  return new KeywardenError(code, message);
}

/** Checks the authenticator data's RP id hash; returns its flags. */
function checkAuthData(authData: Uint8Array, rpId: string): number {
  const rpIdHash = createHash('sha256').update(rpId, 'utf8').digest();
  if (authData.length < 37 || Buffer.compare(rpIdHash, authData.subarray(0, 32)) !== 0) {
    throw refuse(ErrorCode.TOKEN_PROTOCOL_ERROR, 'The token answered for another relying party.');
  }
  return authData[32]!;
}

/**
 * Refuses, before any touch or PIN try, a token that cannot do what follows: hmac-secret keyed
 * through PIN/UV auth protocol 2 (CTAP 2.1). Many CTAP 2.0 tokens know only protocol 1.
 */
async function requireHmacSecretSupport(authenticator: Ctap2Authenticator): Promise<void> {
  const info = await authenticator.getInfo();
  if (!info.extensions.includes(HMAC_SECRET)) {
    throw refuse(
      ErrorCode.MECHANISM_UNSUPPORTED,
      'This token does not support hmac-secret, so it cannot unlock a vault; use another token.',
    );
  }
  if (!info.pinUvAuthProtocols.includes(PIN_PROTOCOL_2)) {
    throw refuse(
      ErrorCode.MECHANISM_UNSUPPORTED,
      'This token lacks PIN/UV auth protocol 2 (CTAP 2.1); update its firmware or use another token.',
    );
  }
}

async function pinToken(
  authenticator: Ctap2Authenticator,
  pin: Uint8Array | undefined,
  permission: number,
  rpId: string,
): Promise<PinUvAuthSession | undefined> {
  if (pin === undefined) return undefined;
  return authenticator.getPinUvAuthToken(pin, permission, rpId);
}

/**
 * authenticatorMakeCredential with hmac-secret: a non-resident ES256 credential for `rpId`.
 * The token asks for a touch (progress is reported). Throws BAD_REQUEST (a user handle over 64
 * bytes), MECHANISM_UNSUPPORTED when the token lacks hmac-secret or PIN/UV auth protocol 2,
 * TOKEN_PROTOCOL_ERROR (a malformed answer), PIN_REQUIRED when it needs a PIN and none was given, the PIN errors
 * of getPinUvAuthToken, TOKEN_ACTION_DENIED, TOKEN_TOUCH_TIMEOUT, TOKEN_CANCELLED, and the
 * channel's errors.
 */
export async function enrolHmacSecret(
  authenticator: Ctap2Authenticator,
  request: HmacSecretEnrolRequest,
): Promise<HmacSecretCredential> {
  if (request.userId.length === 0 || request.userId.length > MAX_USER_ID_SIZE) {
    throw refuse(ErrorCode.BAD_REQUEST, `A user handle has 1 to ${MAX_USER_ID_SIZE} bytes.`);
  }
  await requireHmacSecretSupport(authenticator);
  const clientDataHash = randomBytes(32);
  const auth = await pinToken(
    authenticator,
    request.pin,
    PinPermission.MAKE_CREDENTIAL,
    request.rpId,
  );
  try {
    const parameters = new Map<number, unknown>([
      [1, clientDataHash],
      [
        2,
        new Map([
          ['id', request.rpId],
          ['name', request.rpName ?? request.rpId],
        ]),
      ],
      [
        3,
        new Map<string, unknown>([
          ['id', request.userId],
          ['name', request.userName],
          ['displayName', request.userName],
        ]),
      ],
      [
        4,
        [
          new Map<string, unknown>([
            ['alg', -7],
            ['type', 'public-key'],
          ]),
        ],
      ],
      [6, new Map([[HMAC_SECRET, true]])],
      [7, new Map([['rk', false]])],
    ]);
    if (auth) {
      parameters.set(8, authenticate(auth.pinUvAuthToken, clientDataHash));
      parameters.set(9, PIN_PROTOCOL_2);
    }
    const answer = await authenticator.request(CtapCommand.MAKE_CREDENTIAL, parameters, request);
    const authData = bytesAt(asMap(answer, 'a credential'), 2, 'authenticator data');
    const flags = checkAuthData(authData, request.rpId);
    if ((flags & FLAG_AT) === 0 || authData.length < 55) {
      throw refuse(ErrorCode.TOKEN_PROTOCOL_ERROR, 'The token created no credential.');
    }
    const aaguid = authData.slice(37, 53);
    const idLength = Buffer.from(authData).readUInt16BE(53);
    const credentialId = authData.slice(55, 55 + idLength);
    if (credentialId.length !== idLength) {
      throw refuse(ErrorCode.TOKEN_PROTOCOL_ERROR, 'The token sent a truncated credential id.');
    }
    // What follows the id is the credential public key, then (ED set) the extension outputs.
    const [, extensions] = decodeCtapSequence(authData.subarray(55 + idLength));
    if (
      (flags & FLAG_ED) === 0 ||
      !(extensions instanceof Map) ||
      extensions.get(HMAC_SECRET) !== true
    ) {
      throw refuse(
        ErrorCode.MECHANISM_UNSUPPORTED,
        'The token did not enable hmac-secret for the credential.',
      );
    }
    return { credentialId, aaguid, userVerified: (flags & FLAG_UV) !== 0 };
  } finally {
    if (auth) clearPinUvAuthSession(auth);
  }
}

/**
 * authenticatorGetAssertion with hmac-secret: one 32-byte output per salt for the enrolled
 * credential. Throws BAD_REQUEST for salts that are not 32 bytes, MECHANISM_UNSUPPORTED (no
 * hmac-secret or protocol 2), TOKEN_PROTOCOL_ERROR (a malformed answer), TOKEN_CREDENTIAL_NOT_FOUND
 * when this token does not hold the credential, the PIN errors of getPinUvAuthToken,
 * TOKEN_ACTION_DENIED, TOKEN_TOUCH_TIMEOUT, TOKEN_CANCELLED, and the channel's errors.
 */
export async function getHmacSecret(
  authenticator: Ctap2Authenticator,
  request: HmacSecretRequest,
): Promise<HmacSecretOutput> {
  if (request.salts.some((salt) => salt.length !== SALT_SIZE)) {
    throw refuse(ErrorCode.BAD_REQUEST, `An hmac-secret salt has ${SALT_SIZE} bytes.`);
  }
  await requireHmacSecretSupport(authenticator);
  const clientDataHash = randomBytes(32);
  const auth = await pinToken(
    authenticator,
    request.pin,
    PinPermission.GET_ASSERTION,
    request.rpId,
  );
  // With a PIN, the hmac-secret key agreement reuses the clientPIN one, as libfido2 does.
  const session = auth?.session ?? (await authenticator.agreeKey());
  const salts = Buffer.concat(request.salts);
  try {
    const saltEnc = encrypt(session.sharedSecret, salts);
    const extension = new Map<number, unknown>([
      [1, session.platformKey],
      [2, saltEnc],
      [3, authenticate(session.sharedSecret, saltEnc)],
      [4, PIN_PROTOCOL_2],
    ]);
    const parameters = new Map<number, unknown>([
      [1, request.rpId],
      [2, clientDataHash],
      [
        3,
        [
          new Map<string, unknown>([
            ['id', request.credentialId],
            ['type', 'public-key'],
          ]),
        ],
      ],
      [4, new Map([[HMAC_SECRET, extension]])],
      [5, new Map([['up', request.userPresence ?? true]])],
    ]);
    if (auth) {
      parameters.set(6, authenticate(auth.pinUvAuthToken, clientDataHash));
      parameters.set(7, PIN_PROTOCOL_2);
    }
    const answer = await authenticator.request(CtapCommand.GET_ASSERTION, parameters, request);
    const authData = bytesAt(asMap(answer, 'an assertion'), 2, 'authenticator data');
    const flags = checkAuthData(authData, request.rpId);
    const extensions = (flags & FLAG_ED) !== 0 ? decodeCtap(authData.subarray(37)) : undefined;
    const encrypted = extensions instanceof Map ? extensions.get(HMAC_SECRET) : undefined;
    if (!(encrypted instanceof Uint8Array)) {
      throw refuse(ErrorCode.MECHANISM_UNSUPPORTED, 'The token returned no hmac-secret output.');
    }
    // The decrypted outputs are copied out one per salt, then the joined buffer is zeroed.
    const joined = decrypt(session.sharedSecret, encrypted);
    try {
      if (joined.length !== SALT_SIZE * request.salts.length) {
        throw refuse(
          ErrorCode.TOKEN_PROTOCOL_ERROR,
          'The token sent hmac-secret output of the wrong size.',
        );
      }
      const outputs = request.salts.map((_, i) =>
        Buffer.from(joined.subarray(i * 32, i * 32 + 32)),
      );
      return { outputs, userVerified: (flags & FLAG_UV) !== 0 };
    } finally {
      joined.fill(0);
    }
  } finally {
    salts.fill(0);
    if (auth) clearPinUvAuthSession(auth);
    else session.sharedSecret.fill(0);
  }
}

import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';
import { listHidTokens } from './hid-devices.ts';
import type { HidToken, HidTokenProtocol } from './hid-devices.ts';
import type { HidFeatureTransport, HidReportTransport } from './hid-transport.ts';
import { openCtapHidTransport, openYubiKeyOtpTransport } from './node-hid-transport.ts';
import { yubiKeyChallengeResponse } from './yubikey-otp.ts';
import type { ChallengeResponseOptions } from './yubikey-otp.ts';
import { CtapHidChannel } from './ctaphid.ts';
import { Ctap2Authenticator } from './ctap2.ts';
import { enrolHmacSecret, getHmacSecret } from './ctap2-hmac-secret.ts';
import type {
  HmacSecretCredential,
  HmacSecretEnrolRequest,
  HmacSecretOutput,
  HmacSecretRequest,
} from './ctap2-hmac-secret.ts';

export type { HmacSecretCredential, HmacSecretEnrolRequest, HmacSecretOutput, HmacSecretRequest };

// What the vault's HID-token unlock factors need: YubiKey challenge-response and FIDO2
// hmac-secret on the one token plugged in. Each call opens the token's interface and closes it
// again. The real transports come from node-hid; tests give the device models of test/helpers,
// which speak the same frames.

export interface HidTokenAccess {
  /** HMAC-SHA1 of the challenge by the YubiKey's slot; 20 bytes the caller zeroes. See yubiKeyChallengeResponse. */
  challengeResponse(request: ChallengeResponseOptions & { serial?: string }): Promise<Buffer>;
  /** Makes an hmac-secret credential on the FIDO2 key. See enrolHmacSecret. */
  enrolHmacSecret(request: HmacSecretEnrolRequest): Promise<HmacSecretCredential>;
  /** The FIDO2 key's hmac-secret outputs (the caller zeroes them). See getHmacSecret. */
  hmacSecret(request: HmacSecretRequest): Promise<HmacSecretOutput>;
}

/** How a token's interface is opened. */
export interface HidTransports {
  /**
   * Opens the YubiKey OTP interface (the one with `serial` when given). Throws
   * TOKEN_NOT_PRESENT, HID_UNAVAILABLE.
   */
  openYubiKeyOtp(serial?: string): Promise<HidFeatureTransport>;
  /** Opens the FIDO (CTAPHID) interface of a security key. Throws TOKEN_NOT_PRESENT, HID_UNAVAILABLE. */
  openFido(): Promise<HidReportTransport>;
}

/**
 * The TOKEN_NOT_PRESENT error for `what` ("YubiKey", "FIDO2 security key") when none is
 * plugged in; exported so the test bridge's device models say it in the same words.
 */
export function notPresent(what: string): KeywardenError {
  return new KeywardenError(
    ErrorCode.TOKEN_NOT_PRESENT,
    `No ${what} is plugged in. Insert it and try again (on Linux, a key that is plugged in but not listed may need the udev rules of libfido2 or yubikey-personalization).`,
  );
}

/**
 * The one token speaking `protocol` (and with `serial`, when given). Several plugged in with no
 * serial to choose by is refused rather than guessed: a wrong guess would spend a PIN try.
 */
async function onlyToken(protocol: HidTokenProtocol, what: string, serial?: string) {
  const tokens = (await listHidTokens()).filter(
    (token: HidToken) =>
      token.protocol === protocol && (serial === undefined || token.serialNumber === serial),
  );
  if (tokens.length === 0) throw notPresent(what);
  if (tokens.length > 1) {
    throw new KeywardenError(
      ErrorCode.TOKEN_BUSY,
      `${tokens.length} ${what}s are plugged in; leave only the one this vault was enrolled with.`,
    );
  }
  return tokens[0]!;
}

async function using<T, R extends { close(): Promise<void> }>(
  opened: Promise<R>,
  use: (transport: R) => Promise<T>,
): Promise<T> {
  const transport = await opened;
  try {
    return await use(transport);
  } finally {
    await transport.close().catch(() => undefined);
  }
}

/** The HID token operations over `transports`. */
export function hidTokenAccess(transports: HidTransports): HidTokenAccess {
  const authenticator = async (transport: HidReportTransport) =>
    new Ctap2Authenticator(await CtapHidChannel.open(transport));
  return {
    challengeResponse: ({ serial, ...options }) =>
      using(transports.openYubiKeyOtp(serial), (transport) =>
        yubiKeyChallengeResponse(transport, options),
      ),
    enrolHmacSecret: (request) =>
      using(transports.openFido(), async (transport) =>
        enrolHmacSecret(await authenticator(transport), request),
      ),
    hmacSecret: (request) =>
      using(transports.openFido(), async (transport) =>
        getHmacSecret(await authenticator(transport), request),
      ),
  };
}

/** HID tokens through node-hid. */
export function nodeHidAccess(): HidTokenAccess {
  return hidTokenAccess({
    openYubiKeyOtp: async (serial) =>
      openYubiKeyOtpTransport((await onlyToken('yubikey-otp', 'YubiKey', serial)).path),
    openFido: async () =>
      openCtapHidTransport((await onlyToken('fido2', 'FIDO2 security key')).path),
  });
}

import { randomBytes } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { zeroize } from '../crypto/bytes.ts';
import { FACTOR_SECRET_BYTES, mix } from './factor-local.ts';
import type {
  Enrolled,
  FactorDevices,
  Fido2FactorParams,
  YubiKeyFactorParams,
} from './factor-types.ts';
import type { HidTokenAccess } from '../../../native/hid/hid-access.ts';

// The HID token factors. YubiKey challenge-response (as KeePassXC uses it): the key answers a
// stored random challenge with HMAC-SHA1 under the secret programmed into its slot 1 or 2.
// FIDO2 hmac-secret (as systemd-cryptenroll uses it): a credential made for Keywarden answers a
// stored random salt with HMAC-SHA-256 under a key that never leaves the token. Either answer,
// mixed through HKDF, is the factor secret. Both ask for a touch where the token is set to.

const YUBIKEY_LABEL = 'keywarden/v1/yubikey-hmac-factor';
const FIDO2_LABEL = 'keywarden/v1/fido2-factor';
export const FIDO2_RP_ID = 'keywarden.vault';

function accessOf(devices: FactorDevices): HidTokenAccess {
  if (!devices.hid) {
    throw new KeywardenError(
      ErrorCode.HID_UNAVAILABLE,
      'HID tokens cannot be reached from this program.',
    );
  }
  return devices.hid;
}

function progress(devices: FactorDevices) {
  return devices.onTokenProgress ? { onProgress: devices.onTokenProgress } : {};
}

async function challengeResponse(
  devices: FactorDevices,
  slot: 1 | 2,
  challenge: Uint8Array,
  serial?: string,
): Promise<Buffer> {
  return accessOf(devices).challengeResponse({
    slot,
    challenge,
    ...(serial !== undefined ? { serial } : {}),
    ...progress(devices),
  });
}

/** Enrols a YubiKey slot: a new random challenge, answered once. Throws the YubiKey codes. */
export async function enrolYubiKey(
  devices: FactorDevices,
  slot: 1 | 2,
  serial?: string,
): Promise<Enrolled<YubiKeyFactorParams>> {
  const challenge = randomBytes(FACTOR_SECRET_BYTES);
  const response = await challengeResponse(devices, slot, challenge, serial);
  try {
    return {
      params: {
        kind: 'yubikey-hmac',
        slot,
        challenge: challenge.toString('base64'),
        ...(serial ? { serial } : {}),
      },
      secret: mix(YUBIKEY_LABEL, response),
    };
  } finally {
    zeroize(response);
  }
}

/**
 * The YubiKey's answer for this factor. Throws TOKEN_NOT_PRESENT, TOKEN_SLOT_NOT_CONFIGURED,
 * TOKEN_TOUCH_TIMEOUT, TOKEN_TIMEOUT, TOKEN_PROTOCOL_ERROR, TOKEN_REMOVED, HID_UNAVAILABLE.
 */
export async function recoverYubiKey(
  devices: FactorDevices,
  params: YubiKeyFactorParams,
  serial?: string,
): Promise<Buffer> {
  const response = await challengeResponse(
    devices,
    params.slot,
    Buffer.from(params.challenge, 'base64'),
    serial ?? params.serial,
  );
  try {
    return mix(YUBIKEY_LABEL, response);
  } finally {
    zeroize(response);
  }
}

/**
 * Enrols a FIDO2 security key: a new credential with hmac-secret (one touch), then its first
 * answer for a new random salt (another touch). Throws the CTAP codes (MECHANISM_UNSUPPORTED
 * for a token without hmac-secret or PIN protocol 2, PIN_REQUIRED, PIN_INCORRECT, …).
 */
export async function enrolFido2(
  devices: FactorDevices,
  pin: Uint8Array | undefined,
  rpId: string = FIDO2_RP_ID,
): Promise<Enrolled<Fido2FactorParams>> {
  const salt = randomBytes(32);
  const access = accessOf(devices);
  const credential = await access.enrolHmacSecret({
    rpId,
    rpName: 'Keywarden vault',
    userId: randomBytes(16),
    userName: 'keywarden vault unlock',
    ...(pin ? { pin } : {}),
    ...progress(devices),
  });
  const answer = await access.hmacSecret({
    rpId,
    credentialId: credential.credentialId,
    salts: [salt],
    ...(pin ? { pin } : {}),
    ...progress(devices),
  });
  try {
    return {
      params: {
        kind: 'fido2',
        rpId,
        credentialId: Buffer.from(credential.credentialId).toString('base64'),
        salt: salt.toString('base64'),
        userVerified: answer.userVerified,
      },
      secret: mix(FIDO2_LABEL, answer.outputs[0]!),
    };
  } finally {
    zeroize(...answer.outputs);
  }
}

/**
 * The security key's hmac-secret answer for this factor. Throws PIN_REQUIRED when it was
 * enrolled with a PIN and none is given, TOKEN_CREDENTIAL_NOT_FOUND (another key), and the
 * CTAP codes.
 */
export async function recoverFido2(
  devices: FactorDevices,
  params: Fido2FactorParams,
  pin: Uint8Array | undefined,
): Promise<Buffer> {
  if (params.userVerified && !pin) {
    throw new KeywardenError(
      ErrorCode.PIN_REQUIRED,
      "This slot's FIDO2 key was enrolled with its PIN: give it (--fido2-pin-file F).",
    );
  }
  const answer = await accessOf(devices).hmacSecret({
    rpId: params.rpId,
    credentialId: Buffer.from(params.credentialId, 'base64'),
    salts: [Buffer.from(params.salt, 'base64')],
    ...(params.userVerified && pin ? { pin } : {}),
    ...progress(devices),
  });
  try {
    return mix(FIDO2_LABEL, answer.outputs[0]!);
  } finally {
    zeroize(...answer.outputs);
  }
}

import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode, KeywardenError } from '../../../electron/shared/errors.ts';
import { enrolHmacSecret, getHmacSecret } from '../../../native/hid/ctap2-hmac-secret.ts';
import { Ctap2Authenticator, PinPermission } from '../../../native/hid/ctap2.ts';
import { CtapHidChannel } from '../../../native/hid/ctaphid.ts';
import { Ctap2AuthenticatorModel } from '../../helpers/ctap2-authenticator.model.ts';
import { CtapHidDeviceModel } from '../../helpers/ctaphid-device.model.ts';

// FIDO2 hmac-secret end to end: the host side of native/hid against the authenticator model,
// every byte through CTAPHID packets, as systemd-cryptenroll enrols and unlocks with a token.

const RP_ID = 'keywarden.vault';
const PIN = '4711-kw';
const pinBytes = (pin = PIN) => Buffer.from(pin, 'utf8');

async function token(options: { pin?: string } = { pin: PIN }) {
  const model = new Ctap2AuthenticatorModel();
  if (options.pin !== undefined) model.setPin(options.pin);
  const hid = new CtapHidDeviceModel(model);
  const authenticator = new Ctap2Authenticator(await CtapHidChannel.open(hid));
  return { model, hid, authenticator };
}

async function enrol(authenticator: Ctap2Authenticator, { withPin = true } = {}) {
  return enrolHmacSecret(authenticator, {
    rpId: RP_ID,
    userId: randomBytes(16),
    userName: 'vault unlock',
    ...(withPin ? { pin: pinBytes() } : {}),
  });
}

async function failure(promise: Promise<unknown>): Promise<KeywardenError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeywardenError);
  return error as KeywardenError;
}

const hmacSha256 = (key: Buffer, salt: Buffer) => createHmac('sha256', key).update(salt).digest();

describe('authenticatorGetInfo', () => {
  it('reads versions, extensions, AAGUID, options and PIN protocols', async () => {
    const { model, authenticator } = await token();
    const info = await authenticator.getInfo();
    expect(info.versions).toContain('FIDO_2_1');
    expect(info.extensions).toEqual(['hmac-secret']);
    expect(Buffer.from(info.aaguid).equals(model.aaguid)).toBe(true);
    expect(info.options).toMatchObject({ clientPin: true, up: true });
    expect(info.pinUvAuthProtocols).toEqual([2]);
  });
});

describe('hmac-secret enrolment and unlock', () => {
  it('gives the same 32 bytes for the same salt, other bytes for another salt', async () => {
    const { model, authenticator } = await token();
    const progress: string[] = [];
    const credential = await enrolHmacSecret(authenticator, {
      rpId: RP_ID,
      userId: randomBytes(16),
      userName: 'vault unlock',
      pin: pinBytes(),
      onProgress: (p) => progress.push(p),
    });
    expect(progress).toContain('touch-needed');
    expect(credential.userVerified).toBe(true);
    expect(Buffer.from(credential.aaguid).equals(model.aaguid)).toBe(true);

    const salt = randomBytes(32);
    const request = { rpId: RP_ID, credentialId: credential.credentialId, pin: pinBytes() };
    const first = await getHmacSecret(authenticator, { ...request, salts: [salt] });
    const again = await getHmacSecret(authenticator, { ...request, salts: [salt] });
    const other = await getHmacSecret(authenticator, { ...request, salts: [randomBytes(32)] });
    expect(first.outputs[0]).toHaveLength(32);
    expect(first.outputs[0]!.equals(again.outputs[0]!)).toBe(true);
    expect(first.outputs[0]!.equals(other.outputs[0]!)).toBe(false);
    // Independently: HMAC-SHA-256(CredRandomWithUV, salt), CTAP 2.1 §12.5.
    const credRandom = model.credRandomFor(credential.credentialId, true);
    expect(first.outputs[0]!.equals(hmacSha256(credRandom, salt))).toBe(true);
    expect(first.userVerified).toBe(true);
  });

  it('answers two salts at once, each as it would alone', async () => {
    const { authenticator } = await token();
    const { credentialId } = await enrol(authenticator);
    const [salt1, salt2] = [randomBytes(32), randomBytes(32)];
    const request = { rpId: RP_ID, credentialId, pin: pinBytes() };
    const both = await getHmacSecret(authenticator, { ...request, salts: [salt1, salt2] });
    const one = await getHmacSecret(authenticator, { ...request, salts: [salt1] });
    const two = await getHmacSecret(authenticator, { ...request, salts: [salt2] });
    expect(both.outputs).toHaveLength(2);
    expect(both.outputs[0]!.equals(one.outputs[0]!)).toBe(true);
    expect(both.outputs[1]!.equals(two.outputs[0]!)).toBe(true);
  });

  it('without the PIN the token uses the CredRandom without UV: another output', async () => {
    const { model, authenticator } = await token();
    const { credentialId } = await enrol(authenticator);
    const salt = randomBytes(32);
    const withPin = await getHmacSecret(authenticator, {
      rpId: RP_ID,
      credentialId,
      salts: [salt],
      pin: pinBytes(),
    });
    const withoutPin = await getHmacSecret(authenticator, {
      rpId: RP_ID,
      credentialId,
      salts: [salt],
    });
    expect(withoutPin.userVerified).toBe(false);
    expect(withoutPin.outputs[0]!.equals(withPin.outputs[0]!)).toBe(false);
    const credRandom = model.credRandomFor(credentialId, false);
    expect(withoutPin.outputs[0]!.equals(hmacSha256(credRandom, salt))).toBe(true);
  });

  it('works with a token that has no PIN', async () => {
    const { model, authenticator } = await token({});
    const credential = await enrol(authenticator, { withPin: false });
    expect(credential.userVerified).toBe(false);
    const salt = randomBytes(32);
    const { outputs } = await getHmacSecret(authenticator, {
      rpId: RP_ID,
      credentialId: credential.credentialId,
      salts: [salt],
    });
    expect(
      outputs[0]!.equals(hmacSha256(model.credRandomFor(credential.credentialId, false), salt)),
    ).toBe(true);
    expect((await failure(authenticator.getPinUvAuthToken(pinBytes(), 2, RP_ID))).code).toBe(
      ErrorCode.PIN_NOT_SET,
    );
  });

  it('needs the PIN to enrol on a token that has one', async () => {
    const { model, authenticator } = await token();
    expect((await failure(enrol(authenticator, { withPin: false }))).code).toBe(
      ErrorCode.PIN_REQUIRED,
    );
    expect(model.credentialCount).toBe(0);
  });

  it('another token, or another relying party, does not hold the credential', async () => {
    const { authenticator } = await token();
    const { credentialId } = await enrol(authenticator);
    const other = await token();
    const salts = [randomBytes(32)] as const;
    const elsewhere = await failure(
      getHmacSecret(other.authenticator, { rpId: RP_ID, credentialId, salts }),
    );
    expect(elsewhere.code).toBe(ErrorCode.TOKEN_CREDENTIAL_NOT_FOUND);
    const otherRp = await failure(
      getHmacSecret(authenticator, { rpId: 'other.example', credentialId, salts }),
    );
    expect(otherRp.code).toBe(ErrorCode.TOKEN_CREDENTIAL_NOT_FOUND);
  });

  it.each([
    ['lacks hmac-secret', { extensions: [] as string[] }],
    ['knows only PIN/UV auth protocol 1', { pinUvAuthProtocols: [1] }],
  ])('refuses a token that %s before any PIN try or touch', async (_, limits) => {
    const { model, authenticator } = await token();
    Object.assign(model, limits);
    expect((await failure(enrol(authenticator))).code).toBe(ErrorCode.MECHANISM_UNSUPPORTED);
    const request = {
      rpId: RP_ID,
      credentialId: randomBytes(48),
      salts: [randomBytes(32)] as const,
    };
    expect(
      (await failure(getHmacSecret(authenticator, { ...request, pin: pinBytes() }))).code,
    ).toBe(ErrorCode.MECHANISM_UNSUPPORTED);
    expect(model.touchesRequested).toBe(0);
    expect(model.pinRetries).toBe(8);
    expect(model.credentialCount).toBe(0);
  });

  it('refuses a user handle over 64 bytes before reaching the token', async () => {
    const { hid, authenticator } = await token();
    const before = hid.written.length;
    const error = await failure(
      enrolHmacSecret(authenticator, { rpId: RP_ID, userId: randomBytes(65), userName: 'x' }),
    );
    expect(error.code).toBe(ErrorCode.BAD_REQUEST);
    expect(hid.written.length).toBe(before);
  });

  it('refuses salts that are not 32 bytes before reaching the token', async () => {
    const { hid, authenticator } = await token();
    const before = hid.written.length;
    const error = await failure(
      getHmacSecret(authenticator, {
        rpId: RP_ID,
        credentialId: randomBytes(48),
        salts: [randomBytes(16)],
      }),
    );
    expect(error.code).toBe(ErrorCode.BAD_REQUEST);
    expect(hid.written.length).toBe(before);
  });
});

describe('PIN errors', () => {
  it('a wrong PIN is PIN_INCORRECT with the tries left, and never shows the PIN', async () => {
    const { model, authenticator } = await token();
    const error = await failure(
      authenticator.getPinUvAuthToken(pinBytes('0000-wrong'), PinPermission.GET_ASSERTION, RP_ID),
    );
    expect(error.code).toBe(ErrorCode.PIN_INCORRECT);
    expect(error.message).toContain('7 tries left');
    expect(error.message).not.toContain('0000-wrong');
    expect(model.pinRetries).toBe(7);
    expect(await authenticator.getPinRetries()).toBe(7);
    // The right PIN resets the counter.
    const auth = await authenticator.getPinUvAuthToken(
      pinBytes(),
      PinPermission.GET_ASSERTION,
      RP_ID,
    );
    expect(auth.pinUvAuthToken).toHaveLength(32);
    expect(await authenticator.getPinRetries()).toBe(8);
  });

  it('three wrong PINs in a row block PIN use until the token is plugged in again', async () => {
    const { model, authenticator } = await token();
    const attempt = (pin: string) =>
      failure(authenticator.getPinUvAuthToken(pinBytes(pin), PinPermission.GET_ASSERTION, RP_ID));
    expect((await attempt('bad-1')).code).toBe(ErrorCode.PIN_INCORRECT);
    expect((await attempt('bad-2')).code).toBe(ErrorCode.PIN_INCORRECT);
    expect((await attempt('bad-3')).code).toBe(ErrorCode.PIN_AUTH_BLOCKED);
    expect((await attempt(PIN)).code).toBe(ErrorCode.PIN_AUTH_BLOCKED);
    model.powerCycle();
    const auth = await authenticator.getPinUvAuthToken(
      pinBytes(),
      PinPermission.GET_ASSERTION,
      RP_ID,
    );
    expect(auth.pinUvAuthToken).toHaveLength(32);
  });

  it('the last wrong try blocks the PIN for good', async () => {
    const { model, authenticator } = await token();
    model.pinRetries = 1;
    const wrong = await failure(authenticator.getPinUvAuthToken(pinBytes('bad-pin'), 2, RP_ID));
    expect(wrong.code).toBe(ErrorCode.PIN_LOCKED);
    model.powerCycle();
    const right = await failure(authenticator.getPinUvAuthToken(pinBytes(), 2, RP_ID));
    expect(right.code).toBe(ErrorCode.PIN_LOCKED);
    expect(await authenticator.getPinRetries()).toBe(0);
  });

  it('refuses a PIN shorter than 4 characters or longer than 63 bytes without a try', async () => {
    const { model, authenticator } = await token();
    for (const pin of [pinBytes('abc'), pinBytes('ééé'), Buffer.alloc(64, 0x31)]) {
      expect((await failure(authenticator.getPinUvAuthToken(pin, 2, RP_ID))).code).toBe(
        ErrorCode.PIN_INVALID,
      );
    }
    expect(model.pinRetries).toBe(8);
  });
});

describe('user presence', () => {
  async function enrolled() {
    const t = await token();
    const { credentialId } = await enrol(t.authenticator);
    return { ...t, request: { rpId: RP_ID, credentialId, salts: [randomBytes(32)] as const } };
  }

  it('a declined touch is TOKEN_ACTION_DENIED', async () => {
    const { model, authenticator, request } = await enrolled();
    model.touch = 'deny';
    expect((await failure(getHmacSecret(authenticator, request))).code).toBe(
      ErrorCode.TOKEN_ACTION_DENIED,
    );
  });

  it('no touch in time is TOKEN_TOUCH_TIMEOUT, after touch-needed progress', async () => {
    const { model, authenticator, request } = await enrolled();
    model.touch = 'ignore';
    model.touchTimeoutMs = 80;
    const progress: string[] = [];
    const error = await failure(
      getHmacSecret(authenticator, { ...request, onProgress: (p) => progress.push(p) }),
    );
    expect(error.code).toBe(ErrorCode.TOKEN_TOUCH_TIMEOUT);
    expect(progress.length).toBeGreaterThan(0);
    expect(new Set(progress)).toEqual(new Set(['touch-needed']));
  });

  it('aborting while the token waits is TOKEN_CANCELLED', async () => {
    const { model, authenticator, request } = await enrolled();
    model.touch = 'ignore';
    model.touchTimeoutMs = 5_000;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 40);
    const error = await failure(
      getHmacSecret(authenticator, { ...request, signal: controller.signal }),
    );
    expect(error.code).toBe(ErrorCode.TOKEN_CANCELLED);
  });

  it('without user presence the token does not ask for a touch', async () => {
    const { model, authenticator, request } = await enrolled();
    const before = model.touchesRequested;
    const { outputs } = await getHmacSecret(authenticator, { ...request, userPresence: false });
    expect(outputs).toHaveLength(1);
    expect(model.touchesRequested).toBe(before);
  });

  it('a token pulled out while waiting for a touch is TOKEN_REMOVED', async () => {
    const { model, hid, authenticator, request } = await enrolled();
    model.touch = 'ignore';
    model.touchTimeoutMs = 5_000;
    setTimeout(() => hid.unplug(), 40);
    expect((await failure(getHmacSecret(authenticator, request))).code).toBe(
      ErrorCode.TOKEN_REMOVED,
    );
  });
});

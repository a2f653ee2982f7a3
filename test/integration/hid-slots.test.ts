import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openVaultFile } from '../../electron/core/vault/vault.ts';
import type { UnlockFactor, VaultDeps } from '../../electron/core/vault/vault.ts';
import type { FactorEnrolment } from '../../electron/core/vault/factor-types.ts';
import type { AuditEntry } from '../../electron/shared/vault-types.ts';
import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';
import { realDeps } from '../../electron/services/runtime.ts';
import { hidTokenAccess } from '../../native/hid/hid-access.ts';
import type { HidFeatureTransport, TokenProgress } from '../../native/hid/hid-transport.ts';
import { YubiKeyOtpModel } from '../helpers/yubikey-otp.model.ts';
import { Ctap2AuthenticatorModel } from '../helpers/ctap2-authenticator.model.ts';
import { CtapHidDeviceModel } from '../helpers/ctaphid-device.model.ts';
import {
  FAST_KDF,
  makeVault,
  passphraseBytes,
  tempDir,
  unlockVault,
  unlockWith as unlockVaultWith,
} from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// HID token slots on real vault files: YubiKey HMAC-SHA1 and FIDO2 hmac-secret factors alone,
// combined with a passphrase and in a quorum. The tokens are the in-process device models of
// test/helpers, reached through hidTokenAccess, so every byte crosses the real HID frames.

const ACTOR = 'tester';
const YUBIKEY_SLOT_2: FactorEnrolment = { kind: 'yubikey-hmac', slot: 2 };
const FIDO2_KEY: FactorEnrolment = { kind: 'fido2' };
const yubiKeyOffer = (): UnlockFactor => ({ kind: 'yubikey-hmac' });
const fido2Offer = (pin?: string): UnlockFactor =>
  pin === undefined ? { kind: 'fido2' } : { kind: 'fido2', pin: Buffer.from(pin) };
const phrase = (text?: string): UnlockFactor => ({
  kind: 'passphrase',
  passphrase: passphraseBytes(text),
});
const enrolPhrase = (): FactorEnrolment => ({
  kind: 'passphrase',
  passphrase: passphraseBytes('second factor passphrase'),
  kdf: FAST_KDF,
});

/** A YubiKey whose slot 2 holds `secret` for HMAC-SHA1 challenge-response (ykman's default). */
function yubiKey(secret: Buffer, requireTouch = false): YubiKeyOtpModel {
  const key = new YubiKeyOtpModel();
  key.slots[2] = { secret, requireTouch, variableLength: true };
  return key;
}

/**
 * The tokens plugged in, and VaultDeps that reach them. Each open gives a fresh transport over
 * the same device (the vault closes it after every call); an empty socket is TOKEN_NOT_PRESENT,
 * as nodeHidAccess says it.
 */
class TokenBench {
  readonly yubiKeySecret = randomBytes(20);
  yubiKey: YubiKeyOtpModel | undefined = yubiKey(this.yubiKeySecret);
  fido: Ctap2AuthenticatorModel | undefined = new Ctap2AuthenticatorModel();
  /** Every progress report the vault passed on, and what the person does on each. */
  readonly progress: TokenProgress[] = [];
  onProgress: ((progress: TokenProgress) => void) | undefined;
  /** Every transport opened, to check each was closed. */
  readonly opened: Array<{ readonly closed: boolean }> = [];
  readonly deps: VaultDeps = {
    ...realDeps(),
    hid: hidTokenAccess({
      openYubiKeyOtp: async () => this.#openOtp(),
      openFido: async () => this.#openFido(),
    }),
    onTokenProgress: (progress) => {
      this.progress.push(progress);
      this.onProgress?.(progress);
    },
  };

  #openOtp(): HidFeatureTransport {
    const key = this.yubiKey;
    if (!key) throw new KeywardenError(ErrorCode.TOKEN_NOT_PRESENT, 'No YubiKey is plugged in.');
    const transport = {
      closed: false,
      sendFeatureReport: (report: Uint8Array) => key.sendFeatureReport(report),
      getFeatureReport: () => key.getFeatureReport(),
      close: async () => {
        transport.closed = true;
      },
    };
    this.opened.push(transport);
    return transport;
  }

  #openFido(): CtapHidDeviceModel {
    if (!this.fido) {
      throw new KeywardenError(ErrorCode.TOKEN_NOT_PRESENT, 'No FIDO2 security key is plugged in.');
    }
    const transport = new CtapHidDeviceModel(this.fido);
    this.opened.push(transport);
    return transport;
  }
}

let dir: TempDir;
let path: string;
let bench: TokenBench;

beforeEach(async () => {
  dir = tempDir('keywarden-hid-');
  path = dir.file('vault.kw');
  bench = new TokenBench();
  await makeVault(path, bench.deps);
});
afterEach(() => dir.cleanup());

const unlockWith = (factors: UnlockFactor[]) => unlockVaultWith(path, factors, bench.deps);

/** Unlocks with the vault's passphrase, adds a slot of `factors`, optionally removes slot 1. */
async function addSlot(
  factors: FactorEnrolment[],
  options: { threshold?: number; only?: boolean } = {},
) {
  const vault = await unlockVault(path, undefined, bench.deps);
  try {
    const added = await vault.addSlot(ACTOR, {
      factors,
      ...(options.threshold ? { threshold: options.threshold } : {}),
    });
    // The vault's own passphrase slot goes: the new slot is the only way in.
    if (options.only) await vault.removeSlot(ACTOR, 1);
    return added;
  } finally {
    vault.lock(ACTOR);
  }
}

function audit(): AuditEntry[] {
  const file = openVaultFile(bench.deps, path, 'read-only');
  try {
    return file.listAudit();
  } finally {
    file.close();
  }
}

/** The offers open the vault, and the slot they opened is `slotId`. */
async function expectOpens(factors: UnlockFactor[], slotId: number): Promise<void> {
  const vault = await unlockWith(factors);
  vault.lock(ACTOR);
  const unlock = audit().findLast((e) => e.action === 'vault.unlock');
  expect(unlock).toMatchObject({ outcome: 'success', detail: { slot: slotId } });
}

/**
 * The offers fail with a KeywardenError of `code`, and the vault stayed locked: the failure is
 * the audit log's last entry, with nothing opened after it.
 */
async function expectRefused(factors: UnlockFactor[], code: ErrorCode): Promise<KeywardenError> {
  const error = await unlockWith(factors).then(
    (vault) => vault.lock(ACTOR),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeywardenError);
  expect((error as KeywardenError).code).toBe(code);
  expect(audit().at(-1)).toMatchObject({
    action: 'vault.unlock',
    outcome: 'failure',
    detail: { error: code },
  });
  return error as KeywardenError;
}

function slotParams(slotId: number): string {
  const db = new Database(path, { readonly: true });
  try {
    const row = db.prepare('SELECT params FROM unlock_slots WHERE slot_id = ?').get(slotId) as
      { params: string } | undefined;
    return row!.params;
  } finally {
    db.close();
  }
}

/** Every textual form a secret could take in the file. */
const encodings = (secret: Buffer) => [
  secret.toString('base64'),
  secret.toString('base64url'),
  secret.toString('hex'),
  secret.toString('hex').toUpperCase(),
];

describe('a YubiKey slot', () => {
  it('opens with the YubiKey alone; the header lists it and the audit log names the factor', async () => {
    const added = await addSlot([YUBIKEY_SLOT_2]);
    expect(added).toMatchObject({ kind: 'yubikey-hmac', factors: ['YubiKey slot 2'] });
    await expectOpens([yubiKeyOffer()], added.slotId);
    const vault = await unlockWith([yubiKeyOffer()]);
    const listed = vault.header().slots.find((slot) => slot.slotId === added.slotId);
    vault.lock(ACTOR);
    expect(listed).toMatchObject({ kind: 'yubikey-hmac', factors: ['YubiKey slot 2'] });
    const entries = audit();
    expect(entries).toContainEqual(
      expect.objectContaining({ action: 'slot.add', outcome: 'success' }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({
        action: 'vault.unlock',
        outcome: 'success',
        detail: expect.objectContaining({ factor: 'yubikey-hmac', slot: added.slotId }),
      }),
    );
    // One enrolment and two unlocks, each on its own transport, each closed again.
    expect(bench.opened).toHaveLength(3);
    expect(bench.opened.every((transport) => transport.closed)).toBe(true);
  });

  it('another YubiKey is FACTOR_INCORRECT, an empty slot 2 is TOKEN_SLOT_NOT_CONFIGURED, none is TOKEN_NOT_PRESENT', async () => {
    await addSlot([YUBIKEY_SLOT_2]);
    bench.yubiKey = yubiKey(randomBytes(20));
    await expectRefused([yubiKeyOffer()], ErrorCode.FACTOR_INCORRECT);
    await expectOpens([phrase()], 1);
    bench.yubiKey = new YubiKeyOtpModel();
    bench.yubiKey.slots[1] = { secret: bench.yubiKeySecret };
    await expectRefused([yubiKeyOffer()], ErrorCode.TOKEN_SLOT_NOT_CONFIGURED);
    bench.yubiKey = undefined;
    await expectRefused([yubiKeyOffer()], ErrorCode.TOKEN_NOT_PRESENT);
  });

  it('that needs a touch reports touch-needed and opens once the key is pressed, not before', async () => {
    const key = yubiKey(bench.yubiKeySecret, true);
    bench.yubiKey = key;
    bench.onProgress = (progress) => {
      if (progress === 'touch-needed') setTimeout(() => key.press(), 30);
    };
    const added = await addSlot([YUBIKEY_SLOT_2]);
    bench.progress.length = 0;
    await expectOpens([yubiKeyOffer()], added.slotId);
    expect(bench.progress).toEqual(['touch-needed']);
    // Nobody presses: the key gives up waiting, and so does the vault.
    key.touchTimeoutMs = 100;
    bench.onProgress = undefined;
    await expectRefused([yubiKeyOffer()], ErrorCode.TOKEN_TOUCH_TIMEOUT);
  });

  it('pulled out while it waits for a touch is TOKEN_REMOVED; the passphrase still opens', async () => {
    const key = yubiKey(bench.yubiKeySecret, true);
    key.touchTimeoutMs = 5_000;
    bench.yubiKey = key;
    bench.onProgress = () => setTimeout(() => key.press(), 30);
    await addSlot([YUBIKEY_SLOT_2]);
    bench.onProgress = () => setTimeout(() => key.unplug(), 30);
    await expectRefused([yubiKeyOffer()], ErrorCode.TOKEN_REMOVED);
    await expectOpens([phrase()], 1);
  });
});

describe('a combined slot of a passphrase and a YubiKey', () => {
  it('needs both: either alone is FACTOR_MISSING, a wrong passphrase is FACTOR_INCORRECT', async () => {
    const added = await addSlot([enrolPhrase(), YUBIKEY_SLOT_2], { only: true });
    expect(added).toMatchObject({
      kind: 'combined',
      factors: ['passphrase', 'YubiKey slot 2'],
    });
    await expectRefused([phrase('second factor passphrase')], ErrorCode.FACTOR_MISSING);
    await expectRefused([yubiKeyOffer()], ErrorCode.FACTOR_MISSING);
    await expectOpens([phrase('second factor passphrase'), yubiKeyOffer()], added.slotId);
    await expectRefused(
      [phrase('not the second passphrase'), yubiKeyOffer()],
      ErrorCode.FACTOR_INCORRECT,
    );
  });
});

describe('a FIDO2 slot', () => {
  it('without a PIN opens with the key alone; another key does not hold the credential', async () => {
    const added = await addSlot([FIDO2_KEY]);
    expect(added).toMatchObject({ kind: 'fido2', factors: ['FIDO2 key'] });
    // The credential, then its first hmac-secret answer: a touch each.
    expect(bench.fido!.touchesRequested).toBe(2);
    expect(bench.progress).toContain('touch-needed');
    await expectOpens([fido2Offer()], added.slotId);
    bench.fido = new Ctap2AuthenticatorModel();
    await expectRefused([fido2Offer()], ErrorCode.TOKEN_CREDENTIAL_NOT_FOUND);
  });

  it('with a PIN: none is PIN_REQUIRED before the key is reached; a wrong one spends one try, however many slots', async () => {
    const key = bench.fido!;
    key.setPin('1234');
    const enrolWithPin: FactorEnrolment = { kind: 'fido2', pin: Buffer.from('1234') };
    const first = await addSlot([enrolWithPin]);
    const second = await addSlot([enrolWithPin]);
    expect(first.factors).toEqual(['FIDO2 key with PIN']);
    expect(second.factors).toEqual(['FIDO2 key with PIN']);
    const retries = key.pinRetries;
    const opens = bench.opened.length;
    await expectRefused([fido2Offer()], ErrorCode.PIN_REQUIRED);
    expect(key.pinRetries).toBe(retries);
    expect(bench.opened).toHaveLength(opens);
    // Two slots could take the offer; the PIN is tried once, for the first.
    await expectRefused([fido2Offer('9999')], ErrorCode.PIN_INCORRECT);
    expect(key.pinRetries).toBe(retries - 1);
    await expectOpens([fido2Offer('1234')], first.slotId);
    expect(key.pinRetries).toBe(retries);
  });
});

describe('a quorum of YubiKey, FIDO2 key and passphrase', () => {
  it('2 of 3: every pair opens it, no single factor does', async () => {
    const added = await addSlot([YUBIKEY_SLOT_2, FIDO2_KEY, enrolPhrase()], {
      threshold: 2,
      only: true,
    });
    expect(added).toMatchObject({
      kind: 'quorum',
      threshold: 2,
      factors: ['YubiKey slot 2', 'FIDO2 key', 'passphrase'],
    });
    const offers = {
      yubiKey: yubiKeyOffer,
      fido2: () => fido2Offer(),
      passphrase: () => phrase('second factor passphrase'),
    };
    const pairs = [
      [offers.yubiKey, offers.fido2],
      [offers.yubiKey, offers.passphrase],
      [offers.fido2, offers.passphrase],
    ];
    for (const pair of pairs)
      await expectOpens(
        pair.map((offer) => offer()),
        added.slotId,
      );
    for (const offer of Object.values(offers))
      await expectRefused([offer()], ErrorCode.QUORUM_NOT_MET);
  });
});

describe('what enrolment stores', () => {
  it('holds no YubiKey secret or response and no hmac-secret output', async () => {
    const added = await addSlot([YUBIKEY_SLOT_2, FIDO2_KEY], { threshold: 2 });
    const text = slotParams(added.slotId);
    const params = JSON.parse(text) as {
      factors: [
        { challenge: string },
        { credentialId: string; salt: string; userVerified: boolean },
      ];
    };
    const [yubiKeyParams, fido2Params] = params.factors;
    const challenge = Buffer.from(yubiKeyParams.challenge, 'base64');
    const credentialId = Buffer.from(fido2Params.credentialId, 'base64');
    const salt = Buffer.from(fido2Params.salt, 'base64');
    const response = createHmac('sha1', bench.yubiKeySecret).update(challenge).digest();
    const credRandom = bench.fido!.credRandomFor(credentialId, fido2Params.userVerified);
    const output = createHmac('sha256', credRandom).update(salt).digest();
    // The values recomputed here are the ones the tokens give for the stored challenge and salt.
    const hid = bench.deps.hid!;
    expect((await hid.challengeResponse({ slot: 2, challenge })).equals(response)).toBe(true);
    const answer = await hid.hmacSecret({ rpId: 'keywarden.vault', credentialId, salts: [salt] });
    expect(answer.outputs[0]!.equals(output)).toBe(true);
    const file = readFileSync(path);
    for (const secret of [bench.yubiKeySecret, response, credRandom, output]) {
      for (const encoded of encodings(secret)) expect(text).not.toContain(encoded);
      expect(file.includes(secret)).toBe(false);
    }
  });
});

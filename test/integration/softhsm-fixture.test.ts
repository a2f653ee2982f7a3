import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import pkcs11js from 'pkcs11js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SOFTHSM_MODULE, startSoftHsm } from '../helpers/softhsm.fixture.ts';
import type { PinRetryState, SoftHsm, SoftHsmToken } from '../helpers/softhsm.fixture.ts';

// The fixture against the real softhsm2-util and pkcs11-tool, and the behaviour of a running
// pkcs11js + SoftHSM2 module when tokens come and go and when PINs are tried, which the
// PKCS#11 code relies on.

const { PKCS11, Pkcs11Error } = pkcs11js;
/** CKF_TOKEN_PRESENT from the PKCS#11 spec; pkcs11js exports it but does not type it. */
const CKF_TOKEN_PRESENT = 0x1;

/** Token labels in a `pkcs11-tool --list-slots` output. */
const listedLabels = (output: string) =>
  [...output.matchAll(/^\s*token label\s*:\s*(.*?)\s*$/gm)].map((match) => match[1]);

const slotNumber = (slot: Buffer) => Number(slot.readBigUInt64LE(0));

const {
  CKF_USER_PIN_COUNT_LOW,
  CKF_USER_PIN_FINAL_TRY,
  CKF_USER_PIN_LOCKED,
  CKF_SO_PIN_COUNT_LOW,
  CKF_SO_PIN_FINAL_TRY,
  CKF_SO_PIN_LOCKED,
} = pkcs11js;
/** The token flags that carry the user's and the SO's PIN retry state. */
const RETRY_FLAGS =
  CKF_USER_PIN_COUNT_LOW |
  CKF_USER_PIN_FINAL_TRY |
  CKF_USER_PIN_LOCKED |
  CKF_SO_PIN_COUNT_LOW |
  CKF_SO_PIN_FINAL_TRY |
  CKF_SO_PIN_LOCKED;

/** The token.object of the token with `serial`, in the tokendir that hsm.conf names. */
function tokenObjectPath(hsm: SoftHsm, serial: string): string {
  const tokenDir = /^directories\.tokendir = (.*)$/m.exec(readFileSync(hsm.conf, 'utf8'))?.[1];
  if (tokenDir === undefined) throw new Error(`${hsm.conf} names no tokendir`);
  const found = readdirSync(tokenDir)
    .map((name) => join(tokenDir, name, 'token.object'))
    .filter((path) => readFileSync(path).includes(serial));
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** Runs `action` and returns the CKR_* code of the Pkcs11Error it throws. */
function ckrOf(action: () => unknown): number {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(Pkcs11Error);
    return (error as InstanceType<typeof Pkcs11Error>).code;
  }
  throw new Error('expected a Pkcs11Error, but the call succeeded');
}

describe('startSoftHsm', () => {
  let hsm: SoftHsm;
  beforeEach(() => {
    hsm = startSoftHsm({ tokens: 3 });
  });
  afterEach(() => hsm.cleanup());

  it('creates the tokens, which pkcs11-tool lists by label', () => {
    expect(hsm.tokens.map((token) => token.label)).toEqual(['kw-test-1', 'kw-test-2', 'kw-test-3']);
    expect(listedLabels(hsm.pkcs11Tool(['--list-token-slots'])).sort()).toEqual([
      'kw-test-1',
      'kw-test-2',
      'kw-test-3',
    ]);
  });

  it('reports distinct serials and slots that match softhsm2-util --show-slots', () => {
    expect(new Set(hsm.tokens.map((token) => token.serial)).size).toBe(3);
    const shown = execFileSync('softhsm2-util', ['--show-slots'], {
      env: hsm.env,
      encoding: 'utf8',
    });
    for (const { slot, serial, label } of hsm.tokens) {
      expect(serial).toMatch(/^[0-9a-f]{16}$/);
      const block = shown.split(/^(?=Slot )/m).find((text) => text.startsWith(`Slot ${slot}\n`));
      expect(block).toMatch(new RegExp(`^\\s*Serial number:\\s*${serial}\\s*$`, 'm'));
      expect(block).toMatch(new RegExp(`^\\s*Label:\\s*${label}\\s*$`, 'm'));
    }
  });

  it('adds and deletes tokens, as pkcs11-tool sees them', () => {
    const extra = hsm.addToken('kw-extra', { pin: '24682468', soPin: '13571357' });
    expect(listedLabels(hsm.pkcs11Tool(['--list-token-slots']))).toContain('kw-extra');
    // The token's own PIN opens it; the default one does not.
    hsm.pkcs11Tool(['--login', '--pin', '24682468', '--list-objects'], extra);
    expect(() => hsm.pkcs11Tool(['--login', '--pin', '1234', '--list-objects'], extra)).toThrow(
      /CKR_PIN_INCORRECT/,
    );

    const second = hsm.tokens[1]!;
    hsm.deleteToken(second.serial);
    expect(hsm.tokens.map((token) => token.label)).toEqual(['kw-test-1', 'kw-test-3', 'kw-extra']);
    expect(listedLabels(hsm.pkcs11Tool(['--list-token-slots'])).sort()).toEqual([
      'kw-extra',
      'kw-test-1',
      'kw-test-3',
    ]);
    expect(() => hsm.pkcs11Tool(['--list-objects'], second)).toThrow(/CKR_SLOT_ID_INVALID/);
  });

  it('runs pkcs11-tool on the given token only', () => {
    const [first, second] = hsm.tokens as [SoftHsmToken, SoftHsmToken];
    const login = ['--login', '--pin', first.pin];
    hsm.pkcs11Tool([...login, '--keygen', '--key-type', 'AES:32', '--label', 'kek-1'], first);
    expect(hsm.pkcs11Tool([...login, '--list-objects'], first)).toMatch(/label:\s+kek-1/);
    expect(hsm.pkcs11Tool([...login, '--list-objects'], second)).not.toMatch(/kek-1/);
  });

  it('throws with pkcs11-tool stderr, PIN redacted', () => {
    const token = hsm.tokens[0]!;
    let message = '';
    try {
      hsm.pkcs11Tool(['--login', '--pin', '97531', '--list-objects'], token);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/C_Login failed: rv = CKR_PIN_INCORRECT/);
    expect(message).toContain('--pin ***');
    expect(message).not.toContain('97531');
  });

  it('refuses a label PKCS#11 cannot hold and a token count that is not a whole number', () => {
    expect(() => hsm.addToken('')).toThrow(RangeError);
    expect(() => hsm.addToken('x'.repeat(33))).toThrow(RangeError);
    expect(() => startSoftHsm({ tokens: 1.5 })).toThrow(RangeError);
    expect(() => startSoftHsm({ tokens: -1 })).toThrow(RangeError);
    expect(hsm.tokens).toHaveLength(3);
  });

  it('points a worker thread started afterwards at its tokens', async () => {
    // A worker's pkcs11js sees the conf because SoftHSM2 reads the process environment.
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const { PKCS11 } = require('node:module').createRequire(workerData.from)('pkcs11js');
       const module = new PKCS11();
       module.load(workerData.module);
       module.C_Initialize();
       try {
         parentPort.postMessage(
           module.C_GetSlotList(true).map((slot) => module.C_GetTokenInfo(slot).label.trim()),
         );
       } finally {
         module.C_Finalize();
       }`,
      { eval: true, workerData: { from: import.meta.url, module: SOFTHSM_MODULE } },
    );
    const [labels] = (await once(worker, 'message')) as [string[]];
    await worker.terminate();
    // SoftHSM2 always adds one free, uninitialised token with an empty label.
    expect(labels.sort()).toEqual(['', 'kw-test-1', 'kw-test-2', 'kw-test-3']);
  });
});

describe('SoftHsm.cleanup', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.SOFTHSM2_CONF;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = saved;
  });

  it('removes the temp folder and restores SOFTHSM2_CONF', () => {
    process.env.SOFTHSM2_CONF = '/etc/softhsm/previous.conf';
    const hsm = startSoftHsm({ tokens: 1 });
    expect(process.env.SOFTHSM2_CONF).toBe(hsm.conf);
    expect(hsm.env.SOFTHSM2_CONF).toBe(hsm.conf);
    expect(existsSync(hsm.conf)).toBe(true);

    hsm.cleanup();
    expect(existsSync(dirname(hsm.conf))).toBe(false);
    expect(process.env.SOFTHSM2_CONF).toBe('/etc/softhsm/previous.conf');
  });

  it('removes SOFTHSM2_CONF again when it was unset', () => {
    delete process.env.SOFTHSM2_CONF;
    const hsm = startSoftHsm({ tokens: 0 });
    hsm.cleanup();
    hsm.cleanup();
    expect('SOFTHSM2_CONF' in process.env).toBe(false);
  });
});

describe('a running pkcs11js + SoftHSM2 module when tokens come and go', () => {
  let hsm: SoftHsm;
  let module: InstanceType<typeof PKCS11>;
  beforeEach(() => {
    hsm = startSoftHsm({ tokens: 2 });
    module = new PKCS11();
    module.load(SOFTHSM_MODULE);
    module.C_Initialize();
  });
  afterEach(() => {
    module.C_Finalize();
    module.close();
    hsm.cleanup();
  });

  const presentSlots = () => module.C_GetSlotList(true).map(slotNumber);
  const reinitialise = () => {
    module.C_Finalize();
    module.C_Initialize();
  };

  it('does not see a token added by softhsm2-util until C_Finalize + C_Initialize', () => {
    const before = presentSlots();
    expect(before).toEqual(expect.arrayContaining(hsm.tokens.map((token) => token.slot)));

    const added = hsm.addToken('kw-hotplug');
    expect(presentSlots()).toEqual(before);
    expect(module.C_GetSlotList(false).map(slotNumber)).toEqual(before);
    const addedSlot = Buffer.alloc(8);
    addedSlot.writeBigUInt64LE(BigInt(added.slot));
    expect(ckrOf(() => module.C_GetTokenInfo(addedSlot))).toBe(pkcs11js.CKR_SLOT_ID_INVALID);

    reinitialise();
    expect(presentSlots()).toContain(added.slot);
    expect(module.C_GetTokenInfo(addedSlot).label.trim()).toBe('kw-hotplug');
  });

  it('keeps a deleted token listed; calls on it fail with CKR_GENERAL_ERROR or CKR_OBJECT_HANDLE_INVALID', () => {
    const token = hsm.tokens[0]!;
    const slot = module.C_GetSlotList(true).find((handle) => slotNumber(handle) === token.slot)!;
    const session = module.C_OpenSession(
      slot,
      pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION,
    );
    module.C_Login(session, pkcs11js.CKU_USER, token.pin);
    const aesKey = (onToken: boolean) =>
      module.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
        { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
        { type: pkcs11js.CKA_TOKEN, value: onToken },
        { type: pkcs11js.CKA_ENCRYPT, value: true },
      ]);
    const encrypt = (key: Buffer) => {
      module.C_EncryptInit(session, { mechanism: pkcs11js.CKM_AES_ECB }, key);
      return module.C_Encrypt(session, Buffer.alloc(16), Buffer.alloc(16));
    };
    const tokenKey = aesKey(true);
    const sessionKey = aesKey(false);
    encrypt(tokenKey);

    hsm.deleteToken(token.serial);

    // Still listed and still "present": there is no removal to notice.
    expect(presentSlots()).toContain(token.slot);
    expect(module.C_GetSlotInfo(slot).flags & CKF_TOKEN_PRESENT).toBe(CKF_TOKEN_PRESENT);
    expect(ckrOf(() => module.C_GetTokenInfo(slot))).toBe(pkcs11js.CKR_GENERAL_ERROR);
    // The session survives; its token objects are gone, its session objects are not.
    expect(slotNumber(module.C_GetSessionInfo(session).slotID)).toBe(token.slot);
    expect(ckrOf(() => encrypt(tokenKey))).toBe(pkcs11js.CKR_OBJECT_HANDLE_INVALID);
    expect(encrypt(sessionKey)).toHaveLength(16);
    expect(ckrOf(() => aesKey(true))).toBe(pkcs11js.CKR_GENERAL_ERROR);
    module.C_Logout(session);
    expect(ckrOf(() => module.C_Login(session, pkcs11js.CKU_USER, token.pin))).toBe(
      pkcs11js.CKR_GENERAL_ERROR,
    );

    reinitialise();
    expect(presentSlots()).not.toContain(token.slot);
    expect(ckrOf(() => module.C_GetTokenInfo(slot))).toBe(pkcs11js.CKR_SLOT_ID_INVALID);
    expect(ckrOf(() => module.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION))).toBe(
      pkcs11js.CKR_SLOT_ID_INVALID,
    );
  });

  it('reports no slot event without blocking, and cannot block for one', () => {
    expect(module.C_WaitForSlotEvent(pkcs11js.CKF_DONT_BLOCK)).toBeNull();
    hsm.addToken('kw-event');
    hsm.deleteToken(hsm.tokens[0]!.serial);
    expect(module.C_WaitForSlotEvent(pkcs11js.CKF_DONT_BLOCK)).toBeNull();
    expect(ckrOf(() => module.C_WaitForSlotEvent(0))).toBe(pkcs11js.CKR_FUNCTION_NOT_SUPPORTED);
  });

  it('reads SOFTHSM2_CONF at C_Initialize only', () => {
    const labels = () =>
      module.C_GetSlotList(true).map((slot) => module.C_GetTokenInfo(slot).label.trim());
    const other = startSoftHsm({ tokens: 1, prefix: 'kw-other-' });
    try {
      expect(labels().sort()).toEqual(['', 'kw-test-1', 'kw-test-2']);
      reinitialise();
      expect(labels().sort()).toEqual(['', 'kw-other-1']);
    } finally {
      module.C_Finalize();
      other.cleanup();
      module.C_Initialize();
    }
    expect(labels().sort()).toEqual(['', 'kw-test-1', 'kw-test-2']);
  });

  it('is one module per process: a worker cannot initialise it again', async () => {
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const { PKCS11 } = require('node:module').createRequire(workerData.from)('pkcs11js');
       const module = new PKCS11();
       module.load(workerData.module);
       try {
         module.C_Initialize();
         module.C_Finalize();
         parentPort.postMessage(0);
       } catch (error) {
         parentPort.postMessage(error.code);
       }`,
      { eval: true, workerData: { from: import.meta.url, module: SOFTHSM_MODULE } },
    );
    const [code] = (await once(worker, 'message')) as [number];
    await worker.terminate();
    expect(code).toBe(pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED);
    expect(presentSlots()).toEqual(expect.arrayContaining(hsm.tokens.map((token) => token.slot)));
  });
});

describe('SoftHsm.setPinState, and PIN tries on a running pkcs11js + SoftHSM2 module', () => {
  let hsm: SoftHsm;
  let module: InstanceType<typeof PKCS11>;
  let token: SoftHsmToken;
  let slot: Buffer;
  let session: Buffer;
  beforeEach(() => {
    hsm = startSoftHsm({ tokens: 2 });
    token = hsm.tokens[0]!;
    module = new PKCS11();
    module.load(SOFTHSM_MODULE);
    module.C_Initialize();
    slot = module.C_GetSlotList(true).find((handle) => slotNumber(handle) === token.slot)!;
    session = module.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  });
  afterEach(() => {
    module.C_Finalize();
    module.close();
    hsm.cleanup();
  });

  /** The retry flags C_GetTokenInfo reports for `on` (default: the first token). */
  const retryFlags = (on = slot) => module.C_GetTokenInfo(on).flags & RETRY_FLAGS;
  const login = (userType: number, pin: string) => module.C_Login(session, userType, pin);
  const wrongLogin = (userType: number) => ckrOf(() => login(userType, '0000'));

  it('sets the retry flags a running module reports, keeping the other flags and tokens', () => {
    const otherFlags = module.C_GetTokenInfo(slot).flags & ~RETRY_FLAGS;
    const second = module.C_GetSlotList(true).find((handle) => slotNumber(handle) !== token.slot);
    expect(retryFlags()).toBe(0);

    hsm.setPinState(token.serial, { user: 'countLow' });
    expect(retryFlags()).toBe(CKF_USER_PIN_COUNT_LOW);
    hsm.setPinState(token.serial, { user: 'finalTry', so: 'countLow' });
    expect(retryFlags()).toBe(CKF_USER_PIN_FINAL_TRY | CKF_SO_PIN_COUNT_LOW);
    hsm.setPinState(token.serial, { so: 'finalTry' });
    expect(retryFlags()).toBe(CKF_USER_PIN_FINAL_TRY | CKF_SO_PIN_FINAL_TRY);
    hsm.setPinState(token.serial, { user: 'locked', so: 'locked' });
    expect(retryFlags()).toBe(CKF_USER_PIN_LOCKED | CKF_SO_PIN_LOCKED);
    // A fresh process reads the same state from disk.
    const listed = hsm.pkcs11Tool(['--list-token-slots'], token);
    expect(listed).toMatch(/^\s*token flags\s*:.*\bSO PIN locked\b/m);
    expect(listed).toMatch(/^\s*token flags\s*:.*\buser PIN locked\b/m);

    expect(module.C_GetTokenInfo(slot).flags & ~RETRY_FLAGS).toBe(otherFlags);
    expect(retryFlags(second)).toBe(0);
    hsm.setPinState(token.serial, { user: 'clear', so: 'clear' });
    expect(retryFlags()).toBe(0);
  });

  it('is seen without C_Finalize + C_Initialize because it bumps the generation number', () => {
    const path = tokenObjectPath(hsm, token.serial);
    expect(retryFlags()).toBe(0);
    const before = readFileSync(path);
    hsm.setPinState(token.serial, { user: 'locked' });
    const after = readFileSync(path);
    expect(after.readBigUInt64BE(0)).toBe(before.readBigUInt64BE(0) + 1n);

    // The same edit under the old number: the running module keeps the flags it read.
    before.copy(after, 0, 0, 8);
    writeFileSync(path, after);
    expect(retryFlags()).toBe(0);
    module.C_Finalize();
    module.C_Initialize();
    expect(retryFlags()).toBe(CKF_USER_PIN_LOCKED);
  });

  it('sets *_PIN_COUNT_LOW itself on a wrong PIN and clears it on the right one', () => {
    expect(wrongLogin(pkcs11js.CKU_USER)).toBe(pkcs11js.CKR_PIN_INCORRECT);
    expect(retryFlags()).toBe(CKF_USER_PIN_COUNT_LOW);
    expect(wrongLogin(pkcs11js.CKU_SO)).toBe(pkcs11js.CKR_PIN_INCORRECT);
    expect(retryFlags()).toBe(CKF_USER_PIN_COUNT_LOW | CKF_SO_PIN_COUNT_LOW);
    // Any number of wrong PINs: SoftHSM2 counts none of them.
    for (let i = 0; i < 5; i++)
      expect(wrongLogin(pkcs11js.CKU_USER)).toBe(pkcs11js.CKR_PIN_INCORRECT);
    expect(retryFlags()).toBe(CKF_USER_PIN_COUNT_LOW | CKF_SO_PIN_COUNT_LOW);

    login(pkcs11js.CKU_USER, token.pin);
    module.C_Logout(session);
    expect(retryFlags()).toBe(CKF_SO_PIN_COUNT_LOW);
    login(pkcs11js.CKU_SO, token.soPin);
    module.C_Logout(session);
    expect(retryFlags()).toBe(0);
  });

  it('still accepts the right PIN when locked: SoftHSM2 never answers CKR_PIN_LOCKED', () => {
    hsm.setPinState(token.serial, { user: 'locked', so: 'locked' });
    expect(() => login(pkcs11js.CKU_USER, token.pin)).not.toThrow();
    module.C_Logout(session);
    expect(() => login(pkcs11js.CKU_SO, token.soPin)).not.toThrow();
    module.C_Logout(session);
    expect(retryFlags()).toBe(CKF_USER_PIN_LOCKED | CKF_SO_PIN_LOCKED);

    expect(wrongLogin(pkcs11js.CKU_USER)).toBe(pkcs11js.CKR_PIN_INCORRECT);
    expect(retryFlags()).toBe(CKF_USER_PIN_LOCKED | CKF_USER_PIN_COUNT_LOW | CKF_SO_PIN_LOCKED);
    // pkcs11-tool, in a fresh process, logs in as well.
    expect(() =>
      hsm.pkcs11Tool(['--login', '--pin', token.pin, '--list-objects'], token),
    ).not.toThrow();
  });

  it('answers a wrong PIN on the final try with CKR_PIN_INCORRECT and locks nothing', () => {
    hsm.setPinState(token.serial, { user: 'finalTry' });
    expect(wrongLogin(pkcs11js.CKU_USER)).toBe(pkcs11js.CKR_PIN_INCORRECT);
    expect(wrongLogin(pkcs11js.CKU_USER)).toBe(pkcs11js.CKR_PIN_INCORRECT);
    expect(retryFlags()).toBe(CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_COUNT_LOW);

    login(pkcs11js.CKU_USER, token.pin);
    expect(retryFlags()).toBe(CKF_USER_PIN_FINAL_TRY);
  });

  it('clears the user retry flags on C_InitPIN by the SO, and no flags on C_SetPIN', () => {
    hsm.setPinState(token.serial, { user: 'locked', so: 'locked' });
    // In a R/W public session C_SetPIN changes the user PIN; logged in as SO, the SO PIN.
    module.C_SetPIN(session, token.pin, '24682468');
    login(pkcs11js.CKU_SO, token.soPin);
    module.C_SetPIN(session, token.soPin, '97539753');
    expect(retryFlags()).toBe(CKF_USER_PIN_LOCKED | CKF_SO_PIN_LOCKED);

    module.C_InitPIN(session, '13571357');
    expect(retryFlags()).toBe(CKF_SO_PIN_LOCKED);
    module.C_Logout(session);
    expect(() => login(pkcs11js.CKU_USER, '13571357')).not.toThrow();
  });

  it('refuses an unknown serial or state, no change, and a token.object it cannot read', () => {
    expect(() => hsm.setPinState('0123456789abcdef', { user: 'locked' })).toThrow(
      /has serial "0123456789abcdef"/,
    );
    expect(() => hsm.setPinState(token.serial, {})).toThrow(RangeError);
    expect(() => hsm.setPinState(token.serial, { so: 'blocked' as PinRetryState })).toThrow(
      RangeError,
    );

    const path = tokenObjectPath(hsm, token.serial);
    const cutShort = Buffer.concat([readFileSync(path), Buffer.alloc(4)]);
    writeFileSync(path, cutShort);
    expect(() => hsm.setPinState(token.serial, { user: 'locked' })).toThrow(
      /is not a SoftHSM2 2\.6 token\.object: attribute type cut short/,
    );
    expect(readFileSync(path)).toEqual(cutShort);
  });
});

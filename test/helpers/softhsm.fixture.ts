import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Real SoftHSM2 tokens in a temp folder, for the PKCS#11 integration tests.
//
// How SoftHSM2 2.6 behaves, measured with pkcs11js in test/integration/softhsm-fixture.test.ts:
// - The module reads SOFTHSM2_CONF (through getenv, so process.env assignments reach it) at
//   each C_Initialize, and builds its slot list from the token folder then. An initialised
//   module keeps that list until C_Finalize: tokens added or deleted by softhsm2-util (or
//   any other process) are NOT seen by C_GetSlotList(true), C_GetSlotList(false) or
//   C_WaitForSlotEvent. Only C_Finalize + C_Initialize rescans.
// - A token deleted under a running module stays in its slot list, and its slot still
//   reports CKF_TOKEN_PRESENT. Open sessions stay valid (C_GetSessionInfo succeeds, never
//   CKR_SESSION_HANDLE_INVALID); session objects keep working; handles of token objects
//   fail with CKR_OBJECT_HANDLE_INVALID; C_GetTokenInfo, C_Login and creating token objects
//   fail with CKR_GENERAL_ERROR. SoftHSM2 never answers CKR_TOKEN_NOT_PRESENT or
//   CKR_DEVICE_REMOVED. After C_Finalize + C_Initialize the slot is gone:
//   CKR_SLOT_ID_INVALID. So without re-initialising, a removal shows only as C_GetTokenInfo
//   failing on a listed slot, and an insertion does not show at all.
// - C_WaitForSlotEvent(CKF_DONT_BLOCK) always answers CKR_NO_EVENT (pkcs11js returns null);
//   the blocking form answers CKR_FUNCTION_NOT_SUPPORTED.
// - The module is one per process: worker threads share it, so a second C_Initialize in a
//   worker answers CKR_CRYPTOKI_ALREADY_INITIALIZED while another thread has it initialised.
// - SoftHSM2 keeps no PIN retry counter. A wrong PIN answers CKR_PIN_INCORRECT and sets
//   CKF_USER_PIN_COUNT_LOW (CKF_SO_PIN_COUNT_LOW for the SO); the right PIN clears that flag
//   only. It never sets *_FINAL_TRY or *_LOCKED itself and never answers CKR_PIN_LOCKED: with
//   *_LOCKED set (setPinState), C_Login with the right PIN succeeds, for the user and the SO,
//   and the flag stays; with *_FINAL_TRY set a wrong PIN answers CKR_PIN_INCORRECT and locks
//   nothing. So a locked token shows only in C_GetTokenInfo's flags. C_InitPIN by the SO
//   clears all the user's retry flags; C_SetPIN clears none of them (SoftHSM2 writes back
//   the flags it read before the change), for the user or the SO. pkcs11-tool logs in too.
// - A running module re-reads a token.object whenever its generation number (the file's first
//   8 bytes) has changed, at the next call that reads the token's flags; setPinState bumps it,
//   so no C_Finalize + C_Initialize is needed. An edit that keeps the number is not seen until
//   C_Finalize + C_Initialize.
// Child processes (pkcs11-tool, softhsm2-util) start fresh, so they always see the folder
// as it is now.
//
// The PINs here are test values. Passing them in argv to softhsm2-util and pkcs11-tool, where
// any local user can read them, is acceptable in this fixture only; product code never does.

const MODULE_PATHS = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
];

/** The SoftHSM2 PKCS#11 module; throws at import if the softhsm2 package is missing. */
export const SOFTHSM_MODULE: string = findModule();

export const DEFAULT_USER_PIN = '1234';
export const DEFAULT_SO_PIN = '5678';
/** PKCS#11 token labels are at most 32 bytes of UTF-8. */
const LABEL_MAX_BYTES = 32;

const PIN_RETRY_STATES = ['clear', 'countLow', 'finalTry', 'locked'] as const;
/**
 * A PIN's retry state as a smartcard shows it after failed tries: 'countLow' (a wrong PIN was
 * entered), 'finalTry' (one more wrong PIN locks it), 'locked', or 'clear' (none of these).
 */
export type PinRetryState = (typeof PIN_RETRY_STATES)[number];

export interface SoftHsmToken {
  label: string;
  /** The 16 hex digits SoftHSM2 assigns; unique, and what deleteToken takes. */
  serial: string;
  /** The slot ID (the low 31 bits of the serial, so stable across C_Initialize calls). */
  slot: number;
  pin: string;
  soPin: string;
}

export interface SoftHsm {
  /** Path of the temp softhsm2.conf. */
  conf: string;
  /** process.env as it was at start, plus SOFTHSM2_CONF = conf: for child processes. */
  env: NodeJS.ProcessEnv;
  /** The tokens that exist now, in the order they were created. */
  readonly tokens: readonly SoftHsmToken[];
  /**
   * Initialises a new token in the free slot and returns it. A module initialised
   * in-process sees it only after C_Finalize + C_Initialize. Throws if the label is empty
   * or longer than 32 bytes, or if softhsm2-util fails (its stderr in the message).
   */
  addToken(label: string, options?: { pin?: string; soPin?: string }): SoftHsmToken;
  /**
   * Deletes the token with this serial, the closest SoftHSM2 comes to pulling a token out.
   * Throws if softhsm2-util fails (unknown serial, for one).
   */
  deleteToken(serial: string): void;
  /**
   * Rewrites the PIN retry flags stored in the token.object of the token with this serial, in
   * SoftHSM2's own format. For each role given, 'countLow', 'finalTry' or 'locked' sets
   * CKF_USER_PIN_COUNT_LOW, _FINAL_TRY or _LOCKED (CKF_SO_PIN_* for `so`) and clears the other
   * two; 'clear' clears all three. Other flags are kept. A running module sees the change at
   * its next call. SoftHSM2 only reports these flags: it still accepts the right PIN when
   * locked (see the header). Throws RangeError if neither role is given or a state is unknown;
   * Error if no token has this serial or a token.object is not in SoftHSM2 2.6's format (the
   * file is then left as it was).
   */
  setPinState(serial: string, states: { user?: PinRetryState; so?: PinRetryState }): void;
  /**
   * Runs pkcs11-tool on SOFTHSM_MODULE, on `token`'s slot if given, and returns stdout.
   * Throws with pkcs11-tool's stderr if it exits non-zero; PINs in `args` are redacted.
   */
  pkcs11Tool(args: readonly string[], token?: SoftHsmToken): string;
  /**
   * Removes the temp folder and restores process.env.SOFTHSM2_CONF. C_Finalize any
   * in-process module first. Safe to call twice.
   */
  cleanup(): void;
}

/**
 * Writes a softhsm2.conf whose token folder is a new temp folder, initialises `tokens`
 * tokens (default 1) labelled `${prefix}1` … `${prefix}N` (prefix default "kw-test-"), and
 * sets process.env.SOFTHSM2_CONF to it, so that a module initialised in-process afterwards,
 * in this thread or a worker, uses it. Throws if `tokens` is not a whole number ≥ 0 or if a
 * token cannot be created (the temp folder is removed and the variable restored first).
 */
export function startSoftHsm(options: { tokens?: number; prefix?: string } = {}): SoftHsm {
  const count = options.tokens ?? 1;
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`tokens must be a whole number ≥ 0, got ${count}`);
  }
  const prefix = options.prefix ?? 'kw-test-';

  const dir = mkdtempSync(join(tmpdir(), 'keywarden-softhsm-'));
  const tokenDir = join(dir, 'tokens');
  mkdirSync(tokenDir);
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(
    conf,
    `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\n`,
  );
  const env: NodeJS.ProcessEnv = { ...process.env, SOFTHSM2_CONF: conf };
  const previousConf = process.env.SOFTHSM2_CONF;
  const tokens: SoftHsmToken[] = [];
  let cleaned = false;

  const hsm: SoftHsm = {
    conf,
    env,
    tokens,
    addToken(label, { pin = DEFAULT_USER_PIN, soPin = DEFAULT_SO_PIN } = {}) {
      const labelBytes = Buffer.byteLength(label, 'utf8');
      if (labelBytes === 0 || labelBytes > LABEL_MAX_BYTES) {
        throw new RangeError(`token label must be 1 to 32 bytes, got ${labelBytes}: "${label}"`);
      }
      const initArgs = [
        '--init-token',
        '--free',
        '--label',
        label,
        '--pin',
        pin,
        '--so-pin',
        soPin,
      ];
      const output = run('softhsm2-util', initArgs, env);
      const slotText = /reassigned to slot (\d+)/.exec(output)?.[1];
      if (slotText === undefined) {
        throw new Error(`softhsm2-util --init-token did not name the new slot:\n${output}`);
      }
      const slot = Number(slotText);
      const shown = showSlots(env).find((entry) => entry.slot === slot);
      if (!shown || shown.label !== label) {
        throw new Error(`softhsm2-util --show-slots does not list "${label}" in slot ${slot}`);
      }
      const token: SoftHsmToken = { label, serial: shown.serial, slot, pin, soPin };
      tokens.push(token);
      return token;
    },
    deleteToken(serial) {
      try {
        run('softhsm2-util', ['--delete-token', '--serial', serial], env);
      } catch (error) {
        // softhsm2-util removes the token's files, then its folder. A module polling the
        // token meanwhile (the app's token watcher) can re-create a lock file between the
        // two, and the folder is left behind with the token already gone from it: remove
        // what is left, as an unplugged card leaves nothing behind.
        const left = tokenFolderOf(tokenDir, serial);
        if (!/Could not delete the directory/.test(String(error)) || left === undefined) {
          throw error;
        }
        rmSync(left, { recursive: true, force: true, maxRetries: 5 });
      }
      const index = tokens.findIndex((token) => token.serial === serial);
      if (index >= 0) tokens.splice(index, 1);
    },
    setPinState(serial, states) {
      const changes = (['user', 'so'] as const).flatMap((role) => {
        const state = states[role];
        return state === undefined ? [] : [{ role, state }];
      });
      if (changes.length === 0) throw new RangeError('setPinState needs a user or so state');
      for (const { role, state } of changes) {
        if (!PIN_RETRY_STATES.includes(state)) {
          throw new RangeError(`unknown ${role} PIN state "${state}"`);
        }
      }
      const { path, bytes, flagsAt } = findTokenObject(tokenDir, serial);
      let flags = bytes.readBigUInt64BE(flagsAt);
      for (const { role, state } of changes) {
        const bits = RETRY_FLAGS[role];
        flags &= ~(bits.countLow | bits.finalTry | bits.locked);
        if (state !== 'clear') flags |= bits[state];
      }
      bytes.writeBigUInt64BE(flags, flagsAt);
      // A running module re-reads the file only when this number changed; SoftHSM2 counts it
      // the same way, skipping 0.
      bytes.writeBigUInt64BE(BigInt.asUintN(64, bytes.readBigUInt64BE(0) + 1n) || 1n, 0);
      // Written whole and renamed over, so a module reading the token (the layer's worker
      // polls it from another thread) never sees a half-written file.
      writeFileSync(`${path}.new`, bytes);
      renameSync(`${path}.new`, path);
    },
    pkcs11Tool(args, token) {
      const slotArgs = token ? ['--slot', String(token.slot)] : [];
      return run('pkcs11-tool', ['--module', SOFTHSM_MODULE, ...slotArgs, ...args], env);
    },
    cleanup() {
      if (cleaned) return;
      cleaned = true;
      rmSync(dir, { recursive: true, force: true });
      // Only undo our own assignment: a later fixture that is still running keeps its own.
      if (process.env.SOFTHSM2_CONF !== conf) return;
      if (previousConf === undefined) delete process.env.SOFTHSM2_CONF;
      else process.env.SOFTHSM2_CONF = previousConf;
    },
  };

  process.env.SOFTHSM2_CONF = conf;
  try {
    for (let i = 1; i <= count; i++) hsm.addToken(`${prefix}${i}`);
  } catch (error) {
    hsm.cleanup();
    throw error;
  }
  return hsm;
}

interface ShownSlot {
  slot: number;
  serial: string;
  label: string;
}

/** The slots `softhsm2-util --show-slots` prints: "Slot N", then "Serial number:", "Label:". */
function showSlots(env: NodeJS.ProcessEnv): ShownSlot[] {
  const output = run('softhsm2-util', ['--show-slots'], env);
  return output.split(/^(?=Slot \d+$)/m).flatMap((block) => {
    const slot = /^Slot (\d+)$/m.exec(block)?.[1];
    if (slot === undefined) return [];
    // Labels are blank-padded to 32 bytes; serials to 16.
    const field = (name: string) =>
      new RegExp(`^\\s*${name}:[ \\t]*(.*)$`, 'm').exec(block)?.[1]?.trimEnd() ?? '';
    return [{ slot: Number(slot), serial: field('Serial number'), label: field('Label') }];
  });
}

// SoftHSM2's file object store (ObjectFile.cpp, File.cpp, OSAttributes.h in SoftHSMv2):
// token.object holds a generation number, then one record per attribute: its type, the kind
// of its value, the value. Numbers are 8 bytes big-endian; a byte string is its length, then
// its bytes. The file also holds the token key wrapped under each PIN: test tokens' keys,
// which setPinState copies back unchanged and never logs.
/**
 * SoftHSM2's own attributes, CKA_VENDOR_DEFINED + 0x5348 ('SH') + 1 … 5 (CKA_OS_TOKENLABEL …
 * CKA_OS_USERPIN): all that a token.object holds.
 */
const CKA_OS = {
  tokenLabel: 0x8000_5349n,
  tokenSerial: 0x8000_534an,
  tokenFlags: 0x8000_534bn,
  soPin: 0x8000_534cn,
  userPin: 0x8000_534dn,
} as const;
const TOKEN_ATTRIBUTES = new Set<bigint>(Object.values(CKA_OS));
const VALUE_NUMBER = 2n;
const VALUE_BYTES = 3n;

/** The PKCS#11 token flags that carry each role's PIN retry state. */
const RETRY_FLAGS = {
  user: { countLow: 0x1_0000n, finalTry: 0x2_0000n, locked: 0x4_0000n },
  so: { countLow: 0x10_0000n, finalTry: 0x20_0000n, locked: 0x40_0000n },
} as const;

interface TokenObject {
  path: string;
  bytes: Buffer;
  /** Where the 8-byte value of the token flags starts. */
  flagsAt: number;
}

/** The token.object of the token with `serial`; throws if none, or if any is malformed. */
function findTokenObject(tokenDir: string, serial: string): TokenObject {
  for (const entry of readdirSync(tokenDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const path = join(tokenDir, entry.name, 'token.object');
    const bytes = readFileSync(path);
    const layout = readTokenObject(bytes, path);
    if (layout.serial.trimEnd() === serial) return { path, bytes, flagsAt: layout.flagsAt };
  }
  throw new Error(`no SoftHSM2 token in ${tokenDir} has serial "${serial}"`);
}

/**
 * Walks a token.object's records; throws unless it holds only the token attributes, each
 * once, the serial as a byte string and the flags as a number.
 */
function readTokenObject(bytes: Buffer, path: string): { serial: string; flagsAt: number } {
  const malformed = (why: string) =>
    new Error(`${path} is not a SoftHSM2 2.6 token.object: ${why}`);
  const values = new Map<bigint, { kind: bigint; at: number; length: number }>();
  let at = 0;
  const readNumber = (what: string) => {
    if (at + 8 > bytes.length) throw malformed(`${what} cut short at byte ${at}`);
    at += 8;
    return bytes.readBigUInt64BE(at - 8);
  };
  readNumber('generation number');
  while (at < bytes.length) {
    const type = readNumber('attribute type');
    const name = `attribute 0x${type.toString(16)}`;
    if (!TOKEN_ATTRIBUTES.has(type)) throw malformed(`unexpected ${name}`);
    if (values.has(type)) throw malformed(`${name} appears twice`);
    const kind = readNumber(`value kind of ${name}`);
    if (kind !== VALUE_NUMBER && kind !== VALUE_BYTES) {
      throw malformed(`${name} has value kind ${kind}, neither a number nor a byte string`);
    }
    const length = kind === VALUE_NUMBER ? 8n : readNumber(`length of ${name}`);
    if (length > BigInt(bytes.length - at)) throw malformed(`${name} is cut short`);
    values.set(type, { kind, at, length: Number(length) });
    at += Number(length);
  }
  const serial = values.get(CKA_OS.tokenSerial);
  const flags = values.get(CKA_OS.tokenFlags);
  if (serial?.kind !== VALUE_BYTES) throw malformed('no serial number byte string');
  if (flags?.kind !== VALUE_NUMBER) throw malformed('no token flags number');
  return {
    serial: bytes.toString('latin1', serial.at, serial.at + serial.length),
    flagsAt: flags.at,
  };
}

/** The folder SoftHSM2 keeps token `serial` in: its name ends with the serial's hex digits. */
function tokenFolderOf(tokenDir: string, serial: string): string | undefined {
  const name = readdirSync(tokenDir).find((entry) => entry.replaceAll('-', '').endsWith(serial));
  return name === undefined ? undefined : join(tokenDir, name);
}

const PIN_OPTIONS = new Set(['--pin', '-p', '--so-pin', '--new-pin', '--puk']);

/** Runs `command` without a shell and returns stdout; throws with stderr, PINs redacted. */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): string {
  try {
    return execFileSync(command, args, {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { status?: number | null; stderr?: string };
    const shown = args.map((arg, i) => (i > 0 && PIN_OPTIONS.has(args[i - 1]!) ? '***' : arg));
    const message =
      failure.code === 'ENOENT'
        ? `${command} is not installed: apt-get install ${command === 'pkcs11-tool' ? 'opensc' : 'softhsm2'}`
        : `${command} ${shown.join(' ')} failed (exit ${failure.status ?? '?'}):\n${failure.stderr ?? ''}`;
    // No `cause`: execFileSync's error carries the whole argv, PINs included, in its
    // message and spawnargs, and test reporters print causes.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(message);
  }
}

function findModule(): string {
  const found = MODULE_PATHS.find((path) => existsSync(path));
  if (found === undefined) {
    throw new Error(
      `No SoftHSM2 PKCS#11 module at ${MODULE_PATHS.join(' or ')}: apt-get install softhsm2 opensc`,
    );
  }
  return found;
}

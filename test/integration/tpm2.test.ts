import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../electron/shared/errors.ts';
import { openTpm2, tpm2AddonAvailable } from '../../native/tpm2/tpm2.ts';
import type { Tpm2, TpmSealed } from '../../native/tpm2/tpm2.ts';
import { startSwtpm } from '../helpers/swtpm.fixture.ts';
import type { SwtpmSession } from '../helpers/swtpm.fixture.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

// The TPM 2.0 seal/unseal addon (native/tpm2) against real swtpm instances
// (test/helpers/swtpm.fixture.ts). Tests that change a TPM's state (PCRs, lockout, clear,
// stopping it) get a TPM of their own; the rest share one.

const started: SwtpmSession[] = [];

async function freshTpm(): Promise<SwtpmSession> {
  const session = await startSwtpm();
  started.push(session);
  return session;
}

let shared: SwtpmSession;
let tpm: Tpm2;

beforeAll(async () => {
  shared = await freshTpm();
  tpm = openTpm2(shared.tcti);
});
afterAll(async () => {
  for (const session of started) await session.stop();
});

// CI installs libtss2-dev, so a missing addon is a broken build, not a reason to skip: this
// test says so plainly, and every test below that needs the TPM fails with TPM_UNAVAILABLE.
it('has the TPM 2.0 addon built', () => {
  expect(
    tpm2AddonAvailable(),
    'The TPM 2.0 addon (native/tpm2/addon/build/Release/keywarden_tpm2.node) is not built: install libtss2-dev, g++, make and python3, then run `npm run postinstall`.',
  ).toBe(true);
});

const secret = () => randomBytes(32);
const pin = () => randomBytes(32);
/** What the vault does with a TpmSealed: stores it as JSON and reads it back. */
const stored = (sealed: TpmSealed): TpmSealed => JSON.parse(JSON.stringify(sealed)) as TpmSealed;

describe('seal and unseal', () => {
  it.each([
    ['no PCRs, no authValue', [], false],
    ['PCR 7', [7], false],
    ['PCRs 0 and 7 (given unsorted)', [7, 0], false],
    ['an authValue', [], true],
    ['PCR 7 and an authValue', [7], true],
  ] as const)('round-trips a secret with %s', async (_name, pcrs, withAuth) => {
    const value = secret();
    const authValue = withAuth ? pin() : undefined;
    const sealed = await tpm.seal(value, { pcrs: [...pcrs], authValue });
    expect(sealed).toMatchObject({
      pcrBank: 'sha256',
      pcrs: [...pcrs].sort((a, b) => a - b),
      auth: withAuth,
    });
    const unsealed = await tpm.unseal(stored(sealed), authValue);
    expect(unsealed.equals(value)).toBe(true);
  });

  it('seals 1- and 64-byte secrets', async () => {
    for (const value of [randomBytes(1), randomBytes(64)]) {
      const unsealed = await tpm.unseal(await tpm.seal(value, { pcrs: [] }));
      expect(unsealed.equals(value)).toBe(true);
    }
  });

  it('keeps the secret and the authValue out of the stored object', async () => {
    const value = secret();
    const authValue = pin();
    const sealed = await tpm.seal(value, { pcrs: [7], authValue });
    const json = JSON.stringify(sealed);
    const blobs = [Buffer.from(sealed.public, 'base64'), Buffer.from(sealed.private, 'base64')];
    for (const bytes of [value, authValue]) {
      for (const blob of blobs) expect(blob.includes(bytes)).toBe(false);
      for (const encoding of ['hex', 'base64', 'base64url'] as const) {
        expect(json.includes(bytes.toString(encoding))).toBe(false);
      }
      // Even a third of it (10 bytes at any offset) must not appear.
      for (let at = 0; at + 10 <= bytes.length; at++) {
        for (const blob of blobs) expect(blob.includes(bytes.subarray(at, at + 10))).toBe(false);
      }
    }
  });

  it('never sends the secret or the authValue to the TPM in clear', async () => {
    // tpm2-tss's pcap TCTI records every command and response in front of the real TCTI.
    const dir = mkdtempSync(join(tmpdir(), 'keywarden-tpm-pcap-'));
    const capture = join(dir, 'bus.pcap');
    process.env.TCTI_PCAP_FILE = capture;
    try {
      const recorded = openTpm2(`pcap:${shared.tcti}`);
      const value = secret();
      const authValue = pin();
      const unsealed = await recorded.unseal(
        await recorded.seal(value, { pcrs: [7], authValue }),
        authValue,
      );
      expect(unsealed.equals(value)).toBe(true);
      const traffic = readFileSync(capture);
      expect(traffic.length).toBeGreaterThan(1_000);
      expect(traffic.includes(value)).toBe(false);
      expect(traffic.includes(authValue)).toBe(false);
    } finally {
      delete process.env.TCTI_PCAP_FILE;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('policy failures', () => {
  it('refuses a PCR-bound object after its PCR is extended, while others still unseal', async () => {
    const session = await freshTpm();
    const device = openTpm2(session.tcti);
    const value = secret();
    const boundTo7 = await device.seal(value, { pcrs: [7] });
    const boundTo0 = await device.seal(value, { pcrs: [0] });
    const unbound = await device.seal(value, { pcrs: [] });
    const before = await session.readPcr(7);
    await session.extendPcr(7);
    expect(await session.readPcr(7)).not.toBe(before);

    await expect(device.unseal(boundTo7)).rejects.toMatchObject({
      code: ErrorCode.TPM_PCR_MISMATCH,
      message: expect.stringContaining('PCR 7 no longer holds'),
    });
    expect((await device.unseal(boundTo0)).equals(value)).toBe(true);
    expect((await device.unseal(unbound)).equals(value)).toBe(true);

    // A reboot resets the PCRs to the values they had at sealing: the object is good again.
    await session.restart();
    expect((await device.unseal(boundTo7)).equals(value)).toBe(true);
    expect(await session.handles('handles-transient')).toEqual([]);
  });

  it('answers TPM_AUTH_FAILED to a wrong authValue, and still unseals with the right one', async () => {
    const session = await freshTpm();
    const device = openTpm2(session.tcti);
    const value = secret();
    const authValue = pin();
    const sealed = await device.seal(value, { pcrs: [7], authValue });
    await expect(device.unseal(sealed, pin())).rejects.toMatchObject({
      code: ErrorCode.TPM_AUTH_FAILED,
    });
    expect((await device.unseal(sealed, authValue)).equals(value)).toBe(true);
    expect(await session.handles('handles-transient')).toEqual([]);
    expect(await session.handles('handles-loaded-session')).toEqual([]);
  });

  it('ends repeated wrong authValues in TPM_LOCKOUT, which the right one cannot lift', async () => {
    const session = await freshTpm();
    await session.setLockout({ maxTries: 2, recoveryTime: 3600, lockoutRecovery: 3600 });
    const device = openTpm2(session.tcti);
    const value = secret();
    const authValue = pin();
    const sealed = await device.seal(value, { pcrs: [], authValue });
    const noPin = await device.seal(value, { pcrs: [] });

    const codes: string[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const error = (await device.unseal(sealed, pin()).catch((e: unknown) => e)) as {
        code?: string;
      };
      codes.push(error.code ?? 'none');
    }
    expect(codes).toEqual([
      ErrorCode.TPM_AUTH_FAILED,
      ErrorCode.TPM_AUTH_FAILED,
      ErrorCode.TPM_LOCKOUT,
      ErrorCode.TPM_LOCKOUT,
    ]);
    await expect(device.unseal(sealed, authValue)).rejects.toMatchObject({
      code: ErrorCode.TPM_LOCKOUT,
      message: expect.stringContaining('recovery time'),
    });
    // An object without an authValue is noDA: the lockout does not touch it.
    expect((await device.unseal(noPin)).equals(value)).toBe(true);

    await session.clearLockout();
    expect((await device.unseal(sealed, authValue)).equals(value)).toBe(true);
  });
});

describe('objects that do not load', () => {
  it('answers TPM_SEALED_OBJECT_INVALID after the TPM is cleared, and seals anew', async () => {
    const session = await freshTpm();
    const device = openTpm2(session.tcti);
    const value = secret();
    const sealed = await device.seal(value, { pcrs: [] });
    await session.clear();
    await expect(device.unseal(sealed)).rejects.toMatchObject({
      code: ErrorCode.TPM_SEALED_OBJECT_INVALID,
    });
    const resealed = await device.seal(value, { pcrs: [] });
    expect((await device.unseal(resealed)).equals(value)).toBe(true);
  });

  it('answers TPM_SEALED_OBJECT_INVALID for an object sealed by another TPM', async () => {
    const other = openTpm2((await freshTpm()).tcti);
    const sealed = await other.seal(secret(), { pcrs: [7] });
    await expect(tpm.unseal(sealed)).rejects.toMatchObject({
      code: ErrorCode.TPM_SEALED_OBJECT_INVALID,
    });
  });

  it('answers TPM_SEALED_OBJECT_INVALID for altered blobs and altered policy flags', async () => {
    const authValue = pin();
    const sealed = await tpm.seal(secret(), { pcrs: [7], authValue });
    const privateBytes = Buffer.from(sealed.private, 'base64');
    privateBytes[privateBytes.length - 1]! ^= 0x01;
    const garbage = Buffer.concat([Buffer.from([0, 40]), randomBytes(40)]).toString('base64');
    const altered: Array<[TpmSealed, Uint8Array | undefined]> = [
      [{ ...sealed, private: privateBytes.toString('base64') }, authValue],
      [{ ...sealed, public: garbage }, authValue],
      // A slot edited to skip the PIN or the PCRs is refused before it reaches the TPM.
      [{ ...sealed, auth: false }, undefined],
      [{ ...sealed, pcrs: [] }, authValue],
    ];
    for (const [object, auth] of altered) {
      await expect(tpm.unseal(object, auth)).rejects.toMatchObject({
        code: ErrorCode.TPM_SEALED_OBJECT_INVALID,
      });
    }
    expect(await shared.handles('handles-transient')).toEqual([]);
  });
});

describe('an unreachable TPM', () => {
  it('answers TPM_UNAVAILABLE when swtpm has stopped, on a wrong port, and for a missing device', async () => {
    const session = await freshTpm();
    const device = openTpm2(session.tcti);
    const sealed = await device.seal(secret(), { pcrs: [] });
    await session.stop();
    // Port 1 is privileged and nothing listens there: a connection is refused.
    for (const tcti of [session.tcti, 'swtpm:host=127.0.0.1,port=1', 'device:/nonexistent']) {
      const unreachable = openTpm2(tcti);
      await expect(unreachable.unseal(sealed)).rejects.toMatchObject({
        code: ErrorCode.TPM_UNAVAILABLE,
        message: expect.stringContaining(tcti),
      });
      await expect(unreachable.seal(secret(), { pcrs: [7] })).rejects.toMatchObject({
        code: ErrorCode.TPM_UNAVAILABLE,
      });
    }
  });
});

describe('a build without the addon', () => {
  it('answers TPM_UNAVAILABLE saying what to install, twice, without crashing at import', () => {
    // The wrapper and what it imports, copied where no addon was built beside them.
    const root = mkdtempSync(join(tmpdir(), 'keywarden-no-addon-'));
    try {
      for (const file of [
        'native/tpm2/tpm2.ts',
        'native/tpm2/tpm2-errors.ts',
        'electron/shared/errors.ts',
      ]) {
        mkdirSync(dirname(join(root, file)), { recursive: true });
        copyFileSync(join(REPO, file), join(root, file));
      }
      const script = `
        import { openTpm2, tpm2AddonAvailable } from ${JSON.stringify(join(root, 'native/tpm2/tpm2.ts'))};
        const tpm = openTpm2('device:/dev/tpmrm0');
        const codes = [];
        for (const call of [() => tpm.seal(new Uint8Array(32), { pcrs: [] }), () => tpm.seal(new Uint8Array(32), { pcrs: [] })]) {
          await call().then(() => codes.push('OK'), (e) => codes.push(e.code + ': ' + e.message));
        }
        console.log(JSON.stringify({ available: tpm2AddonAvailable(), codes }));
      `;
      const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
      });
      expect(result.status).toBe(0);
      const out = JSON.parse(result.stdout) as { available: boolean; codes: string[] };
      expect(out.available).toBe(false);
      expect(out.codes).toHaveLength(2);
      for (const line of out.codes) {
        expect(line).toMatch(/^TPM_UNAVAILABLE: The TPM 2\.0 support of this build is missing/);
        expect(line).toContain('libtss2-dev');
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('bad requests', () => {
  // A TPM that does not exist: anything that reached the addon would be TPM_UNAVAILABLE.
  const nowhere = openTpm2('device:/nonexistent');
  const valid: TpmSealed = {
    public: Buffer.from([0, 2, 1, 2]).toString('base64'),
    private: Buffer.from([0, 1, 9]).toString('base64'),
    pcrBank: 'sha256',
    pcrs: [7],
    auth: false,
  };

  it.each([
    ['an empty secret', Buffer.alloc(0), [7]],
    ['a 65-byte secret', randomBytes(65), [7]],
    ['PCR 24', secret(), [24]],
    ['PCR -1', secret(), [-1]],
    ['PCR 1.5', secret(), [1.5]],
    ['a duplicated PCR', secret(), [7, 0, 7]],
  ])('refuses to seal %s', async (_name, value, pcrs) => {
    await expect(nowhere.seal(value, { pcrs })).rejects.toMatchObject({
      code: ErrorCode.BAD_REQUEST,
    });
  });

  it.each([
    ['an empty authValue', Buffer.alloc(0)],
    ['a 33-byte authValue', randomBytes(33)],
  ])('refuses to seal with %s', async (_name, authValue) => {
    await expect(nowhere.seal(secret(), { pcrs: [], authValue })).rejects.toMatchObject({
      code: ErrorCode.BAD_REQUEST,
    });
  });

  it.each([
    ['garbage base64', { ...valid, public: 'not base64!' }, undefined],
    ['an empty blob', { ...valid, private: '' }, undefined],
    ['a blob whose TPM2B size is wrong', { ...valid, public: 'AAUBAg==' }, undefined],
    ['another PCR bank', { ...valid, pcrBank: 'sha1' as 'sha256' }, undefined],
    ['PCRs out of order', { ...valid, pcrs: [7, 0] }, undefined],
    ['PCR 24', { ...valid, pcrs: [24] }, undefined],
    ['no authValue for a PIN object', { ...valid, auth: true }, undefined],
    ['an authValue for a PIN-less object', valid, pin()],
  ])('refuses to unseal %s', async (_name, sealed, authValue) => {
    await expect(nowhere.unseal(sealed, authValue)).rejects.toMatchObject({
      code: ErrorCode.BAD_REQUEST,
    });
  });
});

describe('resources', () => {
  it('runs two unseals at once, and leaves nothing loaded after 50 calls', async () => {
    const value = secret();
    const authValue = pin();
    const [a, b] = await Promise.all([
      tpm.seal(value, { pcrs: [7] }),
      tpm.seal(value, { pcrs: [0, 7], authValue }),
    ]);
    const [first, second] = await Promise.all([tpm.unseal(a), tpm.unseal(b, authValue)]);
    expect(first.equals(value) && second.equals(value)).toBe(true);

    const calls: Array<Promise<Buffer>> = [];
    for (let round = 0; round < 25; round++) {
      const options = round % 2 ? { pcrs: [7], authValue } : { pcrs: [] };
      calls.push(tpm.seal(value, options).then((sealed) => tpm.unseal(sealed, options.authValue)));
    }
    for (const unsealed of await Promise.all(calls)) expect(unsealed.equals(value)).toBe(true);
    expect(await shared.handles('handles-transient')).toEqual([]);
    expect(await shared.handles('handles-loaded-session')).toEqual([]);
  });

  it('keeps the event loop turning while the TPM works', async () => {
    const sealed = await tpm.seal(secret(), { pcrs: [] });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await Promise.all(Array.from({ length: 10 }, () => tpm.unseal(sealed)));
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThanOrEqual(5);
  });
});

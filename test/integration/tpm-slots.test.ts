import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVaultFile } from '../../electron/core/vault/vault.ts';
import type { UnlockFactor, VaultDeps } from '../../electron/core/vault/vault.ts';
import type { FactorEnrolment } from '../../electron/core/vault/factor-types.ts';
import type { PolicySlotParams } from '../../electron/core/vault/policy-slots.ts';
import { mix } from '../../electron/core/vault/factor-local.ts';
import { realDeps } from '../../electron/services/runtime.ts';
import { KeywardenServices } from '../../electron/services/services.ts';
import { ErrorCode } from '../../electron/shared/errors.ts';
import { startSwtpm } from '../helpers/swtpm.fixture.ts';
import type { SwtpmSession } from '../helpers/swtpm.fixture.ts';
import {
  codeOf,
  FAST_KDF,
  makeVault,
  passphraseBytes,
  tempDir,
  unlockVault,
  unlockWith as unlockVaultWith,
} from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// TPM 2.0 unlock slots on real vault files, against real swtpm instances: a TPM alone, bound
// to PCR 7, with a PIN, combined with a passphrase; and the TPM failing under them (PCRs
// changed, dictionary-attack lockout, cleared, unreachable), each surfaced with its own code
// while the vault's passphrase slot keeps opening it. The seal/unseal addon itself is
// test/integration/tpm2.test.ts. Tests that change a TPM's state get a TPM of their own.

const PIN = 'tpm pin 4729 of the laptop';
const WRONG_PIN = 'tpm pin 0000 not the one';
const SECOND_PASSPHRASE = 'second factor passphrase';

const started: SwtpmSession[] = [];
let shared: SwtpmSession;
let dir: TempDir;
let vaultCount = 0;

async function freshTpm(): Promise<SwtpmSession> {
  const session = await startSwtpm();
  started.push(session);
  return session;
}

beforeAll(async () => {
  dir = tempDir('keywarden-tpm-slots-');
  shared = await freshTpm();
});
afterAll(async () => {
  for (const session of started) await session.stop();
  dir?.cleanup();
});

const tpmDeps = (session: SwtpmSession): VaultDeps => realDeps({ tpmTcti: session.tcti });

const tpm = (pin?: string): UnlockFactor =>
  pin === undefined ? { kind: 'tpm2' } : { kind: 'tpm2', pin: Buffer.from(pin, 'utf8') };
const phrase = (text: string): UnlockFactor => ({
  kind: 'passphrase',
  passphrase: passphraseBytes(text),
});
const tpmEnrolment = (pcrs: number[], pin?: string): FactorEnrolment =>
  pin === undefined
    ? { kind: 'tpm2', pcrs }
    : { kind: 'tpm2', pcrs, pin: Buffer.from(pin, 'utf8'), kdf: FAST_KDF };

const unlockWith = (
  deps: VaultDeps,
  path: string,
  factors: UnlockFactor | UnlockFactor[],
  options: { slotId?: number } = {},
) => unlockVaultWith(path, factors, deps, options);
const unlockCode = (
  deps: VaultDeps,
  path: string,
  factors: UnlockFactor | UnlockFactor[],
  options: { slotId?: number } = {},
) => codeOf(unlockWith(deps, path, factors, options));

/** A new vault (TEST_PASSPHRASE, slot #1) reached through `deps`. */
async function newVault(deps: VaultDeps): Promise<string> {
  vaultCount += 1;
  const path = dir.file(`tpm-${vaultCount}.kw`);
  await makeVault(path, deps);
  return path;
}

/** Adds a slot of `factors` with the vault's passphrase; returns its id and summary. */
async function addSlot(deps: VaultDeps, path: string, factors: FactorEnrolment[]) {
  const vault = await unlockVault(path, undefined, deps);
  try {
    return await vault.addSlot('tester', { factors });
  } finally {
    vault.lock('tester');
  }
}

/** The audit log as "action:outcome[:error]", read while locked. */
function auditTrail(deps: VaultDeps, path: string): string[] {
  const file = openVaultFile(deps, path, 'read-only');
  try {
    return file
      .listAudit()
      .map((e) => `${e.action}:${e.outcome}${e.detail.error ? `:${String(e.detail.error)}` : ''}`);
  } finally {
    file.close();
  }
}

/** The latest audit entry of `action`, read while locked. */
function lastAudit(deps: VaultDeps, path: string, action: string) {
  const file = openVaultFile(deps, path, 'read-only');
  try {
    return file
      .listAudit()
      .filter((e) => e.action === action)
      .at(-1);
  } finally {
    file.close();
  }
}

/** The TPM's dictionary-attack counter (failed authorisations not yet forgotten). */
function lockoutCounter(session: SwtpmSession): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('tpm2_getcap', ['properties-variable'], { env: session.env }, (error, stdout) => {
      const match = /TPM2_PT_LOCKOUT_COUNTER:\s*0x([0-9a-fA-F]+)/.exec(stdout);
      if (error || !match?.[1]) reject(error ?? new Error(`no lockout counter in: ${stdout}`));
      else resolve(parseInt(match[1], 16));
    });
  });
}

describe('a TPM slot', () => {
  it('with no PIN and no PCRs opens the vault on its own; the header lists its factor as TPM', async () => {
    const deps = tpmDeps(shared);
    const path = await newVault(deps);
    const added = await addSlot(deps, path, [tpmEnrolment([])]);
    expect(added).toMatchObject({ slotId: 2, kind: 'tpm2', factors: ['TPM'] });

    const vault = await unlockWith(deps, path, tpm());
    expect(vault.header().slots.map((s) => [s.slotId, s.kind, s.factors])).toEqual([
      [1, 'passphrase', undefined],
      [2, 'tpm2', ['TPM']],
    ]);
    vault.lock('tester');
    expect(lastAudit(deps, path, 'vault.unlock')).toMatchObject({
      outcome: 'success',
      detail: { factor: 'tpm2', slot: 2 },
    });
  });

  it('bound to PCR 7: TPM_PCR_MISMATCH once PCR 7 changes (the passphrase still opens), and opens again after a reboot', async () => {
    const session = await freshTpm();
    const deps = tpmDeps(session);
    const path = await newVault(deps);
    const added = await addSlot(deps, path, [tpmEnrolment([7])]);
    expect(added.factors).toEqual(['TPM, PCR 7']);
    expect(await unlockCode(deps, path, tpm())).toBe('OK');

    await session.extendPcr(7);
    expect(await unlockCode(deps, path, tpm())).toBe(ErrorCode.TPM_PCR_MISMATCH);
    expect(await unlockCode(deps, path, phrase('correct horse battery staple'))).toBe('OK');
    expect(auditTrail(deps, path)).toContain('vault.unlock:failure:TPM_PCR_MISMATCH');

    // A reboot resets the PCRs to the values they had at enrolment.
    await session.restart();
    expect(await unlockCode(deps, path, tpm())).toBe('OK');
  });

  it('with a PIN: none offered is PIN_REQUIRED (no TPM try spent), a wrong one TPM_AUTH_FAILED, the right one opens', async () => {
    const session = await freshTpm();
    const deps = tpmDeps(session);
    const path = await newVault(deps);
    const added = await addSlot(deps, path, [tpmEnrolment([], PIN)]);
    expect(added.factors).toEqual(['TPM, PIN']);

    expect(await unlockCode(deps, path, tpm())).toBe(ErrorCode.PIN_REQUIRED);
    expect(await lockoutCounter(session)).toBe(0);
    expect(await unlockCode(deps, path, tpm(WRONG_PIN))).toBe(ErrorCode.TPM_AUTH_FAILED);
    expect(await lockoutCounter(session)).toBe(1);
    expect(await unlockCode(deps, path, tpm(PIN))).toBe('OK');
  });
});

describe('the TPM dictionary-attack lockout', () => {
  it('is surfaced as TPM_LOCKOUT, even for the right PIN; the passphrase still opens; a cleared lockout lets the PIN in', async () => {
    const session = await freshTpm();
    await session.setLockout({ maxTries: 2, recoveryTime: 3600, lockoutRecovery: 3600 });
    const deps = tpmDeps(session);
    const path = await newVault(deps);
    await addSlot(deps, path, [tpmEnrolment([], PIN)]);

    const codes: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++)
      codes.push(await unlockCode(deps, path, tpm(WRONG_PIN)));
    expect(codes).toEqual([
      ErrorCode.TPM_AUTH_FAILED,
      ErrorCode.TPM_AUTH_FAILED,
      ErrorCode.TPM_LOCKOUT,
    ]);
    expect(await unlockCode(deps, path, tpm(PIN))).toBe(ErrorCode.TPM_LOCKOUT);
    expect(await unlockCode(deps, path, phrase('correct horse battery staple'))).toBe('OK');
    expect(auditTrail(deps, path)).toContain('vault.unlock:failure:TPM_LOCKOUT');

    await session.clearLockout();
    expect(await unlockCode(deps, path, tpm(PIN))).toBe('OK');
  });

  it('a wrong PIN costs one try per TPM PIN slot, and --unlock-slot N limits it to one', async () => {
    const session = await freshTpm();
    // No failure is forgotten during the test, so the counter shows every try.
    await session.setLockout({ maxTries: 10, recoveryTime: 3600, lockoutRecovery: 3600 });
    const deps = tpmDeps(session);
    const path = await newVault(deps);
    await addSlot(deps, path, [tpmEnrolment([], PIN)]);
    await addSlot(deps, path, [tpmEnrolment([7], PIN)]);
    const vault = await unlockVault(path, undefined, deps);
    expect(vault.header().slots.map((s) => s.factors)).toEqual([
      undefined,
      ['TPM, PIN'],
      ['TPM, PCR 7, PIN'],
    ]);
    vault.lock('tester');

    expect(await lockoutCounter(session)).toBe(0);
    // A TPM PIN belongs to one sealed object, so it is offered to each: two objects, two tries.
    expect(await unlockCode(deps, path, tpm(WRONG_PIN))).toBe(ErrorCode.TPM_AUTH_FAILED);
    expect(await lockoutCounter(session)).toBe(2);
    expect(await unlockCode(deps, path, tpm(WRONG_PIN), { slotId: 3 })).toBe(
      ErrorCode.TPM_AUTH_FAILED,
    );
    expect(await lockoutCounter(session)).toBe(3);
    expect(await unlockCode(deps, path, tpm(PIN))).toBe('OK');
    expect(await lockoutCounter(session)).toBe(3);
  });

  it('two people’s TPM PIN slots: each PIN opens its own slot; naming the slot spares the other a try', async () => {
    const session = await freshTpm();
    await session.setLockout({ maxTries: 10, recoveryTime: 3600, lockoutRecovery: 3600 });
    const deps = tpmDeps(session);
    const path = await newVault(deps);
    await addSlot(deps, path, [tpmEnrolment([], PIN)]);
    const second = await addSlot(deps, path, [tpmEnrolment([], 'second tpm pin 1138')]);
    expect(await unlockCode(deps, path, tpm(PIN))).toBe('OK');
    expect(await lockoutCounter(session)).toBe(0);
    // Slot #2 is tried first and refuses the second PIN (one try), then slot #3 opens.
    expect(await unlockCode(deps, path, tpm('second tpm pin 1138'))).toBe('OK');
    expect(await lockoutCounter(session)).toBe(1);
    // --unlock-slot 3: only that slot is tried, and nothing is spent on slot #2.
    expect(
      await unlockCode(deps, path, tpm('second tpm pin 1138'), { slotId: second.slotId }),
    ).toBe('OK');
    expect(await lockoutCounter(session)).toBe(1);
    expect(await unlockCode(deps, path, tpm(PIN), { slotId: 9 })).toBe(ErrorCode.SLOT_NOT_FOUND);
  });

  it('a quorum of two people’s TPM PINs and a passphrase: any two open it', async () => {
    const session = await freshTpm();
    await session.setLockout({ maxTries: 10, recoveryTime: 3600, lockoutRecovery: 3600 });
    const deps = tpmDeps(session);
    const path = await newVault(deps);
    const vault = await unlockVault(path, undefined, deps);
    await vault.addSlot('tester', {
      factors: [
        tpmEnrolment([], PIN),
        tpmEnrolment([], 'bob tpm pin 5521'),
        { kind: 'passphrase', passphrase: passphraseBytes(SECOND_PASSPHRASE), kdf: FAST_KDF },
      ],
      threshold: 2,
    });
    await vault.removeSlot('tester', 1);
    vault.lock('tester');
    // The passphrase costs no try and goes first; Bob's PIN then meets Alice's object once.
    expect(await unlockCode(deps, path, [tpm('bob tpm pin 5521'), phrase(SECOND_PASSPHRASE)])).toBe(
      'OK',
    );
    expect(await lockoutCounter(session)).toBe(1);
    expect(await unlockCode(deps, path, [tpm(PIN), phrase(SECOND_PASSPHRASE)])).toBe('OK');
    expect(await lockoutCounter(session)).toBe(1);
    expect(await unlockCode(deps, path, [tpm(PIN), tpm('bob tpm pin 5521')])).toBe('OK');
    expect(await unlockCode(deps, path, [tpm(PIN)])).toBe(ErrorCode.QUORUM_NOT_MET);
  });
});

describe('a slot of a passphrase AND the TPM', () => {
  it('needs both: either alone is FACTOR_MISSING naming the other, a wrong passphrase FACTOR_INCORRECT', async () => {
    const deps = tpmDeps(shared);
    const path = await newVault(deps);
    const vault = await unlockVault(path, undefined, deps);
    const added = await vault.addSlot('tester', {
      factors: [
        { kind: 'passphrase', passphrase: passphraseBytes(SECOND_PASSPHRASE), kdf: FAST_KDF },
        tpmEnrolment([]),
      ],
    });
    expect(added).toMatchObject({ slotId: 2, kind: 'combined', factors: ['passphrase', 'TPM'] });
    // The vault's own passphrase slot goes: only the combined slot is left to open it.
    await vault.removeSlot('tester', 1);
    vault.lock('tester');

    for (const [alone, missingOption] of [
      [phrase(SECOND_PASSPHRASE), '--tpm'],
      [tpm(), '--passphrase-file F'],
    ] as const) {
      const error = await unlockWith(deps, path, alone).then(
        (opened) => {
          opened.lock('tester');
          return null;
        },
        (e: unknown) => e as { code: string; message: string },
      );
      expect(error?.code).toBe(ErrorCode.FACTOR_MISSING);
      expect(error?.message).toContain(`also give ${missingOption}`);
    }
    expect(await unlockCode(deps, path, [phrase(SECOND_PASSPHRASE), tpm()])).toBe('OK');
    expect(await unlockCode(deps, path, [tpm(), phrase(SECOND_PASSPHRASE)])).toBe('OK');
    expect(await unlockCode(deps, path, [phrase('not the second passphrase'), tpm()])).toBe(
      ErrorCode.FACTOR_INCORRECT,
    );
  });
});

describe('a TPM that no longer opens its slot', () => {
  it('cleared: TPM_SEALED_OBJECT_INVALID; the passphrase opens, and a new TPM slot can be enrolled', async () => {
    const session = await freshTpm();
    const deps = tpmDeps(session);
    const path = await newVault(deps);
    await addSlot(deps, path, [tpmEnrolment([])]);
    await session.clear();

    expect(await unlockCode(deps, path, tpm())).toBe(ErrorCode.TPM_SEALED_OBJECT_INVALID);
    const vault = await unlockVault(path, undefined, deps);
    const added = await vault.addSlot('tester', { factors: [tpmEnrolment([])] });
    await vault.removeSlot('tester', 2);
    vault.lock('tester');
    expect(added.slotId).toBe(3);
    expect(await unlockCode(deps, path, tpm())).toBe('OK');
  });

  it('unreachable (a port nobody listens on, a stopped swtpm): TPM_UNAVAILABLE; the passphrase opens with the same deps; adding a TPM slot fails, audited, adding none', async () => {
    const session = await freshTpm();
    const path = await newVault(tpmDeps(session));
    await addSlot(tpmDeps(session), path, [tpmEnrolment([])]);
    const unreachable: Array<[string, () => Promise<void>]> = [
      // Port 1 is privileged and nothing listens there: the connection is refused.
      ['swtpm:host=127.0.0.1,port=1', async () => {}],
      [session.tcti, () => session.stop()],
    ];

    for (const [attempt, [tcti, takeAway]] of unreachable.entries()) {
      await takeAway();
      const deps = realDeps({ tpmTcti: tcti });
      expect(await unlockCode(deps, path, tpm())).toBe(ErrorCode.TPM_UNAVAILABLE);

      const vault = await unlockVault(path, undefined, deps);
      const before = vault.header().slots;
      await expect(
        vault.addSlot('tester', { factors: [tpmEnrolment([7])], name: 'never added' }),
      ).rejects.toMatchObject({
        code: ErrorCode.TPM_UNAVAILABLE,
        message: expect.stringContaining(tcti),
      });
      expect(vault.header().slots).toEqual(before);
      expect(before.map((s) => s.kind)).toEqual(['passphrase', 'tpm2']);
      vault.lock('tester');

      const failures = Array<string>(attempt + 1).fill('slot.add:failure:TPM_UNAVAILABLE');
      expect(auditTrail(deps, path).filter((e) => e.startsWith('slot.add'))).toEqual([
        'slot.add:success',
        ...failures,
      ]);
      expect(lastAudit(deps, path, 'slot.add')?.detail).toMatchObject({
        kind: 'tpm2',
        factors: 'tpm2',
      });
    }
  });
});

describe('what a TPM slot stores', () => {
  it('holds public TPM blobs and stretch parameters only: no PIN, nothing derived from it, not the sealed secret', async () => {
    const deps = tpmDeps(shared);
    const path = await newVault(deps);
    await addSlot(deps, path, [tpmEnrolment([7], PIN)]);
    const vault = await unlockVault(path, undefined, deps);
    const row = vault.slotRows().find((slot) => slot.kind === 'tpm2')!;
    vault.lock('tester');

    const params = JSON.parse(row.params) as PolicySlotParams;
    expect(params.factors).toHaveLength(1);
    const factor = params.factors[0]!;
    if (factor.kind !== 'tpm2') throw new Error(`a tpm2 slot holds a ${factor.kind} factor`);
    expect(Object.keys(factor).sort()).toEqual(['kind', 'pin', 'sealed']);
    expect(Object.keys(factor.sealed).sort()).toEqual([
      'auth',
      'pcrBank',
      'pcrs',
      'private',
      'public',
    ]);
    expect(factor.sealed).toMatchObject({ pcrBank: 'sha256', pcrs: [7], auth: true });
    expect(Object.keys(factor.pin!).sort()).toEqual([
      'iterations',
      'memoryKiB',
      'parallelism',
      'salt',
    ]);

    // What the TPM checks and what goes into the slot key, recomputed from the public salt as
    // factor-tpm2.ts derives them; the TPM accepting the first proves the recomputation right.
    const pin = Buffer.from(PIN, 'utf8');
    const stretched = await deps.argon2.derive({
      password: pin,
      salt: Buffer.from(factor.pin!.salt, 'base64'),
      memoryKiB: factor.pin!.memoryKiB,
      iterations: factor.pin!.iterations,
      parallelism: factor.pin!.parallelism,
      hashLength: 32,
    });
    const authValue = mix('keywarden/v1/tpm2-auth', stretched);
    const sealedSecret = await deps.tpm2!.unseal(factor.sealed, authValue);

    const files = [path, `${path}-wal`].filter((file) => existsSync(file));
    const haystacks = [
      ...files.map((file) => readFileSync(file)),
      Buffer.from(row.params, 'utf8'),
      Buffer.from(factor.sealed.public, 'base64'),
      Buffer.from(factor.sealed.private, 'base64'),
    ];
    for (const secret of [pin, stretched, authValue, sealedSecret]) {
      for (const haystack of haystacks) {
        for (const encoding of ['hex', 'base64', 'base64url'] as const)
          expect(haystack.includes(secret.toString(encoding))).toBe(false);
        // No 16 bytes in a row of it, at any offset.
        for (let at = 0; at + 16 <= secret.length; at++)
          expect(haystack.includes(secret.subarray(at, at + 16))).toBe(false);
      }
    }
  });
});

describe('the services', () => {
  it('vault:add-slot takes a TPM factor without pcrs (none) and vault:unlock opens it', async () => {
    const path = await newVault(tpmDeps(shared));
    const services = new KeywardenServices({ deps: tpmDeps(shared), actor: 'tester' });
    try {
      await services.invoke('vault:unlock', {
        path,
        factor: phrase('correct horse battery staple'),
      });
      expect(
        await services.invoke('vault:add-slot', { factors: [{ kind: 'tpm2' }] }),
      ).toMatchObject({
        kind: 'tpm2',
        factors: ['TPM'],
      });
      await services.invoke('vault:lock', {});
      const header = await services.invoke('vault:unlock', { path, factors: [{ kind: 'tpm2' }] });
      expect(header.slots).toHaveLength(2);
    } finally {
      await services.dispose();
    }
  });
});

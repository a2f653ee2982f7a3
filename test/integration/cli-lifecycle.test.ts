import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyView, PolicyTable } from '../../electron/shared/inventory-types.ts';
import { runKeywarden } from '../helpers/cli.ts';
import { bomValidator, cbomSchemaErrors } from '../helpers/cyclonedx-schema.ts';
import { registerPeople } from '../helpers/inventory-fixture.ts';
import { TEST_PASSPHRASE, makeVault, tempDir, unlockVault } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// The lifecycle and format commands end to end through the real `keywarden` binary:
// pre-activation, edits, rotation, registration of keys held elsewhere, the policy editor,
// CSRs and certificates OpenSSL accepts, encrypted private export OpenSSL reads, the CBOM.

let dir: TempDir;
let vaultPath: string;
let base: string[];
const run = (...args: string[]) => runKeywarden([...args, ...base]);
const json = <T>(stdout: string) => JSON.parse(stdout) as T;
const openssl = (...args: string[]) =>
  execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

async function generate(...args: string[]): Promise<KeyView> {
  const result = await run('keys', 'generate', '--owner', 'Alice', '--json', ...args);
  expect(result.code, result.stderr).toBe(0);
  return json<KeyView>(result.stdout);
}

beforeAll(async () => {
  dir = tempDir('keywarden-cli-lifecycle-');
  vaultPath = dir.file('v.kw');
  await makeVault(vaultPath);
  const vault = await unlockVault(vaultPath);
  registerPeople(vault, [
    ['Alice', ['officer']],
    ['Bob', ['custodian', 'engineer']],
  ]);
  vault.lock('tester');
  const passFile = dir.file('pass');
  writeFileSync(passFile, TEST_PASSPHRASE, { mode: 0o600 });
  base = ['--vault', vaultPath, '--passphrase-file', passFile, '--actor', 'Alice'];
});
afterAll(() => dir.cleanup());

describe('keys generate --pre-activation, keys update, keys rotate', () => {
  it('enters a key pre-activation, activates it, edits it and rotates it', async () => {
    const key = await generate(
      '--name',
      'api signing',
      '--algorithm',
      'ed25519',
      '--purpose',
      'sign',
      '--pre-activation',
    );
    expect(key).toMatchObject({ state: 'pre-activation', activatedAt: null });
    const signIn = dir.file('data');
    writeFileSync(signIn, 'payload');
    const refused = await run('keys', 'sign', key.id, '--in', signIn, '--out', dir.file('sig0'));
    expect(refused.stderr).toMatch(/^error \[KEY_STATE_INVALID\]: The key is pre-activation/);

    const active = await run('keys', 'transition', key.id, '--to', 'active', '--reason', 'go live');
    expect(active.code, active.stderr).toBe(0);

    const updated = await run(
      'keys',
      'update',
      key.id,
      '--reason',
      'team change',
      '--owner',
      'Bob',
      '--label',
      'api,prod',
      '--json',
    );
    expect(updated.code, updated.stderr).toBe(0);
    const edited = json<KeyView>(updated.stdout);
    expect(edited.labels).toEqual(['api', 'prod']);
    expect(edited.changes.at(-1)).toMatchObject({ by: 'Alice', reason: 'team change' });
    expect(Object.keys(edited.changes.at(-1)?.fields ?? {})).toEqual(['owner', 'labels']);
    const nothing = await run('keys', 'update', key.id, '--reason', 'again', '--owner', 'Bob');
    expect(nothing.stderr).toMatch(/^error \[BAD_REQUEST\]: The edit changes nothing/);
    const shown = await run('keys', 'show', key.id);
    expect(shown.stdout).toContain('Changes:');
    expect(shown.stdout).toContain('owner, labels  by Alice: team change');

    const rotated = await run(
      'keys',
      'rotate',
      key.id,
      '--publish-days',
      '10',
      '--reason',
      'yearly',
      '--json',
    );
    expect(rotated.code, rotated.stderr).toBe(0);
    const { key: next, predecessor } = json<{ key: KeyView; predecessor: KeyView }>(rotated.stdout);
    expect(next).toMatchObject({
      version: 2,
      lineage: key.id,
      owner: edited.owner,
      labels: ['api', 'prod'],
    });
    expect(predecessor).toMatchObject({ state: 'deactivated', successor: next.id });
    const published = await run('keys', 'list', '--published', '--json');
    expect(json<KeyView[]>(published.stdout).map((k) => k.id)).toEqual(
      expect.arrayContaining([key.id, next.id]),
    );
    const badWindow = await run('keys', 'rotate', next.id, '--publish-days', '400');
    expect(badWindow.code).toBe(2);
    expect(badWindow.stderr).toMatch(
      /^error \[BAD_REQUEST\]: A publication window is 0 to 365 days/,
    );
  });
});

describe('keys register', () => {
  it('enters token and external keys, with a public key file, and refuses a private one', async () => {
    const pem = dir.file('pub.pem');
    const priv = dir.file('priv.pem');
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', priv);
    openssl('pkey', '-in', priv, '-pubout', '-out', pem);
    const token = await run(
      'keys',
      'register',
      '--name',
      'root ca',
      '--token-serial',
      'SN0042',
      '--cka-id',
      'A1B2',
      '--public-key',
      pem,
      '--purpose',
      'sign',
      '--owner',
      'Alice',
      '--custodian',
      'Bob',
      '--tier',
      '1',
      '--json',
    );
    expect(token.code, token.stderr).toBe(0);
    const rootCa = json<KeyView>(token.stdout);
    expect(rootCa).toMatchObject({
      algorithm: 'p256',
      tier: 1,
      location: { kind: 'token', serial: 'SN0042', ckaId: 'a1b2' },
    });
    expect(rootCa.fingerprint).toMatch(/^SHA256:/);
    const signIn = dir.file('data2');
    writeFileSync(signIn, 'x');
    // A token key is used through its token, with its PIN; this one's token is not attached.
    const noPin = await run('keys', 'sign', rootCa.id, '--in', signIn, '--out', dir.file('sig'));
    expect(noPin.stderr).toMatch(/^error \[PIN_REQUIRED\]: This key is on a token/);
    const pinFile = dir.file('token-pin');
    writeFileSync(pinFile, '1234', { mode: 0o600 });
    const absent = await run(
      'keys',
      'sign',
      rootCa.id,
      '--in',
      signIn,
      '--out',
      dir.file('sig'),
      '--pin-file',
      pinFile,
    );
    expect(absent.code).toBe(5);
    expect(absent.stderr).toMatch(/^error \[TOKEN_NOT_PRESENT\]: Token SN0042 is not present/);
    const shown = await run('keys', 'show', rootCa.id, '--json');
    expect(JSON.parse(shown.stdout)).toMatchObject({ tokenPresent: false });

    const kms = await run(
      'keys',
      'register',
      '--name',
      'payments kek',
      '--reference',
      'arn:aws:kms:eu-west-1:111122223333:key/1234abcd',
      '--algorithm',
      'aes256',
      '--purpose',
      'wrap',
      '--owner',
      'Bob',
      '--json',
    );
    expect(kms.code, kms.stderr).toBe(0);
    expect(json<KeyView>(kms.stdout).location).toEqual({
      kind: 'external',
      reference: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd',
    });

    const withPrivate = await run(
      'keys',
      'register',
      '--name',
      'x',
      '--reference',
      'r',
      '--public-key',
      priv,
      '--purpose',
      'sign',
      '--owner',
      'Alice',
    );
    expect(withPrivate.stderr).toMatch(/^error \[BAD_REQUEST\]: The file holds a private key/);
    const tier1InVault = await run(
      'keys',
      'generate',
      '--name',
      'x',
      '--algorithm',
      'ed25519',
      '--purpose',
      'sign',
      '--owner',
      'Alice',
      '--custodian',
      'Bob',
      '--tier',
      '1',
    );
    expect(tier1InVault.stderr).toMatch(
      /^error \[POLICY_VIOLATION\]: Rule "tier 1 on a token or split"/,
    );
    const both = await run(
      'keys',
      'register',
      '--name',
      'x',
      '--reference',
      'r',
      '--token-serial',
      's',
      '--cka-id',
      '01',
      '--algorithm',
      'aes256',
      '--purpose',
      'wrap',
      '--owner',
      'Alice',
    );
    expect(both.code).toBe(2);
  });
});

describe('policy set and reset', () => {
  it('takes an edited table, refuses a broken one unchanged, and resets', async () => {
    const shown = json<PolicyTable>((await run('policy', 'show', '--json')).stdout);
    const edited = structuredClone(shown);
    const master = edited.rows.find((row) => row.id === 'symmetric-master');
    if (!master) throw new Error('no master row');
    master.originatorMonths = 6;
    const file = dir.file('policy.json');
    writeFileSync(file, JSON.stringify(edited));
    const set = await run('policy', 'set', '--file', file);
    expect(set.code, set.stderr).toBe(0);
    const key = await generate('--name', 'master', '--algorithm', 'aes256', '--purpose', 'derive');
    const months =
      (Date.parse(key.cryptoPeriod.originatorUsageEnd ?? '') - Date.parse(key.createdAt)) /
      (30.4 * 86_400_000);
    expect(Math.round(months)).toBe(6);

    writeFileSync(
      file,
      JSON.stringify({
        ...edited,
        rows: edited.rows.filter((row) => row.id !== 'private-signature'),
      }),
    );
    const missing = await run('policy', 'set', '--file', file);
    expect(missing.stderr).toMatch(
      /^error \[POLICY_INVALID\]: The policy lacks the row\(s\) private-signature/,
    );
    writeFileSync(file, '{"rows": [');
    expect((await run('policy', 'set', '--file', file)).stderr).toMatch(
      /^error \[POLICY_INVALID\]/,
    );
    const bob = await runKeywarden(['policy', 'reset', ...base.slice(0, -1), 'Bob']);
    expect(bob.stderr).toMatch(/^error \[SEPARATION_OF_DUTIES\]/);
    const still = json<PolicyTable>((await run('policy', 'show', '--json')).stdout);
    expect(still.rows.find((row) => row.id === 'symmetric-master')?.originatorMonths).toBe(6);

    expect((await run('policy', 'reset')).code).toBe(0);
    const reset = json<PolicyTable>((await run('policy', 'show', '--json')).stdout);
    expect(reset).toEqual(shown);
  });
});

describe('certificates and private export through the command line', () => {
  it('writes a CSR and a CA certificate OpenSSL verifies', async () => {
    const key = await generate('--name', 'issuer', '--algorithm', 'p384', '--purpose', 'sign');
    const csr = dir.file('req.pem');
    const made = await run(
      'keys',
      'csr',
      key.id,
      '--common-name',
      'Issuer, Inc',
      '--country',
      'DE',
      '--dns',
      'issuer.example',
      '--out',
      csr,
    );
    expect(made.code, made.stderr).toBe(0);
    expect(openssl('req', '-in', csr, '-verify', '-noout', '-subject')).toContain(
      'CN = "Issuer, Inc"',
    );
    const cert = dir.file('cert.pem');
    const self = await run(
      'keys',
      'certificate',
      key.id,
      '--common-name',
      'Issuer CA',
      '--days',
      '365',
      '--ca',
      '--out',
      cert,
    );
    expect(self.code, self.stderr).toBe(0);
    expect(openssl('verify', '-CAfile', cert, cert)).toContain('OK');
    const tooLong = await run(
      'keys',
      'certificate',
      key.id,
      '--common-name',
      'x',
      '--days',
      '3650',
    );
    expect(tooLong.stderr).toMatch(/^error \[BAD_REQUEST\]: The certificate would outlive/);
  });

  it('exports a private key as encrypted PKCS#8 that OpenSSL opens, and audits it', async () => {
    const key = await generate('--name', 'deploy', '--algorithm', 'ed25519', '--purpose', 'sign');
    const exportPass = dir.file('export-pass');
    writeFileSync(exportPass, 'an export passphrase', { mode: 0o600 });
    const out = dir.file('deploy.p8');
    const exported = await run(
      'keys',
      'export-private',
      key.id,
      '--out',
      out,
      '--export-passphrase-file',
      exportPass,
    );
    expect(exported.code, exported.stderr).toBe(0);
    const pem = readFileSync(out, 'utf8');
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    const spki = openssl(
      'pkey',
      '-in',
      out,
      '-passin',
      `file:${exportPass}`,
      '-pubout',
      '-outform',
      'PEM',
    );
    expect(spki.replace(/-----[A-Z ]+-----|\s/g, '')).toBe(key.publicKey);
    const wrong = dir.file('wrong-pass');
    writeFileSync(wrong, 'not the export passphrase', { mode: 0o600 });
    expect(() => openssl('pkey', '-in', out, '-passin', `file:${wrong}`, '-noout')).toThrow();
    const audit = await runKeywarden(['audit', 'list', '--json', '--vault', vaultPath]);
    const entries = json<Array<{ action: string; target: string; outcome: string }>>(audit.stdout);
    expect(entries.filter((e) => e.action === 'key.export-private' && e.target === key.id)).toEqual(
      [expect.objectContaining({ outcome: 'success' })],
    );
    const aes = await generate('--name', 'aes', '--algorithm', 'aes256', '--purpose', 'encrypt');
    const secret = await run(
      'keys',
      'export-private',
      aes.id,
      '--out',
      dir.file('aes.p8'),
      '--export-passphrase-file',
      exportPass,
    );
    expect(secret.stderr).toMatch(/^error \[FORMAT_UNSUPPORTED\]/);
    const short = dir.file('short-pass');
    writeFileSync(short, 'short', { mode: 0o600 });
    const weak = await run(
      'keys',
      'export-private',
      key.id,
      '--out',
      dir.file('weak.p8'),
      '--export-passphrase-file',
      short,
    );
    expect(weak.stderr).toMatch(/^error \[PASSPHRASE_TOO_SHORT\]: An export passphrase/);
  });
});

describe('inventory export --format cbom', () => {
  it('writes a CycloneDX 1.6 BOM with one component per key', async () => {
    const listed = json<KeyView[]>((await run('keys', 'list', '--json')).stdout);
    const result = await run('inventory', 'export', '--format', 'cbom');
    expect(result.code, result.stderr).toBe(0);
    const bom = json<{
      specVersion: string;
      components: Array<{ 'bom-ref': string; cryptoProperties: { assetType: string } }>;
    }>(result.stdout);
    expect(bom.specVersion).toBe('1.6');
    expect(cbomSchemaErrors(bomValidator(), bom)).toEqual([]);
    const keys = bom.components.filter(
      (c) => c.cryptoProperties.assetType === 'related-crypto-material',
    );
    expect(keys).toHaveLength(listed.length);
    const bad = await run('inventory', 'export', '--format', 'spdx');
    expect(bad.stderr).toMatch(/^error \[IPC_BAD_REQUEST\]/);
  });
});

describe('keys sign with several files', () => {
  it('signs each with a vault key, unsealed once, in forms OpenSSL verifies', async () => {
    const key = await generate(
      '--name',
      'batch signer',
      '--algorithm',
      'p384',
      '--purpose',
      'sign',
    );
    const files = ['a.txt', 'b.txt'].map((name) => {
      writeFileSync(dir.file(name), `payload ${name}`);
      return dir.file(name);
    });
    const out = dir.file('sigs');
    mkdirSync(out);
    const signed = await run(
      'keys',
      'sign',
      key.id,
      ...files.flatMap((f) => ['--in', f]),
      '--out-dir',
      out,
    );
    expect(signed.code, signed.stderr).toBe(0);
    await run('keys', 'export-public', key.id, '--format', 'pem', '--out', dir.file('batch.pem'));
    for (const [i, file] of files.entries()) {
      const signature = join(out, `${['a.txt', 'b.txt'][i]}.sig`);
      expect(
        openssl('dgst', '-sha384', '-verify', dir.file('batch.pem'), '-signature', signature, file),
      ).toContain('Verified OK');
    }
    // Two files named alike would overwrite each other: refused before anything is signed.
    mkdirSync(dir.file('again'));
    mkdirSync(dir.file('other'));
    writeFileSync(join(dir.file('other'), 'a.txt'), 'another a');
    const clash = await run(
      'keys',
      'sign',
      key.id,
      '--in',
      files[0] ?? '',
      '--in',
      join(dir.file('other'), 'a.txt'),
      '--out-dir',
      dir.file('again'),
    );
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/^error \[USAGE\]: Two files would both sign to/);
  });
});

import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyView } from '../../electron/shared/inventory-types.ts';
import type { TokenList, TokenObjectView } from '../../electron/shared/token-types.ts';
import { certificateFor } from '../helpers/certificate-for.ts';
import { CLI_PATH, runKeywarden } from '../helpers/cli.ts';
import { registerPeople } from '../helpers/inventory-fixture.ts';
import { SOFTHSM_MODULE, startSoftHsm } from '../helpers/softhsm.fixture.ts';
import type { SoftHsm } from '../helpers/softhsm.fixture.ts';
import { TEST_PASSPHRASE, makeVault, tempDir, unlockVault } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// Tokens through the real `keywarden` command: listing, objects, PINs, and a key generated
// on a token entering the inventory and signing what OpenSSL verifies.

let hsm: SoftHsm;
let dir: TempDir;
let vaultBase: string[];
const moduleArgs = () => ['--module', SOFTHSM_MODULE];
const secret = (name: string, value: string) => {
  const path = dir.file(name);
  writeFileSync(path, value, { mode: 0o600 });
  return path;
};

/**
 * `keywarden keys generate` of a signing key owned by Alice on `token`, with the PIN in
 * `pinFile` and the module given (or `module` instead); the new key, after checking the exit.
 */
async function generateOnToken(
  name: string,
  algorithm: string,
  token: string,
  pinFile: string,
  module: string = SOFTHSM_MODULE,
): Promise<KeyView> {
  const made = await runKeywarden([
    'keys',
    'generate',
    '--name',
    name,
    '--algorithm',
    algorithm,
    '--purpose',
    'sign',
    '--owner',
    'Alice',
    '--token',
    token,
    '--pin-file',
    pinFile,
    '--module',
    module,
    '--json',
    ...vaultBase,
  ]);
  expect(made.code, made.stderr).toBe(0);
  return JSON.parse(made.stdout) as KeyView;
}

/**
 * Exports `keyId`'s public key with `keywarden keys export-public` and checks with OpenSSL
 * that `signature` is its signature over `file` (digest `-sha256` or `-sha384`); returns
 * OpenSSL's verdict.
 */
async function opensslVerifies(
  keyId: string,
  file: string,
  signature: string,
  digest: '-sha256' | '-sha384' = '-sha256',
): Promise<string> {
  const pem = `${signature}.pub.pem`;
  const exported = await runKeywarden([
    'keys',
    'export-public',
    keyId,
    '--format',
    'pem',
    '--out',
    pem,
    ...vaultBase,
  ]);
  expect(exported.code, exported.stderr).toBe(0);
  return execFileSync('openssl', ['dgst', digest, '-verify', pem, '-signature', signature, file], {
    encoding: 'utf8',
  });
}

beforeAll(async () => {
  hsm = startSoftHsm({ tokens: 3 });
  dir = tempDir('keywarden-cli-tokens-');
  await makeVault(dir.file('v.kw'));
  const vault = await unlockVault(dir.file('v.kw'));
  registerPeople(vault, [
    ['Alice', ['officer']],
    ['Bob', ['custodian']],
  ]);
  vault.lock('tester');
  vaultBase = [
    '--vault',
    dir.file('v.kw'),
    '--passphrase-file',
    secret('pass', TEST_PASSPHRASE),
    '--actor',
    'Alice',
  ];
});
afterAll(() => {
  hsm.cleanup();
  dir.cleanup();
});

describe('keywarden tokens', () => {
  it('lists the three tokens once each, and a module that does not load with its path', async () => {
    const result = await runKeywarden([
      'tokens',
      'list',
      '--json',
      ...moduleArgs(),
      '--module',
      '/nonexistent/libp11.so',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const list = JSON.parse(result.stdout) as TokenList;
    const serials = list.tokens.filter((t) => t.initialized).map((t) => t.serial);
    expect(serials.sort()).toEqual(hsm.tokens.map((t) => t.serial).sort());
    expect(list.failures).toEqual([expect.objectContaining({ module: '/nonexistent/libp11.so' })]);
  });

  it('a wrong PIN exits 3 with PIN_INCORRECT and the tries the token reports', async () => {
    const token = hsm.tokens[1]?.serial ?? '';
    const wrong = await runKeywarden([
      'tokens',
      'objects',
      '--token',
      token,
      '--pin-file',
      secret('wrong', '9999'),
      ...moduleArgs(),
    ]);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/^error \[PIN_INCORRECT\]: The PIN is incorrect/);
    expect(wrong.stderr).not.toContain('9999');
  });

  it('changes the user PIN, and sets a new one with the SO PIN', async () => {
    const token = hsm.tokens[2]?.serial ?? '';
    const changed = await runKeywarden([
      'tokens',
      'change-pin',
      '--token',
      token,
      '--pin-file',
      secret('old', '1234'),
      '--new-pin-file',
      secret('new', '24680'),
      ...moduleArgs(),
    ]);
    expect(changed.code, changed.stderr).toBe(0);
    const oldFails = await runKeywarden([
      'tokens',
      'objects',
      '--token',
      token,
      '--pin-file',
      dir.file('old'),
      ...moduleArgs(),
    ]);
    expect(oldFails.stderr).toMatch(/PIN_INCORRECT/);
    const unblocked = await runKeywarden([
      'tokens',
      'unblock-pin',
      '--token',
      token,
      '--so-pin-file',
      secret('so', '5678'),
      '--new-pin-file',
      secret('again', '13579'),
      ...moduleArgs(),
    ]);
    expect(unblocked.code, unblocked.stderr).toBe(0);
    const works = await runKeywarden([
      'tokens',
      'objects',
      '--token',
      token,
      '--pin-file',
      dir.file('again'),
      '--json',
      ...moduleArgs(),
    ]);
    expect(works.code, works.stderr).toBe(0);
  });
});

describe('keywarden tokens init', () => {
  it('initialises the free token with a label and both PINs, and refuses to re-initialise it', async () => {
    const made = await runKeywarden([
      'tokens',
      'init',
      '--label',
      'kw-fresh',
      '--so-pin-file',
      secret('new-so', '87654321'),
      '--pin-file',
      secret('new-user', '11223344'),
      '--json',
      ...moduleArgs(),
    ]);
    expect(made.code, made.stderr).toBe(0);
    const token = JSON.parse(made.stdout) as TokenList['tokens'][number];
    expect(token).toMatchObject({
      label: 'kw-fresh',
      initialized: true,
      userPin: { initialized: true },
    });
    const login = await runKeywarden([
      'tokens',
      'objects',
      '--token',
      token.serial,
      '--pin-file',
      dir.file('new-user'),
      ...moduleArgs(),
    ]);
    expect(login.code, login.stderr).toBe(0);
    const again = await runKeywarden([
      'tokens',
      'init',
      '--label',
      'kw-again',
      '--token',
      token.serial,
      '--so-pin-file',
      dir.file('new-so'),
      '--pin-file',
      dir.file('new-user'),
      ...moduleArgs(),
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^error \[BAD_REQUEST\]: Token [0-9a-f]+ is already initialised/);
  });
});

describe('token keys in the inventory', () => {
  it('generates a tier 1 key on a token, lists it with its provenance, and signs what OpenSSL verifies', async () => {
    const token = hsm.tokens[0]?.serial ?? '';
    const pin = secret('pin', '1234');
    const generated = await runKeywarden([
      'keys',
      'generate',
      '--name',
      'root signing',
      '--algorithm',
      'p384',
      '--purpose',
      'sign',
      '--owner',
      'Alice',
      '--custodian',
      'Bob',
      '--tier',
      '1',
      '--token',
      token,
      '--pin-file',
      pin,
      ...moduleArgs(),
      '--json',
      ...vaultBase,
    ]);
    expect(generated.code, generated.stderr).toBe(0);
    const key = JSON.parse(generated.stdout) as KeyView;
    expect(key).toMatchObject({
      tier: 1,
      algorithm: 'p384',
      location: { kind: 'token', serial: token, module: SOFTHSM_MODULE },
      provenance: { onDeviceGenerated: true, sensitive: true, extractable: false },
    });
    // pkcs11-tool sees it with the same CKA_ID and label.
    const listed = hsm.pkcs11Tool(
      ['--login', '--pin', '1234', '--list-objects', '--type', 'privkey'],
      hsm.tokens[0],
    );
    expect(listed).toContain('root signing');
    expect(listed).toContain(
      `ID:         ${key.location.kind === 'token' ? key.location.ckaId : ''}`,
    );

    writeFileSync(dir.file('release'), 'release 7');
    const signed = await runKeywarden([
      'keys',
      'sign',
      key.id,
      '--in',
      dir.file('release'),
      '--out',
      dir.file('release.sig'),
      '--pin-file',
      pin,
      ...vaultBase,
    ]);
    expect(signed.code, signed.stderr).toBe(0);
    expect(
      await opensslVerifies(key.id, dir.file('release'), dir.file('release.sig'), '-sha384'),
    ).toContain('Verified OK');
    expect(readFileSync(dir.file('release.sig')).length).toBeGreaterThan(60);

    const noPin = await runKeywarden([
      'keys',
      'sign',
      key.id,
      '--in',
      dir.file('release'),
      '--out',
      dir.file('other.sig'),
      ...vaultBase,
    ]);
    expect(noPin.stderr).toMatch(/^error \[PIN_REQUIRED\]: This key is on a token/);

    const shown = await runKeywarden(['keys', 'show', key.id, ...moduleArgs(), ...vaultBase]);
    expect(shown.stdout).toMatch(
      /Location: +token [0-9a-f]+, CKA_ID [0-9a-f]+ \(attached\); generated on the device/,
    );

    // The vault's objects listing agrees with the token's.
    const objects = await runKeywarden([
      'tokens',
      'objects',
      '--token',
      token,
      '--pin-file',
      pin,
      '--json',
      ...moduleArgs(),
    ]);
    const onToken = (JSON.parse(objects.stdout) as TokenObjectView[]).find(
      (o) => o.class === 'private-key',
    );
    expect(onToken?.publicKey).toBe(key.publicKey);
  });

  it('refuses a token key when the token is not there, without touching the inventory', async () => {
    const result = await runKeywarden([
      'keys',
      'generate',
      '--name',
      'x',
      '--algorithm',
      'p256',
      '--purpose',
      'sign',
      '--owner',
      'Alice',
      '--token',
      'NO-SUCH-SERIAL',
      '--pin-file',
      dir.file('pin'),
      ...moduleArgs(),
      ...vaultBase,
    ]);
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/^error \[TOKEN_NOT_PRESENT\]/);
    const list = await runKeywarden(['keys', 'list', '--json', ...vaultBase]);
    expect((JSON.parse(list.stdout) as KeyView[]).map((k) => k.name)).toEqual(['root signing']);
  });
});

describe('destroying a token key', () => {
  it('destroys its objects on the token, with the PIN, and keeps the record', async () => {
    const token = hsm.tokens[0]?.serial ?? '';
    const pin = dir.file('pin');
    const key = await generateOnToken('leaked', 'p256', token, pin);
    const ckaId = key.location.kind === 'token' ? key.location.ckaId : '';
    const onToken = () =>
      hsm
        .pkcs11Tool(['--login', '--pin', '1234', '--list-objects'], hsm.tokens[0])
        .includes(`ID:         ${ckaId}`);
    expect(onToken()).toBe(true);
    await runKeywarden([
      'keys',
      'transition',
      key.id,
      '--to',
      'compromised',
      '--reason',
      'laptop stolen',
      ...vaultBase,
    ]);
    const destroy = [
      'keys',
      'destroy',
      key.id,
      '--authorised-by',
      'Alice',
      '--witness',
      'Bob',
      ...moduleArgs(),
      ...vaultBase,
    ];
    const noPin = await runKeywarden(destroy);
    expect(noPin.stderr).toMatch(/^error \[PIN_REQUIRED\]: Key k-[0-9a-f]+ is on token/);
    expect(onToken()).toBe(true);
    const done = await runKeywarden([...destroy, '--pin-file', pin, '--json']);
    expect(done.code, done.stderr).toBe(0);
    const destroyed = JSON.parse(done.stdout) as KeyView;
    expect(destroyed.state).toBe('destroyed-compromised');
    expect(destroyed.destruction?.method).toContain(`CKA_ID ${ckaId} destroyed on token ${token}`);
    expect(onToken()).toBe(false);
  });
});

describe('a token key remembers its module', () => {
  it('is shown present and signs with only its id and the PIN, through a module no one configured', async () => {
    // A copy of the SoftHSM2 library: a module at a path the CLI does not look in by itself.
    const module = dir.file('libsofthsm2-elsewhere.so');
    copyFileSync(SOFTHSM_MODULE, module);
    const token = hsm.tokens[1]?.serial ?? '';
    const pin = secret('pin-remembered', '1234');
    const key = await generateOnToken('remembered module', 'rsa2048', token, pin, module);
    expect(key.location).toMatchObject({ kind: 'token', serial: token, module });
    const shown = await runKeywarden(['keys', 'show', key.id, '--json', ...vaultBase]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ tokenPresent: true });
    writeFileSync(dir.file('artefact'), 'built elsewhere');
    const signed = await runKeywarden([
      'keys',
      'sign',
      key.id,
      '--in',
      dir.file('artefact'),
      '--out',
      dir.file('artefact.sig'),
      '--pin-file',
      pin,
      ...vaultBase,
    ]);
    expect(signed.code, signed.stderr).toBe(0);
    expect(await opensslVerifies(key.id, dir.file('artefact'), dir.file('artefact.sig'))).toContain(
      'Verified OK',
    );
  });
});

describe('the final PIN try', () => {
  it('is not spent without --final-try, and nothing is tried; with it the right PIN works', async () => {
    const token = hsm.tokens[1]?.serial ?? '';
    const pin = secret('pin-final', '1234');
    hsm.setPinState(token, { user: 'finalTry' });
    try {
      const args = ['tokens', 'objects', '--token', token, '--pin-file', pin, ...moduleArgs()];
      // A mistyped PIN: had it reached the token, SoftHSM2 would have set COUNT_LOW.
      const wrong = secret('pin-final-wrong', '9999');
      const refused = await runKeywarden([
        'tokens',
        'objects',
        '--token',
        token,
        '--pin-file',
        wrong,
        ...moduleArgs(),
      ]);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(/^error \[PIN_FINAL_TRY\]: .*one try left.*--final-try/);
      const list = JSON.parse(
        (await runKeywarden(['tokens', 'list', '--json', ...moduleArgs()])).stdout,
      ) as TokenList;
      // Nothing reached the token: its flags are as they were (a wrong try adds COUNT_LOW).
      expect(list.tokens.find((t) => t.serial === token)?.userPin).toMatchObject({
        finalTry: true,
        countLow: false,
      });
      const used = await runKeywarden([...args, '--final-try']);
      expect(used.code, used.stderr).toBe(0);
    } finally {
      hsm.setPinState(token, { user: 'clear' });
    }
  });
});

describe('signing several files at once', () => {
  it('signs each with one PIN entry into --out-dir, and refuses before signing when a signature exists', async () => {
    const token = hsm.tokens[1]?.serial ?? '';
    const pin = secret('pin-batch', '1234');
    const key = await generateOnToken('release signing', 'p256', token, pin);
    const files = ['app.tar.gz', 'app.deb', 'SHA256SUMS'].map((name) => {
      writeFileSync(dir.file(name), `contents of ${name}`);
      return dir.file(name);
    });
    const out = dir.file('signatures');
    mkdirSync(out);
    const args = ['keys', 'sign', key.id, ...files.flatMap((f) => ['--in', f]), '--pin-file', pin];
    const signed = await runKeywarden([...args, '--out-dir', out, '--json', ...vaultBase]);
    expect(signed.code, signed.stderr).toBe(0);
    expect(JSON.parse(signed.stdout)).toHaveLength(3);
    for (const file of files) {
      const name = file.split('/').at(-1) ?? '';
      expect(await opensslVerifies(key.id, file, join(out, `${name}.sig`))).toContain(
        'Verified OK',
      );
    }
    // One audited signing of three files.
    const audit = await runKeywarden(['audit', 'list', '--json', ...vaultBase]);
    const signings = (
      JSON.parse(audit.stdout) as Array<{ action: string; target: string; detail: unknown }>
    ).filter((e) => e.action === 'key.sign' && e.target === key.id);
    expect(signings.map((e) => e.detail)).toEqual([{ bytes: expect.any(Number), signatures: 3 }]);
    // Again into the same folder: refused before anything is signed; --out beside several files is a usage error.
    const again = await runKeywarden([...args, '--out-dir', out, ...vaultBase]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^error \[BAD_REQUEST\]: .*already exists; nothing was signed/);
    const both = await runKeywarden([
      ...args,
      '--out-dir',
      out,
      '--out',
      dir.file('x.sig'),
      ...vaultBase,
    ]);
    expect(both.stderr).toMatch(/^error \[USAGE\]/);
    const after = (
      JSON.parse((await runKeywarden(['audit', 'list', '--json', ...vaultBase])).stdout) as Array<{
        action: string;
        target: string;
      }>
    ).filter((e) => e.action === 'key.sign' && e.target === key.id);
    expect(after).toHaveLength(1);
  });
});

describe('keywarden tokens import-certificate', () => {
  it('stores a PEM certificate beside its key, and refuses one for another key', async () => {
    const token = hsm.tokens[1]?.serial ?? '';
    const pin = secret('pin-cert', '1234');
    const key = await generateOnToken('tls client', 'p256', token, pin);
    const ckaId = key.location.kind === 'token' ? key.location.ckaId : '';
    const der = await certificateFor(key.publicKey ?? '', 'CN=tls client');
    const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/gu, '$1\n')}\n-----END CERTIFICATE-----\n`;
    writeFileSync(dir.file('client.pem'), pem);
    const base = [
      'tokens',
      'import-certificate',
      '--token',
      token,
      '--pin-file',
      pin,
      ...moduleArgs(),
    ];
    const stored = await runKeywarden([
      ...base,
      '--cka-id',
      ckaId,
      '--file',
      dir.file('client.pem'),
      '--json',
    ]);
    expect(stored.code, stored.stderr).toBe(0);
    expect(JSON.parse(stored.stdout)).toMatchObject({
      class: 'certificate',
      id: ckaId,
      label: 'tls client',
    });
    hsm.pkcs11Tool(
      ['--read-object', '--type', 'cert', '--id', ckaId, '--output-file', dir.file('client.der')],
      hsm.tokens[1],
    );
    expect(readFileSync(dir.file('client.der'))).toEqual(der);
    // Someone else's certificate: refused, nothing stored.
    const other = await certificateFor(
      generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .publicKey.export({ type: 'spki', format: 'der' })
        .toString('base64'),
      'CN=someone else',
    );
    writeFileSync(dir.file('other.der'), other);
    const refused = await runKeywarden([
      ...base,
      '--cka-id',
      ckaId,
      '--file',
      dir.file('other.der'),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error \[BAD_REQUEST\]: The certificate is not for key/);
    const certificates = hsm.pkcs11Tool(['--list-objects', '--type', 'cert'], hsm.tokens[1]);
    expect(certificates.match(/Certificate Object/gu)).toHaveLength(1);
  });
});

describe('a token PIN typed at the terminal', () => {
  it('signs the file, not what the first attempt without a PIN left of it', async () => {
    const token = hsm.tokens[1]?.serial ?? '';
    const key = await generateOnToken('typed pin', 'p256', token, secret('pin-typed', '1234'));
    writeFileSync(dir.file('typed.txt'), 'signed after the PIN was typed');
    // Under a pseudo-terminal (util-linux `script`), so Keywarden asks for the PIN.
    const command = [
      process.execPath,
      CLI_PATH,
      'keys',
      'sign',
      key.id,
      '--in',
      dir.file('typed.txt'),
      '--out',
      dir.file('typed.sig'),
      ...vaultBase,
    ].join(' ');
    const done = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: 'pipe' });
      child.on('error', reject);
      child.on('close', resolve);
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString('utf8').includes('Token PIN:')) child.stdin.write('1234\n');
      });
    });
    expect(done).toBe(0);
    expect(await opensslVerifies(key.id, dir.file('typed.txt'), dir.file('typed.sig'))).toContain(
      'Verified OK',
    );
  });
});

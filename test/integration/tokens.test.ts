import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTokenLayer } from '../../native/pkcs11/pkcs11-client.ts';
import type { TokenChange, TokenLayer, TokenRef } from '../../native/pkcs11/pkcs11.ts';
import type { TokenObjectView } from '../../electron/shared/token-types.ts';
import { SOFTHSM_MODULE, startSoftHsm } from '../helpers/softhsm.fixture.ts';
import type { SoftHsm } from '../helpers/softhsm.fixture.ts';
import { tempDir } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// The token layer against SoftHSM2 with three tokens, and OpenSC's pkcs11-tool and OpenSSL
// as the peers: keys generated on the token never leave it, keys made by pkcs11-tool are
// found and used, signatures verify with OpenSSL, and every failure is a coded error.

let hsm: SoftHsm;
let tokens: TokenLayer;
let dir: TempDir;
const pin = (text = '1234') => Buffer.from(text);
const code = (c: string) => expect.objectContaining({ code: c });

beforeAll(() => {
  hsm = startSoftHsm({ tokens: 3 });
  dir = tempDir('keywarden-tokens-');
  tokens = openTokenLayer({ modules: [SOFTHSM_MODULE, '/nonexistent/libnothing.so'], pollMs: 200 });
});
afterAll(async () => {
  await tokens.close();
  hsm.cleanup();
  dir.cleanup();
});

const ref = (index: number): TokenRef => ({
  module: SOFTHSM_MODULE,
  serial: hsm.tokens[index]?.serial ?? '',
});

let files = 0;

function verifyWithOpenssl(spki: string, data: Buffer, signature: Buffer, args: string[]): string {
  files += 1;
  const pub = dir.file(`pub-${files}.pem`);
  writeFileSync(
    pub,
    createPublicKey({ key: Buffer.from(spki, 'base64'), format: 'der', type: 'spki' }).export({
      type: 'spki',
      format: 'pem',
    }),
  );
  writeFileSync(dir.file('data'), data);
  writeFileSync(dir.file('sig'), signature);
  return execFileSync(
    'openssl',
    ['dgst', ...args, '-verify', pub, '-signature', dir.file('sig'), dir.file('data')],
    { encoding: 'utf8' },
  );
}

describe('modules and tokens', () => {
  it('lists the three tokens with their PIN state, and the module that failed with its path', async () => {
    const list = await tokens.list();
    // SoftHSM2 always offers one more, uninitialised token in a free slot.
    expect(list.tokens.filter((t) => !t.initialized).map((t) => t.label)).toEqual(['']);
    list.tokens = list.tokens.filter((t) => t.initialized);
    expect(list.tokens.map((t) => t.label).sort()).toEqual(hsm.tokens.map((t) => t.label).sort());
    expect(list.tokens.map((t) => t.serial).sort()).toEqual(hsm.tokens.map((t) => t.serial).sort());
    for (const token of list.tokens) {
      expect(token).toMatchObject({
        module: SOFTHSM_MODULE,
        initialized: true,
        loginRequired: true,
        userPin: { initialized: true, locked: false },
      });
    }
    expect(list.modules).toEqual([SOFTHSM_MODULE]);
    expect(list.failures).toEqual([
      { module: '/nonexistent/libnothing.so', reason: expect.any(String) },
    ]);
  });
});

describe('keys on the token', () => {
  let ec: TokenObjectView;

  it('generates keys that are sensitive, never extractable and marked on-device generated', async () => {
    ec = await tokens.generate(ref(0), pin(), { algorithm: 'p256', label: 'kw signing' });
    const rsa = await tokens.generate(ref(0), pin(), { algorithm: 'rsa2048', label: 'kw rsa' });
    const aes = await tokens.generate(ref(0), pin(), { algorithm: 'aes256', label: 'kw aes' });
    expect(ec).toMatchObject({
      class: 'private-key',
      algorithm: 'p256',
      sizeBits: 256,
      label: 'kw signing',
    });
    expect(rsa).toMatchObject({ class: 'private-key', algorithm: 'rsa2048', sizeBits: 2048 });
    expect(aes).toMatchObject({
      class: 'secret-key',
      algorithm: 'aes256',
      sizeBits: 256,
      publicKey: null,
    });
    for (const key of [ec, rsa, aes]) {
      expect(key.provenance).toEqual({
        sensitive: true,
        extractable: false,
        alwaysSensitive: true,
        neverExtractable: true,
        local: true,
        onDeviceGenerated: true,
      });
    }
    expect(ec.publicKey).toMatch(/^MFkw/); // a P-256 SubjectPublicKeyInfo
    // pkcs11-tool sees the same id and label, and cannot read the private value.
    const listed = hsm.pkcs11Tool(
      ['--login', '--pin', '1234', '--list-objects', '--type', 'privkey'],
      hsm.tokens[0],
    );
    expect(listed).toContain('kw signing');
    expect(listed).toContain(`ID:         ${ec.id}`);
    expect(listed).toMatch(/Access:\s+sensitive, always sensitive, never extractable, local/);
    // Reading the AES key's value fails: the token refuses CKA_VALUE of a sensitive key.
    expect(() =>
      hsm.pkcs11Tool(
        ['--login', '--pin', '1234', '--read-object', '--type', 'secrkey', '--id', aes.id],
        hsm.tokens[0],
      ),
    ).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
    // The other tokens are untouched; without the PIN only public objects show.
    expect(await tokens.objects(ref(1), pin())).toEqual([]);
    const publicOnly = await tokens.objects(ref(0), null);
    expect(publicOnly.every((o) => o.class === 'public-key')).toBe(true);
  });

  it('signs with ECDSA and RSA (PKCS#1 v1.5 and PSS) in forms OpenSSL verifies', async () => {
    const data = Buffer.from('firmware 4.2');
    const ecdsa = await tokens.sign(ref(0), pin(), {
      keyId: ec.id,
      algorithm: 'p256',
      hash: 'sha256',
      data,
    });
    expect(verifyWithOpenssl(ec.publicKey ?? '', data, ecdsa, ['-sha256'])).toContain(
      'Verified OK',
    );
    const rsa = (await tokens.objects(ref(0), pin())).find(
      (o) => o.label === 'kw rsa' && o.class === 'private-key',
    );
    for (const [padding, args] of [
      ['pkcs1', ['-sha384']],
      ['pss', ['-sha384', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:-1']],
    ] as const) {
      const signature = await tokens.sign(ref(0), pin(), {
        keyId: rsa?.id ?? '',
        algorithm: 'rsa2048',
        hash: 'sha384',
        rsaPadding: padding,
        data,
      });
      expect(verifyWithOpenssl(rsa?.publicKey ?? '', data, signature, [...args])).toContain(
        'Verified OK',
      );
    }
  });

  it('finds and uses a key pkcs11-tool generated', async () => {
    hsm.pkcs11Tool(
      [
        '--login',
        '--pin',
        '1234',
        '--keypairgen',
        '--key-type',
        'EC:secp384r1',
        '--id',
        'a1b2',
        '--label',
        'made by opensc',
      ],
      hsm.tokens[2],
    );
    const found = (await tokens.objects(ref(2), pin())).find((o) => o.class === 'private-key');
    expect(found).toMatchObject({ id: 'a1b2', label: 'made by opensc', algorithm: 'p384' });
    expect(found?.provenance?.onDeviceGenerated).toBe(true);
    const data = Buffer.from('made elsewhere, used here');
    const signature = await tokens.sign(ref(2), pin(), {
      keyId: 'a1b2',
      algorithm: 'p384',
      hash: 'sha384',
      data,
    });
    expect(verifyWithOpenssl(found?.publicKey ?? '', data, signature, ['-sha384'])).toContain(
      'Verified OK',
    );
  });
});

describe('failures are coded errors', () => {
  it('a wrong PIN is PIN_INCORRECT and nothing is retried', async () => {
    await expect(tokens.objects(ref(1), pin('0000'))).rejects.toThrow(
      expect.objectContaining({
        code: 'PIN_INCORRECT',
        // Named as the login and its PIN, not as the listing it was for.
        message: expect.stringMatching(/CKR_PIN_INCORRECT during the user PIN login on token/),
      }),
    );
    // The right PIN still works: one wrong try, not a lock-out.
    await expect(tokens.objects(ref(1), pin())).resolves.toEqual([]);
  });

  it('a key used with the wrong mechanism, and a key that is not there, are refused', async () => {
    const ec = (await tokens.objects(ref(0), pin())).find(
      (o) => o.label === 'kw signing' && o.class === 'private-key',
    );
    // An RSA signature asked of an EC key.
    await expect(
      tokens.sign(ref(0), pin(), {
        keyId: ec?.id ?? '',
        algorithm: 'rsa2048',
        hash: 'sha256',
        data: Buffer.from('x'),
      }),
    ).rejects.toThrow(code('KEY_PURPOSE_MISMATCH'));
    // A token without RSA-PSS (SoftHSM2 offers only the mechanisms its configuration lists;
    // the module reads it again when Keywarden reconnects).
    const rsa = (await tokens.objects(ref(0), pin())).find(
      (o) => o.label === 'kw rsa' && o.class === 'private-key',
    );
    const conf = readFileSync(hsm.conf, 'utf8');
    writeFileSync(
      hsm.conf,
      `${conf}\nslots.mechanisms = CKM_RSA_PKCS_KEY_PAIR_GEN,CKM_SHA256_RSA_PKCS,CKM_EC_KEY_PAIR_GEN,CKM_ECDSA\n`,
    );
    try {
      await tokens.list(); // reconnects
      await expect(
        tokens.sign(ref(0), pin(), {
          keyId: rsa?.id ?? '',
          algorithm: 'rsa2048',
          hash: 'sha256',
          rsaPadding: 'pss',
          data: Buffer.from('x'),
        }),
      ).rejects.toThrow(code('MECHANISM_UNSUPPORTED'));
    } finally {
      writeFileSync(hsm.conf, conf);
      await tokens.list();
    }
    await expect(
      tokens.sign(ref(0), pin(), {
        keyId: 'ffff',
        algorithm: 'p256',
        hash: 'sha256',
        data: Buffer.from('x'),
      }),
    ).rejects.toThrow(code('KEY_NOT_FOUND'));
  });

  it('notices tokens coming and going, and a deleted then re-created token works without a restart', async () => {
    const changes: TokenChange[] = [];
    const stop = tokens.onChange((change) => changes.push(change));
    const until = async (test: () => boolean) => {
      for (let i = 0; i < 50 && !test(); i += 1) await new Promise((r) => setTimeout(r, 100));
    };
    const gone = hsm.tokens[1];
    hsm.deleteToken(gone?.serial ?? '');
    await until(() => changes.some((c) => c.removed.some((r) => r.serial === gone?.serial)));
    expect(changes.flatMap((c) => c.removed.map((r) => r.serial))).toContain(gone?.serial);
    await expect(
      tokens.objects({ module: SOFTHSM_MODULE, serial: gone?.serial ?? '' }, pin()),
    ).rejects.toThrow(code('TOKEN_NOT_PRESENT'));
    const back = hsm.addToken('kw-test-back');
    await until(() => changes.some((c) => c.inserted.some((t) => t.serial === back.serial)));
    stop();
    expect(changes.flatMap((c) => c.inserted.map((t) => t.label))).toContain('kw-test-back');
    const key = await tokens.generate({ module: SOFTHSM_MODULE, serial: back.serial }, pin(), {
      algorithm: 'p256',
      label: 'after',
    });
    expect(key.provenance?.onDeviceGenerated).toBe(true);
  });

  it('keeps the calling thread free while the token works', async () => {
    let ticks = 0;
    let running = true;
    const tick = () => {
      ticks += 1;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    await tokens.generate(ref(2), pin(), { algorithm: 'rsa4096', label: 'slow' });
    running = false;
    expect(ticks).toBeGreaterThan(10);
  });
});

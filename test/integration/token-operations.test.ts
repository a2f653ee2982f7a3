import {
  constants,
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  generateKeyPairSync,
  publicEncrypt,
  randomBytes,
  verify,
} from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kwpWrap } from '../../electron/core/crypto/key-wrap.ts';
import { certificateFor } from '../helpers/certificate-for.ts';
import { openTokenLayer } from '../../native/pkcs11/pkcs11-client.ts';
import type { TokenLayer, TokenRef } from '../../native/pkcs11/pkcs11.ts';
import { SOFTHSM_MODULE, startSoftHsm } from '../helpers/softhsm.fixture.ts';
import type { SoftHsm } from '../helpers/softhsm.fixture.ts';
import { tempDir } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// What a key on a token does beyond signing, against SoftHSM2 with three tokens, with
// node:crypto (OpenSSL) and pkcs11-tool as the peers: verify on the token, encrypt and
// decrypt (AES-256-GCM, RSA-OAEP-SHA-256), wrap and unwrap (RFC 5649), certificates stored
// beside their key; and how the layer treats PINs: the session it holds between calls never
// lets a different PIN through, a final try is used only when asked, a locked PIN is not
// tried, and a module a key remembers is loaded when first needed.

let hsm: SoftHsm;
let tokens: TokenLayer;
let dir: TempDir;
const pin = (text = '1234') => Buffer.from(text);
const code = (c: string) => expect.objectContaining({ code: c });

beforeAll(() => {
  hsm = startSoftHsm({ tokens: 3, prefix: 'kw-ops-' });
  dir = tempDir('keywarden-token-ops-');
  tokens = openTokenLayer({ modules: [SOFTHSM_MODULE], pollMs: 200 });
});
afterAll(async () => {
  await tokens.close();
  hsm.cleanup();
  dir.cleanup();
});

const ref = (index: number, extra: Partial<TokenRef> = {}): TokenRef => ({
  module: SOFTHSM_MODULE,
  serial: hsm.tokens[index]?.serial ?? '',
  ...extra,
});

describe('signing a batch', () => {
  it('signs each message on its own, in one call, in forms node:crypto verifies', async () => {
    const messages = ['first', 'second', 'third'].map((m) => Buffer.from(m));
    for (const [algorithm, hash] of [
      ['p256', 'sha256'],
      ['rsa2048', 'sha256'],
    ] as const) {
      const key = await tokens.generate(ref(0), pin(), { algorithm, label: `batch ${algorithm}` });
      const publicKey = createPublicKey({
        key: Buffer.from(key.publicKey ?? '', 'base64'),
        format: 'der',
        type: 'spki',
      });
      const scheme = { keyId: key.id, algorithm, hash } as const;
      const signatures = await tokens.signMany(ref(0), pin(), { ...scheme, data: messages });
      expect(signatures).toHaveLength(3);
      signatures.forEach((signature, i) => {
        for (const [j, message] of messages.entries()) {
          expect(verify('sha256', message, publicKey, signature)).toBe(i === j);
        }
      });
      await expect(tokens.signMany(ref(0), pin(), { ...scheme, data: [] })).rejects.toThrow(
        code('BAD_REQUEST'),
      );
      await expect(
        tokens.signMany(ref(0), pin('0000'), { ...scheme, data: messages }),
      ).rejects.toThrow(code('PIN_INCORRECT'));
    }
  });
});

describe('a key that asks for its PIN on every use (CKA_ALWAYS_AUTHENTICATE)', () => {
  it('signs, once and in a batch, with a context-specific login each time', async () => {
    // SoftHSM2 enforces the attribute: C_Sign without the context login is CKR_USER_NOT_LOGGED_IN.
    hsm.pkcs11Tool(
      [
        '--login',
        '--pin',
        '1234',
        '--keypairgen',
        '--key-type',
        'EC:prime256v1',
        '--id',
        'a1a1',
        '--label',
        'always authenticate',
        '--always-auth',
        '--usage-sign',
      ],
      hsm.tokens[1],
    );
    const found = (await tokens.objects(ref(1), pin())).find(
      (o) => o.id === 'a1a1' && o.class === 'private-key',
    );
    const publicKey = createPublicKey({
      key: Buffer.from(found?.publicKey ?? '', 'base64'),
      format: 'der',
      type: 'spki',
    });
    const scheme = { keyId: 'a1a1', algorithm: 'p256', hash: 'sha256' } as const;
    for (const message of ['one', 'two'].map((m) => Buffer.from(m))) {
      const signature = await tokens.sign(ref(1), pin(), { ...scheme, data: message });
      expect(verify('sha256', message, publicKey, signature)).toBe(true);
    }
    const batch = [Buffer.from('a'), Buffer.from('b'), Buffer.from('c')];
    const signatures = await tokens.signMany(ref(1), pin(), { ...scheme, data: batch });
    signatures.forEach((signature, i) => {
      expect(verify('sha256', batch[i] ?? Buffer.alloc(0), publicKey, signature)).toBe(true);
    });
  });
});

describe('verify on the token', () => {
  it('verifies what the token signed, and calls a changed or malformed signature false', async () => {
    const data = Buffer.from('signed on the token, checked there too');
    for (const [algorithm, hash, rsaPadding] of [
      ['p256', 'sha256', undefined],
      ['p384', 'sha384', undefined],
      ['rsa2048', 'sha256', 'pkcs1'],
      ['rsa2048', 'sha512', 'pss'],
    ] as const) {
      const key = await tokens.generate(ref(0), pin(), { algorithm, label: `verify ${algorithm}` });
      const scheme = { keyId: key.id, algorithm, hash, ...(rsaPadding ? { rsaPadding } : {}) };
      const signature = await tokens.sign(ref(0), pin(), { ...scheme, data });
      expect(await tokens.verify(ref(0), null, { ...scheme, data, signature })).toBe(true);
      expect(await tokens.verify(ref(0), pin(), { ...scheme, data, signature })).toBe(true);
      const other = Buffer.from('something else');
      expect(await tokens.verify(ref(0), null, { ...scheme, data: other, signature })).toBe(false);
      const flipped = Buffer.from(signature);
      flipped[flipped.length - 1] = (flipped.at(-1) ?? 0) ^ 1;
      expect(await tokens.verify(ref(0), null, { ...scheme, data, signature: flipped })).toBe(
        false,
      );
      expect(
        await tokens.verify(ref(0), null, { ...scheme, data, signature: Buffer.from([0x30, 0]) }),
      ).toBe(false);
    }
  });
});

describe('encrypt and decrypt on the token', () => {
  it('AES-256-GCM round-trips with its AAD, and refuses altered data or another AAD', async () => {
    const key = await tokens.generate(ref(0), pin(), { algorithm: 'aes256', label: 'gcm' });
    const request = { keyId: key.id, algorithm: 'aes256' as const, aad: Buffer.from('header') };
    const plaintext = randomBytes(1000);
    const sealed = await tokens.encrypt(ref(0), pin(), { ...request, data: plaintext });
    expect(sealed.length).toBe(12 + 1000 + 16);
    const again = await tokens.encrypt(ref(0), pin(), { ...request, data: plaintext });
    expect(again.subarray(0, 12).equals(sealed.subarray(0, 12))).toBe(false); // fresh nonce
    expect(await tokens.decrypt(ref(0), pin(), { ...request, data: sealed })).toEqual(plaintext);
    const altered = Buffer.from(sealed);
    altered[20] = (altered[20] ?? 0) ^ 1;
    await expect(tokens.decrypt(ref(0), pin(), { ...request, data: altered })).rejects.toThrow(
      code('DECRYPTION_FAILED'),
    );
    await expect(
      tokens.decrypt(ref(0), pin(), { ...request, aad: Buffer.from('other'), data: sealed }),
    ).rejects.toThrow(code('DECRYPTION_FAILED'));
    await expect(
      tokens.decrypt(ref(0), pin(), { ...request, data: Buffer.alloc(5) }),
    ).rejects.toThrow(code('DECRYPTION_FAILED'));
  });

  it('hands back results that own their bytes, carrying nothing of earlier calls', async () => {
    const key = await tokens.generate(ref(0), pin(), { algorithm: 'aes256', label: 'own bytes' });
    const request = { keyId: key.id, algorithm: 'aes256' as const, aad: Buffer.alloc(0) };
    const secret = Buffer.from('PLAINTEXT-A that must not travel with later replies');
    await tokens.encrypt(ref(0), pin(), { ...request, data: secret });
    const sealed = await tokens.encrypt(ref(0), pin(), { ...request, data: Buffer.from('b') });
    const opened = await tokens.decrypt(ref(0), pin(), { ...request, data: sealed });
    expect(opened.toString()).toBe('b');
    for (const result of [sealed, opened]) {
      // Not a view into a shared pool: the whole ArrayBuffer is the result.
      expect(result.buffer.byteLength).toBe(result.length);
      expect(Buffer.from(result.buffer).includes('PLAINTEXT-A')).toBe(false);
    }
  });

  it('decrypts RSA-OAEP that OpenSSL encrypted to the exported public key', async () => {
    const key = await tokens.generate(ref(1), pin(), { algorithm: 'rsa2048', label: 'oaep' });
    const publicKey = createPublicKey({
      key: Buffer.from(key.publicKey ?? '', 'base64'),
      format: 'der',
      type: 'spki',
    });
    const secret = randomBytes(32);
    // SoftHSM2 2.6 does OAEP with SHA-1 only: SHA-256, the default, is a coded refusal.
    const sha256 = { keyId: key.id, algorithm: 'rsa2048' as const, aad: Buffer.alloc(0) };
    await expect(tokens.encrypt(ref(1), pin(), { ...sha256, data: secret })).rejects.toThrow(
      code('MECHANISM_UNSUPPORTED'),
    );
    const request = { ...sha256, oaepHash: 'sha1' as const };
    const ciphertext = publicEncrypt(
      { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      secret,
    );
    expect(await tokens.decrypt(ref(1), pin(), { ...request, data: ciphertext })).toEqual(secret);
    const onToken = await tokens.encrypt(ref(1), pin(), { ...request, data: secret });
    expect(await tokens.decrypt(ref(1), pin(), { ...request, data: onToken })).toEqual(secret);
    await expect(
      tokens.encrypt(ref(1), pin(), { ...request, data: Buffer.alloc(300) }),
    ).rejects.toThrow(code('BAD_REQUEST'));
    await expect(
      tokens.decrypt(ref(1), pin(), { ...request, data: Buffer.alloc(256, 7) }),
    ).rejects.toThrow(code('DECRYPTION_FAILED'));
    // An EC key neither encrypts nor decrypts.
    const ec = await tokens.generate(ref(1), pin(), { algorithm: 'p256', label: 'not oaep' });
    await expect(
      tokens.encrypt(ref(1), pin(), { ...request, keyId: ec.id, algorithm: 'p256', data: secret }),
    ).rejects.toThrow(code('KEY_PURPOSE_MISMATCH'));
  });
});

describe('wrap and unwrap on the token', () => {
  it('wraps an extractable key and unwraps it into a working, sensitive copy', async () => {
    const kek = await tokens.generate(ref(2), pin(), { algorithm: 'aes256', label: 'kek' });
    const dataKey = await tokens.generate(ref(2), pin(), {
      algorithm: 'aes256',
      label: 'data key (ceremony: extractable)',
      extractable: true,
    });
    const wrapped = await tokens.wrapKey(ref(2), pin(), {
      wrappingKeyId: kek.id,
      algorithm: 'aes256',
      keyId: dataKey.id,
    });
    expect(wrapped.length).toBe(40); // RFC 5649: 32 bytes + the 8-byte integrity block
    const copy = await tokens.unwrapKey(ref(2), pin(), {
      unwrappingKeyId: kek.id,
      algorithm: 'aes256',
      wrapped,
      label: 'unwrapped copy',
    });
    // SoftHSM2 gives an unwrapped key no CKA_VALUE_LEN, so its size (and algorithm) is unknown.
    expect(copy).toMatchObject({
      class: 'secret-key',
      keyType: 'aes',
      label: 'unwrapped copy',
    });
    expect(copy.provenance).toMatchObject({ sensitive: true, extractable: false, local: false });
    const aad = Buffer.alloc(0);
    const data = Buffer.from('sealed under the original, opened under the copy');
    const sealed = await tokens.encrypt(ref(2), pin(), {
      keyId: dataKey.id,
      algorithm: 'aes256',
      aad,
      data,
    });
    expect(
      await tokens.decrypt(ref(2), pin(), {
        keyId: copy.id,
        algorithm: 'aes256',
        aad,
        data: sealed,
      }),
    ).toEqual(data);
    // A key that may not leave is not wrapped, and a damaged blob is not unwrapped.
    await expect(
      tokens.wrapKey(ref(2), pin(), { wrappingKeyId: kek.id, algorithm: 'aes256', keyId: kek.id }),
    ).rejects.toThrow(code('KEY_NOT_HELD'));
    const damaged = Buffer.from(wrapped);
    damaged[3] = (damaged[3] ?? 0) ^ 1;
    await expect(
      tokens.unwrapKey(ref(2), pin(), {
        unwrappingKeyId: kek.id,
        algorithm: 'aes256',
        wrapped: damaged,
        label: 'never made',
      }),
    ).rejects.toThrow(code('DECRYPTION_FAILED'));
    const labels = (await tokens.objects(ref(2), pin())).map((o) => o.label);
    expect(labels).not.toContain('never made');
  });

  it('unwraps an RFC 5649 blob made off the token under a KEK pkcs11-tool wrote', async () => {
    const kekBytes = randomBytes(32);
    writeFileSync(dir.file('kek.bin'), kekBytes);
    hsm.pkcs11Tool(
      [
        '--login',
        '--pin',
        '1234',
        '--write-object',
        dir.file('kek.bin'),
        '--type',
        'secrkey',
        '--key-type',
        'AES:32',
        '--usage-wrap',
        '--id',
        'cafe01',
        '--label',
        'kek from opensc',
      ],
      hsm.tokens[2],
    );
    const material = randomBytes(32);
    const copy = await tokens.unwrapKey(ref(2), pin(), {
      unwrappingKeyId: 'cafe01',
      algorithm: 'aes256',
      wrapped: kwpWrap(kekBytes, material),
      label: 'from off the token',
    });
    // Sealed on the token under the unwrapped key; opened here with the material.
    const aad = Buffer.from('aad');
    const data = Buffer.from('the same key on both sides');
    const sealed = await tokens.encrypt(ref(2), pin(), {
      keyId: copy.id,
      algorithm: 'aes256',
      aad,
      data,
    });
    const decipher = createDecipheriv('aes-256-gcm', material, sealed.subarray(0, 12));
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(-16));
    const opened = Buffer.concat([decipher.update(sealed.subarray(12, -16)), decipher.final()]);
    expect(opened).toEqual(data);
    // And the other way: sealed here, opened on the token.
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', material, nonce);
    cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(data), cipher.final(), cipher.getAuthTag()]);
    expect(
      await tokens.decrypt(ref(2), pin(), {
        keyId: copy.id,
        algorithm: 'aes256',
        aad,
        data: Buffer.concat([nonce, body]),
      }),
    ).toEqual(data);
  });
});

describe('certificates on the token', () => {
  it('stores a certificate beside its key, which pkcs11-tool reads back byte for byte', async () => {
    const key = await tokens.generate(ref(1), pin(), { algorithm: 'p256', label: 'with cert' });
    const der = await certificateFor(key.publicKey ?? '', 'CN=Key on a token');
    const stored = await tokens.importCertificate(ref(1), pin(), {
      keyId: key.id,
      label: 'with cert',
      certificate: der,
    });
    expect(stored).toMatchObject({ class: 'certificate', id: key.id, publicKey: key.publicKey });
    const listing = hsm.pkcs11Tool(['--list-objects', '--type', 'cert'], hsm.tokens[1]);
    expect(listing).toContain(`ID:         ${key.id}`);
    expect(listing).toContain('CN=Key on a token');
    hsm.pkcs11Tool(
      ['--read-object', '--type', 'cert', '--id', key.id, '--output-file', dir.file('back.der')],
      hsm.tokens[1],
    );
    expect(readFileSync(dir.file('back.der'))).toEqual(der);
    // Once per key.
    await expect(
      tokens.importCertificate(ref(1), pin(), { keyId: key.id, label: 'again', certificate: der }),
    ).rejects.toThrow(code('BAD_REQUEST'));
  });

  it('refuses a certificate for another key, and bytes that are not one certificate', async () => {
    const key = await tokens.generate(ref(1), pin(), { algorithm: 'p256', label: 'mine' });
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'der',
    });
    const foreign = await certificateFor(stranger.toString('base64'), 'CN=Someone else');
    await expect(
      tokens.importCertificate(ref(1), pin(), { keyId: key.id, label: 'x', certificate: foreign }),
    ).rejects.toThrow(code('BAD_REQUEST'));
    const good = await certificateFor(key.publicKey ?? '', 'CN=Mine');
    for (const bad of [Buffer.from('not a certificate'), Buffer.concat([good, Buffer.from([0])])]) {
      await expect(
        tokens.importCertificate(ref(1), pin(), { keyId: key.id, label: 'x', certificate: bad }),
      ).rejects.toThrow(code('FORMAT_INVALID'));
    }
    await expect(
      tokens.importCertificate(ref(1), pin(), { keyId: 'beef', label: 'x', certificate: good }),
    ).rejects.toThrow(code('KEY_NOT_FOUND'));
    const certificates = (await tokens.objects(ref(1), pin())).filter(
      (o) => o.class === 'certificate' && o.id === key.id,
    );
    expect(certificates).toEqual([]);
  });
});

describe('PINs with a held session', () => {
  it('never lets a different PIN through the session it holds, and the right one still works', async () => {
    const key = await tokens.generate(ref(0), pin(), { algorithm: 'p256', label: 'held' });
    const request = { keyId: key.id, algorithm: 'p256' as const, hash: 'sha256' as const };
    const data = Buffer.from('x');
    await tokens.sign(ref(0), pin(), { ...request, data }); // the session is now held
    await expect(tokens.sign(ref(0), pin('9999'), { ...request, data })).rejects.toThrow(
      code('PIN_INCORRECT'),
    );
    await tokens.sign(ref(0), pin(), { ...request, data });
    // A changed PIN: the old one no longer opens anything, the new one does.
    await tokens.changePin(ref(0), pin(), pin('4321'));
    await expect(tokens.sign(ref(0), pin(), { ...request, data })).rejects.toThrow(
      code('PIN_INCORRECT'),
    );
    await tokens.sign(ref(0), pin('4321'), { ...request, data });
    await tokens.changePin(ref(0), pin('4321'), pin());
  });

  it('logs in once while the session is held, and again after logOutAll', async () => {
    const key = await tokens.generate(ref(1), pin(), { algorithm: 'p256', label: 'logins' });
    const request = { keyId: key.id, algorithm: 'p256' as const, hash: 'sha256' as const };
    const data = Buffer.from('z');
    const serial = hsm.tokens[1]?.serial ?? '';
    // SoftHSM2 clears CKF_USER_PIN_COUNT_LOW on each successful C_Login: the flag shows
    // whether a call logged in. pkcs11-tool, another process, reads it without touching ours.
    const countLow = () => {
      // pkcs11-tool lists each slot as a block: its flags line, then later its serial.
      const block = hsm
        .pkcs11Tool(['--list-token-slots'])
        .split(/^Slot /mu)
        .find((slot) => slot.includes(`serial num         : ${serial}`));
      if (!block) throw new Error(`pkcs11-tool does not list token ${serial}`);
      return block.includes('user PIN count low');
    };
    hsm.setPinState(serial, { user: 'countLow' });
    await tokens.sign(ref(1), pin(), { ...request, data });
    expect(countLow()).toBe(false); // logged in
    hsm.setPinState(serial, { user: 'countLow' });
    await tokens.sign(ref(1), pin(), { ...request, data });
    expect(countLow()).toBe(true); // the held session: no new login
    await tokens.logOutAll();
    await tokens.sign(ref(1), pin(), { ...request, data });
    expect(countLow()).toBe(false); // logged in again
  });

  it('uses the final try only when asked, and does not try a locked PIN at all', async () => {
    const key = await tokens.generate(ref(2), pin(), { algorithm: 'p256', label: 'tries' });
    const request = { keyId: key.id, algorithm: 'p256' as const, hash: 'sha256' as const };
    const data = Buffer.from('y');
    const serial = hsm.tokens[2]?.serial ?? '';
    // SoftHSM2 would accept the right PIN even when its flags say locked: refusing it proves
    // the layer read the flags and sent nothing.
    hsm.setPinState(serial, { user: 'locked' });
    await expect(tokens.sign(ref(2), pin(), { ...request, data })).rejects.toThrow(
      expect.objectContaining({
        code: 'PIN_LOCKED',
        message: expect.stringContaining('unblock-pin'),
      }),
    );
    await expect(tokens.objects(ref(2), pin())).rejects.toThrow(code('PIN_LOCKED'));
    // The SO unblocks it with a new user PIN (SoftHSM2 clears the flags on C_InitPIN).
    await tokens.initPin(ref(2), pin('5678'), pin());
    await tokens.sign(ref(2), pin(), { ...request, data });
    await tokens.list(); // a new look at the tokens ends the session held since
    hsm.setPinState(serial, { user: 'finalTry' });
    await expect(tokens.sign(ref(2), pin(), { ...request, data })).rejects.toThrow(
      code('PIN_FINAL_TRY'),
    );
    await expect(tokens.objects(ref(2), pin())).rejects.toThrow(code('PIN_FINAL_TRY'));
    // C_SetPIN checks the old PIN itself: the same guard, so a mistyped old PIN locks nothing.
    await expect(tokens.changePin(ref(2), pin('0000'), pin('9876'))).rejects.toThrow(
      code('PIN_FINAL_TRY'),
    );
    await tokens.sign(ref(2, { acceptFinalTry: true }), pin(), { ...request, data });
    hsm.setPinState(serial, { user: 'clear' });
  });
});

describe('modules', () => {
  it('loads the module a key remembers when first needed, and names one that does not load', async () => {
    // A layer with no module at all, and the module reached through a copy of its file.
    const copy = dir.file('libsofthsm2-copy.so');
    copyFileSync(SOFTHSM_MODULE, copy);
    const bare = openTokenLayer({ modules: [], pollMs: 60_000 });
    try {
      expect((await bare.list()).tokens).toEqual([]);
      const key = await tokens.generate(ref(1), pin(), { algorithm: 'p256', label: 'remembered' });
      const signature = await bare.sign({ module: copy, serial: ref(1).serial }, pin(), {
        keyId: key.id,
        algorithm: 'p256',
        hash: 'sha256',
        data: Buffer.from('z'),
      });
      expect(signature.length).toBeGreaterThan(60);
      expect((await bare.list()).modules).toEqual([copy]);
      await expect(
        bare.objects({ module: '/nonexistent/libmissing.so', serial: ref(1).serial }, null),
      ).rejects.toThrow(
        expect.objectContaining({
          code: 'MODULE_LOAD_FAILED',
          message: expect.stringContaining('/nonexistent/libmissing.so'),
        }),
      );
      const listed = await bare.list(['/nonexistent/libmissing.so']);
      expect(listed.failures).toEqual([
        expect.objectContaining({ module: '/nonexistent/libmissing.so' }),
      ]);
    } finally {
      await bare.close();
    }
  });
});

describe('closing the layer', () => {
  it('refuses calls made after close(), in the same turn or later, and closes', async () => {
    const layer = openTokenLayer({ modules: [SOFTHSM_MODULE], pollMs: 60_000 });
    await layer.list();
    const closing = layer.close();
    const late = layer.list();
    await expect(late).rejects.toThrow(code('TOKEN_FAILED'));
    await expect(closing).resolves.toBeUndefined();
    await expect(layer.objects(ref(0), null)).rejects.toThrow(code('TOKEN_FAILED'));
  });
});

describe('a token removed while its session is held', () => {
  it('fails that call with TOKEN_REMOVED, and a token added afterwards works without a restart', async () => {
    const extra = hsm.addToken('removed mid-run');
    const extraRef = { module: SOFTHSM_MODULE, serial: extra.serial };
    const key = await tokens.generate(extraRef, pin(), { algorithm: 'p256', label: 'short-lived' });
    const request = { keyId: key.id, algorithm: 'p256' as const, hash: 'sha256' as const };
    await tokens.sign(extraRef, pin(), { ...request, data: Buffer.from('before') });
    hsm.deleteToken(extra.serial);
    await expect(
      tokens.sign(extraRef, pin(), { ...request, data: Buffer.from('after') }),
    ).rejects.toThrow(code('TOKEN_REMOVED'));
    const back = hsm.addToken('back again');
    const backRef = { module: SOFTHSM_MODULE, serial: back.serial };
    const again = await tokens.generate(backRef, pin(), { algorithm: 'p256', label: 'new' });
    const signature = await tokens.sign(backRef, pin(), {
      keyId: again.id,
      algorithm: 'p256',
      hash: 'sha256',
      data: Buffer.from('works'),
    });
    expect(signature.length).toBeGreaterThan(60);
  });
});

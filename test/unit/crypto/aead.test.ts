import { describe, expect, it } from 'vitest';
import { open, seal, sealWithNonce } from '../../../electron/core/crypto/aead.ts';
import vectors from './vectors/aes-256-gcm-cavp.json' with { type: 'json' };

const hex = (text: string) => Buffer.from(text, 'hex');

describe('AES-256-GCM against NIST CAVP vectors', () => {
  it.each(vectors.encrypt.map((v, i) => [i, v] as const))('encrypt vector %i', (_i, v) => {
    const out = sealWithNonce(hex(v.key), hex(v.iv), hex(v.pt), hex(v.aad));
    expect(out.toString('hex')).toBe(v.ct + v.tag);
  });

  it.each(vectors.decrypt.map((v, i) => [i, v] as const))('decrypt vector %i', (_i, v) => {
    const plain = open(hex(v.key), hex(v.iv), Buffer.concat([hex(v.ct), hex(v.tag)]), hex(v.aad));
    if (v.pt === null) expect(plain).toBeNull();
    else expect(plain?.toString('hex')).toBe(v.pt);
  });

  it('includes vectors that must fail to authenticate', () => {
    expect(vectors.decrypt.filter((v) => v.pt === null).length).toBeGreaterThan(5);
  });
});

describe('seal / open', () => {
  const key = Buffer.alloc(32, 7);
  const aad = Buffer.from('binding');

  it('round-trips with a fresh nonce each time', () => {
    const a = seal(key, Buffer.from('secret'), aad);
    const b = seal(key, Buffer.from('secret'), aad);
    expect(a.nonce.equals(b.nonce)).toBe(false);
    expect(open(key, a.nonce, a.ciphertext, aad)?.toString()).toBe('secret');
  });

  it('refuses a changed AAD, nonce, ciphertext or key', () => {
    const sealed = seal(key, Buffer.from('secret'), aad);
    expect(open(key, sealed.nonce, sealed.ciphertext, Buffer.from('other'))).toBeNull();
    const nonce = Buffer.from(sealed.nonce);
    nonce[0] = (nonce[0] ?? 0) ^ 1;
    expect(open(key, nonce, sealed.ciphertext, aad)).toBeNull();
    const ct = Buffer.from(sealed.ciphertext);
    ct[0] = (ct[0] ?? 0) ^ 1;
    expect(open(key, sealed.nonce, ct, aad)).toBeNull();
    expect(open(Buffer.alloc(32, 8), sealed.nonce, sealed.ciphertext, aad)).toBeNull();
    expect(open(key, sealed.nonce, sealed.ciphertext.subarray(0, 10), aad)).toBeNull();
  });
});

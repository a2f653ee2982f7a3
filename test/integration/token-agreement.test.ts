import { createECDH, createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTokenLayer } from '../../native/pkcs11/pkcs11-client.ts';
import type { TokenLayer, TokenRef } from '../../native/pkcs11/pkcs11.ts';
import { deriveSharedSecret } from '../../native/pkcs11/token-agreement.ts';
import { SOFTHSM_MODULE, startSoftHsm } from '../helpers/softhsm.fixture.ts';
import type { SoftHsm } from '../helpers/softhsm.fixture.ts';

// ECDH key agreement on the token (the vault's PKCS#11 unlock slot), against SoftHSM2 with
// node:crypto as the peer: the token's Z is the one OpenSSL computes, bad points and keys are
// coded refusals, and the derived secret object does not outlive the call.

let hsm: SoftHsm;
let tokens: TokenLayer;
let ref: TokenRef;
/** A second pkcs11js instance in this thread, to look at the layer's session objects. */
let probe: pkcs11js.PKCS11 | undefined;
const pin = (text = '1234') => Buffer.from(text);
const code = (c: string) => expect.objectContaining({ code: c });

beforeAll(() => {
  hsm = startSoftHsm({ tokens: 1, prefix: 'kw-ecdh-' });
  tokens = openTokenLayer({ modules: [SOFTHSM_MODULE], pollMs: 200 });
  ref = { module: SOFTHSM_MODULE, serial: hsm.tokens[0]?.serial ?? '' };
});
afterAll(async () => {
  await tokens.close();
  probe?.close();
  hsm.cleanup();
});

/** The token's public key for `keyId`, as objects() lists it (SPKI), and its raw point. */
async function tokenPublicKey(keyId: string) {
  const listed = (await tokens.objects(ref, pin())).find(
    (o) => o.id === keyId && o.class === 'public-key',
  );
  const key = createPublicKey({
    key: Buffer.from(listed?.publicKey ?? '', 'base64'),
    format: 'der',
    type: 'spki',
  });
  return { key, point: rawPoint(key) };
}

const derive = (keyId: string, peerPublicKey: Uint8Array, text?: string) =>
  tokens.deriveSharedSecret(ref, pin(text), { keyId, peerPublicKey });

describe('ECDH on the token', () => {
  it('agrees with node:crypto on Z, the same for the same peer, another for another', async () => {
    const key = await tokens.generate(ref, pin(), { algorithm: 'p256', label: 'unlock slot' });
    const { key: tokenKey, point } = await tokenPublicKey(key.id);
    const peer = createECDH('prime256v1');
    const peerPoint = peer.generateKeys();
    const z = await derive(key.id, peerPoint);
    expect(z).toEqual(peer.computeSecret(point));
    // Handed over whole from the worker, not a view into a shared pool.
    expect(z.buffer.byteLength).toBe(32);
    expect(await derive(key.id, peerPoint)).toEqual(z);

    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const z2 = await derive(key.id, rawPoint(other.publicKey));
    expect(z2).toEqual(diffieHellman({ privateKey: other.privateKey, publicKey: tokenKey }));
    expect(z2).not.toEqual(z);
  });

  it('refuses a wrong PIN, and a point that is not an uncompressed P-256 point before the PIN', async () => {
    const key = await tokens.generate(ref, pin(), { algorithm: 'p256', label: 'points' });
    const good = createECDH('prime256v1');
    const point = good.generateKeys();
    await expect(derive(key.id, point, '0000')).rejects.toThrow(code('PIN_INCORRECT'));
    const offCurve = Buffer.from(point);
    offCurve[64] = (offCurve[64] ?? 0) ^ 1;
    const prefixed = Buffer.from(point);
    prefixed[0] = 0x02;
    const malformed = [
      point.subarray(1), // 64 bytes, X || Y without the prefix
      good.getPublicKey(undefined, 'compressed'), // 33 bytes, 0x02 or 0x03 (SoftHSM2 takes it)
      prefixed,
      offCurve, // SoftHSM2 alone would answer CKR_GENERAL_ERROR
      Buffer.alloc(65, 0).fill(4, 0, 1),
      Buffer.alloc(0),
      Buffer.alloc(300, 0x41),
    ];
    for (const bad of malformed) {
      // Refused before any login: a wrong PIN is never even tried.
      await expect(derive(key.id, bad, '0000')).rejects.toThrow(code('BAD_REQUEST'));
      await expect(derive(key.id, bad)).rejects.toThrow(code('BAD_REQUEST'));
    }
    expect(await derive(key.id, point)).toEqual(
      good.computeSecret((await tokenPublicKey(key.id)).point),
    );
  });

  it('refuses keys that cannot agree, each with its own code', async () => {
    const point = createECDH('prime256v1').generateKeys();
    const rsa = await tokens.generate(ref, pin(), { algorithm: 'rsa2048', label: 'rsa' });
    await expect(derive(rsa.id, point)).rejects.toThrow(code('KEY_PURPOSE_MISMATCH'));
    const p384 = await tokens.generate(ref, pin(), { algorithm: 'p384', label: 'p384' });
    await expect(derive(p384.id, point)).rejects.toThrow(code('MECHANISM_UNSUPPORTED'));
    const aes = await tokens.generate(ref, pin(), { algorithm: 'aes256', label: 'aes' });
    await expect(derive(aes.id, point)).rejects.toThrow(code('KEY_NOT_FOUND'));
    await expect(derive('0badc0de', point)).rejects.toThrow(code('KEY_NOT_FOUND'));
    // An EC key made for signing only (CKA_DERIVE false): SoftHSM2's CKR_KEY_FUNCTION_NOT_PERMITTED.
    makeKey('51', ['--usage-sign']);
    await expect(derive('51', point)).rejects.toThrow(code('KEY_PURPOSE_MISMATCH'));
  });

  it('agrees with a key that asks for its PIN on every use (CKA_ALWAYS_AUTHENTICATE)', async () => {
    // SoftHSM2 does not ask for the context login before C_DeriveKey: it answers the login
    // with CKR_OPERATION_NOT_INITIALIZED, which the layer must get past.
    makeKey('a5', ['--usage-derive', '--always-auth']);
    const peer = createECDH('prime256v1');
    const z = await derive('a5', peer.generateKeys());
    expect(z).toEqual(peer.computeSecret((await tokenPublicKey('a5')).point));
  });
});

describe('the derived secret on the token', () => {
  it('is destroyed before the call returns, and no token object is made', async () => {
    const key = await tokens.generate(ref, pin(), { algorithm: 'p256', label: 'leaves nothing' });
    const before = (await tokens.objects(ref, pin())).length;
    // A fresh held session, so it is surely still open (idle < 2 s) when the probe looks.
    await tokens.logOutAll();
    for (let i = 0; i < 3; i += 1) {
      await derive(key.id, createECDH('prime256v1').generateKeys());
    }
    // Logged in: the probe shares the held session's application, so it would see its objects.
    expect(sessionObjects()).toEqual({ loggedIn: true, count: 0 });
    expect((await tokens.objects(ref, pin())).length).toBe(before);
  });
});

describe('when the token refuses or fails (a stand-in module)', () => {
  const c = pkcs11js;
  const point = createECDH('prime256v1').generateKeys();
  const refusal = (rv: number) => new pkcs11js.Pkcs11Error('refused', rv, 'C_DeriveKey');
  /** A module whose P-256 key derives as `derive` says; it records what was destroyed. */
  function standIn(derive: (publicData: Buffer) => void, value = () => Buffer.alloc(32, 7)) {
    const seen: number[] = [];
    const destroyed: unknown[] = [];
    const ulong = (n: number) => Buffer.from(new BigUint64Array([BigInt(n)]).buffer);
    const lib = {
      C_GetAttributeValue: (_s: Buffer, object: Buffer, template: { type: number }[]) => {
        const type = template[0]?.type ?? -1;
        if (object.equals(Buffer.from('key'))) {
          const values: Record<number, Buffer> = {
            [c.CKA_KEY_TYPE]: ulong(c.CKK_EC),
            [c.CKA_EC_PARAMS]: Buffer.from('06082a8648ce3d030107', 'hex'),
          };
          return [{ type, value: values[type] }];
        }
        return [{ type, value: value() }];
      },
      C_DeriveKey: (_s: Buffer, mechanism: pkcs11js.Mechanism) => {
        const publicData = (mechanism.parameter as pkcs11js.ECDH1).publicData;
        seen.push(publicData.length);
        derive(publicData);
        return Buffer.from('derived');
      },
      C_DestroyObject: (_s: Buffer, object: Buffer) => destroyed.push(object.toString()),
    } as unknown as pkcs11js.PKCS11;
    const run = () => deriveSharedSecret(c, lib, Buffer.from('s'), Buffer.from('key'), 'k', point);
    return { run, seen, destroyed };
  }

  it('tries the point DER-wrapped when the raw form is refused as malformed', () => {
    const token = standIn((data) => {
      if (data.length === 65) throw refusal(c.CKR_MECHANISM_PARAM_INVALID);
      expect(data.subarray(0, 2)).toEqual(Buffer.from([0x04, 0x41]));
    });
    expect(token.run()).toEqual(Buffer.alloc(32, 7));
    expect(token.seen).toEqual([65, 67]);
    expect(token.destroyed).toEqual(['derived']);
    const never = standIn(() => {
      throw refusal(c.CKR_DOMAIN_PARAMS_INVALID);
    });
    expect(never.run).toThrow(code('MECHANISM_UNSUPPORTED'));
    expect(never.seen).toEqual([65, 67]);
    const other = standIn(() => {
      throw refusal(c.CKR_MECHANISM_INVALID);
    });
    expect(other.run).toThrow(expect.objectContaining({ code: c.CKR_MECHANISM_INVALID }));
    expect(other.seen).toEqual([65]); // no second try for a refusal of another kind
  });

  it('destroys the derived object when reading it fails', () => {
    const token = standIn(
      () => undefined,
      () => Buffer.alloc(16),
    );
    expect(token.run).toThrow(code('TOKEN_FAILED'));
    expect(token.destroyed).toEqual(['derived']);
  });
});

/** Makes a P-256 key pair with pkcs11-tool, which sets attributes the layer does not. */
function makeKey(id: string, usage: string[]) {
  hsm.pkcs11Tool(
    ['--login', '--pin', '1234', '--keypairgen', '--key-type', 'EC:prime256v1', '--id', id].concat([
      '--label',
      `pkcs11-tool ${id}`,
      ...usage,
    ]),
    hsm.tokens[0],
  );
}

/** An EC public key as the uncompressed point 0x04 || X || Y. */
function rawPoint(key: KeyObject): Buffer {
  const { x = '', y = '' } = key.export({ format: 'jwk' });
  return Buffer.concat([
    Buffer.from([4]),
    Buffer.from(x, 'base64url'),
    Buffer.from(y, 'base64url'),
  ]);
}

// The layer's session objects, seen from this thread. The module is one per process (see
// softhsm.fixture.ts), so a second pkcs11js instance here shares the worker's application:
// its login (a new session opens logged in), and its session objects, which SoftHSM2 2.6
// shows to every session of the application (measured: an object derived in one session is
// found from another until the first closes). objects() cannot show them: it closes the
// held session first, and that destroys them. Never C_Finalize here: it would end the worker's.
/** A read-only session of a logged-in user (PKCS#11 CKS_*); pkcs11js does not export it. */
const CKS_RO_USER_FUNCTIONS = 1;

function sessionObjects(): { loggedIn: boolean; count: number } {
  if (!probe) {
    probe = new pkcs11js.PKCS11();
    probe.load(SOFTHSM_MODULE);
  }
  try {
    probe.C_Initialize();
  } catch (error) {
    if ((error as { code?: number }).code !== pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED)
      throw error;
  }
  const slot = probe
    .C_GetSlotList(true)
    .find((s) => Number(s.readBigUInt64LE(0)) === hsm.tokens[0]?.slot);
  if (!slot) throw new Error('the probe does not see the token');
  const session = probe.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
  try {
    const loggedIn = probe.C_GetSessionInfo(session).state === CKS_RO_USER_FUNCTIONS;
    probe.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_TOKEN, value: false }]);
    const count = probe.C_FindObjects(session, 100).length;
    probe.C_FindObjectsFinal(session);
    return { loggedIn, count };
  } finally {
    probe.C_CloseSession(session);
  }
}

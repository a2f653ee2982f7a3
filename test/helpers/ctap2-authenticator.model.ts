import {
  createECDH,
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  timingSafeEqual,
  type ECDH,
} from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { decode } from 'cbor2';
import {
  Refusal,
  Status,
  cbor,
  coseEc2,
  decrypt,
  encrypt,
  hmac256,
  kdf,
  refuse,
  sha256,
  verify,
} from './ctap2-model-crypto.ts';
import type { CborContext, CborHandler } from './ctaphid-device.model.ts';

export { Status } from './ctap2-model-crypto.ts';

// The authenticator side of CTAP 2.1 for the CTAPHID model: getInfo; clientPIN with PIN/UV auth
// protocol 2 (key agreement, PIN retries counting down from 8, PIN_AUTH_BLOCKED after three
// wrong PINs in one power cycle, PIN_BLOCKED at zero); makeCredential and getAssertion with
// hmac-secret (a CredRandom with and one without UV per credential; outputs
// HMAC-SHA-256(CredRandom, salt)); a touch it waits for while sending KEEPALIVE.
// Written from the specification with node:crypto, independently of native/hid.

/** How the simulated person answers a request for a touch. */
export type Touch = { touchAfterMs: number } | 'deny' | 'ignore';

interface Credential {
  rpIdHash: Buffer;
  credRandomWithUv: Buffer;
  credRandomWithoutUv: Buffer;
  privateKey: ReturnType<typeof generateKeyPairSync>['privateKey'];
}

/**
 * What the key keeps across power cycles, as JSON (bytes in hex, the private keys as PKCS#8
 * PEM): for one device held by two processes through a file. It holds the credentials' secrets;
 * whoever writes it keeps the file private.
 */
export interface Ctap2ModelState {
  aaguid: string;
  pinHash: string | null;
  pinRetries: number;
  credentials: Array<{
    id: string;
    rpIdHash: string;
    credRandomWithUv: string;
    credRandomWithoutUv: string;
    privateKey: string;
  }>;
}

type Params = Map<number | string, unknown>;
const MAX_RETRIES = 8;

export class Ctap2AuthenticatorModel implements CborHandler {
  readonly aaguid: Buffer;
  touch: Touch = { touchAfterMs: 30 };
  keepaliveIntervalMs = 10;
  /** How long it waits for a touch before CTAP2_ERR_USER_ACTION_TIMEOUT. */
  touchTimeoutMs = 300;
  pinRetries = MAX_RETRIES;
  /** What getInfo lists: a CTAP 2.0 token may lack hmac-secret or know only protocol 1. */
  extensions = ['hmac-secret'];
  pinUvAuthProtocols = [2];
  /** How many touches were asked for (each makeCredential/getAssertion with up). */
  touchesRequested = 0;
  #pinHash: Buffer | undefined;
  #mismatches = 0;
  #keyAgreement: ECDH = this.#newKeyAgreement();
  #token = randomBytes(32);
  #tokenPermissions = 0;
  #tokenRpId: string | undefined;
  readonly #credentials = new Map<string, Credential>();

  /** A new key, or the one `state` (from saveState) describes, just plugged in. */
  constructor(state?: Ctap2ModelState) {
    this.aaguid = state ? Buffer.from(state.aaguid, 'hex') : randomBytes(16);
    if (!state) return;
    this.#pinHash = state.pinHash === null ? undefined : Buffer.from(state.pinHash, 'hex');
    this.pinRetries = state.pinRetries;
    for (const credential of state.credentials) {
      this.#credentials.set(credential.id, {
        rpIdHash: Buffer.from(credential.rpIdHash, 'hex'),
        credRandomWithUv: Buffer.from(credential.credRandomWithUv, 'hex'),
        credRandomWithoutUv: Buffer.from(credential.credRandomWithoutUv, 'hex'),
        privateKey: createPrivateKey(credential.privateKey),
      });
    }
  }

  /** What the key keeps across power cycles (see Ctap2ModelState). */
  saveState(): Ctap2ModelState {
    return {
      aaguid: this.aaguid.toString('hex'),
      pinHash: this.#pinHash?.toString('hex') ?? null,
      pinRetries: this.pinRetries,
      credentials: [...this.#credentials].map(([id, credential]) => ({
        id,
        rpIdHash: credential.rpIdHash.toString('hex'),
        credRandomWithUv: credential.credRandomWithUv.toString('hex'),
        credRandomWithoutUv: credential.credRandomWithoutUv.toString('hex'),
        privateKey: credential.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      })),
    };
  }

  /** Sets the PIN (UTF-8), as the token's manager would. */
  setPin(pin: string): void {
    this.#pinHash = sha256(Buffer.from(pin.normalize('NFC'), 'utf8')).subarray(0, 16);
    this.pinRetries = MAX_RETRIES;
  }

  /** Unplug and plug in again: a new key agreement key and token, mismatch count cleared. */
  powerCycle(): void {
    this.#mismatches = 0;
    this.#keyAgreement = this.#newKeyAgreement();
    this.#token = randomBytes(32);
    this.#tokenPermissions = 0;
  }

  get credentialCount(): number {
    return this.#credentials.size;
  }

  /** A credential's CredRandom, for tests that recompute hmac-secret outputs themselves. */
  credRandomFor(credentialId: Uint8Array, userVerified: boolean): Buffer {
    const credential = this.#credentials.get(Buffer.from(credentialId).toString('hex'));
    if (!credential) throw new Error('no such credential in the model');
    return userVerified ? credential.credRandomWithUv : credential.credRandomWithoutUv;
  }

  /** The key agreement key's private half, for tests that redo ECDH independently. */
  keyAgreementPrivateKey(): Buffer {
    return this.#keyAgreement.getPrivateKey();
  }

  async handle(request: Uint8Array, context: CborContext): Promise<Uint8Array> {
    try {
      let params: Params = new Map();
      if (request.length > 1) {
        try {
          params = decode(request.subarray(1), { preferMap: true, cde: true }) as Params;
        } catch {
          refuse(Status.INVALID_CBOR);
        }
      }
      const answer = await this.#command(request[0]!, params, context);
      return Buffer.concat([Buffer.of(Status.OK), answer ? cbor(answer) : new Uint8Array(0)]);
    } catch (error) {
      if (error instanceof Refusal) return Buffer.of(error.status);
      throw error;
    }
  }

  #newKeyAgreement(): ECDH {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    return ecdh;
  }

  async #command(command: number, p: Params, context: CborContext): Promise<Params | undefined> {
    if (command === 0x04) return this.#getInfo();
    if (command === 0x06) return this.#clientPin(p);
    if (command === 0x01) return this.#makeCredential(p, context);
    if (command === 0x02) return this.#getAssertion(p, context);
    return refuse(Status.INVALID_COMMAND);
  }

  #getInfo(): Params {
    const options = new Map<string, boolean>([
      ['rk', true],
      ['up', true],
      ['clientPin', this.#pinHash !== undefined],
      ['pinUvAuthToken', true],
    ]);
    return new Map<number, unknown>([
      [1, ['FIDO_2_0', 'FIDO_2_1']],
      [2, this.extensions],
      [3, this.aaguid],
      [4, options],
      [5, 1200],
      [6, this.pinUvAuthProtocols],
    ]);
  }

  #sharedSecret(platformKey: unknown): Buffer {
    if (!(platformKey instanceof Map)) return refuse(Status.MISSING_PARAMETER);
    const x = platformKey.get(-2);
    const y = platformKey.get(-3);
    if (!(x instanceof Uint8Array && y instanceof Uint8Array))
      return refuse(Status.INVALID_PARAMETER);
    try {
      return kdf(this.#keyAgreement.computeSecret(Buffer.concat([Buffer.of(4), x, y])));
    } catch {
      return refuse(Status.INVALID_PARAMETER);
    }
  }

  #clientPin(p: Params): Params {
    if (p.get(1) !== 2) refuse(Status.INVALID_PARAMETER);
    const sub = p.get(2);
    if (sub === 0x01)
      return new Map<number, unknown>([
        [3, this.pinRetries],
        [4, false],
      ]);
    if (sub === 0x02) {
      const point = this.#keyAgreement.getPublicKey();
      return new Map([[1, coseEc2(point.subarray(1, 33), point.subarray(33), -25)]]);
    }
    if (sub !== 0x09) return refuse(Status.INVALID_PARAMETER);
    const pinHashEnc = p.get(6);
    const permissions = p.get(9);
    if (!(pinHashEnc instanceof Uint8Array) || typeof permissions !== 'number')
      refuse(Status.MISSING_PARAMETER);
    if (permissions === 0) refuse(Status.INVALID_PARAMETER);
    if (!this.#pinHash) refuse(Status.PIN_NOT_SET);
    if (this.pinRetries === 0) refuse(Status.PIN_BLOCKED);
    if (this.#mismatches >= 3) refuse(Status.PIN_AUTH_BLOCKED);
    const shared = this.#sharedSecret(p.get(3));
    this.pinRetries -= 1;
    const pinHash = decrypt(shared, pinHashEnc as Uint8Array);
    if (!timingSafeEqual(pinHash, this.#pinHash!)) {
      this.#keyAgreement = this.#newKeyAgreement();
      this.#mismatches += 1;
      if (this.pinRetries === 0) refuse(Status.PIN_BLOCKED);
      if (this.#mismatches >= 3) refuse(Status.PIN_AUTH_BLOCKED);
      refuse(Status.PIN_INVALID);
    }
    this.pinRetries = MAX_RETRIES;
    this.#mismatches = 0;
    this.#token = randomBytes(32);
    this.#tokenPermissions = permissions as number;
    const rpId = p.get(0x0a);
    this.#tokenRpId = typeof rpId === 'string' ? rpId : undefined;
    return new Map([[2, encrypt(shared, this.#token)]]);
  }

  /** Checks pinUvAuthParam over clientDataHash; whether the user was verified. */
  #userVerified(
    p: Params,
    paramKey: number,
    clientDataHash: Uint8Array,
    permission: number,
    rpId: string,
  ): boolean {
    const param = p.get(paramKey);
    if (param === undefined) {
      // With a PIN set, makeCredential needs it (makeCredUvNotRqd is false); getAssertion not.
      if (this.#pinHash && permission === 0x01) refuse(Status.PUAT_REQUIRED);
      return false;
    }
    if (p.get(paramKey + 1) !== 2) refuse(Status.INVALID_PARAMETER);
    if (!verify(this.#token, clientDataHash, param)) refuse(Status.PIN_AUTH_INVALID);
    if ((this.#tokenPermissions & permission) === 0) refuse(Status.PIN_AUTH_INVALID);
    if (this.#tokenRpId !== undefined && this.#tokenRpId !== rpId) refuse(Status.PIN_AUTH_INVALID);
    return true;
  }

  async #userPresence(context: CborContext): Promise<void> {
    this.touchesRequested += 1;
    const started = Date.now();
    for (;;) {
      if (context.cancelled()) refuse(Status.KEEPALIVE_CANCEL);
      const waited = Date.now() - started;
      if (this.touch === 'deny' && waited > 0) refuse(Status.OPERATION_DENIED);
      if (typeof this.touch === 'object' && waited >= this.touch.touchAfterMs) return;
      if (waited >= this.touchTimeoutMs) refuse(Status.USER_ACTION_TIMEOUT);
      context.keepalive(2);
      await delay(this.keepaliveIntervalMs);
    }
  }

  async #makeCredential(p: Params, context: CborContext): Promise<Params> {
    const clientDataHash = p.get(1);
    const rp = p.get(2);
    const algs = p.get(4);
    if (
      !(clientDataHash instanceof Uint8Array) ||
      !(rp instanceof Map) ||
      !(p.get(3) instanceof Map) ||
      !Array.isArray(algs)
    )
      refuse(Status.MISSING_PARAMETER);
    const rpId = (rp as Map<string, unknown>).get('id') as string;
    if (!(algs as unknown[]).some((a) => a instanceof Map && a.get('alg') === -7))
      refuse(Status.UNSUPPORTED_ALGORITHM);
    const uv = this.#userVerified(p, 8, clientDataHash as Uint8Array, 0x01, rpId);
    await this.#userPresence(context);
    const extensions = p.get(6);
    const hmacSecret = extensions instanceof Map && extensions.get('hmac-secret') === true;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const credentialId = randomBytes(48);
    this.#credentials.set(credentialId.toString('hex'), {
      rpIdHash: sha256(rpId),
      credRandomWithUv: randomBytes(32),
      credRandomWithoutUv: randomBytes(32),
      privateKey,
    });
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    const flags = 0x01 | (uv ? 0x04 : 0) | 0x40 | (hmacSecret ? 0x80 : 0);
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.of(flags),
      Buffer.alloc(4),
      this.aaguid,
      idLength,
      credentialId,
      cbor(coseEc2(Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url'), -7)),
      hmacSecret ? cbor(new Map([['hmac-secret', true]])) : new Uint8Array(0),
    ]);
    return new Map<number, unknown>([
      [1, 'none'],
      [2, authData],
      [3, new Map()],
    ]);
  }

  async #getAssertion(p: Params, context: CborContext): Promise<Params> {
    const rpId = p.get(1);
    const clientDataHash = p.get(2);
    const allowList = p.get(3);
    if (typeof rpId !== 'string' || !(clientDataHash instanceof Uint8Array))
      return refuse(Status.MISSING_PARAMETER);
    const uv = this.#userVerified(p, 6, clientDataHash, 0x02, rpId);
    const entry = (Array.isArray(allowList) ? allowList : [])
      .map((d: unknown) =>
        d instanceof Map && d.get('id') instanceof Uint8Array
          ? (d.get('id') as Uint8Array)
          : undefined,
      )
      .find(
        (id) =>
          id &&
          this.#credentials.get(Buffer.from(id).toString('hex'))?.rpIdHash.equals(sha256(rpId)),
      );
    if (!entry) return refuse(Status.NO_CREDENTIALS);
    const credential = this.#credentials.get(Buffer.from(entry).toString('hex'))!;
    const options = p.get(5);
    const up = !(options instanceof Map && options.get('up') === false);
    let output: Buffer | undefined;
    const request = p.get(4) instanceof Map ? (p.get(4) as Params).get('hmac-secret') : undefined;
    if (request instanceof Map) {
      const shared = this.#sharedSecret(request.get(1));
      const saltEnc = request.get(2);
      if (!(saltEnc instanceof Uint8Array) || request.get(4) !== 2)
        refuse(Status.INVALID_PARAMETER);
      if (!verify(shared, saltEnc as Uint8Array, request.get(3))) refuse(Status.PIN_AUTH_INVALID);
      const salts = decrypt(shared, saltEnc as Uint8Array);
      if (salts.length !== 32 && salts.length !== 64) refuse(Status.INVALID_LENGTH);
      const credRandom = uv ? credential.credRandomWithUv : credential.credRandomWithoutUv;
      const outputs = [salts.subarray(0, 32), salts.subarray(32)].filter((s) => s.length === 32);
      output = encrypt(shared, Buffer.concat(outputs.map((salt) => hmac256(credRandom, salt))));
    }
    if (up) await this.#userPresence(context);
    const flags = (up ? 0x01 : 0) | (uv ? 0x04 : 0) | (output ? 0x80 : 0);
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.of(flags),
      Buffer.of(0, 0, 0, 1),
      output ? cbor(new Map([['hmac-secret', output]])) : new Uint8Array(0),
    ]);
    const signature = sign(
      'sha256',
      Buffer.concat([authData, clientDataHash]),
      credential.privateKey,
    );
    return new Map<number, unknown>([
      [
        1,
        new Map<string, unknown>([
          ['id', entry],
          ['type', 'public-key'],
        ]),
      ],
      [2, authData],
      [3, signature],
    ]);
  }
}

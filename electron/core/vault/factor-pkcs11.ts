import { constants, createECDH, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { equalBytes, zeroize } from '../crypto/bytes.ts';
import { FACTOR_SECRET_BYTES, mix } from './factor-local.ts';
import type {
  Enrolled,
  FactorDevices,
  Pkcs11FactorParams,
  Pkcs11Mechanism,
} from './factor-types.ts';
import type { TokenLayer, TokenRef } from '../../../native/pkcs11/pkcs11.ts';
import type { TokenObjectView } from '../../shared/token-types.ts';

// The PKCS#11 token factor: a secret only a non-extractable key on a smartcard or HSM can
// recover. With an EC P-256 key it is ECDH: at enrolment an ephemeral key pair is made here,
// agreed with the token's public key and thrown away, and its public point is stored; at
// unlock the token does the same agreement with its private key. With an RSA key a random
// secret is encrypted to the token's public key with OAEP (SHA-256, or SHA-1 where the token
// decrypts only that) and the token decrypts it. Either way the token proves it holds the key
// once at enrolment, before the slot is written.

const SECRET_LABEL = 'keywarden/v1/pkcs11-factor';
const ONE = Buffer.concat([Buffer.alloc(31), Buffer.from([1])]);

function layerOf(devices: FactorDevices): TokenLayer {
  if (!devices.tokens) {
    throw new KeywardenError(
      ErrorCode.TOKEN_NOT_PRESENT,
      'No PKCS#11 module is loaded in this program, so no token can be reached.',
    );
  }
  return devices.tokens();
}

/** The uncompressed point (0x04‖X‖Y) of a P-256 SubjectPublicKeyInfo. */
function p256Point(spkiBase64: string): Buffer {
  const jwk = createPublicKey({
    key: Buffer.from(spkiBase64, 'base64'),
    format: 'der',
    type: 'spki',
  }).export({ format: 'jwk' });
  return Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x ?? '', 'base64url'),
    Buffer.from(jwk.y ?? '', 'base64url'),
  ]);
}

/** The token's key `keyId`: its private half must be there and must not be extractable. */
function findKey(objects: TokenObjectView[], keyId: string, serial: string): TokenObjectView {
  const privateKey = objects.find((o) => o.class === 'private-key' && o.id === keyId);
  const publicKey = objects.find(
    (o) => (o.class === 'public-key' || o.class === 'private-key') && o.id === keyId && o.publicKey,
  );
  if (!privateKey || !publicKey?.publicKey) {
    throw new KeywardenError(
      ErrorCode.KEY_NOT_FOUND,
      `Token ${serial} has no private key with CKA_ID ${keyId} and its public key; "keywarden tokens objects" lists its keys.`,
    );
  }
  if (privateKey.provenance?.extractable !== false) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `The key ${keyId} on token ${serial} is extractable (or does not say): it could leave the token, so it cannot guard an unlock slot. Use a key generated on the token as non-extractable.`,
    );
  }
  return publicKey;
}

function mechanismFor(algorithm: string | null, keyId: string): 'ecdh' | 'rsa' {
  if (algorithm === 'p256') return 'ecdh';
  if (algorithm?.startsWith('rsa')) return 'rsa';
  throw new KeywardenError(
    ErrorCode.MECHANISM_UNSUPPORTED,
    `The key ${keyId} is ${algorithm ?? 'of an unknown type'}; an unlock slot takes an EC P-256 key (ECDH) or an RSA key (OAEP).`,
  );
}

async function enrolRsa(
  layer: TokenLayer,
  ref: TokenRef,
  pin: Uint8Array,
  key: TokenObjectView,
): Promise<{ mechanism: Pkcs11Mechanism; data: Buffer; secret: Buffer }> {
  const secret = randomBytes(FACTOR_SECRET_BYTES);
  const publicKey = createPublicKey({
    key: Buffer.from(key.publicKey ?? '', 'base64'),
    format: 'der',
    type: 'spki',
  });
  for (const oaepHash of ['sha256', 'sha1'] as const) {
    const data = publicEncrypt(
      { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash },
      secret,
    );
    let back: Buffer | null = null;
    try {
      back = await layer.decrypt(ref, pin, {
        keyId: key.id,
        algorithm: key.algorithm as never,
        data,
        aad: new Uint8Array(0),
        oaepHash,
      });
      if (!equalBytes(back, secret)) throw mismatch(ref.serial);
      return { mechanism: `rsa-oaep-${oaepHash}`, data, secret };
    } catch (error) {
      // SoftHSM2 and some cards decrypt OAEP with SHA-1 only: that is still sound for a
      // random secret, so it is used when SHA-256 is refused.
      if (
        oaepHash === 'sha256' &&
        (error as KeywardenError).code === ErrorCode.MECHANISM_UNSUPPORTED
      )
        continue;
      zeroize(secret);
      throw error;
    } finally {
      zeroize(back);
    }
  }
  zeroize(secret);
  throw new KeywardenError(ErrorCode.MECHANISM_UNSUPPORTED, 'The token decrypts no RSA-OAEP.');
}

function mismatch(serial: string): KeywardenError {
  return new KeywardenError(
    ErrorCode.FACTOR_INCORRECT,
    `Token ${serial} answered with a different secret than its public key promises: it is not the key that was listed. Nothing was added.`,
  );
}

/**
 * Enrols the token key `keyId`: makes the secret, then has the token recover it once. Throws
 * TOKEN_NOT_PRESENT, KEY_NOT_FOUND, BAD_REQUEST (extractable key), MECHANISM_UNSUPPORTED, the
 * PIN codes, FACTOR_INCORRECT.
 */
export async function enrolPkcs11(
  devices: FactorDevices,
  enrolment: {
    serial: string;
    keyId: string;
    pin: Uint8Array;
    module?: string;
    acceptFinalTry?: boolean;
  },
): Promise<Enrolled<Pkcs11FactorParams>> {
  const layer = layerOf(devices);
  const ref: TokenRef = {
    module: enrolment.module ?? '',
    serial: enrolment.serial,
    ...(enrolment.acceptFinalTry ? { acceptFinalTry: true } : {}),
  };
  const key = findKey(
    await layer.objects(ref, enrolment.pin),
    enrolment.keyId.toLowerCase(),
    ref.serial,
  );
  const label =
    (await layer.list()).tokens.find((token) => token.serial === ref.serial)?.label ?? '';
  const common = {
    kind: 'pkcs11' as const,
    serial: ref.serial,
    label,
    module: ref.module,
    keyId: key.id,
  };
  if (mechanismFor(key.algorithm, key.id) === 'rsa') {
    const { mechanism, data, secret } = await enrolRsa(layer, ref, enrolment.pin, key);
    try {
      return {
        params: { ...common, mechanism, data: data.toString('base64') },
        secret: mix(SECRET_LABEL, secret),
      };
    } finally {
      zeroize(secret);
    }
  }
  const ephemeral = createECDH('prime256v1');
  const point = ephemeral.generateKeys();
  let shared: Buffer | null = null;
  let onToken: Buffer | null = null;
  try {
    shared = ephemeral.computeSecret(p256Point(key.publicKey ?? ''));
    // The ephemeral private key goes at once: with the stored point it would give Z again.
    // (OpenSSL clears a private key it frees; 1 is simply a valid scalar to replace it with.)
    ephemeral.setPrivateKey(ONE);
    onToken = await layer.deriveSharedSecret(ref, enrolment.pin, {
      keyId: key.id,
      peerPublicKey: point,
    });
    if (!equalBytes(onToken, shared)) throw mismatch(ref.serial);
    return {
      params: { ...common, mechanism: 'ecdh-p256', data: point.toString('base64') },
      secret: mix(SECRET_LABEL, shared),
    };
  } finally {
    zeroize(shared, onToken);
  }
}

/**
 * The token recovers the factor's secret. Throws TOKEN_NOT_PRESENT, KEY_NOT_FOUND, the PIN
 * codes, FACTOR_INCORRECT (the token's key does not give the slot's secret back).
 */
export async function recoverPkcs11(
  devices: FactorDevices,
  params: Pkcs11FactorParams,
  offered: { pin: Uint8Array; module?: string; acceptFinalTry?: boolean },
): Promise<Buffer> {
  const layer = layerOf(devices);
  const ref: TokenRef = {
    module: offered.module ?? params.module,
    serial: params.serial,
    ...(offered.acceptFinalTry ? { acceptFinalTry: true } : {}),
  };
  const data = Buffer.from(params.data, 'base64');
  let recovered: Buffer | null = null;
  try {
    recovered =
      params.mechanism === 'ecdh-p256'
        ? await layer.deriveSharedSecret(ref, offered.pin, {
            keyId: params.keyId,
            peerPublicKey: data,
          })
        : await layer.decrypt(ref, offered.pin, {
            keyId: params.keyId,
            algorithm: 'rsa2048',
            data,
            aad: new Uint8Array(0),
            oaepHash: params.mechanism === 'rsa-oaep-sha1' ? 'sha1' : 'sha256',
          });
    return mix(SECRET_LABEL, recovered);
  } catch (error) {
    // The stored point or ciphertext is checked before it reaches the token: one the layer
    // refuses was altered outside Keywarden.
    if ((error as KeywardenError).code === ErrorCode.BAD_REQUEST) {
      throw new KeywardenError(
        ErrorCode.VAULT_HEADER_TAMPERED,
        `The token factor of this slot has an impossible stored value: the header was altered outside Keywarden. Restore it from a backup.`,
      );
    }
    if ((error as KeywardenError).code === ErrorCode.DECRYPTION_FAILED) {
      throw new KeywardenError(
        ErrorCode.FACTOR_INCORRECT,
        `The key ${params.keyId} on token ${params.serial} does not recover this slot's secret: the key was replaced.`,
      );
    }
    throw error;
  } finally {
    zeroize(recovered);
  }
}

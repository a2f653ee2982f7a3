import type {
  TokenChange,
  TokenKeyAlgorithm,
  TokenList,
  TokenObjectView,
  TokenView,
} from '../../electron/shared/token-types.ts';
import type { OaepHash, SignatureScheme } from './token-operations.ts';

export type { TokenChange };
export type { OaepHash, SignatureScheme, TokenHash } from './token-operations.ts';

// The token layer's interface: what core and services see of PKCS#11. The implementation
// (pkcs11-client.ts) runs every PKCS#11 call in a worker thread, so a slow card never blocks
// the process that serves the UI; services/runtime.ts wires it in.

/**
 * A token, named by the module it is reached through ('' for any loaded module; a module not
 * loaded yet is loaded) and its serial number.
 */
export interface TokenRef {
  module: string;
  serial: string;
  /**
   * Whether a login may use the PIN's final try (CKF_*_PIN_FINAL_TRY). Without it such a
   * login is refused with PIN_FINAL_TRY before anything reaches the token.
   */
  acceptFinalTry?: boolean;
}

export interface TokenSignRequest extends SignatureScheme {
  /** CKA_ID (hex) of the private key. */
  keyId: string;
  data: Uint8Array;
}

export interface TokenSignManyRequest extends SignatureScheme {
  /** CKA_ID (hex) of the private key. */
  keyId: string;
  /** The messages, each signed on its own (at most MAX_SIGN_BATCH, 64 MiB in all). */
  data: Uint8Array[];
}

/** The most messages one signMany call takes. */
export const MAX_SIGN_BATCH = 10_000;

export interface TokenVerifyRequest extends TokenSignRequest {
  /** As sign returns it: DER for ECDSA. */
  signature: Uint8Array;
}

export interface TokenCipherRequest {
  /** CKA_ID (hex) of the key: AES-256 (GCM) or RSA (OAEP-SHA-256). */
  keyId: string;
  algorithm: TokenKeyAlgorithm;
  data: Uint8Array;
  /** AES-GCM only: associated data (empty when absent). */
  aad: Uint8Array;
  /** RSA only: the OAEP hash, SHA-256 unless the token does only SHA-1. */
  oaepHash?: OaepHash;
}

export interface TokenWrapRequest {
  /** CKA_ID of the wrapping key: AES-256 (Key Wrap with Padding) or RSA (OAEP-SHA-256). */
  wrappingKeyId: string;
  algorithm: TokenKeyAlgorithm;
  /** CKA_ID of the extractable key to wrap. */
  keyId: string;
  /** RSA only: the OAEP hash, SHA-256 unless the token does only SHA-1. */
  oaepHash?: OaepHash;
}

export interface TokenUnwrapRequest {
  unwrappingKeyId: string;
  algorithm: TokenKeyAlgorithm;
  wrapped: Uint8Array;
  /** The new AES-256 key's label and CKA_ID (random 16 bytes when absent). */
  label: string;
  id?: string;
  extractable?: boolean;
  oaepHash?: OaepHash;
}

export interface TokenAgreementRequest {
  /** CKA_ID (hex) of the EC P-256 private key. */
  keyId: string;
  /** The peer's public key: an uncompressed SEC1 point (0x04 || X || Y), 65 bytes for P-256. */
  peerPublicKey: Uint8Array;
}

export interface TokenCertificateRequest {
  /** CKA_ID of the key the certificate is for; the certificate gets the same. */
  keyId: string;
  /** The certificate object's label; the key's own when absent. */
  label?: string;
  /** One X.509 certificate, DER. */
  certificate: Uint8Array;
}

export interface TokenGenerateRequest {
  algorithm: TokenKeyAlgorithm;
  label: string;
  /** CKA_ID as hex; a random 16-byte id when absent. */
  id?: string;
  /** Only a ceremony may ask for an extractable key; by default it never leaves the token. */
  extractable?: boolean;
}

/**
 * PKCS#11 tokens. PINs are bytes, copied into the worker and zeroed there after the call
 * (pkcs11js takes a PIN as a string, which cannot be wiped: it lives only for that call).
 * Every method throws KeywardenError with a code mapped from the CKR_* value.
 */
export interface TokenLayer {
  /**
   * Tokens present in every loaded module, and the modules that failed to load. `modules`
   * are loaded first when they are not (those the inventory's token keys remember).
   */
  list(modules?: readonly string[]): Promise<TokenList>;
  /** Objects on a token: with a PIN, private objects too. */
  objects(token: TokenRef, pin: Uint8Array | null): Promise<TokenObjectView[]>;
  /** Generates a key on the token (sensitive, non-extractable unless asked); returns it. */
  generate(
    token: TokenRef,
    pin: Uint8Array,
    request: TokenGenerateRequest,
  ): Promise<TokenObjectView>;
  /** Signs on the token; ECDSA signatures come back DER-encoded, as OpenSSL writes them. */
  sign(token: TokenRef, pin: Uint8Array, request: TokenSignRequest): Promise<Buffer>;
  /**
   * Signs each message with one key, in one call and one login: a batch (release artefacts,
   * ceremony records) costs the token's own time plus one thread hop. BAD_REQUEST for an
   * empty or oversized batch.
   */
  signMany(token: TokenRef, pin: Uint8Array, request: TokenSignManyRequest): Promise<Buffer[]>;
  /** Verifies on the token (C_Verify with the public key object); a bad signature is false. */
  verify(token: TokenRef, pin: Uint8Array | null, request: TokenVerifyRequest): Promise<boolean>;
  /** AES-256-GCM (nonce || ciphertext || tag) or RSA-OAEP-SHA-256 on the token. */
  encrypt(token: TokenRef, pin: Uint8Array, request: TokenCipherRequest): Promise<Buffer>;
  /** The reverse of encrypt; DECRYPTION_FAILED when it does not authenticate or decrypt. */
  decrypt(token: TokenRef, pin: Uint8Array, request: TokenCipherRequest): Promise<Buffer>;
  /**
   * ECDH (CKM_ECDH1_DERIVE, KDF CKD_NULL) between the token's private EC key `keyId` and a
   * peer's public point; returns the raw shared secret Z (32 bytes for P-256), which the caller
   * zeroes. The token's derived object is destroyed before this returns. BAD_REQUEST for a point
   * that is not an uncompressed P-256 point, KEY_NOT_FOUND for no such private key,
   * KEY_PURPOSE_MISMATCH for a key that is not EC or may not derive, MECHANISM_UNSUPPORTED for
   * another curve or a token without ECDH.
   */
  deriveSharedSecret(
    token: TokenRef,
    pin: Uint8Array,
    request: TokenAgreementRequest,
  ): Promise<Buffer>;
  /** Wraps an extractable key on the token under another key there; returns the blob. */
  wrapKey(token: TokenRef, pin: Uint8Array, request: TokenWrapRequest): Promise<Buffer>;
  /** Unwraps a blob into a new AES-256 key on the token (sensitive); returns it. */
  unwrapKey(
    token: TokenRef,
    pin: Uint8Array,
    request: TokenUnwrapRequest,
  ): Promise<TokenObjectView>;
  /** Stores an X.509 certificate beside the key it is for (checked); returns the object. */
  importCertificate(
    token: TokenRef,
    pin: Uint8Array,
    request: TokenCertificateRequest,
  ): Promise<TokenObjectView>;
  /**
   * Destroys every key object (private, public, secret) with CKA_ID `keyId` on the token;
   * returns how many there were (0 when already gone). Only the inventory's destruction flow
   * calls this.
   */
  destroyKeyObjects(token: TokenRef, pin: Uint8Array, keyId: string): Promise<number>;
  /** Changes the user PIN (logged in as the user with the old one). */
  changePin(token: TokenRef, oldPin: Uint8Array, newPin: Uint8Array): Promise<void>;
  /** Sets the user PIN with the security officer's PIN: first use, or unblocking a locked PIN. */
  initPin(token: TokenRef, soPin: Uint8Array, newPin: Uint8Array): Promise<void>;
  /**
   * Initialises a token that has never been initialised (SO PIN and label), then sets its
   * user PIN; returns it. An initialised token is refused: re-initialising erases every key
   * on it, outside the inventory's destruction flow.
   */
  initToken(
    token: { module: string; serial: string | null },
    soPin: Uint8Array,
    userPin: Uint8Array,
    label: string,
  ): Promise<TokenView>;
  /**
   * Logs out of and closes every session held between calls, at once rather than after their
   * idle time: when the vault locks, nothing stays logged in to a token.
   */
  logOutAll(): Promise<void>;
  /** Called when tokens appear or disappear (checked every second). Returns an unsubscribe. */
  onChange(listener: (change: TokenChange) => void): () => void;
  /** Finalises every module and stops the worker. */
  close(): Promise<void>;
}

import type {
  TokenChange,
  TokenKeyAlgorithm,
  TokenList,
  TokenObjectView,
  TokenView,
} from '../../electron/shared/token-types.ts';

export type { TokenChange };

// The token layer's interface: what core and services see of PKCS#11. The implementation
// (pkcs11-client.ts) runs every PKCS#11 call in a worker thread, so a slow card never blocks
// the process that serves the UI; services/runtime.ts wires it in.

/** A token, named by the module it is reached through and its serial number. */
export interface TokenRef {
  module: string;
  serial: string;
}

export type TokenHash = 'sha256' | 'sha384' | 'sha512';

export interface TokenSignRequest {
  /** CKA_ID (hex) of the private key. */
  keyId: string;
  algorithm: TokenKeyAlgorithm;
  hash: TokenHash;
  /** RSA only: PKCS#1 v1.5 (default) or PSS (salt = hash length). */
  rsaPadding?: 'pkcs1' | 'pss';
  data: Uint8Array;
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
  /** Tokens present in every loaded module, and the modules that failed to load. */
  list(): Promise<TokenList>;
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
  /** Called when tokens appear or disappear (checked every second). Returns an unsubscribe. */
  onChange(listener: (change: TokenChange) => void): () => void;
  /** Finalises every module and stops the worker. */
  close(): Promise<void>;
}

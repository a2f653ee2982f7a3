// What the app knows of PKCS#11 modules, tokens and the objects on them: plain data only,
// the same for the CLI, the IPC contract and the UI. Nothing here is secret; a token key's
// private part never leaves the token.

/** The PIN state a token reports (CKF_* flags of C_GetTokenInfo). */
export interface PinState {
  /** The user PIN has been set (CKF_USER_PIN_INITIALIZED). */
  initialized: boolean;
  /** A wrong PIN was entered since the last right one (CKF_USER_PIN_COUNT_LOW). */
  countLow: boolean;
  /** One more wrong PIN locks it (CKF_USER_PIN_FINAL_TRY). */
  finalTry: boolean;
  /** Locked: the security officer must unblock it (CKF_USER_PIN_LOCKED). */
  locked: boolean;
  /** Must be changed before use (CKF_USER_PIN_TO_BE_CHANGED). */
  toBeChanged: boolean;
}

export interface TokenView {
  /** The PKCS#11 module (shared library) the token is reached through. */
  module: string;
  label: string;
  serial: string;
  model: string;
  manufacturer: string;
  /** "major.minor" */
  firmware: string;
  hardware: string;
  initialized: boolean;
  loginRequired: boolean;
  writeProtected: boolean;
  /** PIN entered on the reader's own keypad (CKF_PROTECTED_AUTHENTICATION_PATH). */
  protectedAuthenticationPath: boolean;
  userPin: PinState;
  soPin: Omit<PinState, 'initialized'>;
  /** Free memory in bytes, where the token tells (null when it does not). */
  freePublicMemory: number | null;
  freePrivateMemory: number | null;
  pinLength: { min: number; max: number };
}

/** A module that could not be loaded, with why. */
export interface ModuleFailure {
  module: string;
  reason: string;
}

export interface TokenList {
  tokens: TokenView[];
  /** Modules looked at that loaded. */
  modules: string[];
  failures: ModuleFailure[];
}

export const TOKEN_KEY_ALGORITHMS = [
  'p256',
  'p384',
  'rsa2048',
  'rsa3072',
  'rsa4096',
  'aes256',
] as const;
export type TokenKeyAlgorithm = (typeof TOKEN_KEY_ALGORITHMS)[number];

export type TokenObjectClass =
  'private-key' | 'public-key' | 'secret-key' | 'certificate' | 'data' | 'other';

/** The attributes that show where a key was born and whether it can leave the token. */
export interface KeyProvenance {
  sensitive: boolean | null;
  extractable: boolean | null;
  alwaysSensitive: boolean | null;
  neverExtractable: boolean | null;
  local: boolean | null;
  /** Generated on the device and never out of it: CKA_LOCAL and CKA_NEVER_EXTRACTABLE both true. */
  onDeviceGenerated: boolean;
}

export interface TokenObjectView {
  class: TokenObjectClass;
  /** CKA_ID as lower-case hex ('' when empty). */
  id: string;
  label: string;
  /** ec, rsa, aes, ...; null for objects that are not keys. */
  keyType: string | null;
  /** The Keywarden algorithm when it is one (p256, rsa3072, ...). */
  algorithm: string | null;
  sizeBits: number | null;
  provenance: KeyProvenance | null;
  /** DER SubjectPublicKeyInfo (base64) of a public key, or of a certificate's key. */
  publicKey: string | null;
}

/** Tokens that appeared and disappeared since the last look. */
export interface TokenChange {
  inserted: TokenView[];
  removed: Array<{ module: string; serial: string }>;
}

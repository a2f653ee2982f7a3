// The Argon2id interface core depends on. The implementation over libargon2 (the `argon2`
// package) is argon2-kdf.ts beside it.

export interface Argon2idParams {
  /** Memory in KiB. */
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

export interface Argon2idInput extends Argon2idParams {
  password: Uint8Array;
  salt: Uint8Array;
  hashLength: number;
  /** Optional key (RFC 9106 "secret", K) and associated data (X). */
  secret?: Uint8Array;
  associatedData?: Uint8Array;
}

export interface Argon2id {
  /** Derives `hashLength` raw bytes; the caller zeroes the result. */
  derive(input: Argon2idInput): Promise<Buffer>;
}

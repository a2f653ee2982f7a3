// The one function Keywarden uses from bcrypt-pbkdf 1.0.2, which ships no types.
declare module 'bcrypt-pbkdf' {
  const bcryptPbkdf: {
    /**
     * OpenBSD's bcrypt_pbkdf: fills `key` (keylen bytes) from the passphrase and salt.
     * Returns 0, or -1 (key untouched) for an empty passphrase or salt, or rounds < 1.
     */
    pbkdf(
      pass: Uint8Array,
      passlen: number,
      salt: Uint8Array,
      saltlen: number,
      key: Uint8Array,
      keylen: number,
      rounds: number,
    ): number;
  };
  export default bcryptPbkdf;
}

import { ErrorCode } from '../../shared/errors.ts';
import { zeroize } from '../crypto/bytes.ts';
import { isKeywardenCode, offerFits, recoverFactor, SPENT_FACTOR_CODES } from './factors.ts';
import type { FactorDevices, FactorParams, OfferedFactor } from './factor-types.ts';

// One unlock attempt's use of the offered factors. A factor's secret is recovered once per
// offer and reused by every slot that needs it (a passphrase is stretched once, a token asked
// once). An offer whose PIN a device refused is not tried on that device again in the same
// attempt: a token's or security key's PIN is the device's own, so the offer is spent for every
// factor; a TPM PIN belongs to one sealed object, so it is spent for that object only (another
// person's TPM PIN slot may take it). clear() zeroes every secret recovered.

export class FactorAttempts {
  readonly offered: readonly OfferedFactor[];
  readonly #devices: FactorDevices;
  readonly #secrets = new Map<string, Promise<Buffer>>();
  readonly #spent = new Map<number, unknown>();
  readonly #recovered: Buffer[] = [];

  constructor(devices: FactorDevices, offered: readonly OfferedFactor[]) {
    this.#devices = devices;
    this.offered = offered;
  }

  /** Whether recovering `factor` may spend a PIN or lockout try (a PIN goes to a device). */
  static costsATry(factor: FactorParams): boolean {
    return (
      (factor.kind === 'tpm2' && factor.pin !== undefined) ||
      factor.kind === 'pkcs11' ||
      (factor.kind === 'fido2' && factor.userVerified)
    );
  }

  /** The indices of the offers meant for `factor`. */
  offersFor(factor: FactorParams): number[] {
    return this.offered.flatMap((offer, index) => (offerFits(factor, offer) ? [index] : []));
  }

  /** The factor's secret from offer `index` (owned here: zeroed by clear()). Throws the factor's codes. */
  secret(factor: FactorParams, index: number): Promise<Buffer> {
    if (this.#spent.has(index)) return Promise.reject(this.#spent.get(index));
    const key = `${index}:${JSON.stringify(factor)}`;
    // A failed recovery is cached under `key` too: that object is never asked twice.
    let pending = this.#secrets.get(key);
    if (!pending) {
      pending = recoverFactor(this.#devices, factor, this.offered[index]!).then(
        (secret) => {
          this.#recovered.push(secret);
          return secret;
        },
        (error: unknown) => {
          const objectOnly = (error as { code?: string }).code === ErrorCode.TPM_AUTH_FAILED;
          if (!objectOnly && isKeywardenCode(error, SPENT_FACTOR_CODES))
            this.#spent.set(index, error);
          throw error;
        },
      );
      this.#secrets.set(key, pending);
    }
    return pending;
  }

  /** Zeroes every recovered secret. */
  clear(): void {
    zeroize(...this.#recovered);
    this.#recovered.length = 0;
    this.#secrets.clear();
  }
}

import { zeroize } from '../crypto/bytes.ts';
import { isKeywardenCode, offerFits, recoverFactor, SPENT_FACTOR_CODES } from './factors.ts';
import type { FactorDevices, FactorParams, OfferedFactor } from './factor-types.ts';

// One unlock attempt's use of the offered factors. A factor's secret is recovered once per
// offer and reused by every slot that needs it (a passphrase is stretched once, a token asked
// once). An offer that failed its PIN or auth check is not tried again in the same attempt:
// a second try would spend another PIN or TPM lockout try for nothing. clear() zeroes every
// secret recovered.

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

  /** The indices of the offers meant for `factor`. */
  offersFor(factor: FactorParams): number[] {
    return this.offered.flatMap((offer, index) => (offerFits(factor, offer) ? [index] : []));
  }

  /** The factor's secret from offer `index` (owned here: zeroed by clear()). Throws the factor's codes. */
  secret(factor: FactorParams, index: number): Promise<Buffer> {
    if (this.#spent.has(index)) return Promise.reject(this.#spent.get(index));
    const key = `${index}:${JSON.stringify(factor)}`;
    let pending = this.#secrets.get(key);
    if (!pending) {
      pending = recoverFactor(this.#devices, factor, this.offered[index]!).then(
        (secret) => {
          this.#recovered.push(secret);
          return secret;
        },
        (error: unknown) => {
          if (isKeywardenCode(error, SPENT_FACTOR_CODES)) this.#spent.set(index, error);
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

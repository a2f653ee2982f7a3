import { createRequire } from 'node:module';
import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';
import { isAddonFailure, tpmError, tpmUnavailable } from './tpm2-errors.ts';

// The TPM 2.0 interface core depends on, and its one implementation: the project's N-API
// addon (native/tpm2/addon) over tss2-esys. A secret is sealed to the TPM under the owner
// hierarchy's storage key, optionally bound to SHA-256 PCR values and to an authValue (the
// PIN-derived key), and comes back only from the same TPM while the policy holds.
//
// The addon is loaded on first use, and a failure to load is remembered: a machine without
// libtss2 or without the built addon loses the TPM slot (TPM_UNAVAILABLE), nothing else.

/** A sealed object as the vault stores it in the slot's parameters: public data only. */
export interface TpmSealed {
  /** Base64 of the marshalled TPM2B_PUBLIC of the sealed object. */
  public: string;
  /** Base64 of the marshalled TPM2B_PRIVATE (encrypted by the TPM's storage key). */
  private: string;
  pcrBank: 'sha256';
  /** The PCRs the policy binds (ascending, 0..23); [] for none. */
  pcrs: number[];
  /** Whether an authValue (PIN-derived) is required. */
  auth: boolean;
}

export interface Tpm2 {
  /** The TCTI configuration this TPM is reached through ("device:/dev/tpmrm0", "swtpm:..."). */
  readonly tcti: string;
  /**
   * Seals `secret` (1..64 bytes; core passes 32) under the owner-hierarchy storage primary
   * key, bound to the current values of `pcrs` and to `authValue` (1..32 bytes) when given.
   * The caller keeps and zeroes its own bytes. Throws BAD_REQUEST, TPM_UNAVAILABLE,
   * TPM_FAILED.
   */
  seal(secret: Uint8Array, options: { pcrs: number[]; authValue?: Uint8Array }): Promise<TpmSealed>;
  /**
   * Unseals; the caller zeroes the returned Buffer. Throws BAD_REQUEST, TPM_UNAVAILABLE,
   * TPM_PCR_MISMATCH, TPM_AUTH_FAILED, TPM_LOCKOUT, TPM_SEALED_OBJECT_INVALID, TPM_FAILED.
   */
  unseal(sealed: TpmSealed, authValue?: Uint8Array): Promise<Buffer>;
}

export const DEFAULT_TPM_TCTI = 'device:/dev/tpmrm0';

const MAX_SECRET_BYTES = 64;
/** The sealed object's nameAlg is SHA-256, and a TPM refuses a longer authValue. */
const MAX_AUTH_BYTES = 32;
const PCR_COUNT = 24;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The addon's exports (native/tpm2/addon/src/addon.cc). */
interface Tpm2Addon {
  seal(
    tcti: string,
    secret: Uint8Array,
    pcrs: number[],
    authValue: Uint8Array | null,
  ): Promise<{ public: Buffer; private: Buffer }>;
  unseal(
    tcti: string,
    publicBlob: Buffer,
    privateBlob: Buffer,
    pcrs: number[],
    authValue: Uint8Array | null,
  ): Promise<Buffer>;
}

let addon: Tpm2Addon | null = null;
let addonLoadFailure: unknown = null;

function loadAddon(): Tpm2Addon | null {
  if (addon || addonLoadFailure) return addon;
  try {
    addon = createRequire(import.meta.url)(
      './addon/build/Release/keywarden_tpm2.node',
    ) as Tpm2Addon;
  } catch (error) {
    addonLoadFailure = error ?? new Error('the TPM 2.0 addon did not load');
  }
  return addon;
}

/** Whether the TPM 2.0 addon is built and loads on this machine (it says nothing of a TPM). */
export function tpm2AddonAvailable(): boolean {
  return loadAddon() !== null;
}

function badRequest(message: string): KeywardenError {
  return new KeywardenError(ErrorCode.BAD_REQUEST, message);
}

/** Refuses anything but distinct integers 0..23; returns them ascending. */
function checkPcrs(pcrs: unknown, what: string): number[] {
  if (!Array.isArray(pcrs)) throw badRequest(`${what} must be a list of PCR numbers.`);
  for (const pcr of pcrs) {
    if (!Number.isInteger(pcr) || pcr < 0 || pcr >= PCR_COUNT) {
      throw badRequest(`${what} may hold only PCR numbers 0 to 23; ${String(pcr)} is not one.`);
    }
  }
  const sorted = [...(pcrs as number[])].sort((a, b) => a - b);
  if (sorted.some((pcr, i) => i > 0 && pcr === sorted[i - 1])) {
    throw badRequest(`${what} names a PCR more than once.`);
  }
  return sorted;
}

function checkAuthValue(authValue: unknown): Uint8Array | null {
  if (authValue === undefined) return null;
  if (
    !(authValue instanceof Uint8Array) ||
    authValue.length < 1 ||
    authValue.length > MAX_AUTH_BYTES
  ) {
    throw badRequest(`A TPM authValue must be 1 to ${MAX_AUTH_BYTES} bytes.`);
  }
  return authValue;
}

/** Decodes one blob of a stored TpmSealed: strict base64 of a TPM2B (a size, then that many bytes). */
function decodeBlob(value: unknown, field: 'public' | 'private'): Buffer {
  if (typeof value !== 'string' || value.length === 0 || !BASE64.test(value)) {
    throw badRequest(`The TPM slot's sealed object has no valid base64 "${field}" field.`);
  }
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length < 2 || bytes.readUInt16BE(0) !== bytes.length - 2) {
    throw badRequest(`The TPM slot's sealed "${field}" field is not a TPM2B structure.`);
  }
  return bytes;
}

/**
 * Calls on one TPM run one after another. The TPM executes one command at a time anyway, and
 * without a resource manager (swtpm, /dev/tpm0) two interleaved calls could need more
 * transient-object slots than the TPM's three. The queues are per process, as the TPM is.
 */
const queues = new Map<string, Promise<void>>();

function serialised<T>(tcti: string, run: () => Promise<T>): Promise<T> {
  const previous = queues.get(tcti) ?? Promise.resolve();
  const result = previous.then(run);
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  queues.set(tcti, tail);
  void tail.then(() => {
    if (queues.get(tcti) === tail) queues.delete(tcti);
  });
  return result;
}

/** Runs `call` on the addon, turning its rejections into KeywardenErrors. */
async function withAddon<T>(
  tcti: string,
  pcrs: number[],
  call: (loaded: Tpm2Addon) => Promise<T>,
): Promise<T> {
  const loaded = loadAddon();
  if (!loaded) throw tpmUnavailable(tcti, addonLoadFailure, true);
  return serialised(tcti, async () => {
    try {
      return await call(loaded);
    } catch (error) {
      if (isAddonFailure(error)) throw tpmError(error, { tcti, pcrs }, error);
      throw error;
    }
  });
}

/**
 * The TPM reached through `tcti` (DEFAULT_TPM_TCTI in production). Never throws: a TPM or
 * addon that is missing shows as TPM_UNAVAILABLE from seal and unseal.
 */
export function openTpm2(tcti: string): Tpm2 {
  return {
    tcti,
    async seal(secret, options) {
      if (
        !(secret instanceof Uint8Array) ||
        secret.length < 1 ||
        secret.length > MAX_SECRET_BYTES
      ) {
        throw badRequest(`A secret to seal in the TPM must be 1 to ${MAX_SECRET_BYTES} bytes.`);
      }
      if (typeof options !== 'object' || options === null) {
        throw badRequest('Sealing in the TPM needs options with a PCR selection ([] for none).');
      }
      const pcrs = checkPcrs(options.pcrs, 'The PCR selection');
      const authValue = checkAuthValue(options.authValue);
      const blobs = await withAddon(tcti, pcrs, (loaded) =>
        loaded.seal(tcti, secret, pcrs, authValue),
      );
      return {
        public: blobs.public.toString('base64'),
        private: blobs.private.toString('base64'),
        pcrBank: 'sha256',
        pcrs,
        auth: authValue !== null,
      };
    },
    async unseal(sealed, authValue) {
      if (typeof sealed !== 'object' || sealed === null || sealed.pcrBank !== 'sha256') {
        throw badRequest("The TPM slot's sealed object is not a SHA-256 PCR-bank TpmSealed.");
      }
      const publicBlob = decodeBlob(sealed.public, 'public');
      const privateBlob = decodeBlob(sealed.private, 'private');
      const pcrs = checkPcrs(sealed.pcrs, "The sealed object's PCR list");
      if (pcrs.some((pcr, i) => pcr !== sealed.pcrs[i])) {
        throw badRequest("The sealed object's PCR list is not in ascending order.");
      }
      if (typeof sealed.auth !== 'boolean') {
        throw badRequest("The TPM slot's sealed object does not say whether it needs a PIN.");
      }
      const auth = checkAuthValue(authValue);
      if (sealed.auth && auth === null) {
        throw badRequest('This TPM slot is sealed with a PIN: an authValue is required.');
      }
      if (!sealed.auth && auth !== null) {
        throw badRequest('This TPM slot is sealed without a PIN: no authValue is taken.');
      }
      return withAddon(tcti, pcrs, (loaded) =>
        loaded.unseal(tcti, publicBlob, privateBlob, pcrs, auth),
      );
    },
  };
}

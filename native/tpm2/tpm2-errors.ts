import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';

// TPM failures in Keywarden's words. The addon rejects with the stage of the call that failed
// and the raw TSS2_RC; the mapping below reads those two and nothing else. The library's
// decoding of the code (Tss2_RC_Decode) is shown to people, never matched.

/** Where in a seal or unseal call the addon failed (native/tpm2/addon/src/tpm2-ops.h). */
export type TpmStage =
  'tcti' | 'blob' | 'primary' | 'session' | 'policy' | 'create' | 'load' | 'unseal' | 'marshal';

/** The properties the addon sets on the Error it rejects with. */
export interface AddonFailure {
  stage: TpmStage;
  rc: number;
  rcText: string;
}

/** The software layers of a TSS2_RC (bits 16..23) that the mapping tells apart, from tss2_common.h. */
const Layer = { TPM: 0, TCTI: 10 } as const;

/** Base codes (the low 16 bits outside the TPM layer) that mean the TPM could not be reached. */
const UNREACHABLE_BASE_RCS: ReadonlySet<number> = new Set([
  8, // TSS2_BASE_RC_NO_CONNECTION
  10, // TSS2_BASE_RC_IO_ERROR
  49, // TSS2_BASE_RC_NO_TPM
]);

/** TPM response codes (TPM 2.0 Part 2, 6.6.3), with the handle / session / parameter bits masked. */
const TpmRc = {
  VALUE: 0x084,
  AUTH_FAIL: 0x08e,
  POLICY_FAIL: 0x09d,
  BAD_AUTH: 0x0a2,
  PCR_CHANGED: 0x128,
  SENSITIVE: 0x155,
  OBJECT_MEMORY: 0x902,
  SESSION_MEMORY: 0x903,
  MEMORY: 0x904,
  LOCKOUT: 0x921,
} as const;

export interface DecodedRc {
  layer: number;
  /** For the TPM layer, the response code without its index bits; else the base code. */
  code: number;
  /** Format-one TPM codes name the handle, session or parameter (1-based) they apply to. */
  handle?: number;
  session?: number;
  parameter?: number;
}

/** Splits a TSS2_RC into its layer, its code, and (format-one TPM codes) the index it names. */
export function decodeRc(rc: number): DecodedRc {
  const layer = (rc >>> 16) & 0xff;
  if (layer !== Layer.TPM) return { layer, code: rc & 0xffff };
  if ((rc & 0x080) === 0) return { layer, code: rc & 0xfff }; // format zero: no index
  const code = 0x080 | (rc & 0x03f);
  const index = (rc >>> 8) & 0xf;
  if (index === 0) return { layer, code };
  if (rc & 0x040) return { layer, code, parameter: index };
  if (index & 0x8) return { layer, code, session: index & 0x7 };
  return { layer, code, handle: index };
}

/** Whether `error` is a rejection from the addon (it carries a stage and a numeric rc). */
export function isAddonFailure(error: unknown): error is Error & AddonFailure {
  return (
    error instanceof Error &&
    typeof (error as Partial<AddonFailure>).stage === 'string' &&
    typeof (error as Partial<AddonFailure>).rc === 'number'
  );
}

const hex = (rc: number) => `0x${rc.toString(16).padStart(8, '0')}`;

/** TPM_UNAVAILABLE for a TPM that cannot be reached through `tcti`, or a missing addon. */
export function tpmUnavailable(
  tcti: string,
  cause: unknown,
  addonMissing: boolean,
): KeywardenError {
  const message = addonMissing
    ? `The TPM 2.0 support of this build is missing (the native addon in native/tpm2/addon is not built or cannot load), so the TPM slot cannot use "${tcti}"; unlock with another factor. To enable it, install libtss2-dev (and g++, make, python3), then rebuild the addon with \`npm run postinstall\`.`
    : `The TPM cannot be reached through "${tcti}" (${describe(cause)}): there is no such TPM device, this user may not open it, or the TPM simulator is not running. Unlock with another factor; on Linux, check that /dev/tpmrm0 exists and that this user is in the "tss" group.`;
  return new KeywardenError(ErrorCode.TPM_UNAVAILABLE, message, { cause });
}

function describe(cause: unknown): string {
  return isAddonFailure(cause) ? cause.rcText : 'the TPM library could not start';
}

/** What the message may say about the call beyond its codes: which TPM and which PCRs. */
export interface TpmCallContext {
  tcti: string;
  pcrs: readonly number[];
}

/**
 * The KeywardenError for a failed addon call: TPM_UNAVAILABLE, TPM_PCR_MISMATCH,
 * TPM_AUTH_FAILED, TPM_LOCKOUT, TPM_SEALED_OBJECT_INVALID or TPM_FAILED.
 */
export function tpmError(
  failure: AddonFailure,
  context: TpmCallContext,
  cause: unknown,
): KeywardenError {
  const { stage, rc, rcText } = failure;
  const decoded = decodeRc(rc);
  const fail = (code: ErrorCode, message: string) => new KeywardenError(code, message, { cause });

  // A TPM that went away mid-call (swtpm stopped, device unplugged) fails in the TCTI layer
  // at whatever stage it was in.
  if (
    stage === 'tcti' ||
    decoded.layer === Layer.TCTI ||
    (decoded.layer !== Layer.TPM && UNREACHABLE_BASE_RCS.has(decoded.code))
  ) {
    return tpmUnavailable(context.tcti, cause, false);
  }
  if (stage === 'blob') return sealedObjectInvalid(rcText, cause);
  if (decoded.layer !== Layer.TPM) return tpmFailed(stage, rc, rcText, cause);

  switch (decoded.code) {
    case TpmRc.LOCKOUT:
      return fail(
        ErrorCode.TPM_LOCKOUT,
        'The TPM is in dictionary-attack lockout after too many wrong PINs and refuses PIN-protected objects until it recovers by itself after its recovery time; an owner of the TPM can also clear the lockout (tpm2_dictionarylockout --clear-lockout). Unlock with another factor meanwhile.',
      );
    case TpmRc.AUTH_FAIL:
    case TpmRc.BAD_AUTH:
      if (stage === 'unseal') {
        return fail(
          ErrorCode.TPM_AUTH_FAILED,
          "The TPM PIN is incorrect. Each wrong PIN counts toward the TPM's dictionary-attack lockout.",
        );
      }
      if (stage === 'primary') {
        return tpmFailed(
          stage,
          rc,
          `${rcText}; the TPM's owner hierarchy has a password, and Keywarden needs it empty`,
          cause,
        );
      }
      break;
    case TpmRc.POLICY_FAIL:
    case TpmRc.VALUE:
    case TpmRc.PCR_CHANGED:
      // Unseal checks the policy session's digest against the object's policy; with the
      // object's own policy commands replayed (and its attributes checked beforehand), only
      // PCR values that moved since sealing make them differ.
      if (
        stage === 'unseal' &&
        context.pcrs.length > 0 &&
        (decoded.session !== undefined || decoded.code === TpmRc.PCR_CHANGED)
      ) {
        return fail(ErrorCode.TPM_PCR_MISMATCH, pcrMismatchMessage(context.pcrs));
      }
      break;
    case TpmRc.OBJECT_MEMORY:
    case TpmRc.SESSION_MEMORY:
    case TpmRc.MEMORY:
      return tpmFailed(
        stage,
        rc,
        `${rcText}; another program leaves objects loaded in the TPM. Use the resource manager (device:/dev/tpmrm0) or restart the TPM`,
        cause,
      );
  }
  // Load refuses a blob it cannot use with a parameter error (TPM_RC_INTEGRITY when another
  // TPM or an earlier owner seed made it, TPM_RC_SIZE, TPM_RC_BINDING, ...) or, when the
  // decrypted sensitive area does not unmarshal, with TPM_RC_SENSITIVE.
  if (stage === 'load' && (decoded.parameter !== undefined || decoded.code === TpmRc.SENSITIVE)) {
    return sealedObjectInvalid(rcText, cause);
  }
  return tpmFailed(stage, rc, rcText, cause);
}

function pcrMismatchMessage(pcrs: readonly number[]): string {
  const changed =
    pcrs.length === 1
      ? `PCR ${pcrs[0]} no longer holds the value it had`
      : `PCRs ${pcrs.join(', ')} no longer hold the values they had`;
  return `The TPM refused to unseal because ${changed} when the TPM slot was enrolled (the firmware, boot loader or Secure Boot settings changed). Unlock with another factor, then enrol the TPM slot again.`;
}

function sealedObjectInvalid(rcText: string, cause: unknown): KeywardenError {
  return new KeywardenError(
    ErrorCode.TPM_SEALED_OBJECT_INVALID,
    `The TPM cannot load this TPM slot's sealed object (${rcText}): it was sealed by a different TPM, this TPM has been cleared since, or the slot was altered. Unlock with another factor, then enrol the TPM slot again.`,
    { cause },
  );
}

function tpmFailed(stage: TpmStage, rc: number, rcText: string, cause: unknown): KeywardenError {
  return new KeywardenError(
    ErrorCode.TPM_FAILED,
    `The TPM failed at the ${stage} step (TSS2 return code ${hex(rc)}: ${rcText}).`,
    { cause },
  );
}

import { z } from 'zod';
import type { ErrorInfo } from './errors.ts';
import type {
  AuditEntry,
  AuditVerification,
  SlotAdded,
  SlotRemoval,
  VaultHeader,
  VaultStatus,
} from './vault-types.ts';
import { KEY_ALGORITHMS, KEY_STATES, PURPOSES, ROLES } from './inventory-types.ts';
import type { KeyView, PersonView, PolicyTable } from './inventory-types.ts';
import type { KeyScanProgress, KeySummaryPage } from './key-summary-types.ts';
import type { ComponentSplitView, KeyCombineView, KeySplitView } from './ceremony-types.ts';
import { CEREMONY_ROLE_NAMES } from './ceremony-run-types.ts';
import type {
  CeremonySummary,
  CeremonyTemplateView,
  CeremonyView,
  TranscriptVerification,
} from './ceremony-run-types.ts';
import type { TokenChange, TokenList, TokenObjectView, TokenView } from './token-types.ts';
import type { AppSettings, CalibrationProgressView } from './app-types.ts';

// The one IPC contract: channel name → request schema → response type. The main process
// validates every request against its schema at run time; the preload builds
// window.keywarden from this table; the CLI and the test bridge call the same services.
// Secret inputs (passphrases) travel as Uint8Array so the receiving side can zero them;
// no response type carries a secret.

export type Reply<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

const vaultPath = z.string().min(1).max(4096);
const secretBytes = z
  .instanceof(Uint8Array)
  .refine((bytes) => bytes.length > 0 && bytes.length <= 4096, {
    message: 'must be 1 to 4096 bytes',
  });

/** Data to sign or verify: bytes, at most 64 MiB. */
const boundedBytes = z.instanceof(Uint8Array).refine((bytes) => bytes.length <= 64 * 1024 * 1024, {
  message: 'is larger than 64 MiB',
});
/** A key file to import: at most 1 MiB. */
const keyFileBytes = z.instanceof(Uint8Array).refine((bytes) => bytes.length <= 1024 * 1024, {
  message: 'is larger than 1 MiB',
});
const keyId = z.string().min(1).max(128);
const personName = z.string().min(1).max(200);

const tokenSerial = z.string().min(1).max(64);
const ceremonyId = z.string().regex(/^[0-9a-f-]{36}$/);
const shareBytes = z.instanceof(Uint8Array).refine((b) => b.length > 0 && b.length <= 64 * 1024, {
  message: 'must be 1 byte to 64 KiB',
});
/** How a participant proves presence: their passphrase, or their token's PIN (it signs). */
const presenceProof = { passphrase: secretBytes.optional(), pin: secretBytes.optional() };
const modulePath = z.string().min(1).max(4096);
/**
 * A token, and whether a login may spend the PIN's final try (refused with PIN_FINAL_TRY
 * otherwise, before anything reaches the token).
 */
const tokenRef = {
  serial: tokenSerial,
  module: modulePath.optional(),
  acceptFinalTry: z.boolean().optional(),
};

/** What every new key's inventory entry says: generated, imported or registered. */
const keyEntryFields = {
  purposes: z.array(z.enum(PURPOSES)).min(1),
  owner: personName,
  custodians: z.array(personName).max(32).optional(),
  environment: z.string().min(1).max(100).optional(),
  classification: z.string().min(1).max(100).optional(),
  tier: z.number().int().min(1).max(4).optional(),
  labels: z.array(z.string().min(1).max(100)).max(64).optional(),
  notes: z.string().max(10_000).optional(),
  preActivation: z.boolean().optional(),
};

const keyLocationSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('token'),
      serial: z.string().min(1).max(64),
      ckaId: z.string().min(2).max(256),
    })
    .strict(),
  z.object({ kind: z.literal('external'), reference: z.string().min(1).max(2048) }).strict(),
]);

const certificateSubjectSchema = z
  .object({
    commonName: z.string().min(1).max(64),
    organization: z.string().min(1).max(64).optional(),
    organizationalUnit: z.string().min(1).max(64).optional(),
    country: z.string().length(2).optional(),
    email: z.string().min(3).max(254).optional(),
    dnsNames: z.array(z.string().min(1).max(253)).max(100).optional(),
  })
  .strict();

/**
 * Argon2id parameters for a new passphrase slot. With `iterations` they are fixed; without,
 * the iteration count is calibrated to `targetMs`. Missing values take the vault defaults.
 */
export const kdfRequestSchema = z
  .object({
    memoryMiB: z.number().optional(),
    iterations: z.number().optional(),
    parallelism: z.number().optional(),
    targetMs: z.number().optional(),
  })
  .strict()
  .refine((kdf) => kdf.iterations === undefined || kdf.targetMs === undefined, {
    message: 'takes iterations or a target time, not both',
  });
export type KdfRequest = z.infer<typeof kdfRequestSchema>;

const hexKeyId = z.string().regex(/^(?:[0-9a-fA-F]{2}){1,64}$/, 'must be hex bytes');

export const unlockFactorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('passphrase'), passphrase: secretBytes }).strict(),
  z.object({ kind: z.literal('recovery-key'), recoveryKey: secretBytes }).strict(),
  /** The OS keychain holds the slot secret: nothing secret crosses the boundary. */
  z.object({ kind: z.literal('keychain') }).strict(),
  z.object({ kind: z.literal('tpm2'), pin: secretBytes.optional() }).strict(),
  z.object({ kind: z.literal('pkcs11'), ...tokenRef, pin: secretBytes }).strict(),
  z.object({ kind: z.literal('yubikey-hmac'), serial: tokenSerial.optional() }).strict(),
  z.object({ kind: z.literal('fido2'), pin: secretBytes.optional() }).strict(),
]);

/** A request type whose byte fields take any Uint8Array (a Node Buffer included), as callers build it. */
export type AnyBytes<T> = T extends unknown
  ? {
      [K in keyof T]: NonNullable<T[K]> extends Uint8Array
        ? Uint8Array | Extract<T[K], undefined>
        : T[K];
    }
  : never;

export type UnlockFactorRequest = AnyBytes<z.infer<typeof unlockFactorSchema>>;

/** Several factors at once, for a combined or quorum slot (or re-authentication). */
const unlockFactorsSchema = z.array(unlockFactorSchema).min(1).max(16);

/** What a person gives to enrol one factor of a new slot. */
export const factorEnrolmentSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('passphrase'),
      passphrase: secretBytes,
      kdf: kdfRequestSchema.optional(),
    })
    .strict(),
  z.object({ kind: z.literal('keychain') }).strict(),
  z
    .object({
      kind: z.literal('tpm2'),
      /** The SHA-256 PCRs the secret is bound to (PCR 7: the Secure Boot state); none by default. */
      pcrs: z.array(z.number().int().min(0).max(23)).max(24).optional(),
      pin: secretBytes.optional(),
      kdf: kdfRequestSchema.optional(),
    })
    .strict(),
  z.object({ kind: z.literal('pkcs11'), ...tokenRef, keyId: hexKeyId, pin: secretBytes }).strict(),
  z
    .object({
      kind: z.literal('yubikey-hmac'),
      slot: z.union([z.literal(1), z.literal(2)]),
      serial: tokenSerial.optional(),
    })
    .strict(),
  z.object({ kind: z.literal('fido2'), pin: secretBytes.optional() }).strict(),
]);
export type FactorEnrolmentRequest = AnyBytes<z.infer<typeof factorEnrolmentSchema>>;

/** Minutes of no input before the app locks the vault; 0 turns the idle lock off. */
const autoLockMinutes = z
  .number()
  .int()
  .min(0)
  .max(24 * 60);

const slotId = z.number().int().min(1).max(1_000_000);
const slotName = z.string().min(1).max(64);

/** Declares a channel's response type; there is nothing to check at run time on the way out. */
function returns<T>(): T {
  return undefined as T;
}

/** The IPC channels: each with its request schema and (type-only) response. */
export const contract = {
  'vault:init': {
    request: z
      .object({ path: vaultPath, passphrase: secretBytes, kdf: kdfRequestSchema.optional() })
      .strict(),
    response: returns<VaultHeader>(),
  },
  'vault:read-header': {
    request: z.object({ path: vaultPath }).strict(),
    response: returns<VaultHeader>(),
  },
  'vault:unlock': {
    request: z
      .object({
        path: vaultPath,
        factor: unlockFactorSchema.optional(),
        factors: unlockFactorsSchema.optional(),
        /** Try only this slot (two slots of one factor kind with different PINs). */
        slotId: z.number().int().min(1).max(1_000_000).optional(),
      })
      .strict()
      .refine((request) => (request.factor === undefined) !== (request.factors === undefined), {
        message: 'takes a factor or factors, not both',
      }),
    response: returns<VaultHeader>(),
  },
  'vault:lock': {
    request: z.object({}).strict(),
    response: returns<{ locked: true }>(),
  },
  'vault:verify': {
    request: z.object({}).strict(),
    response: returns<VaultStatus>(),
  },
  'vault:change-passphrase': {
    request: z
      .object({
        newPassphrase: secretBytes,
        kdf: kdfRequestSchema.optional(),
        reauth: unlockFactorsSchema.optional(),
      })
      .strict(),
    response: returns<{ slotId: number }>(),
  },
  /** Slot changes need a fresh unlock: within two minutes of it, or `reauth` factors. */
  'vault:add-keychain-slot': {
    request: z.object({ reauth: unlockFactorsSchema.optional() }).strict(),
    response: returns<{ slotId: number; sealer: string }>(),
  },
  'vault:add-slot': {
    request: z
      .object({
        factors: z.array(factorEnrolmentSchema).min(1).max(16),
        /** k of the factors open the slot (a quorum slot); absent: all of them. */
        threshold: z.number().int().min(2).max(16).optional(),
        name: slotName.optional(),
        reauth: unlockFactorsSchema.optional(),
      })
      .strict(),
    response: returns<SlotAdded>(),
  },
  'vault:rename-slot': {
    request: z
      .object({ slotId, name: slotName.nullable(), reauth: unlockFactorsSchema.optional() })
      .strict(),
    response: returns<{ slotId: number; name: string | null }>(),
  },
  'vault:remove-slot': {
    request: z.object({ slotId, reauth: unlockFactorsSchema.optional() }).strict(),
    response: returns<SlotRemoval>(),
  },
  'audit:verify': {
    request: z.object({ path: vaultPath.optional() }).strict(),
    response: returns<AuditVerification>(),
  },
  'audit:list': {
    request: z
      .object({
        path: vaultPath.optional(),
        afterSeq: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(100_000).optional(),
      })
      .strict(),
    response: returns<AuditEntry[]>(),
  },
  'people:add': {
    request: z
      .object({ name: z.string().min(1).max(200), roles: z.array(z.enum(ROLES)).min(1) })
      .strict(),
    response: returns<PersonView>(),
  },
  'people:list': {
    request: z.object({}).strict(),
    response: returns<PersonView[]>(),
  },
  'policy:show': {
    request: z.object({}).strict(),
    response: returns<PolicyTable>(),
  },
  'policy:set': {
    request: z.object({ table: z.unknown() }).strict(),
    response: returns<PolicyTable>(),
  },
  'policy:reset': {
    request: z.object({}).strict(),
    response: returns<PolicyTable>(),
  },
  'keys:generate': {
    request: z
      .object({
        name: z.string().min(1).max(200),
        algorithm: z.enum(KEY_ALGORITHMS),
        ...keyEntryFields,
        wrappedBy: keyId.optional(),
        /**
         * Generate on this token (serial, and module when several are loaded) instead; ckaId
         * chooses the objects' CKA_ID (hex) where a ceremony must know it before they exist.
         */
        token: z
          .object({
            ...tokenRef,
            pin: secretBytes,
            ckaId: z
              .string()
              .regex(/^([0-9a-f]{2}){8,32}$/)
              .optional(),
          })
          .strict()
          .optional(),
      })
      .strict(),
    response: returns<KeyView>(),
  },
  /**
   * Splits a secret key among registered custodians; main writes one `.share` file each into
   * `outDir` (owner-only), and a `.pdf` sheet each for format 'pdf': the shares themselves never
   * cross this boundary.
   */
  'ceremony:split-key': {
    request: z
      .object({
        keyId,
        threshold: z.number().int().min(2).max(255),
        custodians: z.array(personName).min(2).max(255),
        outDir: z.string().min(1).max(4096),
        /** Keywarden share objects (default), the same with a PDF sheet each, or SLIP-39. */
        format: z.enum(['file', 'pdf', 'slip39']).optional(),
      })
      .strict(),
    response: returns<KeySplitView>(),
  },
  /** Splits a secret key into XOR components, one `.component` file per custodian in `outDir`. */
  'ceremony:split-components': {
    request: z
      .object({
        keyId,
        custodians: z.array(personName).min(2).max(16),
        outDir: z.string().min(1).max(4096),
      })
      .strict(),
    response: returns<ComponentSplitView>(),
  },
  /** Combines every XOR component (file contents: secret bytes) into a new vault key. */
  'ceremony:combine-components': {
    request: z
      .object({
        components: z
          .array(
            z.instanceof(Uint8Array).refine((b) => b.length > 0 && b.length <= 64 * 1024, {
              message: 'must be 1 byte to 64 KiB',
            }),
          )
          .min(1)
          .max(16),
        names: z.array(z.string().min(1).max(4096)).max(16).optional(),
        /** The key's check value as the officer states it, checked too. */
        kcv: z
          .string()
          .regex(/^[0-9A-Fa-f]{6}$/)
          .optional(),
        name: z.string().min(1).max(200),
        ...keyEntryFields,
        wrappedBy: keyId.optional(),
      })
      .strict(),
    response: returns<KeyCombineView>(),
  },
  /** A component's check value as its custodian types it, to read back before going on. */
  'ceremony:check-component': {
    request: z.object({ value: secretBytes }).strict(),
    /** legacyKcv: the zero block encrypted under a 16, 24 or 32-byte value (AES paperwork). */
    response: returns<{ kcv: string; kcvWords: string[]; legacyKcv?: string }>(),
  },
  /** A key from components typed in by their custodians, one each (dual control). */
  'ceremony:enter-components': {
    request: z
      .object({
        components: z
          .array(z.object({ custodian: personName, value: secretBytes }).strict())
          .min(2)
          .max(16),
        kcv: z.string().regex(/^[0-9A-Fa-f]{6}$/),
        algorithm: z.enum(['aes256', 'hmac-sha256']),
        name: z.string().min(1).max(200),
        ...keyEntryFields,
        wrappedBy: keyId.optional(),
      })
      .strict(),
    response: returns<KeyCombineView>(),
  },
  /** Rebuilds a secret key from share files' contents (secret bytes) as a new vault key. */
  'ceremony:combine-shares': {
    request: z
      .object({
        shares: z
          .array(
            z.instanceof(Uint8Array).refine((b) => b.length > 0 && b.length <= 64 * 1024, {
              message: 'must be 1 byte to 64 KiB',
            }),
          )
          .min(1)
          .max(255),
        /** What to call each share in errors (its file name). */
        names: z.array(z.string().min(1).max(4096)).max(255).optional(),
        /** SLIP-39 words carry no algorithm: what the rebuilt secret is (default aes256). */
        algorithm: z.enum(['aes256', 'hmac-sha256']).optional(),
        name: z.string().min(1).max(200),
        ...keyEntryFields,
        wrappedBy: keyId.optional(),
      })
      .strict(),
    response: returns<KeyCombineView>(),
  },
  'ceremony:list-templates': {
    request: z.object({}).strict(),
    response: returns<CeremonyTemplateView[]>(),
  },
  /** Opens a ceremony of a template: parameters, participants (each in one role) and the key that signs its transcript. */
  'ceremony:start': {
    request: z
      .object({
        template: z.string().min(1).max(40),
        parameters: z.record(
          z.string().min(1).max(40),
          z.union([
            z.string().max(4096),
            z.number().int(),
            z.array(z.string().min(1).max(100)).max(32),
          ]),
        ),
        participants: z
          .array(z.object({ name: personName, role: z.enum(CEREMONY_ROLE_NAMES) }).strict())
          .min(2)
          .max(300),
        signingKey: keyId,
      })
      .strict(),
    response: returns<CeremonyView>(),
  },
  'ceremony:show': {
    request: z.object({ id: ceremonyId }).strict(),
    response: returns<CeremonyView>(),
  },
  'ceremony:list': {
    request: z.object({}).strict(),
    response: returns<CeremonySummary[]>(),
  },
  /**
   * One participant's turn at the step due: their proof of presence (passphrase, or their
   * token's PIN), and at an action step what they bring (a share, a component, a PIN).
   */
  'ceremony:advance': {
    request: z
      .object({
        id: ceremonyId,
        step: z.string().min(1).max(40),
        by: personName,
        ...presenceProof,
        input: z
          .object({
            share: shareBytes.optional(),
            component: secretBytes.optional(),
            pin: secretBytes.optional(),
            soPin: secretBytes.optional(),
          })
          .strict()
          .optional(),
      })
      .strict(),
    response: returns<CeremonyView>(),
  },
  'ceremony:abort': {
    request: z
      .object({
        id: ceremonyId,
        by: personName,
        ...presenceProof,
        reason: z.string().min(1).max(500),
      })
      .strict(),
    response: returns<CeremonyView>(),
  },
  /** Takes up an open ceremony again in a new session (recorded in its transcript). */
  'ceremony:resume': {
    request: z.object({ id: ceremonyId }).strict(),
    response: returns<CeremonyView>(),
  },
  /**
   * Writes the transcript, signed by the ceremony key (with its token's PIN when on a token),
   * and its printable PDF too when `pdfPath` is given: both files or neither.
   */
  'ceremony:export-transcript': {
    request: z
      .object({
        id: ceremonyId,
        outPath: z.string().min(1).max(4096),
        pdfPath: z.string().min(1).max(4096).optional(),
        pin: secretBytes.optional(),
      })
      .strict(),
    response: returns<{
      path: string;
      pdfPath?: string;
      status: string;
      head: string;
      entries: number;
    }>(),
  },
  /** Checks a transcript file with the ceremony key's public key (PEM) alone; needs no vault. */
  'ceremony:verify-transcript': {
    request: z
      .object({
        transcript: z
          .instanceof(Uint8Array)
          .refine((b) => b.length > 0 && b.length <= 16 * 1024 * 1024, {
            message: 'must be 1 byte to 16 MiB',
          }),
        publicKey: z.string().min(1).max(16_384),
      })
      .strict(),
    response: returns<TranscriptVerification>(),
  },
  /** Enrols how a person proves presence at ceremonies: a passphrase, or a signing key on their token. */
  'people:set-presence': {
    request: z
      .object({ name: personName, passphrase: secretBytes.optional(), tokenKey: keyId.optional() })
      .strict()
      .refine((r) => (r.passphrase === undefined) !== (r.tokenKey === undefined), {
        message: 'give a passphrase or a token key, one of them',
      }),
    response: returns<{ person: string; method: 'passphrase' | 'token' }>(),
  },
  'keys:import': {
    request: z
      .object({
        file: keyFileBytes,
        passphrase: secretBytes.optional(),
        secretAlgorithm: z.enum(['aes256', 'hmac-sha256']).optional(),
        name: z.string().min(1).max(200).optional(),
        ...keyEntryFields,
        wrappedBy: keyId.optional(),
      })
      .strict(),
    response: returns<KeyView>(),
  },
  'keys:register': {
    request: z
      .object({
        name: z.string().min(1).max(200),
        algorithm: z.enum(KEY_ALGORITHMS).optional(),
        location: keyLocationSchema,
        publicKeyFile: keyFileBytes.optional(),
        ...keyEntryFields,
      })
      .strict(),
    response: returns<KeyView>(),
  },
  'keys:update': {
    request: z
      .object({
        id: keyId,
        reason: z.string().min(1).max(500),
        name: z.string().min(1).max(200).optional(),
        owner: personName.optional(),
        custodians: z.array(personName).max(32).optional(),
        environment: z.string().min(1).max(100).optional(),
        classification: z.string().min(1).max(100).optional(),
        tier: z.number().int().min(1).max(4).optional(),
        labels: z.array(z.string().min(1).max(100)).max(64).optional(),
        notes: z.string().max(10_000).optional(),
      })
      .strict(),
    response: returns<KeyView>(),
  },
  'keys:rotate': {
    request: z
      .object({
        id: keyId,
        reason: z.string().min(1).max(500).optional(),
        publishDays: z.number().int().optional(),
      })
      .strict(),
    response: returns<{
      key: KeyView;
      predecessor: KeyView;
      rewrapped: number;
      rewrapPending: number;
    }>(),
  },
  'keys:rewrap': {
    request: z.object({ id: keyId }).strict(),
    response: returns<{ rewrapped: number; kek: string }>(),
  },
  'keys:export-private': {
    request: z
      .object({ id: keyId, vaultPassphrase: secretBytes, exportPassphrase: secretBytes })
      .strict(),
    response: returns<{ pem: string }>(),
  },
  'keys:csr': {
    request: z
      .object({
        id: keyId,
        subject: certificateSubjectSchema,
        rsaPadding: z.enum(['pkcs1', 'pss']).optional(),
      })
      .strict(),
    response: returns<{ pem: string }>(),
  },
  'keys:certificate': {
    request: z
      .object({
        id: keyId,
        subject: certificateSubjectSchema,
        days: z.number().int().min(1).max(3650),
        ca: z.boolean().optional(),
        rsaPadding: z.enum(['pkcs1', 'pss']).optional(),
      })
      .strict(),
    response: returns<{ pem: string }>(),
  },
  'tokens:list': {
    request: z.object({}).strict(),
    response: returns<TokenList>(),
  },
  'tokens:objects': {
    request: z.object({ ...tokenRef, pin: secretBytes.optional() }).strict(),
    response: returns<TokenObjectView[]>(),
  },
  'tokens:change-pin': {
    request: z.object({ ...tokenRef, pin: secretBytes, newPin: secretBytes }).strict(),
    response: returns<{ changed: true }>(),
  },
  'tokens:init': {
    request: z
      .object({
        serial: tokenSerial.optional(),
        module: modulePath.optional(),
        label: z.string().min(1).max(32),
        soPin: secretBytes,
        pin: secretBytes,
      })
      .strict(),
    response: returns<TokenView>(),
  },
  'tokens:import-certificate': {
    request: z
      .object({
        ...tokenRef,
        pin: secretBytes,
        /** CKA_ID (hex) of the key the certificate is for. */
        keyId: z.string().regex(/^(?:[0-9a-fA-F]{2}){1,128}$/u, 'is CKA_ID as hex'),
        /** PEM or DER, one X.509 certificate. */
        certificate: keyFileBytes,
        /** The certificate object's label; the key's own label when absent. */
        label: z.string().min(1).max(200).optional(),
      })
      .strict(),
    response: returns<TokenObjectView>(),
  },
  'tokens:unblock-pin': {
    request: z.object({ ...tokenRef, soPin: secretBytes, newPin: secretBytes }).strict(),
    response: returns<{ changed: true }>(),
  },
  'inventory:export': {
    request: z.object({ format: z.enum(['cbom']) }).strict(),
    response: returns<{ document: string }>(),
  },
  'keys:list': {
    request: z
      .object({
        state: z.enum(KEY_STATES).optional(),
        owner: z.string().min(1).max(200).optional(),
        dueWithinDays: z.number().int().min(0).max(36_500).optional(),
        published: z.boolean().optional(),
        offset: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(100_000).optional(),
      })
      .strict(),
    response: returns<KeyView[]>(),
  },
  /**
   * The inventory grid's keys: only the fields it shows and filters on, with their due dates,
   * by name then id, a page at a time, and how many keys there are in all. The first call
   * after any change to the vault's records reads every entry (its progress comes as
   * `keys:list-progress`); further pages come from that read, under the same `scan` id, until
   * the records change.
   */
  'keys:list-summaries': {
    request: z
      .object({
        offset: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(100_000).optional(),
      })
      .strict(),
    response: returns<KeySummaryPage>(),
  },
  'keys:show': {
    request: z.object({ id: z.string().min(1).max(128) }).strict(),
    response: returns<KeyView>(),
  },
  'keys:transition': {
    request: z
      .object({
        id: z.string().min(1).max(128),
        to: z.enum(KEY_STATES),
        reason: z.string().min(1).max(500),
      })
      .strict(),
    response: returns<KeyView>(),
  },
  'keys:sign': {
    request: z
      .object({
        id: z.string().min(1).max(128),
        data: boundedBytes,
        rsaPadding: z.enum(['pkcs1', 'pss']).optional(),
        /** The token's user PIN, for a key on a token. */
        pin: secretBytes.optional(),
        acceptFinalTry: z.boolean().optional(),
      })
      .strict(),
    response: returns<{ signature: Uint8Array }>(),
  },
  'keys:sign-many': {
    request: z
      .object({
        id: z.string().min(1).max(128),
        /** The messages, each signed on its own; 1 to 1000, 64 MiB in all. */
        data: z
          .array(boundedBytes)
          .min(1)
          .max(1000)
          .refine((all) => all.reduce((sum, m) => sum + m.length, 0) <= 64 * 1024 * 1024, {
            message: 'is larger than 64 MiB in all',
          }),
        rsaPadding: z.enum(['pkcs1', 'pss']).optional(),
        pin: secretBytes.optional(),
        acceptFinalTry: z.boolean().optional(),
      })
      .strict(),
    response: returns<{ signatures: Uint8Array[] }>(),
  },
  'keys:verify': {
    request: z
      .object({
        id: z.string().min(1).max(128),
        data: boundedBytes,
        signature: z
          .instanceof(Uint8Array)
          .refine((b) => b.length <= 16_384, { message: 'is too long for a signature' }),
        rsaPadding: z.enum(['pkcs1', 'pss']).optional(),
      })
      .strict(),
    response: returns<{ valid: boolean }>(),
  },
  'keys:export-public': {
    request: z
      .object({ id: z.string().min(1).max(128), format: z.enum(['pem', 'openssh', 'jwk']) })
      .strict(),
    response: returns<{ text: string }>(),
  },
  'keys:destroy': {
    request: z
      .object({
        id: z.string().min(1).max(128),
        authorisedBy: z.string().min(1).max(200),
        witness: z.string().min(1).max(200),
        afterDays: z.number().int().optional(),
        /** The token's user PIN, to destroy a token key's objects when its destruction is due. */
        pin: secretBytes.optional(),
        acceptFinalTry: z.boolean().optional(),
      })
      .strict(),
    response: returns<KeyView>(),
  },
  'keys:cancel-destroy': {
    request: z.object({ id: z.string().min(1).max(128) }).strict(),
    response: returns<KeyView>(),
  },
  'clipboard:copy-text': {
    request: z
      .object({
        /** Public text only (a public key, a fingerprint): never a secret. */
        text: z.string().min(1).max(65_536),
      })
      .strict(),
    response: returns<{ clearsAfterMs: number }>(),
  },
  /**
   * Hands a PDF the vault wrote (a share sheet of a ceremony's split, a transcript exported in
   * this session) to the system's PDF viewer to print: the app itself never reads a share.
   */
  'files:print-pdf': {
    request: z.object({ path: z.string().min(1).max(4096) }).strict(),
    response: returns<{ path: string }>(),
  },
  'settings:show': {
    request: z.object({}).strict(),
    response: returns<AppSettings>(),
  },
  'settings:set': {
    request: z
      .object({ autoLockMinutes: autoLockMinutes.optional(), vaultPath: vaultPath.optional() })
      .strict()
      .refine((request) => Object.keys(request).length > 0, {
        message: 'names no setting to change',
      }),
    response: returns<AppSettings>(),
  },
} as const;

/** Why the vault was locked, as the `vault:locked` event says. */
export const LOCK_REASONS = ['request', 'idle', 'lock-screen', 'suspend', 'quit'] as const;
export type LockReason = (typeof LOCK_REASONS)[number];

/** What a HID token (a YubiKey, a FIDO2 key) is doing while it answers: waiting for a touch, or working. */
export const TOKEN_ACTIVITIES = ['touch-needed', 'processing'] as const;
export type TokenActivity = (typeof TOKEN_ACTIVITIES)[number];

/**
 * Events the main process pushes to whoever listens (the renderer, the CLI's progress line),
 * each with its payload type. No payload carries a secret.
 */
export const events = {
  'keys:rewrap-progress': returns<{ kek: string; done: number; total: number }>(),
  /** keys:list-summaries is reading the vault's key entries: first at 0, last at `total`. */
  'keys:list-progress': returns<KeyScanProgress>(),
  'tokens:changed': returns<TokenChange>(),
  /** A HID token asked for a factor waits for a touch (or is working after one). */
  'token:activity': returns<{ activity: TokenActivity }>(),
  /** The vault was locked; the app reloads the renderer after it. */
  'vault:locked': returns<{ reason: LockReason }>(),
  /** KDF calibration (vault:init, a new passphrase) is under way. */
  'vault:kdf-progress': returns<CalibrationProgressView>(),
  /** A ceremony opened, moved on a step, finished or was aborted. */
  'ceremony:progress': returns<CeremonySummary>(),
  'settings:changed': returns<AppSettings>(),
} as const;
export type EventName = keyof typeof events;
export type ServiceEvent = {
  [E in EventName]: { name: E; payload: (typeof events)[E] };
}[EventName];

export type Contract = typeof contract;
export type Channel = keyof Contract;
export type RequestOf<C extends Channel> = z.input<Contract[C]['request']>;
export type ResponseOf<C extends Channel> = Contract[C]['response'];

export const CHANNELS = Object.keys(contract) as Channel[];

/** Whether a string is one of the contract's channels. */
export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.hasOwn(contract, name);
}

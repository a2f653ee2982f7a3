import { randomUUID } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { KeyView } from '../../shared/inventory-types.ts';
import { zeroize } from '../crypto/bytes.ts';
import { Outcome } from '../audit/audit-log.ts';
import type { UnlockedVault, VaultDeps } from '../vault/vault.ts';
import { keyCheckValue, legacyKeyCheckValue, secretFingerprint } from './kcv.ts';
import { enterSecretKey } from './key-combine.ts';
import type { CombineRequest } from './key-combine.ts';
import { custodiansOf, readForCustodians } from './key-split.ts';
import { combineComponents, MAX_COMPONENTS, splitComponents } from './xor-components.ts';

// PCI-style XOR key components of a vault key: one full-length component per custodian, each
// with its own check value, written as a file the custodian keeps (and may type back in hex).
// Combining needs every component, each from a different custodian (dual control: one person
// never holds two), and checks each component's check value and the key's before the key
// enters the vault.

export const COMPONENT_FORMAT = 'keywarden-component';
const COMPONENT_VERSION = 1;

export interface ComponentObject {
  format: typeof COMPONENT_FORMAT;
  version: typeof COMPONENT_VERSION;
  ceremony: string;
  index: number;
  count: number;
  custodian: string;
  algorithm: string;
  /** The combined key's check value: what the officer reads back at the end. */
  keyKcv: string;
  /** This component's check value: what its custodian reads back after typing it. */
  kcv: string;
  /** The component in hex, in groups of four. Secret. */
  value: string;
}

/** A component's hex in groups of four, as a custodian reads and types it. */
function grouped(value: Buffer): string {
  return value
    .toString('hex')
    .toUpperCase()
    .match(/.{1,4}/g)!
    .join(' ');
}

/**
 * Splits vault key `keyId` into one component per custodian (2 to 16). Needs a recent unlock;
 * audited as key.components-split with the key's check value and fingerprint. Returns the
 * components (secret: the caller writes each once). Throws as readForCustodians and
 * BAD_REQUEST.
 */
export async function splitVaultKeyComponents(
  vault: UnlockedVault,
  deps: VaultDeps,
  actor: string,
  request: { keyId: string; custodians: string[] },
): Promise<{
  ceremony: string;
  kcv: string;
  fingerprint: string;
  components: ComponentObject[];
  /** AES keys: the legacy check values (the zero block encrypted), the key's and each component's. */
  legacy?: { kcv: string; components: string[] };
}> {
  const event = {
    actor,
    action: 'key.components-split',
    target: request.keyId,
    outcome: Outcome.SUCCESS,
  };
  const { material, algorithm, custodians } = readForCustodians(
    vault,
    deps,
    event,
    request.keyId,
    request.custodians,
  );
  try {
    if (new Set(custodians).size !== custodians.length) {
      throw new KeywardenError(
        ErrorCode.BAD_REQUEST,
        'Each component goes to a different custodian.',
      );
    }
    const parts = splitComponents(material, custodians.length);
    const ceremony = randomUUID();
    const kcv = keyCheckValue(material);
    const fingerprint = secretFingerprint(material);
    const legacy =
      algorithm === 'aes256'
        ? {
            kcv: legacyKeyCheckValue(material),
            components: parts.map((part) => legacyKeyCheckValue(part.value)),
          }
        : undefined;
    const components = parts.map((part, i) => {
      const component = {
        format: COMPONENT_FORMAT,
        version: COMPONENT_VERSION,
        ceremony,
        index: part.index,
        count: parts.length,
        custodian: custodians[i]!,
        algorithm,
        keyKcv: kcv,
        kcv: part.kcv,
        value: grouped(part.value),
      } as const;
      zeroize(part.value);
      return component;
    });
    const detail = {
      ceremony,
      count: parts.length,
      custodians: custodians.join(', '),
      kcv,
      fingerprint,
    };
    vault.apply({ ...event, detail }, () => undefined);
    return { ceremony, kcv, fingerprint, components, ...(legacy ? { legacy } : {}) };
  } catch (error) {
    vault.recordFailure(event, error);
    throw error;
  } finally {
    zeroize(material);
  }
}

/** A component as text: one JSON object, what a `.component` file holds. */
export function encodeComponent(component: ComponentObject): string {
  return `${JSON.stringify(component, null, 2)}\n`;
}

function invalid(name: string, why: string): KeywardenError {
  return new KeywardenError(ErrorCode.SHARE_INVALID, `Component ${name} ${why}`);
}

/** Reads a component from its text; `name` names it in errors. Throws SHARE_INVALID. */
export function decodeComponent(text: string, name: string): ComponentObject {
  let c: Partial<ComponentObject> | null;
  try {
    c = JSON.parse(text) as Partial<ComponentObject> | null;
  } catch {
    throw invalid(name, 'is not a Keywarden key component (it is not JSON).');
  }
  if (
    typeof c !== 'object' ||
    c === null ||
    c.format !== COMPONENT_FORMAT ||
    c.version !== COMPONENT_VERSION
  )
    throw invalid(name, 'is not a Keywarden key component of a version this Keywarden reads.');
  const whole =
    Number.isInteger(c.index) &&
    Number.isInteger(c.count) &&
    c.count! >= 2 &&
    c.count! <= MAX_COMPONENTS &&
    c.index! >= 1 &&
    c.index! <= c.count! &&
    ['ceremony', 'custodian', 'algorithm', 'keyKcv', 'kcv', 'value'].every(
      (field) => typeof c[field as keyof ComponentObject] === 'string',
    ) &&
    /^[0-9A-Fa-f\s]+$/.test(c.value!);
  if (!whole) throw invalid(name, 'is missing a field or has one out of range.');
  return c as ComponentObject;
}

/**
 * Combines every component of one split into the key and enters it into the vault. Each
 * component's check value is verified (a typo is named), every custodian differs, and the
 * key's check value matches the components' record and `expectedKcv` when given. Throws
 * QUORUM_NOT_MET (a component missing), SHARE_INVALID (foreign, repeated, mistyped), BAD_REQUEST
 * (one custodian twice), KCV_MISMATCH, and the import codes.
 */
export async function combineComponentsToVaultKey(
  vault: UnlockedVault,
  actor: string,
  components: readonly ComponentObject[],
  names: readonly string[],
  expectedKcv: string | undefined,
  entry: CombineRequest,
  now: Date,
): Promise<{ key: KeyView; ceremony: string; kcv: string }> {
  const first = components[0];
  const event = {
    actor,
    action: 'key.components-combine',
    target: first?.ceremony ?? '',
    outcome: Outcome.SUCCESS,
  };
  const values: Buffer[] = [];
  let key: Buffer | null = null;
  try {
    if (!first) throw new KeywardenError(ErrorCode.QUORUM_NOT_MET, 'No component was given.');
    for (const [i, c] of components.entries()) {
      if (
        c.ceremony !== first.ceremony ||
        c.count !== first.count ||
        c.keyKcv !== first.keyKcv ||
        c.algorithm !== first.algorithm
      )
        throw invalid(names[i]!, `belongs to another split than ${names[0]!}.`);
      const twin = components.findIndex((other) => other.index === c.index);
      if (twin !== i)
        throw invalid(names[i]!, `repeats component ${names[twin]!} (index ${c.index}).`);
      if (components.findIndex((other) => other.custodian === c.custodian) !== i) {
        throw new KeywardenError(
          ErrorCode.BAD_REQUEST,
          `${c.custodian} holds two components: under dual control one person never enters two.`,
        );
      }
      const value = Buffer.from(c.value.replace(/\s+/g, ''), 'hex');
      values.push(value);
      if (keyCheckValue(value) !== c.kcv.toUpperCase())
        throw invalid(
          names[i]!,
          `does not match its check value ${c.kcv}: it was mistyped or damaged.`,
        );
    }
    if (components.length < first.count) {
      throw new KeywardenError(
        ErrorCode.QUORUM_NOT_MET,
        `${components.length} of the ${first.count} components were given; XOR components need every one.`,
      );
    }
    if (expectedKcv !== undefined && expectedKcv.toUpperCase() !== first.keyKcv.toUpperCase()) {
      throw new KeywardenError(
        ErrorCode.KCV_MISMATCH,
        `The components are of a key with check value ${first.keyKcv}, not ${expectedKcv.toUpperCase()}.`,
      );
    }
    key = combineComponents(values, first.keyKcv);
    const view = await enterSecretKey(vault, actor, key, first.algorithm, entry, now);
    vault.apply(
      { ...event, target: view.id, detail: { ceremony: first.ceremony, kcv: first.keyKcv } },
      () => undefined,
    );
    return { key: view, ceremony: first.ceremony, kcv: first.keyKcv };
  } catch (error) {
    vault.recordFailure(event, error);
    throw error;
  } finally {
    zeroize(key, ...values);
  }
}

/**
 * Enters a key from components typed in by their custodians one at a time (PCI dual control):
 * each custodian is registered with the custodian role and enters one component only; the
 * combined key must have `kcv`. The component bytes are the caller's to zero. Audited as
 * key.components-enter (custodians, count, check value). Throws BAD_REQUEST, PERSON_NOT_FOUND,
 * KCV_MISMATCH and the import codes.
 */
export async function enterComponentsToVaultKey(
  vault: UnlockedVault,
  actor: string,
  request: {
    components: Array<{ custodian: string; value: Uint8Array }>;
    kcv: string;
    algorithm: string;
  },
  entry: CombineRequest,
  now: Date,
): Promise<{ key: KeyView; kcv: string }> {
  const event = {
    actor,
    action: 'key.components-enter',
    target: request.kcv,
    outcome: Outcome.SUCCESS,
  };
  let key: Buffer | null = null;
  try {
    const custodians = vault.query((records) =>
      custodiansOf(
        records,
        request.components.map((c) => c.custodian),
      ),
    );
    if (new Set(custodians).size !== custodians.length) {
      throw new KeywardenError(
        ErrorCode.BAD_REQUEST,
        'One custodian entered two components: under dual control each enters one.',
      );
    }
    key = combineComponents(
      request.components.map((c) => c.value),
      request.kcv,
    );
    const view = await enterSecretKey(vault, actor, key, request.algorithm, entry, now);
    const detail = {
      count: custodians.length,
      custodians: custodians.join(', '),
      kcv: request.kcv.toUpperCase(),
    };
    vault.apply({ ...event, target: view.id, detail }, () => undefined);
    return { key: view, kcv: request.kcv.toUpperCase() };
  } catch (error) {
    vault.recordFailure(event, error);
    throw error;
  } finally {
    zeroize(key);
  }
}

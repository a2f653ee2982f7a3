import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { KeyView } from '../../shared/inventory-types.ts';
import { TOKEN_KEY_ALGORITHMS } from '../../shared/token-types.ts';
import type { TokenKeyAlgorithm } from '../../shared/token-types.ts';
import type { TokenLayer, TokenRef } from '../../../native/pkcs11/pkcs11.ts';
import { Outcome } from '../audit/audit-log.ts';
import type { RecordStore } from '../vault/record-store.ts';
import type { UnlockedVault } from '../vault/unlocked-vault.ts';
import { buildEntry, checkEntry, newKeyId, storeEntry } from './key-creation.ts';
import type { KeyEntryRequest } from './key-creation.ts';
import { readKey, requireOperator, saveKey } from './key-inventory.ts';
import { destroyKey, destructionIsDue, planDestruction } from './key-destruction.ts';
import type { DestructionRequest } from './key-destruction.ts';
import type { RsaPadding } from './key-operations.ts';
import { requirePurpose, signDetail } from './key-operations.ts';
import { requireStateAllows } from './key-states.ts';

// Keys on tokens in the inventory: generated on a smartcard or HSM (never leaving it), entered
// with the token's serial, the key's CKA_ID and the module it is reached through, and used
// there. The PIN goes to the token layer and nowhere else.

/** The PIN a token key is used with, and whether it may spend the PIN's final try. */
export interface TokenLogin {
  pin: Uint8Array;
  acceptFinalTry?: boolean;
}

export interface TokenKeyRequest extends KeyEntryRequest {
  algorithm: string;
  /** ckaId: the CKA_ID (hex) to give the new objects; a random one when absent. */
  token: { serial: string; module?: string; ckaId?: string } & TokenLogin;
}

/** Where a token key lives, as the token layer names it, with the login's final-try choice. */
function tokenOf(
  location: { serial: string; module?: string | undefined },
  login: TokenLogin,
): TokenRef {
  return {
    module: location.module ?? '',
    serial: location.serial,
    ...(login.acceptFinalTry ? { acceptFinalTry: true } : {}),
  };
}

const HASH_FOR: Record<TokenKeyAlgorithm, 'sha256' | 'sha384'> = {
  p256: 'sha256',
  p384: 'sha384',
  rsa2048: 'sha256',
  rsa3072: 'sha256',
  rsa4096: 'sha256',
  aes256: 'sha256',
};

function requireTokenAlgorithm(algorithm: string): TokenKeyAlgorithm {
  if (!(TOKEN_KEY_ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `A token generates ${TOKEN_KEY_ALGORITHMS.join(', ')} keys; not "${algorithm}".`,
    );
  }
  return algorithm as TokenKeyAlgorithm;
}

/**
 * Generates a key on a token (sensitive, never extractable) and enters it in the inventory
 * with its location, provenance and public key. The entry passes the usual checks first;
 * a tier 1 key may live on a token. Throws BAD_REQUEST, PERSON_NOT_FOUND,
 * SEPARATION_OF_DUTIES, POLICY_VIOLATION, the token errors (TOKEN_NOT_PRESENT,
 * PIN_INCORRECT, PIN_LOCKED, MECHANISM_UNSUPPORTED, ...), AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export async function generateTokenKey(
  vault: UnlockedVault,
  tokens: TokenLayer,
  actor: string,
  request: TokenKeyRequest,
  now: Date,
): Promise<KeyView> {
  const id = newKeyId();
  const event = {
    actor,
    action: 'key.generate',
    target: id,
    outcome: Outcome.SUCCESS,
    detail: { algorithm: request.algorithm, token: request.token.serial },
  };
  const placement = { kind: 'token' } as const;
  const check = (records: RecordStore) => {
    const algorithm = requireTokenAlgorithm(request.algorithm);
    return { algorithm, checked: checkEntry(records, actor, request, algorithm, placement) };
  };
  let module: string;
  let made;
  try {
    const { algorithm } = vault.query(check);
    const named = request.token.module === undefined ? [] : [request.token.module];
    const present = (await tokens.list(named)).tokens.find(
      (t) =>
        t.serial === request.token.serial &&
        (request.token.module === undefined || t.module === request.token.module),
    );
    if (!present) {
      throw new KeywardenError(
        ErrorCode.TOKEN_NOT_PRESENT,
        `Token ${request.token.serial} is not present; insert it ("keywarden tokens list" shows what is).`,
      );
    }
    module = present.module;
    const chosen = request.token.ckaId;
    if (chosen) {
      // A chosen id must be new on the token: two keys under one CKA_ID could not be told apart.
      const held = await tokens.objects(
        tokenOf({ module, serial: present.serial }, request.token),
        request.token.pin,
      );
      if (held.some((object) => object.id === chosen))
        throw new KeywardenError(
          ErrorCode.BAD_REQUEST,
          `Token ${present.serial} already holds objects with CKA_ID ${chosen}.`,
        );
    }
    made = await tokens.generate(
      tokenOf({ module, serial: present.serial }, request.token),
      request.token.pin,
      {
        algorithm,
        label: request.name.trim(),
        ...(request.token.ckaId ? { id: request.token.ckaId } : {}),
      },
    );
  } catch (error) {
    vault.recordFailure(event, error);
    throw error;
  }
  const generated = made;
  return vault.apply({ ...event, detail: { ...event.detail, ckaId: generated.id } }, (records) => {
    const { algorithm, checked } = check(records);
    const key = buildEntry(
      records,
      actor,
      request,
      checked,
      {
        id,
        algorithm,
        location: { kind: 'token', serial: request.token.serial, ckaId: generated.id, module },
        publicKey: generated.publicKey ? Buffer.from(generated.publicKey, 'base64') : null,
        publicOnly: false,
        wrappedBy: null,
        origin: `generated on token ${request.token.serial}`,
      },
      now,
    );
    return storeEntry(
      records,
      generated.provenance ? { ...key, provenance: generated.provenance } : key,
      null,
    );
  });
}

/**
 * Signs each message with a key on a token, in one token call and one login, after the
 * checks a vault key's signature passes (the actor, the purpose, an active key); audited as
 * one key.sign (with the number of signatures when more than one). ECDSA signatures are DER,
 * RSA PKCS#1 v1.5 or PSS, with the hash the vault's keys use. Throws KEY_NOT_FOUND,
 * KEY_NOT_HELD (not a token key), KEY_PURPOSE_MISMATCH, KEY_STATE_INVALID, PERSON_NOT_FOUND,
 * SEPARATION_OF_DUTIES, BAD_REQUEST (an empty or oversized batch), the token errors,
 * AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export async function signAllWithTokenKey(
  vault: UnlockedVault,
  tokens: TokenLayer,
  actor: string,
  id: string,
  messages: readonly Uint8Array[],
  login: TokenLogin,
  rsaPadding: RsaPadding = 'pkcs1',
): Promise<Buffer[]> {
  const event = {
    actor,
    action: 'key.sign',
    target: id,
    outcome: Outcome.SUCCESS,
    detail: signDetail(messages),
  };
  let signatures: Buffer[];
  try {
    const key = vault.query((records) => {
      requireOperator(records, actor);
      const found = readKey(records, id);
      requirePurpose(found, 'sign');
      requireStateAllows(found.state, 'sign');
      return found;
    });
    if (key.location.kind !== 'token') {
      throw new KeywardenError(ErrorCode.KEY_NOT_HELD, `Key ${id} is not on a token.`);
    }
    const algorithm = requireTokenAlgorithm(key.algorithm);
    const scheme = {
      keyId: key.location.ckaId,
      algorithm,
      hash: HASH_FOR[algorithm],
      ...(algorithm.startsWith('rsa') ? { rsaPadding } : {}),
    };
    const token = tokenOf(key.location, login);
    const [only] = messages;
    signatures =
      messages.length === 1 && only
        ? [await tokens.sign(token, login.pin, { ...scheme, data: only })]
        : await tokens.signMany(token, login.pin, { ...scheme, data: [...messages] });
  } catch (error) {
    vault.recordFailure(event, error);
    throw error;
  }
  vault.apply(event, () => undefined);
  return signatures;
}

/** Whether a key lives on a token (and so is used through the token layer). */
export function isTokenKey(vault: UnlockedVault, id: string): boolean {
  return vault.query((records) => readKey(records, id).location.kind === 'token');
}

/**
 * The destruction flow for any key: for a key on a token whose destruction is due, the
 * vault first records that the destruction has begun (from then on it cannot be cancelled:
 * the objects may be gone), then its objects are destroyed on the token (with the PIN), then
 * the destruction is recorded as for a vault key. A run interrupted anywhere is finished by
 * running it again (no objects left is not an error). Scheduling and cancelling need no
 * token. Throws as destroyKey, and PIN_REQUIRED (no PIN for a token key), the token errors.
 */
export async function destroyAnyKey(
  vault: UnlockedVault,
  tokens: () => TokenLayer,
  actor: string,
  id: string,
  request: DestructionRequest,
  login: TokenLogin | undefined,
  now: Date,
): Promise<KeyView> {
  const key = vault.query((records) => readKey(records, id));
  if (key.location.kind === 'token' && destructionIsDue(key, now)) {
    const event = { actor, action: 'key.destroy', target: id, outcome: Outcome.SUCCESS };
    try {
      // Every check the destruction makes runs first, writing nothing, so no token object
      // goes for a destruction the vault would refuse.
      vault.query((records) => planDestruction(records, actor, id, request, now));
      if (!login) {
        throw new KeywardenError(
          ErrorCode.PIN_REQUIRED,
          `Key ${id} is on token ${key.location.serial}: its destruction needs the token's PIN.`,
        );
      }
      const token = tokenOf(key.location, login);
      if (!key.destructionBegun) {
        // The PIN is proved on the token first (a login that lists its objects), so a
        // mistyped PIN does not leave a destruction marked begun that nothing began.
        await tokens().objects(token, login.pin);
        const begun = {
          actor,
          action: 'key.destroy-begin',
          target: id,
          outcome: Outcome.SUCCESS,
          detail: { token: key.location.serial },
        };
        vault.apply(begun, (records) => {
          // Checked again inside the write: nothing may have changed since the look above.
          planDestruction(records, actor, id, request, now);
          const current = readKey(records, id);
          saveKey(
            records,
            { ...current, destructionBegun: { at: now.toISOString(), by: actor } },
            'keep',
          );
        });
      }
      await tokens().destroyKeyObjects(tokenOf(key.location, login), login.pin, key.location.ckaId);
    } catch (error) {
      vault.recordFailure(event, error);
      throw error;
    }
  }
  return destroyKey(vault, actor, id, request, now);
}

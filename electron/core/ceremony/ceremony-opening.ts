import { randomUUID } from 'node:crypto';
import type {
  CeremonyRoleName,
  DetailValue,
  TranscriptHeader,
  TranscriptParticipant,
} from '../../shared/ceremony-run-types.ts';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { PURPOSES } from '../../shared/inventory-types.ts';
import { readKey } from '../inventory/key-inventory.ts';
import { findPerson } from '../inventory/people-registry.ts';
import type { RecordStore } from '../vault/record-store.ts';
import { readPresence } from './ceremony-presence.ts';
import type { CeremonyState } from './ceremony-state.ts';
import { CEREMONY_ROLES, REGISTRY_ROLE_FOR } from './ceremony-templates.ts';
import type { CeremonyParameter, CeremonyTemplate } from './ceremony-templates.ts';
import { canSignTranscripts } from './ceremony-transcript.ts';

// Opening a ceremony: its parameters checked against the template, its participants against
// the registry (each in one role only, holding the registry role it needs, with a presence
// factor enrolled), the role counts and quorum the template asks, and the key that will sign
// the transcript.

export interface OpenCeremonyRequest {
  parameters: Record<string, string | number | string[] | undefined>;
  participants: Array<{ name: string; role: CeremonyRoleName }>;
  /** The inventory key that signs the transcript (in the vault, or on a token). */
  signingKey: string;
}

const bad = (why: string) => new KeywardenError(ErrorCode.BAD_REQUEST, why);

function parameterValue(
  records: RecordStore,
  spec: CeremonyParameter,
  given: string | number | string[] | undefined,
): DetailValue {
  const value = given ?? spec.default;
  if (value === undefined || value === '') {
    if (spec.optional) return null;
    throw bad(`The ceremony needs "${spec.name}": ${spec.label}.`);
  }
  const text = Array.isArray(value) ? value.join(',') : String(value);
  switch (spec.kind) {
    case 'integer': {
      const n = typeof value === 'number' ? value : /^\d{1,4}$/.test(text) ? Number(text) : NaN;
      if (
        !Number.isInteger(n) ||
        (spec.min !== undefined && n < spec.min) ||
        (spec.max !== undefined && n > spec.max)
      )
        throw bad(
          `"${spec.name}" is a whole number from ${spec.min ?? 0} to ${spec.max ?? 'any'}; not "${text}".`,
        );
      return n;
    }
    case 'choice':
      if (!spec.choices?.includes(text))
        throw bad(`"${spec.name}" is one of ${spec.choices?.join(', ') ?? ''}; not "${text}".`);
      return text;
    case 'purposes': {
      const purposes = text.split(',').map((p) => p.trim());
      const unknown = purposes.filter((p) => !(PURPOSES as readonly string[]).includes(p));
      if (unknown.length > 0 || purposes.length === 0)
        throw bad(
          `"${spec.name}" takes purposes from ${PURPOSES.join(', ')}; not ${unknown.join(', ')}.`,
        );
      return purposes;
    }
    case 'key':
      return readKey(records, text).id;
    default: {
      const most = spec.maxLength ?? 4096;
      if ([...text].length > most || [...text].some((c) => c.charCodeAt(0) < 0x20))
        throw bad(`"${spec.name}" is printable text of at most ${most} characters.`);
      if (spec.pattern && !new RegExp(spec.pattern, 'u').test(text))
        throw bad(`${spec.label} ("${spec.name}"): "${text}" is not in the form it takes.`);
      return text;
    }
  }
}

function participantOf(
  records: RecordStore,
  name: string,
  role: CeremonyRoleName,
): TranscriptParticipant {
  const person = findPerson(records, name);
  const needed = REGISTRY_ROLE_FOR[role];
  if (!(person.roles as string[]).includes(needed))
    throw new KeywardenError(
      ErrorCode.SEPARATION_OF_DUTIES,
      `${person.name} cannot be the ceremony's ${role}: the registry does not give them the ${needed} role.`,
    );
  const factor = readPresence(records, person.id);
  return {
    name: person.name,
    person: person.id,
    role,
    presence: factor.method,
    ...(factor.method === 'token'
      ? { algorithm: factor.algorithm, publicKey: factor.publicKey }
      : {}),
  };
}

function signerOf(records: RecordStore, keyId: string): TranscriptHeader['signer'] {
  const key = readKey(records, keyId);
  if (
    key.state !== 'active' ||
    !key.purposes.includes('sign') ||
    !key.publicKey ||
    !canSignTranscripts(key.algorithm)
  )
    throw bad(
      `Key ${keyId} cannot sign the transcript: it must be an active Ed25519, ECDSA or RSA signing key.`,
    );
  if (key.location.kind === 'external')
    throw bad(`Key ${keyId} is held elsewhere; the vault cannot sign with it.`);
  return {
    keyId: key.id,
    algorithm: key.algorithm,
    publicKey: key.publicKey,
    location: key.location.kind,
  };
}

/**
 * A new ceremony of `template` (its id `id`), checked in full; nothing is written. Call in a read or a
 * transaction. Throws BAD_REQUEST (a parameter, a role count, the quorum, a person twice, the
 * signing key), PERSON_NOT_FOUND, SEPARATION_OF_DUTIES (a person without the registry role),
 * PRESENCE_NOT_ENROLLED, KEY_NOT_FOUND.
 */
export function openCeremony(
  records: RecordStore,
  template: CeremonyTemplate,
  request: OpenCeremonyRequest,
  vaultId: string,
  now: Date,
  id: string = randomUUID(),
): CeremonyState {
  const known = new Set(template.parameters.map((p) => p.name));
  const stray = Object.keys(request.parameters).filter((name) => !known.has(name));
  if (stray.length > 0)
    throw bad(
      `Template ${template.id} takes no parameter ${stray.join(', ')}; it takes ${[...known].join(', ')}.`,
    );
  const parameters: Record<string, DetailValue> = {};
  for (const spec of template.parameters)
    parameters[spec.name] = parameterValue(records, spec, request.parameters[spec.name]);
  const participants = request.participants.map((p) => participantOf(records, p.name, p.role));
  const people = participants.map((p) => p.person);
  if (new Set(people).size !== people.length)
    throw new KeywardenError(
      ErrorCode.SEPARATION_OF_DUTIES,
      'Each person takes one role in a ceremony, once.',
    );
  for (const role of CEREMONY_ROLES) {
    const count = participants.filter((p) => p.role === role).length;
    const { min, max } = template.roles[role];
    if (count < min || count > max)
      throw bad(
        `Template ${template.id} needs ${min === max ? min : `${min} to ${max}`} ${role}(s); ${count} named.`,
      );
  }
  if (template.quorum) {
    const quorum = parameters[template.quorum.custodians];
    const custodians = participants.filter((p) => p.role === 'custodian').length;
    if (typeof quorum === 'number' && custodians < quorum)
      throw bad(`The quorum is ${quorum} custodians; ${custodians} named.`);
  }
  const header: TranscriptHeader = {
    ceremony: id,
    vault: vaultId,
    template: {
      id: template.id,
      version: template.version,
      title: template.title,
      digest: template.digest,
    },
    parameters,
    participants,
    signer: signerOf(records, request.signingKey),
    openedAt: now.toISOString(),
  };
  return { header, entries: [], status: 'open' };
}

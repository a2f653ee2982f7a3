import { randomBytes } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { ROLES } from '../../shared/inventory-types.ts';
import type { PersonView, Role } from '../../shared/inventory-types.ts';
import type { RecordStore } from '../vault/record-store.ts';

// The people registry: the persons who own, hold, witness and audit keys, with their roles.
// Stored as encrypted records of the collection "people"; names are unique.

export const PEOPLE = 'people';

/** Every registered person, by name. */
export function listPeople(records: RecordStore): PersonView[] {
  return records
    .list(PEOPLE)
    .map((record) => ({ id: record.recordId, ...(record.meta as Omit<PersonView, 'id'>) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The registry, or a copy already read in this transaction (so a check reads it once). */
export type PeopleSource = RecordStore | readonly PersonView[];

const peopleOf = (source: PeopleSource): readonly PersonView[] =>
  Array.isArray(source) ? source : listPeople(source as RecordStore);

/** Finds a person by id or by name (any case). Throws PERSON_NOT_FOUND. */
export function findPerson(source: PeopleSource, nameOrId: string): PersonView {
  const wanted = nameOrId.trim().toLowerCase();
  const person = peopleOf(source).find((p) => p.id === nameOrId || p.name.toLowerCase() === wanted);
  if (!person) {
    throw new KeywardenError(
      ErrorCode.PERSON_NOT_FOUND,
      `No person "${nameOrId}" in the registry; add them with "keywarden people add --name NAME --role ROLE".`,
    );
  }
  return person;
}

/**
 * The person the actor names. Throws PERSON_NOT_FOUND saying how to act as a registered
 * person.
 */
export function findActor(source: PeopleSource, actor: string): PersonView {
  try {
    return findPerson(source, actor);
  } catch {
    throw new KeywardenError(
      ErrorCode.PERSON_NOT_FOUND,
      `You act as "${actor}", who is not in the people registry; pass --actor with a registered name, or have an officer add you.`,
    );
  }
}

/**
 * Registers a person. The first person may be added by anyone (it bootstraps the registry);
 * after that, only a registered officer adds people. A name is 1-200 printable characters
 * and unique; roles are one or more of officer, custodian, witness, auditor, engineer.
 * Throws BAD_REQUEST, PERSON_NOT_FOUND, SEPARATION_OF_DUTIES.
 */
export function addPerson(
  records: RecordStore,
  actor: string,
  name: string,
  roles: readonly string[],
): PersonView {
  if (listPeople(records).length > 0 && !findActor(records, actor).roles.includes('officer')) {
    throw new KeywardenError(
      ErrorCode.SEPARATION_OF_DUTIES,
      `Only an officer adds people to the registry, and ${actor} is not one.`,
    );
  }
  const cleanName = name.trim();
  const control = [...cleanName].some(
    (char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f,
  );
  if (cleanName.length === 0 || cleanName.length > 200 || control) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      'A person needs a name of 1 to 200 printable characters.',
    );
  }
  const unknown = roles.filter((role) => !(ROLES as readonly string[]).includes(role));
  if (roles.length === 0 || unknown.length > 0) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `Roles are one or more of ${ROLES.join(', ')}${unknown.length ? `; not ${unknown.join(', ')}` : ''}.`,
    );
  }
  if (listPeople(records).some((p) => p.name.toLowerCase() === cleanName.toLowerCase())) {
    throw new KeywardenError(ErrorCode.BAD_REQUEST, `"${cleanName}" is already in the registry.`);
  }
  const person: PersonView = {
    id: `p-${randomBytes(6).toString('hex')}`,
    name: cleanName,
    roles: [...new Set(roles as Role[])],
  };
  records.put(PEOPLE, person.id, { name: person.name, roles: person.roles }, Buffer.alloc(0));
  return person;
}

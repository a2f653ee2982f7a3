import { ROLES } from '../../../../electron/shared/inventory-types.ts';
import type { Role } from '../../../../electron/shared/inventory-types.ts';

// The people registry's roles in words: what each lets a person do.

export const ROLE_WORDS: Readonly<Record<Role, { label: string; hint: string }>> = {
  officer: {
    label: 'Officer',
    hint: 'Runs ceremonies, adds people, authorises destruction.',
  },
  custodian: { label: 'Custodian', hint: 'Holds a key share or component.' },
  witness: { label: 'Witness', hint: 'Attests ceremonies and destructions.' },
  auditor: { label: 'Auditor', hint: 'Reviews transcripts and the audit log.' },
  engineer: { label: 'Engineer', hint: 'Owns and uses their own keys.' },
};

/** Whether a checkbox value is one of the registry's roles. */
export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

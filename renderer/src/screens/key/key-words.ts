import type {
  KeyState,
  KeyTransition,
  KeyView,
  PersonView,
} from '../../../../electron/shared/inventory-types.ts';

// The words the key detail screen uses: states, lifecycle events, people's names, dates and
// how long remains, all from what keys:show gives.

const DAY_MS = 86_400_000;

export const STATE_WORDS: Readonly<Record<KeyState, string>> = {
  'pre-activation': 'pre-activation',
  active: 'active',
  suspended: 'suspended',
  deactivated: 'deactivated',
  'destruction-pending': 'destruction pending',
  destroyed: 'destroyed',
  compromised: 'compromised',
  'destroyed-compromised': 'destroyed (compromised)',
};

/** The badge class of a state: fine, needs a look, or gone. */
export function stateBadge(state: KeyState): string {
  switch (state) {
    case 'active':
      return 'badge badge-ok';
    case 'pre-activation':
    case 'suspended':
    case 'destruction-pending':
      return 'badge badge-warn';
    case 'deactivated':
      return 'badge';
    default:
      return 'badge badge-danger';
  }
}

/** A lifecycle step in words: what happened to the key. */
export function eventWords(step: KeyTransition): string {
  if (step.from === null) {
    const reason = step.reason.toLowerCase();
    if (reason.startsWith('rotated from')) return 'Made by rotation';
    if (reason.startsWith('generated')) return 'Generated';
    if (reason.startsWith('imported')) return 'Imported';
    if (reason.startsWith('registered')) return 'Registered';
    return 'Created';
  }
  switch (step.to) {
    case 'active':
      return step.from === 'pre-activation' ? 'Activated' : 'Reactivated';
    case 'suspended':
      return 'Suspended';
    case 'deactivated':
      if (step.from === 'destruction-pending') return 'Destruction cancelled';
      return step.reason.startsWith('rotated to') ? 'Rotated' : 'Deactivated';
    case 'destruction-pending':
      return 'Destruction pending';
    case 'destroyed':
      return 'Destroyed';
    case 'compromised':
      return 'Marked compromised';
    case 'destroyed-compromised':
      return 'Destroyed (compromised)';
    case 'pre-activation':
      return 'Pre-activation';
  }
}

/** A person's name from an id or a name; the text itself when the registry has no such person. */
export function personName(people: readonly PersonView[], idOrName: string): string {
  const wanted = idOrName.toLowerCase();
  return people.find((p) => p.id === idOrName || p.name.toLowerCase() === wanted)?.name ?? idOrName;
}

/** A changed field's value in words: people's names for person ids, lists joined. */
export function changeValue(people: readonly PersonView[], field: string, value: unknown): string {
  const person = (v: unknown) => (typeof v === 'string' ? personName(people, v) : String(v));
  if (value === null || value === undefined || value === '') return '(none)';
  if (Array.isArray(value)) {
    if (value.length === 0) return '(none)';
    return value.map(field === 'custodians' ? person : String).join(', ');
  }
  return field === 'owner' ? person(value) : String(value);
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'short',
});

/** A date as a person reads it. */
export const dateWords = (iso: string): string => dateFormat.format(new Date(iso));
/** A date and time as a person reads it. */
export const dateTimeWords = (iso: string): string => dateTimeFormat.format(new Date(iso));

/** A span of days in words: "12 days", "5 months", "2 years 3 months". */
export function spanWords(days: number): string {
  const whole = Math.round(Math.abs(days));
  if (whole < 60) return whole === 1 ? '1 day' : `${whole} days`;
  const months = Math.round(whole / 30.44);
  const years = Math.floor(months / 12);
  const rest = months % 12;
  const monthText = rest === 1 ? '1 month' : `${rest} months`;
  if (years === 0) return monthText;
  const yearText = years === 1 ? '1 year' : `${years} years`;
  return rest === 0 ? yearText : `${yearText} ${monthText}`;
}

/** How far `iso` is from `now`: "in 3 months", "5 days ago", "today". */
export function fromNowWords(iso: string, now: Date): string {
  const days = (Date.parse(iso) - now.getTime()) / DAY_MS;
  if (Math.abs(days) < 1) return 'today';
  return days > 0 ? `in ${spanWords(days)}` : `${spanWords(days)} ago`;
}

/** The fingerprint's bytes as hex pairs ("SHA256:" and unpadded base64 in). */
export function fingerprintHex(fingerprint: string): string {
  const encoded = fingerprint.replace(/^SHA256:/, '');
  const padded = encoded + '='.repeat((4 - (encoded.length % 4)) % 4);
  return [...atob(padded)]
    .map((char) => char.charCodeAt(0).toString(16).padStart(2, '0'))
    .join(':');
}

/** Where a key lives, in words. */
export function locationWords(key: KeyView): string {
  switch (key.location.kind) {
    case 'vault':
      return key.wrappedBy ? `in the vault, wrapped under ${key.wrappedBy}` : 'in the vault';
    case 'token':
      return `on token ${key.location.serial} (CKA_ID ${key.location.ckaId})${
        key.tokenPresent === false ? ', not attached now' : ''
      }`;
    case 'external':
      return `outside Keywarden: ${key.location.reference}`;
  }
}

/** The algorithm and size in words: "Ed25519", "RSA 3072", "AES-256". */
export function algorithmWords(key: KeyView): string {
  const names: Record<string, string> = {
    ed25519: 'Ed25519',
    x25519: 'X25519',
    p256: 'ECDSA P-256',
    p384: 'ECDSA P-384',
    rsa2048: 'RSA 2048',
    rsa3072: 'RSA 3072',
    rsa4096: 'RSA 4096',
    aes256: 'AES-256',
    'hmac-sha256': 'HMAC-SHA256',
  };
  return `${names[key.algorithm] ?? key.algorithm} (${key.sizeBits} bits)`;
}

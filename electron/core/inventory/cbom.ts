import { randomUUID } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { KEY_ALGORITHMS } from '../../shared/inventory-types.ts';
import type {
  KeyAlgorithm,
  KeyLocation,
  KeyState,
  KeyView,
  PersonView,
} from '../../shared/inventory-types.ts';
import { CDX_SCHEMA } from './cbom-types.ts';
import type {
  CdxAlgorithmComponent,
  CdxAlgorithmProperties,
  CdxDependency,
  CdxExecutionEnvironment,
  CdxKeyComponent,
  CdxKeyMaterialProperties,
  CdxKeyState,
  CdxProperty,
  CdxSecuredBy,
  CycloneDxBom,
} from './cbom-types.ts';

// The key inventory as a CycloneDX 1.6 cryptographic bill of materials (CBOM): one
// related-crypto-material asset per key, pointing at an algorithm asset, with the inventory's
// own facts (owner, custodians, tier, location, crypto-period, destruction record) as
// `keywarden:` properties. Inventory facts only: every field is mapped by name, so no key
// material can slip in, and a public key appears only as its fingerprint.

/** What the BOM says about itself. */
export interface CbomContext {
  now: Date;
  vaultId: string;
  toolVersion: string;
  /** A `urn:uuid:` serial; a fresh random one when absent. Pass one to reproduce a BOM exactly. */
  serialNumber?: string;
}

/** The algorithms a BOM can name: the key algorithms, and the key wrap that protects data keys. */
type AlgorithmId = KeyAlgorithm | 'aes256-kwp';

type AlgorithmFacts = Omit<
  CdxAlgorithmProperties,
  'executionEnvironment' | 'implementationPlatform'
> & {
  name: string;
  oid: string;
};

// What the vault does with each kind of key. A key's algorithm asset is the one the key is
// for, as the CycloneDX guide models an RSA key under "RSA-2048" (rsaEncryption). Security
// levels: SP 800-57 Part 1 Rev. 5 Tables 2 and 3, RSA-4096 from SP 800-56B Rev. 2 App. D.
// The quantum level is 0 for what Shor's algorithm breaks; category 5 is defined as the
// cost of a key search on AES-256, which bounds HMAC with a 256-bit key too.
const ALGORITHMS: Readonly<Record<AlgorithmId, AlgorithmFacts>> = {
  ed25519: {
    name: 'Ed25519',
    oid: '1.3.101.112',
    primitive: 'signature',
    curve: 'other/Ed25519',
    cryptoFunctions: ['keygen', 'sign', 'verify'],
    classicalSecurityLevel: 128,
    nistQuantumSecurityLevel: 0,
  },
  x25519: {
    name: 'X25519',
    oid: '1.3.101.110',
    primitive: 'key-agree',
    curve: 'other/Curve25519',
    cryptoFunctions: ['keygen', 'keyderive'],
    classicalSecurityLevel: 128,
    nistQuantumSecurityLevel: 0,
  },
  p256: {
    name: 'ECDSA-P256',
    oid: '1.2.840.10045.4.3.2', // ecdsa-with-SHA256: the vault signs with P-256 and SHA-256
    primitive: 'signature',
    curve: 'nist/P-256',
    cryptoFunctions: ['keygen', 'sign', 'verify'],
    classicalSecurityLevel: 128,
    nistQuantumSecurityLevel: 0,
  },
  p384: {
    name: 'ECDSA-P384',
    oid: '1.2.840.10045.4.3.3', // ecdsa-with-SHA384
    primitive: 'signature',
    curve: 'nist/P-384',
    cryptoFunctions: ['keygen', 'sign', 'verify'],
    classicalSecurityLevel: 192,
    nistQuantumSecurityLevel: 0,
  },
  rsa2048: rsa(2048, 112),
  rsa3072: rsa(3072, 128),
  rsa4096: rsa(4096, 152),
  aes256: {
    name: 'AES-256-GCM',
    oid: '2.16.840.1.101.3.4.1.46',
    primitive: 'ae',
    parameterSetIdentifier: '256',
    mode: 'gcm',
    cryptoFunctions: ['keygen', 'encrypt', 'decrypt'],
    classicalSecurityLevel: 256,
    nistQuantumSecurityLevel: 5,
  },
  'hmac-sha256': {
    name: 'HMAC-SHA256',
    oid: '1.2.840.113549.2.9',
    primitive: 'mac',
    parameterSetIdentifier: '256',
    cryptoFunctions: ['keygen', 'tag', 'verify'],
    classicalSecurityLevel: 256,
    nistQuantumSecurityLevel: 5,
  },
  'aes256-kwp': {
    name: 'AES-256-KWP',
    oid: '2.16.840.1.101.3.4.1.48', // id-aes256-wrap-pad (RFC 5649)
    primitive: 'ae',
    parameterSetIdentifier: '256',
    mode: 'other',
    cryptoFunctions: ['encrypt', 'decrypt'],
    classicalSecurityLevel: 256,
    nistQuantumSecurityLevel: 5,
  },
};

function rsa(bits: number, classicalSecurityLevel: number): AlgorithmFacts {
  return {
    name: `RSA-${bits}`,
    oid: '1.2.840.113549.1.1.1', // rsaEncryption: the key type, used for OAEP and signatures
    primitive: 'pke',
    parameterSetIdentifier: String(bits),
    cryptoFunctions: ['keygen', 'encrypt', 'decrypt', 'sign', 'verify'],
    classicalSecurityLevel,
    nistQuantumSecurityLevel: 0,
  };
}

const ALGORITHM_ORDER: readonly AlgorithmId[] = [...KEY_ALGORITHMS, 'aes256-kwp'];

/** An algorithm is one asset per place it runs: the vault's own code, a token, or unknown. */
const ENVIRONMENT: Readonly<Record<KeyLocation['kind'], CdxExecutionEnvironment>> = {
  vault: 'software-plain-ram',
  token: 'hardware',
  external: 'unknown',
};
const ENVIRONMENT_ORDER: readonly CdxExecutionEnvironment[] = [
  'software-plain-ram',
  'hardware',
  'unknown',
];

/** Our states in CycloneDX's words; the exact state is kept in `keywarden:state`. */
const CDX_STATE: Readonly<Record<KeyState, CdxKeyState>> = {
  'pre-activation': 'pre-activation',
  active: 'active',
  suspended: 'suspended',
  deactivated: 'deactivated',
  'destruction-pending': 'deactivated',
  destroyed: 'destroyed',
  compromised: 'compromised',
  'destroyed-compromised': 'destroyed',
};

const SECRET_KEY_ALGORITHMS: ReadonlySet<KeyAlgorithm> = new Set(['aes256', 'hmac-sha256']);
const SERIAL_NUMBER = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))?$/;

const algorithmRef = (id: AlgorithmId, environment: CdxExecutionEnvironment) =>
  `crypto/algorithm/${id}/${environment}`;
const keyRef = (id: string) => `crypto/key/${id}`;
// Code-unit order, not localeCompare: the same inventory sorts the same on every machine.
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function badRequest(message: string): KeywardenError {
  return new KeywardenError(ErrorCode.BAD_REQUEST, message);
}

/** An ISO 8601 date or date-time with a zone, as RFC 3339 UTC. Throws BAD_REQUEST. */
function dateTime(value: string, key: KeyView, field: string): string {
  const time = ISO_DATE.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(time)) {
    throw badRequest(`Key ${key.id} has a ${field} that is not an ISO 8601 date.`);
  }
  return new Date(time).toISOString();
}

/** The latest moment the key's entry changed: its last transition or edit. */
function lastUpdate(key: KeyView): string | undefined {
  const stamps = [...key.history, ...key.changes].map((entry) =>
    dateTime(entry.at, key, 'history date'),
  );
  return stamps.sort(byCodeUnits).at(-1);
}

function isDestroyed(key: KeyView): boolean {
  return key.state === 'destroyed' || key.state === 'destroyed-compromised';
}

/** Whether the vault holds private or secret material for the key (sealed in its records). */
function holdsMaterial(key: KeyView): boolean {
  return key.location.kind === 'vault' && !key.publicOnly && !isDestroyed(key);
}

function materialFormat(key: KeyView): string | undefined {
  if (key.location.kind !== 'vault' || isDestroyed(key)) return undefined;
  if (key.publicOnly) return 'SubjectPublicKeyInfo DER';
  return SECRET_KEY_ALGORITHMS.has(key.algorithm) ? 'raw' : 'PKCS#8 DER';
}

/** The vault seals every record body with AES-256-GCM; a data key is first wrapped (RFC 5649). */
function securedBy(key: KeyView): CdxSecuredBy | undefined {
  if (holdsMaterial(key)) {
    const id = key.wrappedBy === null ? 'aes256' : 'aes256-kwp';
    return { mechanism: 'vault', algorithmRef: algorithmRef(id, 'software-plain-ram') };
  }
  if (key.location.kind === 'token' && !key.publicOnly && !isDestroyed(key)) {
    return { mechanism: 'token' };
  }
  return undefined;
}

function materialType(key: KeyView): CdxKeyMaterialProperties['type'] {
  if (SECRET_KEY_ALGORITHMS.has(key.algorithm)) return 'secret-key';
  return key.publicOnly ? 'public-key' : 'private-key';
}

/** The algorithm assets a key refers to: its own, and those protecting its material. */
function keyAlgorithms(key: KeyView): string[] {
  const refs = [algorithmRef(key.algorithm, ENVIRONMENT[key.location.kind])];
  if (holdsMaterial(key)) {
    refs.push(algorithmRef('aes256', 'software-plain-ram'));
    if (key.wrappedBy !== null) refs.push(algorithmRef('aes256-kwp', 'software-plain-ram'));
  }
  return [...new Set(refs)];
}

type PersonName = (id: string, key: KeyView, role: string) => string;

function keyProperties(key: KeyView, personName: PersonName): CdxProperty[] {
  const properties: CdxProperty[] = [];
  const add = (name: string, value: string | number | null | undefined) => {
    if (value !== null && value !== undefined) {
      properties.push({ name: `keywarden:${name}`, value: String(value) });
    }
  };
  const date = (value: string | null | undefined, field: string) =>
    value === null || value === undefined ? undefined : dateTime(value, key, field);
  add('state', key.state);
  add('owner', personName(key.owner, key, 'owner'));
  for (const custodian of key.custodians) add('custodian', personName(custodian, key, 'custodian'));
  add('tier', key.tier);
  for (const purpose of key.purposes) add('purpose', purpose);
  add('environment', key.environment);
  add('classification', key.classification);
  add('location', key.location.kind);
  if (key.location.kind === 'token') {
    add('token-serial', key.location.serial);
    add('token-cka-id', key.location.ckaId);
  }
  if (key.location.kind === 'external') add('external-reference', key.location.reference);
  add('fingerprint', key.fingerprint);
  add('policy-row', key.cryptoPeriod.policyRow);
  add('originator-usage-end', date(key.cryptoPeriod.originatorUsageEnd, 'originator usage end'));
  add('lineage', key.lineage);
  add('version', key.version);
  add('predecessor', key.predecessor);
  add('successor', key.successor);
  add('published-until', date(key.publishedUntil, 'published-until date'));
  add('wrapped-by', key.wrappedBy);
  for (const label of key.labels) add('label', label);
  const destruction = key.destruction;
  if (destruction) {
    add('destruction-authorised-by', personName(destruction.authorisedBy, key, 'authoriser'));
    add('destruction-witness', personName(destruction.witness, key, 'witness'));
    add('destruction-scheduled-at', date(destruction.scheduledAt, 'destruction schedule date'));
    add('destruction-not-before', date(destruction.notBefore, 'destruction window end'));
    if (destruction.performedBy !== undefined) {
      add('destruction-performed-by', personName(destruction.performedBy, key, 'destroyer'));
    }
    add('destruction-performed-at', date(destruction.performedAt, 'destruction date'));
    add('destruction-method', destruction.method);
  }
  return properties;
}

function keyComponent(key: KeyView, personName: PersonName): CdxKeyComponent {
  const updated = lastUpdate(key);
  const format = materialFormat(key);
  const protection = securedBy(key);
  const material: CdxKeyMaterialProperties = {
    type: materialType(key),
    id: key.id,
    state: CDX_STATE[key.state],
    algorithmRef: algorithmRef(key.algorithm, ENVIRONMENT[key.location.kind]),
    creationDate: dateTime(key.createdAt, key, 'creation date'),
    ...(key.activatedAt === null
      ? {}
      : { activationDate: dateTime(key.activatedAt, key, 'activation date') }),
    ...(updated === undefined ? {} : { updateDate: updated }),
    expirationDate: dateTime(key.cryptoPeriod.recipientUsageEnd, key, 'recipient usage end'),
    size: key.sizeBits,
    ...(format === undefined ? {} : { format }),
    ...(protection === undefined ? {} : { securedBy: protection }),
  };
  return {
    type: 'cryptographic-asset',
    'bom-ref': keyRef(key.id),
    name: key.name,
    cryptoProperties: {
      assetType: 'related-crypto-material',
      relatedCryptoMaterialProperties: material,
    },
    properties: keyProperties(key, personName),
  };
}

function algorithmComponent(
  id: AlgorithmId,
  environment: CdxExecutionEnvironment,
): CdxAlgorithmComponent {
  const facts = ALGORITHMS[id];
  const algorithmProperties: CdxAlgorithmProperties = {
    primitive: facts.primitive,
    ...(facts.parameterSetIdentifier === undefined
      ? {}
      : { parameterSetIdentifier: facts.parameterSetIdentifier }),
    ...(facts.curve === undefined ? {} : { curve: facts.curve }),
    executionEnvironment: environment,
    // Keywarden's code runs wherever Node does; a token's or a KMS's platform is unknown.
    ...(environment === 'software-plain-ram' ? { implementationPlatform: 'generic' } : {}),
    ...(facts.mode === undefined ? {} : { mode: facts.mode }),
    cryptoFunctions: [...facts.cryptoFunctions],
    classicalSecurityLevel: facts.classicalSecurityLevel,
    nistQuantumSecurityLevel: facts.nistQuantumSecurityLevel,
  };
  return {
    type: 'cryptographic-asset',
    'bom-ref': algorithmRef(id, environment),
    name: facts.name,
    cryptoProperties: { assetType: 'algorithm', algorithmProperties, oid: facts.oid },
  };
}

/**
 * The inventory as a CycloneDX 1.6 CBOM: the vault as the BOM's subject, one asset per
 * algorithm in use (per place it runs, in a fixed order), one per key (by name, then id)
 * pointing at its algorithm, and the dependencies between them. People appear by name.
 * Given a serial number, the same inputs give the same BOM. Holds no key material: public
 * keys appear only as fingerprints. Throws BAD_REQUEST (an invalid `now`, serial number or
 * vault id, a key id given twice, a date that is not ISO 8601) and PERSON_NOT_FOUND (a key
 * names a person who is not in `people`).
 */
export function inventoryCbom(
  keys: readonly KeyView[],
  people: readonly PersonView[],
  context: CbomContext,
): CycloneDxBom {
  if (Number.isNaN(context.now.getTime())) throw badRequest('The BOM needs a valid timestamp.');
  if (context.vaultId.length === 0) throw badRequest('The BOM needs the vault id.');
  const serialNumber = context.serialNumber ?? `urn:uuid:${randomUUID()}`;
  if (!SERIAL_NUMBER.test(serialNumber)) {
    throw badRequest('A BOM serial number is "urn:uuid:" and a lower-case UUID.');
  }
  const sorted = [...keys].sort((a, b) => byCodeUnits(a.name, b.name) || byCodeUnits(a.id, b.id));
  const ids = new Set(sorted.map((key) => key.id));
  if (ids.size !== sorted.length) throw badRequest('The inventory lists a key id twice.');

  const names = new Map(people.map((person) => [person.id, person.name]));
  const personName: PersonName = (id, key, role) => {
    const name = names.get(id);
    if (name === undefined) {
      throw new KeywardenError(
        ErrorCode.PERSON_NOT_FOUND,
        `Key ${key.id} names ${id} as its ${role}, who is not in the people registry.`,
      );
    }
    return name;
  };

  const keyComponents = sorted.map((key) => keyComponent(key, personName));
  const keyDependencies: CdxDependency[] = sorted.map((key) => ({
    ref: keyRef(key.id),
    dependsOn: [
      ...keyAlgorithms(key),
      // A data key depends on the KEK it is wrapped under, when that KEK is in the BOM.
      ...(holdsMaterial(key) && key.wrappedBy !== null && ids.has(key.wrappedBy)
        ? [keyRef(key.wrappedBy)]
        : []),
    ],
  }));
  const used = new Set(sorted.flatMap(keyAlgorithms));
  const algorithmComponents = ALGORITHM_ORDER.flatMap((id) =>
    ENVIRONMENT_ORDER.filter((environment) => used.has(algorithmRef(id, environment))).map(
      (environment) => algorithmComponent(id, environment),
    ),
  );

  const vaultRef = `vault/${context.vaultId}`;
  return {
    $schema: CDX_SCHEMA,
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber,
    version: 1,
    metadata: {
      timestamp: context.now.toISOString(),
      lifecycles: [{ phase: 'operations' }],
      tools: {
        components: [{ type: 'application', name: 'Keywarden', version: context.toolVersion }],
      },
      component: {
        type: 'data',
        'bom-ref': vaultRef,
        name: `Keywarden vault ${context.vaultId}`,
        properties: [{ name: 'keywarden:vault-id', value: context.vaultId }],
      },
    },
    components: [...algorithmComponents, ...keyComponents],
    dependencies: [
      { ref: vaultRef, dependsOn: keyComponents.map((component) => component['bom-ref']) },
      ...algorithmComponents.map((component) => ({ ref: component['bom-ref'], dependsOn: [] })),
      ...keyDependencies,
    ],
  };
}

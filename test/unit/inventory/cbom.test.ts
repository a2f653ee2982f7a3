import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bomValidator, cbomSchemaErrors, schemaFile } from '../../helpers/cyclonedx-schema.ts';
import { inventoryCbom } from '../../../electron/core/inventory/cbom.ts';
import type {
  CdxAlgorithmComponent,
  CdxKeyComponent,
  CycloneDxBom,
} from '../../../electron/core/inventory/cbom-types.ts';
import { publicKeyFingerprint } from '../../../electron/core/inventory/public-key-formats.ts';
import { ErrorCode } from '../../../electron/shared/errors.ts';
import type {
  KeyAlgorithm,
  KeyView,
  PersonView,
} from '../../../electron/shared/inventory-types.ts';

const validate = bomValidator();

function schemaErrors(bom: unknown): string[] {
  return cbomSchemaErrors(validate, bom);
}

const people: PersonView[] = [
  { id: 'p-alice', name: 'Alice Officer', roles: ['officer'] },
  { id: 'p-bob', name: 'Bob Custodian', roles: ['custodian'] },
  { id: 'p-carol', name: 'Carol Witness', roles: ['witness'] },
  { id: 'p-dave', name: 'Dave Engineer', roles: ['engineer'] },
];

const CREATED = '2026-01-10T09:00:00.000Z';
const ACTIVATED = '2026-01-11T09:00:00.000Z';

/** A real public key, so the test can check the BOM carries its fingerprint and never its bytes. */
function publicKeyOf(algorithm: KeyAlgorithm): { publicKey: string; fingerprint: string } {
  const spki = (() => {
    switch (algorithm) {
      case 'ed25519':
        return generateKeyPairSync('ed25519').publicKey;
      case 'x25519':
        return generateKeyPairSync('x25519').publicKey;
      case 'p256':
      case 'p384':
        return generateKeyPairSync('ec', {
          namedCurve: algorithm === 'p256' ? 'P-256' : 'P-384',
        }).publicKey;
      default:
        return generateKeyPairSync('rsa', { modulusLength: Number(algorithm.slice(3)) }).publicKey;
    }
  })().export({ type: 'spki', format: 'der' });
  return {
    publicKey: spki.toString('base64'),
    fingerprint: publicKeyFingerprint(algorithm, spki),
  };
}

function keyView(
  id: string,
  algorithm: KeyAlgorithm,
  sizeBits: number,
  overrides: Partial<KeyView>,
): KeyView {
  const secret = algorithm === 'aes256' || algorithm === 'hmac-sha256';
  return {
    id,
    name: id,
    algorithm,
    sizeBits,
    purposes: ['sign', 'verify'],
    environment: 'production',
    classification: 'confidential',
    tier: 2,
    owner: 'p-alice',
    custodians: ['p-bob'],
    location: { kind: 'vault' },
    publicOnly: false,
    ...(secret ? { publicKey: null, fingerprint: null } : publicKeyOf(algorithm)),
    lineage: id,
    version: 1,
    predecessor: null,
    successor: null,
    publishedUntil: null,
    wrappedBy: null,
    labels: [],
    notes: '',
    state: 'active',
    cryptoPeriod: {
      policyRow: 'private-signature',
      originatorUsageEnd: '2029-01-11T09:00:00.000Z',
      recipientUsageEnd: '2029-01-11T09:00:00.000Z',
    },
    createdAt: CREATED,
    activatedAt: ACTIVATED,
    history: [
      { from: null, to: 'active', at: ACTIVATED, by: 'Alice Officer', reason: 'generated' },
    ],
    changes: [],
    ...overrides,
  };
}

const destructionAt = '2026-02-20T12:00:00.000Z';

/** One key of every algorithm, every state, every location. */
const inventory: KeyView[] = [
  keyView('k-01', 'ed25519', 256, {
    name: 'ci-signing',
    state: 'destroyed-compromised',
    successor: 'k-02',
    custodians: ['p-bob', 'p-dave'],
    labels: ['ci', 'release'],
    history: [
      { from: null, to: 'active', at: ACTIVATED, by: 'Alice Officer', reason: 'generated' },
      {
        from: 'active',
        to: 'compromised',
        at: '2026-02-01T08:00:00.000Z',
        by: 'Alice Officer',
        reason: 'leaked',
      },
      {
        from: 'compromised',
        to: 'destroyed-compromised',
        at: destructionAt,
        by: 'Alice Officer',
        reason: 'compromised key destroyed',
      },
    ],
    destruction: {
      authorisedBy: 'p-alice',
      witness: 'p-carol',
      scheduledAt: destructionAt,
      notBefore: destructionAt,
      performedBy: 'p-dave',
      performedAt: destructionAt,
      method: 'zeroized in memory; record ciphertext removed from the vault',
    },
  }),
  keyView('k-02', 'ed25519', 256, {
    name: 'ci-signing',
    lineage: 'k-01',
    version: 2,
    predecessor: 'k-01',
    labels: ['ci'],
    changes: [
      {
        at: '2026-03-05T10:00:00.000Z',
        by: 'Alice Officer',
        fields: { custodians: { from: [], to: ['p-bob'] } },
        reason: 'custody assigned',
      },
    ],
  }),
  keyView('k-03', 'x25519', 256, {
    name: 'agreement',
    purposes: ['agree', 'derive'],
    state: 'pre-activation',
    activatedAt: null,
    history: [{ from: null, to: 'pre-activation', at: CREATED, by: 'Alice Officer', reason: 'x' }],
  }),
  keyView('k-04', 'p256', 256, {
    name: 'hsm-tls',
    location: { kind: 'token', serial: 'SN-0042', ckaId: '0a1b2c' },
    state: 'suspended',
    tier: 1,
  }),
  keyView('k-05', 'p384', 384, {
    name: 'kms-signing',
    location: {
      kind: 'external',
      reference: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    },
    state: 'deactivated',
  }),
  keyView('k-06', 'rsa2048', 2048, {
    name: 'partner-verify',
    publicOnly: true,
    purposes: ['verify'],
    custodians: [],
    cryptoPeriod: {
      policyRow: 'public-signature-verification',
      originatorUsageEnd: null,
      recipientUsageEnd: '2031-01-11T09:00:00.000Z',
    },
  }),
  keyView('k-07', 'rsa3072', 3072, {
    name: 'legacy-decrypt',
    purposes: ['decrypt'],
    state: 'destruction-pending',
    destruction: {
      authorisedBy: 'p-alice',
      witness: 'p-carol',
      scheduledAt: destructionAt,
      notBefore: '2026-03-22T12:00:00.000Z',
    },
  }),
  keyView('k-08', 'rsa4096', 4096, {
    name: 'old-root',
    state: 'destroyed',
    destruction: {
      authorisedBy: 'p-alice',
      witness: 'p-carol',
      scheduledAt: '2026-01-20T12:00:00.000Z',
      notBefore: '2026-02-19T12:00:00.000Z',
      performedBy: 'p-dave',
      performedAt: destructionAt,
      method: 'zeroized in memory; record ciphertext removed from the vault',
    },
  }),
  keyView('k-09', 'aes256', 256, {
    name: 'data-kek',
    purposes: ['wrap', 'unwrap'],
    tier: 1,
    cryptoPeriod: {
      policyRow: 'symmetric-key-wrapping',
      originatorUsageEnd: '2028-01-11T09:00:00.000Z',
      recipientUsageEnd: '2031-01-11T09:00:00.000Z',
    },
  }),
  keyView('k-10', 'hmac-sha256', 256, {
    name: 'webhook-mac',
    purposes: ['mac', 'verify'],
    state: 'compromised',
    wrappedBy: 'k-09',
    classification: 'secret',
    environment: 'staging',
  }),
];

const context = {
  now: new Date('2026-04-01T12:00:00.000Z'),
  vaultId: 'v-3f9a0c',
  toolVersion: '0.1.0',
  serialNumber: 'urn:uuid:8a0c5f5e-4b1d-4c7a-9a51-2f1e0d9c3b7a',
};

const bom = inventoryCbom(inventory, people, context);

function keyComponent(from: CycloneDxBom, id: string): CdxKeyComponent {
  const found = from.components.find(
    (component): component is CdxKeyComponent =>
      component.cryptoProperties.assetType === 'related-crypto-material' &&
      component.cryptoProperties.relatedCryptoMaterialProperties.id === id,
  );
  if (!found) throw new Error(`no component for key ${id}`);
  return found;
}

function algorithmComponent(ref: string): CdxAlgorithmComponent {
  const found = bom.components.find(
    (component): component is CdxAlgorithmComponent =>
      component['bom-ref'] === ref && component.cryptoProperties.assetType === 'algorithm',
  );
  if (!found) throw new Error(`no algorithm component ${ref}`);
  return found;
}

const material = (id: string) =>
  keyComponent(bom, id).cryptoProperties.relatedCryptoMaterialProperties;
const property = (id: string, name: string) =>
  keyComponent(bom, id)
    .properties.filter((entry) => entry.name === `keywarden:${name}`)
    .map((entry) => entry.value);

describe('the CBOM against the official CycloneDX 1.6 schema', () => {
  it('validates a realistic inventory', () => {
    expect(schemaErrors(bom)).toEqual([]);
    expect(bom.components).toHaveLength(inventory.length + 10);
  });

  it('validates an empty inventory', () => {
    const empty = inventoryCbom([], [], context);
    expect(schemaErrors(empty)).toEqual([]);
    expect(empty.components).toEqual([]);
    expect(empty.dependencies).toEqual([{ ref: 'vault/v-3f9a0c', dependsOn: [] }]);
  });

  it('really rejects a broken BOM', () => {
    const bogusState = structuredClone(bom) as unknown as {
      components: Array<{ cryptoProperties: { relatedCryptoMaterialProperties?: object } }>;
    };
    const target = bogusState.components.find(
      (component) => component.cryptoProperties.relatedCryptoMaterialProperties,
    );
    Object.assign(target?.cryptoProperties.relatedCryptoMaterialProperties ?? {}, {
      state: 'bogus',
    });
    expect(schemaErrors(bogusState).join('\n')).toMatch(/relatedCryptoMaterialProperties\/state/);

    const noSpecVersion: Partial<CycloneDxBom> = structuredClone(bom);
    delete noSpecVersion.specVersion;
    expect(schemaErrors(noSpecVersion).join('\n')).toMatch(/specVersion/);

    const badSerial = { ...structuredClone(bom), serialNumber: 'not-a-urn' };
    expect(schemaErrors(badSerial).join('\n')).toMatch(/serialNumber/);

    // Formats are checked too, not only shapes.
    const badDate = structuredClone(bom);
    const key = badDate.components.find(
      (component): component is CdxKeyComponent =>
        component.cryptoProperties.assetType === 'related-crypto-material',
    );
    if (key) key.cryptoProperties.relatedCryptoMaterialProperties.creationDate = 'yesterday';
    expect(schemaErrors(badDate).join('\n')).toMatch(/creationDate must match format "date-time"/);
  });
});

describe('the CBOM mapping', () => {
  it('says what the BOM is, who made it and which vault it describes', () => {
    expect(bom).toMatchObject({
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      serialNumber: context.serialNumber,
      version: 1,
      metadata: {
        timestamp: '2026-04-01T12:00:00.000Z',
        tools: { components: [{ type: 'application', name: 'Keywarden', version: '0.1.0' }] },
        component: { 'bom-ref': 'vault/v-3f9a0c' },
      },
    });
  });

  it('maps every state to CycloneDX and keeps the exact one in a property', () => {
    const expected: Record<string, [string, string]> = {
      'k-01': ['destroyed', 'destroyed-compromised'],
      'k-02': ['active', 'active'],
      'k-03': ['pre-activation', 'pre-activation'],
      'k-04': ['suspended', 'suspended'],
      'k-05': ['deactivated', 'deactivated'],
      'k-07': ['deactivated', 'destruction-pending'],
      'k-08': ['destroyed', 'destroyed'],
      'k-10': ['compromised', 'compromised'],
    };
    for (const [id, [cdx, ours]] of Object.entries(expected)) {
      expect(material(id).state, id).toBe(cdx);
      expect(property(id, 'state'), id).toEqual([ours]);
    }
  });

  it('holds a key pair as its private key, an imported public key and a secret as such', () => {
    expect(material('k-02').type).toBe('private-key');
    expect(material('k-06').type).toBe('public-key');
    expect(material('k-09').type).toBe('secret-key');
    expect(material('k-10').type).toBe('secret-key');
    expect(material('k-08').size).toBe(4096);
  });

  it('carries the dates: created, activated, last changed, and the end of recipient use', () => {
    expect(material('k-01')).toMatchObject({
      creationDate: CREATED,
      activationDate: ACTIVATED,
      updateDate: destructionAt,
      expirationDate: '2029-01-11T09:00:00.000Z',
    });
    // The last edit is later than the last transition.
    expect(material('k-02').updateDate).toBe('2026-03-05T10:00:00.000Z');
    expect(material('k-03')).not.toHaveProperty('activationDate');
    expect(material('k-06').expirationDate).toBe('2031-01-11T09:00:00.000Z');
    expect(property('k-02', 'originator-usage-end')).toEqual(['2029-01-11T09:00:00.000Z']);
    expect(property('k-06', 'originator-usage-end')).toEqual([]);
  });

  it('points every key at an algorithm component that exists, with its OID', () => {
    const oids: Record<string, string> = {
      'k-02': '1.3.101.112',
      'k-03': '1.3.101.110',
      'k-04': '1.2.840.10045.4.3.2',
      'k-05': '1.2.840.10045.4.3.3',
      'k-06': '1.2.840.113549.1.1.1',
      'k-09': '2.16.840.1.101.3.4.1.46',
      'k-10': '1.2.840.113549.2.9',
    };
    for (const [id, oid] of Object.entries(oids)) {
      expect(algorithmComponent(material(id).algorithmRef).cryptoProperties.oid, id).toBe(oid);
    }
    const p256 = algorithmComponent(material('k-04').algorithmRef).cryptoProperties;
    expect(p256.algorithmProperties).toMatchObject({
      primitive: 'signature',
      curve: 'nist/P-256',
      executionEnvironment: 'hardware',
      nistQuantumSecurityLevel: 0,
    });
    const rsa2048 = algorithmComponent(material('k-06').algorithmRef).cryptoProperties;
    expect(rsa2048.algorithmProperties).toMatchObject({
      primitive: 'pke',
      parameterSetIdentifier: '2048',
      executionEnvironment: 'software-plain-ram',
      classicalSecurityLevel: 112,
    });
  });

  it('lists each algorithm once per place it runs, in a fixed order', () => {
    const algorithms = bom.components
      .filter((component) => component.cryptoProperties.assetType === 'algorithm')
      .map((component) => component.name);
    expect(algorithms).toEqual([
      'Ed25519',
      'X25519',
      'ECDSA-P256',
      'ECDSA-P384',
      'RSA-2048',
      'RSA-3072',
      'RSA-4096',
      'AES-256-GCM',
      'HMAC-SHA256',
      'AES-256-KWP',
    ]);
    const curves = schemaFile('cryptography-defs.SNAPSHOT.schema.json') as {
      definitions: { ellipticCurvesEnum: { enum: string[] } };
    };
    for (const component of bom.components) {
      if (component.cryptoProperties.assetType !== 'algorithm') continue;
      const curve = component.cryptoProperties.algorithmProperties.curve;
      if (curve !== undefined) expect(curves.definitions.ellipticCurvesEnum.enum).toContain(curve);
    }
  });

  it('says how material is secured where it is held, and nothing once it is destroyed', () => {
    expect(material('k-02').securedBy).toEqual({
      mechanism: 'vault',
      algorithmRef: 'crypto/algorithm/aes256/software-plain-ram',
    });
    expect(material('k-10').securedBy).toEqual({
      mechanism: 'vault',
      algorithmRef: 'crypto/algorithm/aes256-kwp/software-plain-ram',
    });
    expect(material('k-04').securedBy).toEqual({ mechanism: 'token' });
    expect(material('k-02').format).toBe('PKCS#8 DER');
    expect(material('k-09').format).toBe('raw');
    for (const id of ['k-01', 'k-05', 'k-06', 'k-08']) {
      expect(material(id), id).not.toHaveProperty('securedBy');
    }
    expect(bom.dependencies.find((entry) => entry.ref === 'crypto/key/k-10')?.dependsOn).toEqual([
      'crypto/algorithm/hmac-sha256/software-plain-ram',
      'crypto/algorithm/aes256/software-plain-ram',
      'crypto/algorithm/aes256-kwp/software-plain-ram',
      'crypto/key/k-09',
    ]);
  });

  it('names people, and carries location, labels, lineage and the destruction record', () => {
    expect(property('k-01', 'owner')).toEqual(['Alice Officer']);
    expect(property('k-01', 'custodian')).toEqual(['Bob Custodian', 'Dave Engineer']);
    expect(property('k-01', 'label')).toEqual(['ci', 'release']);
    expect(property('k-01', 'destruction-authorised-by')).toEqual(['Alice Officer']);
    expect(property('k-01', 'destruction-witness')).toEqual(['Carol Witness']);
    expect(property('k-01', 'destruction-performed-by')).toEqual(['Dave Engineer']);
    expect(property('k-01', 'destruction-performed-at')).toEqual([destructionAt]);
    expect(property('k-07', 'destruction-not-before')).toEqual(['2026-03-22T12:00:00.000Z']);
    expect(property('k-07', 'destruction-performed-at')).toEqual([]);
    expect(property('k-04', 'token-serial')).toEqual(['SN-0042']);
    expect(property('k-04', 'token-cka-id')).toEqual(['0a1b2c']);
    expect(property('k-05', 'external-reference')[0]).toMatch(/^arn:aws:kms:/);
    expect(property('k-02', 'predecessor')).toEqual(['k-01']);
    expect(property('k-02', 'lineage')).toEqual(['k-01']);
    expect(property('k-10', 'wrapped-by')).toEqual(['k-09']);
    expect(property('k-09', 'tier')).toEqual(['1']);
    expect(property('k-09', 'policy-row')).toEqual(['symmetric-key-wrapping']);
    expect(property('k-10', 'classification')).toEqual(['secret']);
    expect(property('k-10', 'environment')).toEqual(['staging']);
    const ids = keyComponent(bom, 'k-01').properties.map((entry) => entry.value);
    expect(ids).not.toContain('p-alice');
  });

  it('never carries key material: a public key only as its fingerprint', () => {
    const json = JSON.stringify(bom);
    for (const key of inventory) {
      if (key.publicKey !== null) expect(json).not.toContain(key.publicKey);
      if (key.fingerprint !== null)
        expect(property(key.id, 'fingerprint')).toEqual([key.fingerprint]);
    }
    // No long base64 run (an SPKI, PKCS#8 or raw key blob); a SHA-256 fingerprint is 43.
    expect(json).not.toMatch(/[A-Za-z0-9+/]{60,}/);
    const names = new Set<string>();
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value !== null && typeof value === 'object') {
        for (const [name, inner] of Object.entries(value)) {
          names.add(name);
          walk(inner);
        }
      }
    };
    walk(bom.components.map((component) => component.cryptoProperties));
    // `value` is where CycloneDX would put the material itself.
    for (const forbidden of ['value', 'd', 'k', 'secret', 'publicKey', 'privateKey', 'notes']) {
      expect(names.has(forbidden), forbidden).toBe(false);
    }
  });

  it('maps fields by name, so whatever else an entry carries stays out', () => {
    const leaky = {
      ...keyView('k-99', 'aes256', 256, { notes: 'the PIN is 1234' }),
      secret: 'c2VjcmV0LWtleS1ieXRlcy10aGF0LW11c3Qtbm90LWxlYWstaW50by10aGUtYm9t',
      d: 'MC4CAQAwBQYDK2VwBCIEIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    } as KeyView;
    const json = JSON.stringify(inventoryCbom([leaky], people, context));
    expect(json).not.toContain('c2VjcmV0');
    expect(json).not.toContain('MC4CAQAw');
    expect(json).not.toContain('the PIN is');
  });
});

describe('a reproducible CBOM', () => {
  it('is identical for the same inventory and serial number, in any input order', () => {
    const again = inventoryCbom([...inventory].reverse(), [...people].reverse(), context);
    expect(JSON.stringify(again)).toBe(JSON.stringify(bom));
  });

  it('sorts keys by name, then id', () => {
    const keys = bom.components
      .filter((component) => component.cryptoProperties.assetType === 'related-crypto-material')
      .map((component) => `${component.name}/${component['bom-ref']}`);
    expect(keys.slice(0, 4)).toEqual([
      'agreement/crypto/key/k-03',
      'ci-signing/crypto/key/k-01',
      'ci-signing/crypto/key/k-02',
      'data-kek/crypto/key/k-09',
    ]);
  });

  it('draws a fresh random serial number when none is given', () => {
    const rest = { now: context.now, vaultId: context.vaultId, toolVersion: context.toolVersion };
    const first = inventoryCbom(inventory, people, rest).serialNumber;
    const second = inventoryCbom(inventory, people, rest).serialNumber;
    expect(first).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(first).not.toBe(second);
  });
});

describe('refusing what cannot be exported', () => {
  const fails = (run: () => unknown, code: string) =>
    expect(run).toThrowError(expect.objectContaining({ code }) as Error);

  it('refuses a key naming a person not in the registry', () => {
    fails(
      () => inventoryCbom([keyView('k-1', 'ed25519', 256, { owner: 'p-ghost' })], people, context),
      ErrorCode.PERSON_NOT_FOUND,
    );
    fails(() => inventoryCbom(inventory, people.slice(0, 2), context), ErrorCode.PERSON_NOT_FOUND);
  });

  it('refuses a bad serial number, timestamp, date or a key id given twice', () => {
    const key = keyView('k-1', 'ed25519', 256, {});
    fails(
      () => inventoryCbom([key], people, { ...context, serialNumber: 'urn:uuid:NOT' }),
      ErrorCode.BAD_REQUEST,
    );
    fails(
      () => inventoryCbom([key], people, { ...context, now: new Date('nope') }),
      ErrorCode.BAD_REQUEST,
    );
    fails(
      () => inventoryCbom([{ ...key, createdAt: 'last Tuesday' }], people, context),
      ErrorCode.BAD_REQUEST,
    );
    fails(() => inventoryCbom([key, { ...key }], people, context), ErrorCode.BAD_REQUEST);
  });
});

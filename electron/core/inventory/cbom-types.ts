// The part of a CycloneDX 1.6 JSON BOM (https://cyclonedx.org/docs/1.6/json/) that the
// inventory export writes: a cryptographic bill of materials of algorithms and keys. Only
// the fields and enum values we produce; the schema has many more.

export const CDX_SCHEMA = 'http://cyclonedx.org/schema/bom-1.6.schema.json';

/** CycloneDX's key states (NIST SP 800-57), which lack our destruction window and destroyed-compromised. */
export type CdxKeyState =
  'pre-activation' | 'active' | 'suspended' | 'deactivated' | 'compromised' | 'destroyed';

export type CdxPrimitive = 'signature' | 'key-agree' | 'pke' | 'ae' | 'mac';

/** Where an algorithm runs: Keywarden's own code, a token's chip, or we cannot tell. */
export type CdxExecutionEnvironment = 'software-plain-ram' | 'hardware' | 'unknown';

export type CdxCryptoFunction =
  'keygen' | 'encrypt' | 'decrypt' | 'tag' | 'keyderive' | 'sign' | 'verify';

export type CdxKeyMaterialType = 'private-key' | 'public-key' | 'secret-key';

/** A name-value pair; ours are named `keywarden:…`, and a name may repeat (one per custodian). */
export interface CdxProperty {
  name: string;
  value: string;
}

export interface CdxAlgorithmProperties {
  primitive: CdxPrimitive;
  parameterSetIdentifier?: string;
  /** A curve name from CycloneDX's cryptography-defs list (`nist/P-256`, `other/Curve25519`). */
  curve?: string;
  executionEnvironment: CdxExecutionEnvironment;
  implementationPlatform?: 'generic';
  mode?: 'gcm' | 'other';
  cryptoFunctions: CdxCryptoFunction[];
  /** Bits, per NIST SP 800-57 Part 1 Table 2 and SP 800-56B Rev. 2 Appendix D. */
  classicalSecurityLevel: number;
  /** NIST PQC category 0-6; 0 when none is met (every algorithm Shor's breaks). */
  nistQuantumSecurityLevel: number;
}

export interface CdxAlgorithmComponent {
  type: 'cryptographic-asset';
  'bom-ref': string;
  name: string;
  cryptoProperties: {
    assetType: 'algorithm';
    algorithmProperties: CdxAlgorithmProperties;
    oid: string;
  };
}

/** How a key's material is protected where it is held. */
export interface CdxSecuredBy {
  mechanism: 'vault' | 'token';
  algorithmRef?: string;
}

export interface CdxKeyMaterialProperties {
  type: CdxKeyMaterialType;
  id: string;
  state: CdxKeyState;
  algorithmRef: string;
  creationDate: string;
  activationDate?: string;
  updateDate?: string;
  expirationDate: string;
  size: number;
  format?: string;
  securedBy?: CdxSecuredBy;
}

export interface CdxKeyComponent {
  type: 'cryptographic-asset';
  'bom-ref': string;
  name: string;
  cryptoProperties: {
    assetType: 'related-crypto-material';
    relatedCryptoMaterialProperties: CdxKeyMaterialProperties;
  };
  properties: CdxProperty[];
}

export interface CdxToolComponent {
  type: 'application';
  name: string;
  version: string;
}

/** The BOM's subject: the vault the inventory was taken from. */
export interface CdxVaultComponent {
  type: 'data';
  'bom-ref': string;
  name: string;
  properties: CdxProperty[];
}

export interface CdxDependency {
  ref: string;
  dependsOn: string[];
}

/** A CycloneDX 1.6 BOM as the inventory export writes it: plain JSON-serialisable data. */
export interface CycloneDxBom {
  $schema: typeof CDX_SCHEMA;
  bomFormat: 'CycloneDX';
  specVersion: '1.6';
  serialNumber: string;
  version: 1;
  metadata: {
    timestamp: string;
    lifecycles: Array<{ phase: 'operations' }>;
    tools: { components: CdxToolComponent[] };
    component: CdxVaultComponent;
  };
  components: Array<CdxAlgorithmComponent | CdxKeyComponent>;
  dependencies: CdxDependency[];
}

import type { KeyView } from './inventory-types.ts';

// What ceremonies return across IPC: ids, check values, words to read aloud and file paths;
// never a key or a share.

/** A key split into share files. */
export interface KeySplitView {
  ceremony: string;
  keyId: string;
  threshold: number;
  /** The key's check value (hex) and the same as PGP words, for reading aloud. */
  kcv: string;
  kcvWords: string[];
  fingerprint: string;
  fingerprintWords: string[];
  /** One share file per custodian, owner-only; with format 'pdf', its printed sheet beside it. */
  files: Array<{ index: number; custodian: string; path: string; sheet?: string }>;
}

/** A key split into XOR component files. */
export interface ComponentSplitView {
  ceremony: string;
  keyId: string;
  kcv: string;
  kcvWords: string[];
  /** AES keys: the legacy check value (the zero block encrypted), for older paperwork. */
  legacyKcv?: string;
  /** One component file per custodian, owner-only, with the component's own check value(s). */
  files: Array<{ index: number; custodian: string; path: string; kcv: string; legacyKcv?: string }>;
}

/** A key rebuilt from shares or components and entered into the vault. */
export interface KeyCombineView {
  key: KeyView;
  ceremony: string;
  kcv: string;
  kcvWords: string[];
  /** Shares only: whether this vault recorded the split (they may come from another vault). */
  recorded?: boolean;
}

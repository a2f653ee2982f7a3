import { join } from 'node:path';
import { splitVaultKey } from '../core/ceremony/key-split.ts';
import {
  combineMnemonicsToVaultKey,
  combineToVaultKey,
  isMnemonic,
} from '../core/ceremony/key-combine.ts';
import type { CombineRequest } from '../core/ceremony/key-combine.ts';
import {
  combineComponentsToVaultKey,
  decodeComponent,
  encodeComponent,
  enterComponentsToVaultKey,
  splitVaultKeyComponents,
} from '../core/ceremony/key-components.ts';
import { keyCheckValue, legacyKeyCheckValue } from '../core/ceremony/kcv.ts';
import { decodeShare } from '../core/ceremony/shares.ts';
import { hexToPgpWords } from '../core/ceremony/pgp-words.ts';
import type { UnlockedVault, VaultDeps } from '../core/vault/vault.ts';
import { reserveOutputs } from './output-files.ts';
import type { ChannelHandlers } from './services.ts';

// The ceremony channels: a secret key split into share files (with a printed PDF sheet each if
// asked) or XOR component files, one per custodian, written here in main (the pieces never
// cross to the renderer); and a key rebuilt from them into the vault.

type CeremonyChannel =
  | 'ceremony:check-component'
  | 'ceremony:enter-components'
  | 'ceremony:split-key'
  | 'ceremony:combine-shares'
  | 'ceremony:split-components'
  | 'ceremony:combine-components';

/** A file name from a custodian's name: letters, digits and dashes only. */
function slug(name: string): string {
  const plain = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
  return plain || 'custodian';
}

/** A kind of file a split writes per custodian: its extension, and its name in messages. */
interface PieceFiles {
  extension: string;
  what: string;
}
const SHARE_FILES = { extension: '.share', what: 'share' };
const SHEET_FILES = { extension: '.pdf', what: 'sheet' };
const COMPONENT_FILES = { extension: '.component', what: 'component' };

/**
 * Creates the owner-only files of a split in `outDir`, one of each kind per custodian
 * (`1-carol.share`, `1-carol.pdf`), before `divide` reads the key; fills them with the contents
 * it returns (per kind, per custodian), and removes them all if anything fails: a split leaves
 * all its files or none. The contents are zeroed once written. Returns what `divide` returned
 * and the paths, per kind. Throws BAD_REQUEST (a file cannot be made or written) and whatever
 * `divide` throws.
 */
async function writePieces<T>(
  outDir: string,
  custodians: readonly string[],
  kinds: readonly PieceFiles[],
  divide: () => Promise<{ result: T; contents: Uint8Array[][] }>,
): Promise<{ result: T; paths: string[][] }> {
  const paths = kinds.map(({ extension }) =>
    custodians.map((name, i) => join(outDir, `${i + 1}-${slug(name)}${extension}`)),
  );
  const what = kinds.map((kind) => kind.what).join(' or ');
  const files = reserveOutputs(paths.flat(), { what, mode: 0o600 });
  let contents: Uint8Array[][] = [];
  try {
    let result: T;
    ({ result, contents } = await divide());
    files.write(contents.flat());
    return { result, paths };
  } catch (error) {
    files.abandon();
    throw error;
  } finally {
    for (const content of contents.flat()) content.fill(0);
  }
}

/** The pieces' file contents as text, and what to call each in errors. */
function piecesOf(
  bytes: readonly Uint8Array[],
  names: readonly string[] | undefined,
): { texts: string[]; labels: string[] } {
  return {
    texts: bytes.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8')),
    labels: bytes.map((_, i) => names?.[i] ?? `#${i + 1}`),
  };
}

/** The new key's entry: the request without the pieces and the channel's own fields. */
function entryOf(request: Record<string, unknown>, own: readonly string[]): CombineRequest {
  return Object.fromEntries(
    Object.entries(request).filter(([name, value]) => value !== undefined && !own.includes(name)),
  ) as unknown as CombineRequest;
}

/** The handlers of the ceremony channels, over the services' unlocked vault. */
export function ceremonyHandlers(
  vault: () => UnlockedVault,
  deps: VaultDeps,
  actor: string,
): Pick<ChannelHandlers, CeremonyChannel> {
  return {
    'ceremony:check-component': async (request) => {
      const kcv = keyCheckValue(request.value);
      // The legacy form (the zero block encrypted) only means something for an AES key.
      const legacy = [16, 24, 32].includes(request.value.length)
        ? { legacyKcv: legacyKeyCheckValue(request.value) }
        : {};
      return { kcv, kcvWords: hexToPgpWords(kcv), ...legacy };
    },
    'ceremony:enter-components': async (request) => {
      const entry = entryOf(request, ['components', 'kcv', 'algorithm']);
      const entered = await enterComponentsToVaultKey(
        vault(),
        actor,
        { components: request.components, kcv: request.kcv, algorithm: request.algorithm },
        entry,
        deps.now(),
      );
      return { ...entered, ceremony: '', kcvWords: hexToPgpWords(entered.kcv) };
    },
    'ceremony:split-key': async (request) => {
      const sheets = request.format === 'pdf';
      const { result: split, paths } = await writePieces(
        request.outDir,
        request.custodians,
        sheets ? [SHARE_FILES, SHEET_FILES] : [SHARE_FILES],
        async () => {
          const result = await splitVaultKey(vault(), deps, actor, request);
          const texts = result.pieces.map((piece) => Buffer.from(piece.text));
          const pdfs = result.pieces.map((piece) => piece.sheet ?? new Uint8Array(0));
          return { result, contents: sheets ? [texts, pdfs] : [texts] };
        },
      );
      return {
        ceremony: split.ceremony,
        keyId: request.keyId,
        threshold: request.threshold,
        kcv: split.kcv,
        kcvWords: hexToPgpWords(split.kcv),
        fingerprint: split.fingerprint,
        fingerprintWords: hexToPgpWords(split.fingerprint),
        files: split.pieces.map((piece, i) => ({
          index: piece.index,
          custodian: piece.custodian,
          path: paths[0]![i]!,
          ...(sheets ? { sheet: paths[1]![i]! } : {}),
        })),
      };
    },
    'ceremony:combine-shares': async (request) => {
      const { texts, labels } = piecesOf(request.shares, request.names);
      const entry = entryOf(request, ['shares', 'names', 'algorithm']);
      const combined = texts.every(isMnemonic)
        ? await combineMnemonicsToVaultKey(
            vault(),
            actor,
            texts.map((text) => text.trim()),
            request.algorithm ?? 'aes256',
            entry,
            deps.now(),
          )
        : await combineToVaultKey(
            vault(),
            actor,
            texts.map((text, i) => decodeShare(text, labels[i]!)),
            labels,
            entry,
            deps.now(),
          );
      return { ...combined, kcvWords: hexToPgpWords(combined.kcv) };
    },
    'ceremony:split-components': async (request) => {
      const { result: split, paths } = await writePieces(
        request.outDir,
        request.custodians,
        [COMPONENT_FILES],
        async () => {
          const result = await splitVaultKeyComponents(vault(), deps, actor, request);
          const texts = result.components.map((c) => Buffer.from(encodeComponent(c)));
          return { result, contents: [texts] };
        },
      );
      return {
        ceremony: split.ceremony,
        keyId: request.keyId,
        kcv: split.kcv,
        kcvWords: hexToPgpWords(split.kcv),
        ...(split.legacy ? { legacyKcv: split.legacy.kcv } : {}),
        files: split.components.map((c, i) => ({
          index: c.index,
          custodian: c.custodian,
          path: paths[0]![i]!,
          kcv: c.kcv,
          ...(split.legacy ? { legacyKcv: split.legacy.components[i]! } : {}),
        })),
      };
    },
    'ceremony:combine-components': async (request) => {
      const { texts, labels } = piecesOf(request.components, request.names);
      const components = texts.map((text, i) => decodeComponent(text, labels[i]!));
      const entry = entryOf(request, ['components', 'names', 'kcv']);
      const combined = await combineComponentsToVaultKey(
        vault(),
        actor,
        components,
        labels,
        request.kcv,
        entry,
        deps.now(),
      );
      return { ...combined, kcvWords: hexToPgpWords(combined.kcv) };
    },
  };
}

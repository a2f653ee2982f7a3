import { join } from 'node:path';
import {
  combineMnemonicsToVaultKey,
  combineToVaultKey,
  isMnemonic,
  splitVaultKey,
} from '../core/ceremony/key-split.ts';
import type { CombineRequest } from '../core/ceremony/key-split.ts';
import {
  combineComponentsToVaultKey,
  decodeComponent,
  encodeComponent,
  enterComponentsToVaultKey,
  splitVaultKeyComponents,
} from '../core/ceremony/key-components.ts';
import { keyCheckValue } from '../core/ceremony/kcv.ts';
import { decodeShare } from '../core/ceremony/shares.ts';
import { hexToPgpWords } from '../core/ceremony/pgp-words.ts';
import type { UnlockedVault, VaultDeps } from '../core/vault/vault.ts';
import { reserveOutputs } from './output-files.ts';
import type { ChannelHandlers } from './services.ts';

// The ceremony channels: a secret key split into share files or XOR component files, one per
// custodian, written here in main (the pieces never cross to the renderer); and a key rebuilt
// from them into the vault.

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

/**
 * Creates one owner-only file per custodian in `outDir` before `divide` reads the key, fills
 * them with the pieces it returns, and removes them all if anything fails: a split leaves all
 * its files or none. Returns what `divide` returned and the paths.
 */
async function writePieces<T>(
  outDir: string,
  custodians: readonly string[],
  extension: string,
  divide: () => Promise<{ result: T; texts: string[] }>,
): Promise<{ result: T; paths: string[] }> {
  const paths = custodians.map((name, i) => join(outDir, `${i + 1}-${slug(name)}${extension}`));
  const files = reserveOutputs(paths, { what: extension.slice(1), mode: 0o600 });
  let contents: Buffer[] = [];
  try {
    const { result, texts } = await divide();
    contents = texts.map((text) => Buffer.from(text));
    files.write(contents);
    return { result, paths };
  } catch (error) {
    files.abandon();
    throw error;
  } finally {
    for (const content of contents) content.fill(0);
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
      return { kcv, kcvWords: hexToPgpWords(kcv) };
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
      const { result: split, paths } = await writePieces(
        request.outDir,
        request.custodians,
        '.share',
        async () => {
          const result = await splitVaultKey(vault(), deps, actor, request);
          return { result, texts: result.pieces.map((piece) => piece.text) };
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
          path: paths[i]!,
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
        '.component',
        async () => {
          const result = await splitVaultKeyComponents(vault(), deps, actor, request);
          return { result, texts: result.components.map(encodeComponent) };
        },
      );
      return {
        ceremony: split.ceremony,
        keyId: request.keyId,
        kcv: split.kcv,
        kcvWords: hexToPgpWords(split.kcv),
        files: split.components.map((c, i) => ({
          index: c.index,
          custodian: c.custodian,
          path: paths[i]!,
          kcv: c.kcv,
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

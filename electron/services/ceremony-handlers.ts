import { join } from 'node:path';
import { combineToVaultKey, splitVaultKey } from '../core/ceremony/key-split.ts';
import { decodeShare, encodeShare } from '../core/ceremony/shares.ts';
import { hexToPgpWords } from '../core/ceremony/pgp-words.ts';
import type { UnlockedVault, VaultDeps } from '../core/vault/vault.ts';
import { reserveOutputs } from './output-files.ts';
import type { ChannelHandlers } from './services.ts';

// The ceremony channels: split a secret key into share files, one per custodian, written here
// in main (never sent to the renderer); and rebuild a key from shares into the vault.

type CeremonyChannel = 'ceremony:split-key' | 'ceremony:combine-shares';

/** A file name from a custodian's name: letters, digits and dashes only. */
function slug(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .toLowerCase() || 'custodian'
  );
}

/** The handlers of the ceremony channels, over the services' unlocked vault. */
export function ceremonyHandlers(
  vault: () => UnlockedVault,
  deps: VaultDeps,
  actor: string,
): Pick<ChannelHandlers, CeremonyChannel> {
  return {
    'ceremony:split-key': async (request) => {
      const paths = request.custodians.map((name, i) =>
        join(request.outDir, `${i + 1}-${slug(name)}.share`),
      );
      // Every file exists before the key is read, so a split leaves all its files or none.
      const files = reserveOutputs(paths, { what: 'share', mode: 0o600 });
      let contents: Buffer[] = [];
      try {
        const split = await splitVaultKey(vault(), deps, actor, request);
        contents = split.shares.map((share) => Buffer.from(encodeShare(share)));
        files.write(contents);
        return {
          ceremony: split.ceremony,
          keyId: request.keyId,
          threshold: request.threshold,
          kcv: split.kcv,
          kcvWords: hexToPgpWords(split.kcv),
          fingerprint: split.fingerprint,
          fingerprintWords: hexToPgpWords(split.fingerprint),
          files: split.shares.map((share, i) => ({
            index: share.index,
            custodian: share.custodian,
            path: paths[i]!,
          })),
        };
      } catch (error) {
        files.abandon();
        throw error;
      } finally {
        for (const content of contents) content.fill(0);
      }
    },
    'ceremony:combine-shares': async (request) => {
      const names = request.shares.map((_, i) => request.names?.[i] ?? `#${i + 1}`);
      const shares = request.shares.map((bytes, i) =>
        decodeShare(
          Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
          names[i]!,
        ),
      );
      const entry: Partial<typeof request> = { ...request };
      delete entry.shares;
      delete entry.names;
      const combined = await combineToVaultKey(
        vault(),
        actor,
        shares,
        names,
        defined(entry) as typeof request,
        deps.now(),
      );
      return { ...combined, kcvWords: hexToPgpWords(combined.kcv) };
    },
  };
}

/** Drops the keys whose value is undefined (the contract's optional fields, as parsed). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEYS, listKeys } from '../../electron/core/inventory/key-inventory.ts';
import { createVault, openVaultFile } from '../../electron/core/vault/vault.ts';
import type { UnlockedVault } from '../../electron/core/vault/vault.ts';
import { realDeps } from '../../electron/services/runtime.ts';
import type { KeyView } from '../../electron/shared/inventory-types.ts';
import { libargon2 } from '../../native/kdf/argon2-kdf.ts';
import { runKeywarden } from '../helpers/cli.ts';
import { registerPeople } from '../helpers/inventory-fixture.ts';
import {
  INVENTORY_QUERIES,
  openPlaintextInventory,
  openRawScan,
  preparePlaintextReads,
  QUERY_OWNER,
} from './inventory-baselines.ts';
import { BATCH, loadInventory, OFFICER, PEOPLE } from './inventory-load.ts';
import { median, round, summary } from './stats.ts';

// The 100,000-key inventory benchmark: one vault filled through the real entry path
// (inventory-load.ts), then the inventory queries through listKeys and once through the CLI,
// each set against a raw scan of the same rows and a plaintext SQLite copy of the same
// entries (inventory-baselines.ts), in the same run.
//
// The vault uses the cheapest KDF the vault accepts: unlock cost is measured in run.ts (a).

export const INVENTORY_KEYS = 100_000;
const QUERY_RUNS = 3;
const KDF = { kind: 'fixed', memoryMiB: 19, iterations: 2, parallelism: 1 } as const;
const PASSPHRASE = 'inventory benchmark passphrase, not a secret';

function timed<T>(fn: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = fn();
  return { value, ms: performance.now() - started };
}

const fileSize = (path: string) => statSync(path, { throwIfNoEntry: false })?.size ?? 0;

/** Opens and unlocks `path`, timing the whole unlock and the Argon2id inside it. */
async function unlock(
  path: string,
): Promise<{ vault: UnlockedVault; totalMs: number; kdfMs: number }> {
  let kdfMs = 0;
  const deps = {
    ...realDeps(),
    argon2: {
      derive: async (input: Parameters<typeof libargon2.derive>[0]) => {
        const started = performance.now();
        try {
          return await libargon2.derive(input);
        } finally {
          kdfMs += performance.now() - started;
        }
      },
    },
  };
  const passphrase = Buffer.from(PASSPHRASE);
  const started = performance.now();
  const file = openVaultFile(deps, path, 'read-write');
  try {
    const vault = await file.unlock({ kind: 'passphrase', passphrase }, OFFICER);
    return { vault, totalMs: performance.now() - started, kdfMs };
  } catch (error) {
    file.close();
    throw error;
  } finally {
    passphrase.fill(0);
  }
}

/** The ids of a result, to check Keywarden and the plaintext baseline return the same keys. */
const ids = (keys: readonly KeyView[]) => keys.map((key) => key.id).join(',');

/**
 * Fills a vault with `count` keys and times the inventory queries against the raw-SQLite and
 * plaintext baselines, in a folder of its own under `dir` (removed afterwards). Throws when
 * Keywarden and a baseline disagree on a query's result.
 */
export async function benchInventory(
  dir: string,
  log: (line: string) => void,
  count = INVENTORY_KEYS,
) {
  const started = performance.now();
  const work = join(dir, 'inventory');
  mkdirSync(work);
  const path = join(work, 'inventory.kwv');
  const now = new Date();
  const plain = openPlaintextInventory(join(work, 'plain.sqlite'));
  let raw: ReturnType<typeof openRawScan> | undefined;
  let vault: UnlockedVault | undefined;
  try {
    await createVault(realDeps(), {
      path,
      passphrase: Buffer.from(PASSPHRASE),
      kdf: KDF,
      actor: OFFICER,
    });
    vault = (await unlock(path)).vault;
    const people = registerPeople(vault, PEOPLE);
    const ownerId = people.find((person) => person.name === QUERY_OWNER)?.id ?? '';
    log(`  entering ${count} keys, ${BATCH} a transaction`);
    const loaded = await loadInventory(vault, plain, count, now, log);
    const rssAfterLoadBytes = process.memoryUsage().rss;
    vault.lock(OFFICER);
    // Query as a fresh session would: a new unlock, which checks every row's address.
    const unlocked = await unlock(path);
    vault = unlocked.vault;
    const open = vault;

    const rawScan = openRawScan(path);
    raw = rawScan; // for the finally block, should a query throw
    const plainReads = preparePlaintextReads(plain);
    const times = {
      decryptAll: [] as number[],
      rawScan: [] as number[],
      plaintextScan: [] as number[],
      keywarden: INVENTORY_QUERIES.map(() => [] as number[]),
      plaintext: INVENTORY_QUERIES.map(() => [] as number[]),
    };
    const rows = INVENTORY_QUERIES.map(() => 0);
    for (let run = 0; run < QUERY_RUNS; run += 1) {
      const all = timed(() => open.listRecords(KEYS).length);
      const scanned = timed(() => rawScan.scan(KEYS));
      const parsed = timed(() => plainReads.scanAll());
      if (all.value !== count || parsed.value !== count || scanned.value === 0) {
        throw new Error(`scans found ${all.value} / ${parsed.value} keys, expected ${count}`);
      }
      times.decryptAll.push(all.ms);
      times.rawScan.push(scanned.ms);
      times.plaintextScan.push(parsed.ms);
      INVENTORY_QUERIES.forEach((query, q) => {
        const kw = timed(() => listKeys(open, query.filter, now));
        const pt = timed(() => plainReads.select(query, ownerId, now));
        if (ids(kw.value) !== ids(pt.value)) {
          throw new Error(
            `${query.name}: Keywarden returned ${kw.value.length} keys, plaintext ${pt.value.length}, or in another order`,
          );
        }
        times.keywarden[q]?.push(kw.ms);
        times.plaintext[q]?.push(pt.ms);
        rows[q] = kw.value.length;
      });
      log(
        `  queries ${run + 1}/${QUERY_RUNS}: decrypt all ${all.ms.toFixed(0)} ms, raw scan ${scanned.ms.toFixed(0)} ms, ` +
          INVENTORY_QUERIES.map(
            (query, q) => `${query.name} ${times.keywarden[q]?.at(-1)?.toFixed(0)} ms`,
          ).join(', '),
      );
    }
    const firstPage = ids(listKeys(open, { limit: 50 }, now));
    const rssAfterQueriesBytes = process.memoryUsage().rss;
    rawScan.close();
    raw = undefined;
    vault.lock(OFFICER);
    vault = undefined;

    // The real CLI, once: process start, module loading, unlock (KDF and the record-set
    // check of every row), the query, the JSON, and the lock's audit entry.
    const passphraseFile = join(work, 'passphrase');
    writeFileSync(passphraseFile, PASSPHRASE, { mode: 0o600 });
    const version = await timedCli(['--version']);
    const cli = await timedCli([
      'keys',
      'list',
      '--vault',
      path,
      '--passphrase-file',
      passphraseFile,
      '--actor',
      OFFICER,
      '--json',
      '--limit',
      '50',
    ]);
    const cliKeys = JSON.parse(cli.stdout) as KeyView[];
    if (ids(cliKeys) !== firstPage) throw new Error('the CLI returned another first page');
    log(
      `  CLI keys list --json --limit 50: ${cli.ms.toFixed(0)} ms (--version alone ${version.ms.toFixed(0)} ms)`,
    );

    plain.db.close();
    const rawMedian = median(times.rawScan);
    return {
      keys: count,
      batchSize: BATCH,
      people: PEOPLE.length,
      kdf: { memoryMiB: KDF.memoryMiB, iterations: KDF.iterations, parallelism: KDF.parallelism },
      mix: loaded.mix,
      load: {
        totalMs: round(loaded.spent.generate + loaded.spent.write),
        keysPerSecond: round((count * 1000) / (loaded.spent.generate + loaded.spent.write), 0),
        generateMaterialMs: round(loaded.spent.generate),
        writeMs: round(loaded.spent.write),
        checkAndBuildMs: round(loaded.spent.checkAndBuild),
        sealAndInsertMs: round(loaded.spent.sealAndInsert),
        commitAndAuditMs: round(
          loaded.spent.write - loaded.spent.checkAndBuild - loaded.spent.sealAndInsert,
        ),
        plaintextInsertMs: round(loaded.spent.plaintextInsert),
        wallMs: round(loaded.totalMs),
      },
      unlock: { totalMs: round(unlocked.totalMs), kdfMs: round(unlocked.kdfMs) },
      decryptAll: summary(times.decryptAll),
      rawScan: summary(times.rawScan),
      plaintextScan: summary(times.plaintextScan),
      queries: Object.fromEntries(
        INVENTORY_QUERIES.map((query, q) => {
          const kw = median(times.keywarden[q] ?? []);
          const pt = median(times.plaintext[q] ?? []);
          return [
            query.name,
            {
              cli: query.cli,
              rows: rows[q] ?? 0,
              keywarden: summary(times.keywarden[q] ?? []),
              plaintext: summary(times.plaintext[q] ?? []),
              vsPlaintext: round(kw / pt, 1),
              vsRawScan: round(kw / rawMedian, 1),
            },
          ];
        }),
      ),
      cli: {
        keysListWallMs: round(cli.ms),
        versionWallMs: round(version.ms),
        rows: cliKeys.length,
      },
      fileBytes: fileSize(path),
      walBytes: fileSize(`${path}-wal`),
      plaintextFileBytes: fileSize(join(work, 'plain.sqlite')),
      rssAfterLoadBytes,
      rssAfterQueriesBytes,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      totalMs: round(performance.now() - started),
    };
  } finally {
    raw?.close();
    vault?.lock(OFFICER);
    if (plain.db.open) plain.db.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Runs the real `keywarden` command; throws unless it succeeds. */
async function timedCli(args: string[]): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  const result = await runKeywarden(args);
  const ms = performance.now() - started;
  if (result.code !== 0)
    throw new Error(`keywarden ${args[0]} failed (${result.code}): ${result.stderr}`);
  return { ms, stdout: result.stdout };
}

export type InventoryResult = Awaited<ReturnType<typeof benchInventory>>;

const ms = (value: number) => `${value.toFixed(1)} ms`;
const s = (value: number) => `${(value / 1000).toFixed(1)} s`;
const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

/** The inventory block of the benchmark table. */
export function inventoryRows(r: InventoryResult): Array<[string, string]> {
  const n = r.keys.toLocaleString('en');
  const kdf = `m=${r.kdf.memoryMiB} MiB, t=${r.kdf.iterations}, p=${r.kdf.parallelism}`;
  return [
    [
      `(c) enter ${n} keys (${r.batchSize.toLocaleString('en')} a transaction)`,
      `${s(r.load.totalMs)} (${r.load.keysPerSecond.toLocaleString('en')} keys/s)`,
    ],
    [`(c)   generating key material`, s(r.load.generateMaterialMs)],
    [
      `(c)   writing: checks + entry / seal + insert / commit`,
      `${s(r.load.writeMs)}: ${s(r.load.checkAndBuildMs)} / ${s(r.load.sealAndInsertMs)} / ${s(r.load.commitAndAuditMs)}`,
    ],
    [`(c)   same entries into plaintext SQLite`, s(r.load.plaintextInsertMs)],
    [
      `(c) unlock the ${n}-key vault (${kdf})`,
      `${ms(r.unlock.totalMs)} (KDF ${ms(r.unlock.kdfMs)})`,
    ],
    [`(c) listRecords: decrypt + parse all ${n} (median)`, ms(r.decryptAll.medianMs)],
    [`(c) raw SQLite scan of the same rows (median)`, ms(r.rawScan.medianMs)],
    [`(c) plaintext SQLite scan + JSON.parse (median)`, ms(r.plaintextScan.medianMs)],
    ...Object.values(r.queries).map((q): [string, string] => [
      `(c) ${q.cli} (${q.rows.toLocaleString('en')} rows)`,
      `${ms(q.keywarden.medianMs)}; plaintext ${ms(q.plaintext.medianMs)} (x${q.vsPlaintext}); raw scan x${q.vsRawScan}`,
    ]),
    [
      `(c) CLI keys list --json --limit 50, wall`,
      `${ms(r.cli.keysListWallMs)} (keywarden --version: ${ms(r.cli.versionWallMs)})`,
    ],
    [
      `(c) vault file size / plaintext file size`,
      `${mib(r.fileBytes)} (WAL ${r.walBytes} B) / ${mib(r.plaintextFileBytes)}`,
    ],
    [
      `(c) RSS after entering the keys / after the queries / peak`,
      `${mib(r.rssAfterLoadBytes)} / ${mib(r.rssAfterQueriesBytes)} / ${mib(r.peakRssBytes)}`,
    ],
    [`(c) inventory benchmark time`, s(r.totalMs)],
  ];
}

import { copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KeywardenServices } from '../../electron/services/services.ts';
import type { PrinterPort } from '../../electron/services/print-handlers.ts';
import { realDeps } from '../../electron/services/runtime.ts';
import type { CeremonyView } from '../../electron/shared/ceremony-run-types.ts';
import { proofOf, upToAction } from '../helpers/ceremony-services.ts';
import { makeVault, passphraseBytes, tempDir } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// files:print-pdf over real services and a real split ceremony: the share sheets its split
// recorded and a transcript PDF exported in this session go to the printer; anything else —
// a copy elsewhere, the JSON transcript, a sheet swapped for a link or for other bytes, a
// sheet of a vault that is now locked — is refused and never reaches it.

let dir: TempDir;
let services: KeywardenServices;
let printed: string[];
let failWith: string | null;
let split: CeremonyView;
let sheets: string[];

const printer: PrinterPort = {
  openPdf: async (path) => {
    if (failWith) throw new Error(failWith);
    printed.push(path);
  },
};
const unlock = () =>
  services.invoke('vault:unlock', {
    path: dir.file('v.kw'),
    factor: { kind: 'passphrase', passphrase: passphraseBytes() },
  });
const print = (path: string) => services.invoke('files:print-pdf', { path });

beforeAll(async () => {
  dir = tempDir('keywarden-print-');
  await makeVault(dir.file('v.kw'));
  services = new KeywardenServices({ deps: realDeps(), actor: 'Alice', printer });
  await unlock();
  for (const [name, role] of [
    ['Alice', 'officer'],
    ['Carol', 'custodian'],
    ['Dave', 'custodian'],
    ['Wendy', 'witness'],
  ] as const) {
    await services.invoke('people:add', { name, roles: [role] });
    await services.invoke('people:set-presence', { name, passphrase: proofOf(name).passphrase });
  }
  const generate = (name: string, algorithm: 'ed25519' | 'aes256') =>
    services.invoke('keys:generate', {
      name,
      algorithm,
      purposes: [algorithm === 'ed25519' ? 'sign' : 'encrypt'],
      owner: 'Alice',
      tier: 3,
    });
  const signer = await generate('ceremony key', 'ed25519');
  const key = await generate('zone master', 'aes256');
  const out = dir.file('medium');
  mkdirSync(out);
  const started = await services.invoke('ceremony:start', {
    template: 'split-key',
    parameters: { key: key.id, threshold: 2, format: 'pdf', 'out-dir': out },
    participants: [
      { role: 'administrator', name: 'Alice' },
      { role: 'custodian', name: 'Carol' },
      { role: 'custodian', name: 'Dave' },
      { role: 'witness', name: 'Wendy' },
    ],
    signingKey: signer.id,
  });
  const due = await upToAction(services, started);
  split = await services.invoke('ceremony:advance', {
    id: due.id,
    step: 'split',
    by: 'Alice',
    ...proofOf('Alice'),
  });
  const files = split.entries.find((e) => e.event === 'action')?.detail.files;
  sheets = (Array.isArray(files) ? files : []).filter((f) => f.endsWith('.pdf'));
}, 120_000);
afterAll(async () => {
  await services.dispose();
  dir.cleanup();
});
beforeEach(async () => {
  printed = [];
  failWith = null;
  await unlock();
});

describe('files:print-pdf', () => {
  it('prints each share sheet the ceremony recorded', async () => {
    expect(sheets).toHaveLength(2);
    for (const sheet of sheets) expect(await print(sheet)).toEqual({ path: sheet });
    expect(printed).toEqual(sheets);
  });

  it('prints a transcript PDF exported in this session, never the JSON beside it', async () => {
    const outPath = dir.file('transcript.json');
    const pdfPath = dir.file('transcript.pdf');
    await services.invoke('ceremony:export-transcript', { id: split.id, outPath, pdfPath });
    expect(await print(pdfPath)).toEqual({ path: pdfPath });
    await expect(print(outPath)).rejects.toMatchObject({ code: 'PRINT_NOT_ALLOWED' });
    expect(printed).toEqual([pdfPath]);
  });

  it('refuses a PDF the vault did not write, and any file by a path not its own', async () => {
    const copy = dir.file('copy-of-sheet.pdf');
    copyFileSync(sheets[0]!, copy);
    await expect(print(copy)).rejects.toMatchObject({
      code: 'PRINT_NOT_ALLOWED',
      message: expect.stringContaining('prints only the share sheets and transcript PDFs'),
    });
    await expect(print('/etc/passwd')).rejects.toMatchObject({ code: 'PRINT_NOT_ALLOWED' });
    await expect(print(dir.file('v.kw'))).rejects.toMatchObject({ code: 'PRINT_NOT_ALLOWED' });
    expect(printed).toEqual([]);
  });

  it('refuses a sheet swapped for other bytes, for a link, or gone, saying which', async () => {
    const [first, second] = sheets as [string, string];
    const original = dir.file('kept.pdf');
    copyFileSync(first, original);
    writeFileSync(first, 'not a pdf at all');
    await expect(print(first)).rejects.toMatchObject({
      code: 'PRINT_NOT_ALLOWED',
      message: expect.stringContaining('no longer a PDF'),
    });
    rmSync(first);
    symlinkSync(original, first);
    await expect(print(first)).rejects.toMatchObject({
      code: 'PRINT_NOT_ALLOWED',
      message: expect.stringContaining('a link now stands in its place'),
    });
    rmSync(first);
    copyFileSync(original, first);
    const gone = dir.file('gone.pdf');
    copyFileSync(second, gone);
    rmSync(second);
    await expect(print(second)).rejects.toMatchObject({
      code: 'PRINT_NOT_ALLOWED',
      message: expect.stringContaining('no longer there'),
    });
    copyFileSync(gone, second);
    expect(printed).toEqual([]);
    expect(await print(first)).toEqual({ path: first });
  });

  it('knows no sheet of a locked vault', async () => {
    await services.invoke('vault:lock', {});
    await expect(print(sheets[0]!)).rejects.toMatchObject({ code: 'PRINT_NOT_ALLOWED' });
    expect(printed).toEqual([]);
  });

  it('says when the system cannot open the PDF, in a coded error', async () => {
    failWith = 'No application knows how to open PDF files';
    await expect(print(sheets[0]!)).rejects.toMatchObject({
      code: 'PRINT_FAILED',
      message: expect.stringContaining('No application knows how to open PDF files'),
    });
  });

  it('is unavailable where nothing prints (the command line)', async () => {
    const cli = new KeywardenServices({ deps: realDeps(), actor: 'Alice' });
    try {
      await expect(cli.invoke('files:print-pdf', { path: sheets[0]! })).rejects.toMatchObject({
        code: 'PRINTER_UNAVAILABLE',
      });
    } finally {
      await cli.dispose();
    }
  });
});

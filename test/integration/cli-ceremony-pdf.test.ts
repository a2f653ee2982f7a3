import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TranscriptDocument } from '../../electron/shared/ceremony-run-types.ts';
import type { KeyView } from '../../electron/shared/inventory-types.ts';
import { ceremonyAnswers, PRESENCE } from '../helpers/ceremony-script.ts';
import { runKeywarden } from '../helpers/cli.ts';
import { cliVault, enrolPresence } from '../helpers/cli-vault.ts';
import type { CliVault } from '../helpers/cli-vault.ts';

// The printed transcript through the command line: a key rotated before a witness with
// `ceremony run … --transcript-out F.json --transcript-pdf F.pdf`, the PDF read back with
// poppler's pdftotext, and `ceremony export ID --out … --pdf …` afterwards; the PDF and its
// JSON file are written together or not at all.

let vault: CliVault;
let key: KeyView;
let signer: KeyView;

const ZOE = 'Zoë Łukasiewicz';
const ZOE_PRESENCE = 'zoë presence passphrase';
const PARTICIPANTS = [
  ['administrator', 'Alice'],
  ['witness', ZOE],
] as const;
const participantArgs = PARTICIPANTS.flatMap(([role, name]) => [
  '--participant',
  `${role}:${name}`,
]);
const STEP_TITLES = ['Attendance', 'Check the key', 'Rotate', 'Witness sign-off'];

const run = (args: string[], stdin?: string) => vault.run(args, stdin);
/** The PDF's text as pdftotext reads it, each run of white space as one space. */
const pdfText = (path: string) =>
  execFileSync('pdftotext', [path, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');

/** Checks that the PDF at `path` shows every entry of the JSON transcript at `json`. */
function expectPrinted(path: string, json: string): void {
  const document = JSON.parse(readFileSync(json, 'utf8')) as TranscriptDocument;
  const text = pdfText(path);
  for (const expected of [document.header.ceremony, 'Rotate a key', ZOE, document.head])
    expect(text).toContain(expected);
  for (const title of STEP_TITLES) expect(text).toContain(title);
  for (const entry of document.entries) expect(text).toContain(entry.hash);
  for (const passphrase of [PRESENCE.Alice!, ZOE_PRESENCE]) expect(text).not.toContain(passphrase);
}

beforeAll(async () => {
  vault = await cliVault('keywarden-ceremony-pdf-', [
    ['Alice', ['officer']],
    [ZOE, ['witness']],
  ]);
  await enrolPresence(vault, { Alice: PRESENCE.Alice!, [ZOE]: ZOE_PRESENCE }, ['Alice', ZOE]);
  key = await vault.generate('zone master', 'aes256', 'encrypt,decrypt');
  signer = await vault.generate('ceremony key', 'ed25519', 'sign,verify');
});
afterAll(() => vault.dir.cleanup());

describe('the printed ceremony transcript', () => {
  it('ceremony run writes the transcript and its PDF, and ceremony export writes them again', async () => {
    const json = vault.dir.file('rotate.transcript.json');
    const pdf = vault.dir.file('rotate.transcript.pdf');
    const ran = await run(
      [
        'ceremony',
        'run',
        'rotate-key',
        '--signing-key',
        signer.id,
        ...participantArgs,
        '--param',
        `key=${key.id}`,
        '--transcript-out',
        json,
        '--transcript-pdf',
        pdf,
      ],
      ceremonyAnswers('rotate-key', PARTICIPANTS, {}, { [ZOE]: ZOE_PRESENCE }),
    );
    expect(ran.stderr).not.toContain('error [');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('status: completed');
    expect(ran.stderr).toContain(`its printable copy to ${pdf}`);
    const id = /ceremony: (\S+)/.exec(ran.stdout)![1]!;
    expect(statSync(pdf).mode & 0o777).toBe(0o644);
    expectPrinted(pdf, json);
    expect(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' })).toMatch(
      /^Title:\s+Keywarden ceremony transcript$/m,
    );

    const again = { json: vault.dir.file('again.json'), pdf: vault.dir.file('again.pdf') };
    const exported = await run(['ceremony', 'export', id, '--out', again.json, '--pdf', again.pdf]);
    expect(exported.stderr).not.toContain('error [');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe(`${again.json}\n${again.pdf}\n`);
    expectPrinted(again.pdf, again.json);
    // The PDF's head is the one `ceremony verify` finds in its JSON file.
    const pem = vault.dir.file('ceremony-key.pem');
    expect(
      (await run(['keys', 'export-public', signer.id, '--format', 'pem', '--out', pem])).code,
    ).toBe(0);
    const verified = await runKeywarden([
      'ceremony',
      'verify',
      again.json,
      '--public-key',
      pem,
      '--json',
    ]);
    expect(verified.code).toBe(0);
    const { head } = JSON.parse(verified.stdout) as { head: string };
    expect(pdfText(again.pdf)).toContain(head);
  });

  it('refuses --transcript-pdf without --transcript-out, and leaves no JSON file when its PDF cannot be written; prints an open ceremony', async () => {
    const alone = await run(
      [
        'ceremony',
        'run',
        'rotate-key',
        '--signing-key',
        signer.id,
        ...participantArgs,
        '--param',
        `key=${key.id}`,
        '--transcript-pdf',
        vault.dir.file('alone.pdf'),
      ],
      '',
    );
    expect(alone.stderr).toContain('error [USAGE]');
    expect(alone.code).toBe(2);
    expect(alone.stdout).toBe('');
    expect(existsSync(vault.dir.file('alone.pdf'))).toBe(false);

    // A ceremony left open at its first step (a mistyped presence passphrase) exports too.
    const stopped = await run(
      [
        'ceremony',
        'run',
        'rotate-key',
        '--signing-key',
        signer.id,
        ...participantArgs,
        '--param',
        `key=${key.id}`,
      ],
      'not Alice at all\n',
    );
    expect(stopped.stderr).toContain('error [PRESENCE_NOT_PROVEN]');
    const id = /ceremony: (\S+)/.exec(stopped.stdout)![1]!;
    const taken = vault.dir.file('taken.pdf');
    writeFileSync(taken, 'someone else’s file');
    const json = vault.dir.file('lonely.json');
    const blocked = await run(['ceremony', 'export', id, '--out', json, '--pdf', taken]);
    expect(blocked.stderr).toContain('error [BAD_REQUEST]');
    expect(blocked.code).toBe(2);
    expect(existsSync(json)).toBe(false);
    expect(readFileSync(taken, 'utf8')).toBe('someone else’s file');

    const same = await run(['ceremony', 'export', id, '--out', json, '--pdf', json]);
    expect(same.stderr).toContain('error [BAD_REQUEST]');
    expect(existsSync(json)).toBe(false);

    const open = await run([
      'ceremony',
      'export',
      id,
      '--out',
      json,
      '--pdf',
      vault.dir.file('open.pdf'),
    ]);
    expect(open.code).toBe(0);
    expect(pdfText(vault.dir.file('open.pdf'))).toContain(
      'Closed: not closed: the ceremony is still open',
    );
  });
});

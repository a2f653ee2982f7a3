import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyView } from '../../electron/shared/inventory-types.ts';
import type { CeremonyView, TranscriptDocument } from '../../electron/shared/ceremony-run-types.ts';
import { runKeywarden } from '../helpers/cli.ts';
import { cliVault, enrolPresence, runAtTerminal } from '../helpers/cli-vault.ts';
import type { CliVault } from '../helpers/cli-vault.ts';
import { ceremonyAnswers, PRESENCE } from '../helpers/ceremony-script.ts';

// `keywarden ceremony run` as a room of people takes it at one terminal: a key split 2 of 3
// before a witness, each participant proving presence with their own passphrase at every step;
// the transcript written, signed by the ceremony key, and verified with its public key alone.

let vault: CliVault;
let key: KeyView;
let signer: KeyView;

const run = (args: string[], stdin?: string) => vault.run(args, stdin);
const PARTICIPANTS = [
  ['administrator', 'Alice'],
  ['custodian', 'Carol'],
  ['custodian', 'Dave'],
  ['custodian', 'Erin'],
  ['witness', 'Wendy'],
] as const;
/** `ceremony run rotate-key` of `keyId`, administered by `administrator`, Wendy witnessing. */
const rotation = (keyId: string, administrator: string, ...more: string[]) => [
  'ceremony',
  'run',
  'rotate-key',
  '--signing-key',
  signer.id,
  '--participant',
  `administrator:${administrator}`,
  '--participant',
  'witness:Wendy',
  '--param',
  `key=${keyId}`,
  ...more,
];
const participantArgs = PARTICIPANTS.flatMap(([role, name]) => [
  '--participant',
  `${role}:${name}`,
]);

beforeAll(async () => {
  vault = await cliVault('keywarden-ceremony-run-', [
    ['Alice', ['officer']],
    ['Carol', ['custodian']],
    ['Dave', ['custodian']],
    ['Erin', ['custodian']],
    ['Wendy', ['witness']],
  ]);
  await enrolPresence(
    vault,
    PRESENCE,
    PARTICIPANTS.map(([, name]) => name),
  );
  key = await vault.generate('zone master', 'aes256', 'encrypt,decrypt');
  signer = await vault.generate('ceremony key', 'ed25519', 'sign,verify');
});
afterAll(() => vault.dir.cleanup());

describe('keywarden ceremony run', () => {
  it('runs a 2-of-3 split ceremony and writes a transcript that verifies with the public key alone', async () => {
    const out = vault.dir.file('medium');
    mkdirSync(out);
    const transcript = vault.dir.file('split.transcript.json');
    const started = await run(
      [
        'ceremony',
        'run',
        'split-key',
        '--signing-key',
        signer.id,
        ...participantArgs,
        '--param',
        `key=${key.id}`,
        '--param',
        'threshold=2',
        '--param',
        'format=pdf',
        '--param',
        `out-dir=${out}`,
        '--transcript-out',
        transcript,
      ],
      ceremonyAnswers('split-key', PARTICIPANTS),
    );
    expect(started.stderr).not.toContain('error [');
    expect(started.code).toBe(0);
    expect(started.stdout).toContain('status: completed');
    const id = /ceremony: (\S+)/.exec(started.stdout)![1]!;
    // Five presences, two key checks, the split, three hand-overs, one sign-off.
    expect(started.stdout.match(/^done: /gm)).toHaveLength(12);
    const folder = join(out, `shares-${id.slice(0, 8)}`);
    // A share file and a printed sheet for each custodian, both named in the transcript.
    expect(readdirSync(folder).sort()).toEqual([
      '1-carol.pdf',
      '1-carol.share',
      '2-dave.pdf',
      '2-dave.share',
      '3-erin.pdf',
      '3-erin.share',
    ]);

    const document = JSON.parse(readFileSync(transcript, 'utf8')) as TranscriptDocument;
    expect(document.status).toBe('completed');
    expect(document.header.participants.map((p) => p.name)).toEqual(PARTICIPANTS.map(([, n]) => n));
    const split = document.entries.find((e) => e.event === 'action')!;
    expect(split.detail.threshold).toBe(2);
    expect(split.by).toBe('Alice');
    expect(split.detail.files).toHaveLength(6);
    // No passphrase and no share is in the transcript.
    const text = readFileSync(transcript, 'utf8');
    for (const name of ['Alice', 'Carol', 'Wendy']) expect(text).not.toContain(PRESENCE[name]!);
    for (const file of readdirSync(folder).filter((name) => name.endsWith('.share'))) {
      const share = JSON.parse(readFileSync(join(folder, file), 'utf8')) as { value: string };
      expect(text).not.toContain(share.value);
    }

    const pem = vault.dir.file('ceremony-key.pem');
    const exported = await run([
      'keys',
      'export-public',
      signer.id,
      '--format',
      'pem',
      '--out',
      pem,
    ]);
    expect(exported.code).toBe(0);
    const verified = await runKeywarden([
      'ceremony',
      'verify',
      transcript,
      '--public-key',
      pem,
      '--json',
    ]);
    expect(verified.stderr).toBe('');
    expect(JSON.parse(verified.stdout)).toMatchObject({
      ceremony: id,
      status: 'completed',
      entries: document.entries.length,
    });

    const listed = await run(['ceremony', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toContainEqual(
      expect.objectContaining({ id, status: 'completed', stepsDone: 5 }),
    );
  });

  it('refuses a wrong presence passphrase and a person without the role, changing nothing', async () => {
    const wrong = await run(rotation(key.id, 'Alice'), 'not Alice at all\n');
    expect(wrong.stderr).toContain('error [PRESENCE_NOT_PROVEN]');
    expect(wrong.code).toBe(3);
    const id = /ceremony: (\S+)/.exec(wrong.stdout)![1]!;
    const shown = JSON.parse(
      (await run(['ceremony', 'show', id, '--json'])).stdout,
    ) as CeremonyView;
    expect(shown.entries).toHaveLength(0);
    expect(shown.next).toEqual({ step: 'attendance', by: 'Alice' });

    const mixed = await run(rotation(key.id, 'Carol'), '');
    expect(mixed.stderr).toContain('error [SEPARATION_OF_DUTIES]');
    expect(mixed.stdout).toBe('');
  });

  it('runs at a terminal: passphrases unseen, a mistyped one asked again, the ceremony completed', async () => {
    const rotated = await vault.generate('rotated at the terminal', 'aes256', 'encrypt,decrypt');
    const answers: Array<[RegExp, string]> = [
      [/Alice, your presence passphrase \(not shown\): $/, 'not alice at all'],
      [/Alice, your presence passphrase \(not shown\): $/, PRESENCE.Alice!],
      [/Wendy, your presence passphrase \(not shown\): $/, PRESENCE.Wendy!],
      [/Alice \(administrator\), acknowledge\? .*$/, 'y'],
      [/Alice, your presence passphrase \(not shown\): $/, PRESENCE.Alice!],
      [/Wendy \(witness\), acknowledge\? .*$/, 'y'],
      [/Wendy, your presence passphrase \(not shown\): $/, PRESENCE.Wendy!],
      [/Alice \(administrator\), go ahead\? .*$/, 'y'],
      [/Alice, your presence passphrase \(not shown\): $/, PRESENCE.Alice!],
      [/Wendy \(witness\), sign off\? .*$/, 'y'],
      [/Wendy, your presence passphrase \(not shown\): $/, PRESENCE.Wendy!],
    ];
    const { code, seen, unasked } = await runAtTerminal(
      rotation(rotated.id, 'Alice', ...vault.base),
      answers,
    );
    expect(unasked).toBe(0);
    expect(code).toBe(0);
    expect(seen).toContain("error [PRESENCE_NOT_PROVEN]: That is not Alice's presence passphrase.");
    expect(seen).toContain('status: completed');
    for (const secret of ['not alice at all', PRESENCE.Alice!, PRESENCE.Wendy!])
      expect(seen).not.toContain(secret);
    const predecessor = JSON.parse(
      (await run(['keys', 'show', rotated.id, '--json'])).stdout,
    ) as KeyView;
    expect(predecessor.state).toBe('deactivated');
  }, 120_000);

  it('enrols a presence passphrase at a terminal typed twice, refusing two that differ', async () => {
    const ask = (first: string, second: string) =>
      runAtTerminal(
        ['people', 'presence', 'Erin', ...vault.base],
        [
          [/Erin, choose your presence passphrase \(not shown\): $/, first],
          [/Erin, type it again: $/, second],
        ],
      );
    const differ = await ask('erin new passphrase', 'erin other passphrase');
    expect(differ.code).toBe(1);
    expect(differ.seen).toContain('error [PASSPHRASE_MISMATCH]');
    const same = await ask('erin new passphrase', 'erin new passphrase');
    expect(same.code).toBe(0);
    expect(same.seen).not.toContain('erin new passphrase');
    // Erin now proves presence with the new passphrase, and not the old one.
    const rotated = await vault.generate('proved by the new passphrase', 'aes256', 'encrypt');
    const tried = await run(
      rotation(rotated.id, 'Alice', '--participant', 'custodian:Erin'),
      `${PRESENCE.Alice}\n${PRESENCE.Wendy}\n${PRESENCE.Erin}\n`,
    );
    expect(tried.stderr).toContain(
      "error [PRESENCE_NOT_PROVEN]: That is not Erin's presence passphrase.",
    );
    await enrolPresence(vault, PRESENCE, ['Erin']);
  });
});

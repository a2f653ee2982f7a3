import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  CeremonySummary,
  CeremonyView,
  TranscriptDocument,
  TranscriptEntry,
  TranscriptVerification,
} from '../../electron/shared/ceremony-run-types.ts';
import type { ComponentSplitView, KeySplitView } from '../../electron/shared/ceremony-types.ts';
import type { KeyView } from '../../electron/shared/inventory-types.ts';
import type { TokenList } from '../../electron/shared/token-types.ts';
import { KeywardenServices } from '../../electron/services/services.ts';
import { realDeps } from '../../electron/services/runtime.ts';
import {
  answersByStep,
  answerText,
  ceremonyAnswers,
  PRESENCE,
} from '../helpers/ceremony-script.ts';
import { runKeywarden } from '../helpers/cli.ts';
import type { CliResult } from '../helpers/cli.ts';
import { DEFAULT_USER_PIN, SOFTHSM_MODULE, startSoftHsm } from '../helpers/softhsm.fixture.ts';
import type { SoftHsm } from '../helpers/softhsm.fixture.ts';
import { makeVault, passphraseBytes, tempDir, TEST_PASSPHRASE } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// Every ceremony template but split-key (cli-ceremony-run.test.ts runs that one) taken end to
// end through the real `keywarden ceremony run`, its answers piped one line per question: the
// vault's inventory after it, the files and tokens it made, the transcript's entries, and the
// transcript verified with the ceremony key's public key alone. Then an abort, a resume after
// the input ran out, and the starts the engine refuses, each changing nothing.

type Participants = ReadonlyArray<readonly [role: string, name: string]>;

let hsm: SoftHsm;
let dir: TempDir;
let base: string[];
/** Registered people's ids, by name. */
const personId: Record<string, string> = {};
/** Keys made in beforeAll, by what each test does with them. */
let keys: Record<
  'signer' | 'recombined' | 'components' | 'rotated' | 'destroyed' | 'aborted' | 'resumed',
  KeyView
>;
/** The vault ceremony key's public key, as `keys export-public` wrote it. */
let signerPem: string;

const run = (args: string[], stdin?: string) =>
  runKeywarden([...args, ...base], stdin === undefined ? {} : { stdin });

const ADMIN_AND_WITNESS: Participants = [
  ['administrator', 'Alice'],
  ['witness', 'Wendy'],
];

/**
 * `keywarden ceremony run TEMPLATE` with `stdin` as the room's answers, its transcript signed
 * by `signer` (the vault's Ed25519 ceremony key by default); `extra` options appended.
 */
function runCeremony(
  template: string,
  participants: Participants,
  parameters: Record<string, string>,
  stdin: string,
  { signer = keys.signer.id, extra = [] }: { signer?: string; extra?: string[] } = {},
): Promise<CliResult> {
  return run(
    [
      'ceremony',
      'run',
      template,
      '--signing-key',
      signer,
      ...participants.flatMap(([role, name]) => ['--participant', `${role}:${name}`]),
      ...Object.entries(parameters).flatMap(([name, value]) => ['--param', `${name}=${value}`]),
      ...extra,
    ],
    stdin,
  );
}

/** The ceremony id `ceremony run` printed first. */
function ceremonyIdOf(result: CliResult): string {
  const id = /^ceremony: (\S+)$/m.exec(result.stdout)?.[1];
  expect(id, result.stderr).toBeDefined();
  return id ?? '';
}

function readTranscript(path: string): TranscriptDocument {
  return JSON.parse(readFileSync(path, 'utf8')) as TranscriptDocument;
}

/** The transcript's one action entry. */
function actionOf(document: TranscriptDocument): TranscriptEntry {
  const actions = document.entries.filter((entry) => entry.event === 'action');
  expect(actions).toHaveLength(1);
  return actions[0]!;
}

async function showKey(id: string): Promise<KeyView> {
  const shown = await run(['keys', 'show', id, '--json', '--module', SOFTHSM_MODULE]);
  expect(shown.code, shown.stderr).toBe(0);
  return JSON.parse(shown.stdout) as KeyView;
}

async function ceremonies(): Promise<CeremonySummary[]> {
  const listed = await run(['ceremony', 'list', '--json']);
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout) as CeremonySummary[];
}

/** `keys export-public KEY --format pem` into a file; its path. */
async function exportPublic(keyId: string): Promise<string> {
  const pem = dir.file(`${keyId}.pub.pem`);
  const exported = await run(['keys', 'export-public', keyId, '--format', 'pem', '--out', pem]);
  expect(exported.code, exported.stderr).toBe(0);
  return pem;
}

/** `keywarden ceremony verify` with `pem`. It reads no vault, so it may run beside a command that does. */
function verify(transcript: string, pem: string): Promise<CliResult> {
  return runKeywarden(['ceremony', 'verify', transcript, '--public-key', pem, '--json']);
}

/** What `ceremony verify` found in `transcript`, checked with `pem` (the vault's ceremony key). */
async function verified(transcript: string, pem = signerPem): Promise<TranscriptVerification> {
  const result = await verify(transcript, pem);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as TranscriptVerification;
}

/** `ceremony split KEY` 2 of n among `custodians`, into a new folder `folder`; what it split. */
async function splitShares(keyId: string, custodians: string[], folder: string) {
  mkdirSync(dir.file(folder));
  const split = await run([
    'ceremony',
    'split',
    keyId,
    '--threshold',
    '2',
    ...custodians.flatMap((name) => ['--custodian', name]),
    '--out-dir',
    dir.file(folder),
    '--json',
  ]);
  expect(split.code, split.stderr).toBe(0);
  return JSON.parse(split.stdout) as KeySplitView;
}

/**
 * The room's answers in two sittings: through step `last`, then the rest (given to `ceremony
 * resume`).
 */
function sittings(steps: ReturnType<typeof answersByStep>, last: string): [string, string] {
  const at = steps.findIndex((step) => step.step === last) + 1;
  expect(at).toBeGreaterThan(0);
  const text = (some: typeof steps) => answerText(some.flatMap((step) => step.lines));
  return [text(steps.slice(0, at)), text(steps.slice(at))];
}

function secretFile(name: string, value: string): string {
  const path = dir.file(name);
  writeFileSync(path, value, { mode: 0o600 });
  return path;
}

beforeAll(async () => {
  hsm = startSoftHsm({ tokens: 1 });
  dir = tempDir('keywarden-ceremony-templates-');
  const vaultPath = dir.file('v.kw');
  await makeVault(vaultPath);
  base = [
    '--vault',
    vaultPath,
    '--passphrase-file',
    secretFile('pass', TEST_PASSPHRASE),
    '--actor',
    'Alice',
  ];
  // The room is set up in-process through the same services the CLI calls, in one unlock:
  // a CLI process per person and key would cost seconds each.
  const services = new KeywardenServices({ deps: realDeps(), actor: 'Alice' });
  try {
    await services.invoke('vault:unlock', {
      path: vaultPath,
      factors: [{ kind: 'passphrase', passphrase: passphraseBytes() }],
    });
    const people: Array<[string, Array<'officer' | 'custodian' | 'witness'>]> = [
      ['Alice', ['officer']],
      ['Oscar', ['officer']],
      ['Carol', ['custodian']],
      ['Dave', ['custodian']],
      ['Erin', ['custodian']],
      ['Wendy', ['witness']],
      ['Walter', ['custodian', 'witness']],
      ['Peggy', ['witness']],
    ];
    for (const [name, roles] of people)
      personId[name] = (await services.invoke('people:add', { name, roles })).id;
    // Oscar proves presence with his token (enrolled in his test); Peggy never enrols.
    for (const name of ['Alice', 'Carol', 'Dave', 'Erin', 'Wendy', 'Walter'])
      await services.invoke('people:set-presence', {
        name,
        passphrase: Buffer.from(PRESENCE[name] ?? ''),
      });
    const generate = (name: string, algorithm: 'ed25519' | 'aes256') =>
      services.invoke('keys:generate', {
        name,
        algorithm,
        purposes: algorithm === 'ed25519' ? ['sign', 'verify'] : ['encrypt', 'decrypt'],
        owner: 'Alice',
      });
    keys = {
      signer: await generate('ceremony key', 'ed25519'),
      recombined: await generate('zone master', 'aes256'),
      components: await generate('terminal master', 'aes256'),
      rotated: await generate('payments kek', 'aes256'),
      destroyed: await generate('leaked key', 'aes256'),
      aborted: await generate('archive kek', 'aes256'),
      resumed: await generate('backup kek', 'aes256'),
    };
  } finally {
    services.shutdown();
  }
  signerPem = await exportPublic(keys.signer.id);
}, 120_000);
afterAll(() => {
  hsm.cleanup();
  dir.cleanup();
});

describe('recombine-key', () => {
  it('rebuilds a split key from two custodians’ share files with the original check value', async () => {
    const shares = await splitShares(keys.recombined.id, ['Carol', 'Dave', 'Erin'], 'shares');
    const [carol, , erin] = shares.files;

    // Carol and Erin come, Dave stays home: two of three are the quorum.
    const participants: Participants = [
      ['administrator', 'Alice'],
      ['custodian', 'Carol'],
      ['custodian', 'Erin'],
      ['witness', 'Wendy'],
    ];
    const transcript = dir.file('recombine.transcript.json');
    const result = await runCeremony(
      'recombine-key',
      participants,
      {
        threshold: '2',
        name: 'zone master rebuilt',
        purposes: keys.recombined.purposes.join(','),
        owner: 'Alice',
      },
      ceremonyAnswers('recombine-key', participants, {
        Carol: [carol!.path],
        Erin: [erin!.path],
      }),
      { extra: ['--transcript-out', transcript] },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('status: completed');
    const id = ceremonyIdOf(result);

    const document = readTranscript(transcript);
    const action = actionOf(document);
    expect(action.detail).toMatchObject({
      action: 'combine-shares',
      kcv: shares.kcv,
      contributors: ['Carol', 'Erin'],
      name: 'zone master rebuilt',
      algorithm: 'aes256',
    });
    const [rebuilt, checked] = await Promise.all([
      showKey(String(action.detail.key)),
      verified(transcript),
    ]);
    expect(checked).toMatchObject({
      ceremony: id,
      template: 'recombine-key',
      status: 'completed',
      entries: document.entries.length,
    });
    expect(rebuilt).toMatchObject({
      name: 'zone master rebuilt',
      algorithm: 'aes256',
      purposes: ['encrypt', 'decrypt'],
      state: 'active',
      owner: personId.Alice,
    });
    expect(rebuilt.id).not.toBe(keys.recombined.id);
    // The vault's own reading of the rebuilt key's check value, outside the ceremony.
    const again = await splitShares(rebuilt.id, ['Carol', 'Erin'], 'shares-again');
    expect(again.kcv).toBe(shares.kcv);

    const text = readFileSync(transcript, 'utf8');
    for (const file of [carol!, erin!]) {
      const share = JSON.parse(readFileSync(file.path, 'utf8')) as { value: string };
      expect(text).not.toContain(share.value);
    }
  }, 120_000);
});

describe('component-entry', () => {
  it('enters a key from components typed by two custodians under dual control, with its check value', async () => {
    const out = dir.file('components');
    mkdirSync(out);
    const split = await run([
      'ceremony',
      'components',
      'split',
      keys.components.id,
      '--custodian',
      'Carol',
      '--custodian',
      'Dave',
      '--out-dir',
      out,
      '--json',
    ]);
    expect(split.code, split.stderr).toBe(0);
    const parts = JSON.parse(split.stdout) as ComponentSplitView;
    const [carolHex, daveHex] = parts.files.map(
      (file) => (JSON.parse(readFileSync(file.path, 'utf8')) as { value: string }).value,
    );
    const parameters = {
      name: 'terminal master entered',
      kcv: parts.kcv,
      purposes: 'encrypt,decrypt',
      owner: 'Alice',
    };

    // Dual control: one person cannot be both custodians.
    const before = await ceremonies();
    const alone = await runCeremony(
      'component-entry',
      [
        ['administrator', 'Alice'],
        ['custodian', 'Carol'],
        ['custodian', 'Carol'],
        ['witness', 'Wendy'],
      ],
      parameters,
      '',
    );
    expect(alone.stderr).toMatch(
      /^error \[SEPARATION_OF_DUTIES\]: Each person takes one role in a ceremony, once\./m,
    );
    expect(alone.code).toBe(1);
    expect(alone.stdout).toBe('');
    expect(await ceremonies()).toEqual(before);

    const participants: Participants = [
      ['administrator', 'Alice'],
      ['custodian', 'Carol'],
      ['custodian', 'Dave'],
      ['witness', 'Wendy'],
    ];
    const transcript = dir.file('components.transcript.json');
    const result = await runCeremony(
      'component-entry',
      participants,
      parameters,
      // Dave reads back a check value he does not trust the first time, and types it again.
      ceremonyAnswers('component-entry', participants, {
        Carol: [carolHex!, 'y'],
        Dave: [daveHex!, 'n', daveHex!, 'y'],
      }),
      { extra: ['--transcript-out', transcript] },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('status: completed');
    expect(result.stderr).toContain(`Check value of Carol's component: ${parts.files[0]!.kcv}`);
    expect(result.stderr).toContain(`Check value of Dave's component: ${parts.files[1]!.kcv}`);
    expect(result.stderr.match(/Component discarded; enter it again\./g)).toHaveLength(1);

    const document = readTranscript(transcript);
    const action = actionOf(document);
    expect(action.detail).toMatchObject({
      action: 'enter-components',
      kcv: parts.kcv,
      contributors: ['Carol', 'Dave'],
    });
    const [entered, checked] = await Promise.all([
      showKey(String(action.detail.key)),
      verified(transcript),
    ]);
    expect(checked.status).toBe('completed');
    expect(entered).toMatchObject({
      name: 'terminal master entered',
      algorithm: 'aes256',
      purposes: ['encrypt', 'decrypt'],
      state: 'active',
    });
    const text = readFileSync(transcript, 'utf8');
    expect(text).not.toContain(carolHex);
    expect(text).not.toContain(daveHex);
  }, 120_000);
});

describe('rotate-key', () => {
  it('makes the key’s successor and deactivates the predecessor', async () => {
    const transcript = dir.file('rotate.transcript.json');
    const result = await runCeremony(
      'rotate-key',
      ADMIN_AND_WITNESS,
      { key: keys.rotated.id, reason: 'annual rotation' },
      ceremonyAnswers('rotate-key', ADMIN_AND_WITNESS),
      { extra: ['--transcript-out', transcript] },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('status: completed');

    const action = actionOf(readTranscript(transcript));
    expect(action.detail.predecessor).toBe(keys.rotated.id);
    const successorId = String(action.detail.key);
    expect(successorId).not.toBe(keys.rotated.id);
    const [predecessor, checked] = await Promise.all([
      showKey(keys.rotated.id),
      verified(transcript),
    ]);
    expect(checked.template).toBe('rotate-key');
    expect(predecessor).toMatchObject({ state: 'deactivated', successor: successorId });
    expect(await showKey(successorId)).toMatchObject({
      state: 'active',
      predecessor: keys.rotated.id,
      lineage: keys.rotated.lineage,
      version: keys.rotated.version + 1,
    });
  }, 120_000);
});

describe('destroy-key', () => {
  it('destroys a compromised key, authorised by the administrator before the witness', async () => {
    const marked = await run([
      'keys',
      'transition',
      keys.destroyed.id,
      '--to',
      'compromised',
      '--reason',
      'found in a debug log',
    ]);
    expect(marked.code, marked.stderr).toBe(0);

    const transcript = dir.file('destroy.transcript.json');
    const result = await runCeremony(
      'destroy-key',
      ADMIN_AND_WITNESS,
      { key: keys.destroyed.id },
      ceremonyAnswers('destroy-key', ADMIN_AND_WITNESS),
      { extra: ['--transcript-out', transcript] },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('status: completed');

    expect(actionOf(readTranscript(transcript)).detail).toMatchObject({
      action: 'destroy-key',
      key: keys.destroyed.id,
      state: 'destroyed-compromised',
    });
    const [destroyed, checked] = await Promise.all([
      showKey(keys.destroyed.id),
      verified(transcript),
    ]);
    expect(checked.status).toBe('completed');
    expect(destroyed.state).toBe('destroyed-compromised');
    expect(destroyed.destruction).toMatchObject({
      authorisedBy: personId.Alice,
      witness: personId.Wendy,
    });
  }, 120_000);
});

describe('destroy-key on a token', () => {
  it("destroys a compromised token key's objects on the token, the step recorded with the destruction's end", async () => {
    const token = hsm.tokens[0]!.serial;
    const pin = secretFile('destroy-token.pin', DEFAULT_USER_PIN);
    const made = await run([
      'keys',
      'generate',
      '--name',
      'leaked on token',
      '--algorithm',
      'p256',
      '--purpose',
      'sign',
      '--owner',
      'Alice',
      '--token',
      token,
      '--pin-file',
      pin,
      '--module',
      SOFTHSM_MODULE,
      '--json',
    ]);
    expect(made.code, made.stderr).toBe(0);
    const leaked = JSON.parse(made.stdout) as KeyView;
    const ckaId = leaked.location.kind === 'token' ? leaked.location.ckaId : '';
    const listObjects = () =>
      runKeywarden([
        'tokens',
        'objects',
        '--token',
        token,
        '--pin-file',
        pin,
        '--module',
        SOFTHSM_MODULE,
        '--json',
      ]);
    expect((await listObjects()).stdout).toContain(ckaId);
    expect(
      (
        await run([
          'keys',
          'transition',
          leaked.id,
          '--to',
          'compromised',
          '--reason',
          'token lost overnight',
        ])
      ).code,
    ).toBe(0);

    const transcript = dir.file('destroy-token.transcript.json');
    const result = await runCeremony(
      'destroy-key',
      ADMIN_AND_WITNESS,
      { key: leaked.id },
      ceremonyAnswers('destroy-key', ADMIN_AND_WITNESS, { Alice: [DEFAULT_USER_PIN] }),
      { extra: ['--transcript-out', transcript, '--module', SOFTHSM_MODULE] },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(actionOf(readTranscript(transcript)).detail).toMatchObject({
      key: leaked.id,
      state: 'destroyed-compromised',
    });
    expect((await showKey(leaked.id)).state).toBe('destroyed-compromised');
    const after = await listObjects();
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).not.toContain(ckaId);
  }, 120_000);
});

describe('generate-key', () => {
  it('generates a key in the vault before a witness', async () => {
    const transcript = dir.file('generate.transcript.json');
    const result = await runCeremony(
      'generate-key',
      ADMIN_AND_WITNESS,
      {
        name: 'release signing',
        algorithm: 'ed25519',
        purposes: 'sign,verify',
        owner: 'Alice',
        tier: '3',
      },
      ceremonyAnswers('generate-key', ADMIN_AND_WITNESS),
      { extra: ['--transcript-out', transcript] },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('status: completed');

    const action = actionOf(readTranscript(transcript));
    expect(action.by).toBe('Alice');
    const [made, checked] = await Promise.all([
      showKey(String(action.detail.key)),
      verified(transcript),
    ]);
    expect(checked.presenceSignatures).toBe(0);
    expect(made).toMatchObject({
      name: 'release signing',
      algorithm: 'ed25519',
      purposes: ['sign', 'verify'],
      tier: 3,
      state: 'active',
      location: { kind: 'vault' },
      fingerprint: action.detail.fingerprint,
    });
  }, 120_000);

  it('generates a key on a token; the administrator’s token signs his presence and the ceremony key on the token signs the transcript', async () => {
    const token = hsm.tokens[0]!.serial;
    const pin = secretFile('token.pin', DEFAULT_USER_PIN);
    const onToken = async (name: string, owner: string, purposes: string) => {
      const made = await run([
        'keys',
        'generate',
        '--name',
        name,
        '--algorithm',
        'p256',
        '--purpose',
        purposes,
        '--owner',
        owner,
        '--token',
        token,
        '--pin-file',
        pin,
        '--module',
        SOFTHSM_MODULE,
        '--json',
      ]);
      expect(made.code, made.stderr).toBe(0);
      return JSON.parse(made.stdout) as KeyView;
    };
    const oscarsKey = await onToken('Oscar presence', 'Oscar', 'sign');
    const tokenSigner = await onToken('ceremony key on token', 'Alice', 'sign,verify');
    const enrolled = await run(['people', 'presence', 'Oscar', '--token-key', oscarsKey.id]);
    expect(enrolled.code, enrolled.stderr).toBe(0);
    expect(enrolled.stdout).toContain('Oscar proves presence at ceremonies with a signature');

    const participants: Participants = [
      ['administrator', 'Oscar'],
      ['witness', 'Wendy'],
    ];
    // Taken in two sittings, the input ending after the generation: the presence signatures
    // chain across the resumed entry.
    const [first, second] = sittings(
      answersByStep(
        'generate-key',
        participants,
        { Oscar: [DEFAULT_USER_PIN] },
        { Oscar: DEFAULT_USER_PIN },
      ),
      'generate',
    );
    const generated = await runCeremony(
      'generate-key',
      participants,
      {
        name: 'issuing ca',
        algorithm: 'p384',
        purposes: 'sign',
        owner: 'Oscar',
        tier: '3',
        token,
      },
      first,
      { signer: tokenSigner.id, extra: ['--module', SOFTHSM_MODULE] },
    );
    expect(generated.stdout, generated.stderr).toContain('done: generate Oscar');
    expect(generated.stderr).toContain('error [SECRET_INPUT_UNAVAILABLE]');
    const transcript = dir.file('generate-token.transcript.json');
    const result = await run(
      [
        'ceremony',
        'resume',
        ceremonyIdOf(generated),
        '--module',
        SOFTHSM_MODULE,
        '--transcript-out',
        transcript,
        '--signing-pin-file',
        pin,
      ],
      second,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('status: completed');

    const document = readTranscript(transcript);
    expect(document.header.signer).toMatchObject({ keyId: tokenSigner.id, location: 'token' });
    expect(document.entries.map((entry) => entry.event)).toContain('resumed');
    // Oscar's presence at each step he acknowledged is a signature by his token; Wendy's is her
    // passphrase, which leaves no signature.
    const signed = document.entries.filter((entry) => typeof entry.detail.signature === 'string');
    expect(signed.map((entry) => `${entry.step}:${entry.by}`)).toEqual(
      expect.arrayContaining(['attendance:Oscar', 'room:Oscar', 'fingerprint:Oscar']),
    );
    for (const entry of signed)
      expect(entry).toMatchObject({ by: 'Oscar', detail: { proof: 'token' } });
    const action = actionOf(document);
    expect(action.detail.location).toBe(`token ${token}`);
    // At the action step Oscar's token signed too: the action's entry carries it.
    expect(action.detail.contributors).toEqual(['Oscar']);
    expect(String((action.detail.proofs as string[])[0])).toMatch(/^token:/);
    const tokenSignerPem = await exportPublic(tokenSigner.id);
    const [made, checked, other] = await Promise.all([
      showKey(String(action.detail.key)),
      verified(transcript, tokenSignerPem),
      // The Ed25519 ceremony key in the vault did not sign it.
      verify(transcript, signerPem),
    ]);
    expect(made).toMatchObject({
      name: 'issuing ca',
      algorithm: 'p384',
      owner: personId.Oscar,
      location: { kind: 'token', serial: token },
    });
    expect(checked).toMatchObject({
      status: 'completed',
      presenceSignatures: signed.length + 1,
      signer: { keyId: tokenSigner.id, algorithm: 'p256' },
    });
    expect(other.stderr).toContain('error [TRANSCRIPT_SIGNATURE_INVALID]');
    expect(other.code).toBe(4);
  }, 180_000);

  it('generates a tier 1 key (the template’s default) on a token, the ceremony’s custodian its custodian', async () => {
    const token = hsm.tokens[0]!.serial;
    const transcript = dir.file('generate-tier1.transcript.json');
    const participants: Participants = [
      ['administrator', 'Alice'],
      ['custodian', 'Carol'],
      ['witness', 'Wendy'],
    ];
    const result = await runCeremony(
      'generate-key',
      participants,
      { name: 'root of trust', algorithm: 'p384', purposes: 'sign', owner: 'Alice', token },
      ceremonyAnswers('generate-key', participants, { Alice: [DEFAULT_USER_PIN] }),
      { extra: ['--module', SOFTHSM_MODULE, '--transcript-out', transcript] },
    );
    // A tier 1 key needs a custodian besides its owner: the ceremony's custodian is one.
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('status: completed');
    const action = actionOf(readTranscript(transcript));
    expect(await showKey(String(action.detail.key))).toMatchObject({
      tier: 1,
      custodians: [personId.Carol],
      location: { kind: 'token', serial: token },
    });
  }, 120_000);
});

describe('enrol-token', () => {
  it('initialises the free slot: the administrator sets the SO PIN, the custodian her user PIN', async () => {
    const soPin = '86429753';
    const userPin = '31415926';
    const participants: Participants = [
      ['administrator', 'Alice'],
      ['custodian', 'Carol'],
      ['witness', 'Wendy'],
    ];
    const transcript = dir.file('enrol.transcript.json');
    const result = await runCeremony(
      'enrol-token',
      participants,
      { label: 'kw-carol-card' },
      ceremonyAnswers('enrol-token', participants, { Alice: [soPin], Carol: [userPin] }),
      { extra: ['--module', SOFTHSM_MODULE, '--transcript-out', transcript] },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('status: completed');

    const action = actionOf(readTranscript(transcript));
    expect(action.detail).toMatchObject({ label: 'kw-carol-card', keeper: 'Carol' });
    const serial = String(action.detail.token);
    const [listed, checked] = await Promise.all([
      runKeywarden(['tokens', 'list', '--json', '--module', SOFTHSM_MODULE]),
      verified(transcript),
    ]);
    expect(checked.status).toBe('completed');
    expect(listed.code, listed.stderr).toBe(0);
    const tokens = (JSON.parse(listed.stdout) as TokenList).tokens;
    expect(tokens).toContainEqual(
      expect.objectContaining({ serial, label: 'kw-carol-card', initialized: true }),
    );
    expect(serial).not.toBe(hsm.tokens[0]!.serial);
    // Carol's user PIN opens it.
    const login = await runKeywarden([
      'tokens',
      'objects',
      '--token',
      serial,
      '--pin-file',
      secretFile('carol.pin', userPin),
      '--module',
      SOFTHSM_MODULE,
    ]);
    expect(login.code, login.stderr).toBe(0);
    const text = readFileSync(transcript, 'utf8');
    expect(text).not.toContain(soPin);
    expect(text).not.toContain(userPin);
    // Alice's SO PIN is the token's: with it a new user PIN is set.
    const unblocked = await runKeywarden([
      'tokens',
      'unblock-pin',
      '--token',
      serial,
      '--so-pin-file',
      secretFile('alice.so-pin', soPin),
      '--new-pin-file',
      secretFile('carol.new-pin', '27182818'),
      '--module',
      SOFTHSM_MODULE,
    ]);
    expect(unblocked.code, unblocked.stderr).toBe(0);
  }, 120_000);
});

describe('abort and resume', () => {
  it('aborts at a question: the reason and the administrator’s proof recorded, the key untouched, no resume', async () => {
    const transcript = dir.file('aborted.transcript.json');
    const answers = [PRESENCE.Alice, PRESENCE.Wendy, 'abort', 'wrong key brought', PRESENCE.Alice];
    const result = await runCeremony(
      'rotate-key',
      ADMIN_AND_WITNESS,
      { key: keys.aborted.id },
      `${answers.join('\n')}\n`,
      { extra: ['--transcript-out', transcript] },
    );
    expect(result.stdout).toContain('status: aborted');
    expect(result.code).toBe(1);
    const id = ceremonyIdOf(result);

    const document = readTranscript(transcript);
    expect(document.status).toBe('aborted');
    expect(document.entries.map((entry) => entry.event)).toEqual([
      'presence',
      'presence',
      'aborted',
    ]);
    expect(document.entries.at(-1)).toMatchObject({
      step: 'key-check',
      by: 'Alice',
      detail: { reason: 'wrong key brought', proof: 'passphrase' },
    });
    const [untouched, checked] = await Promise.all([
      showKey(keys.aborted.id),
      verified(transcript),
    ]);
    expect(checked.status).toBe('aborted');
    expect(untouched).toMatchObject({ state: 'active', successor: null });

    const resumed = await run(['ceremony', 'resume', id], `${PRESENCE.Alice}\n`);
    expect(resumed.stderr).toMatch(/^error \[CEREMONY_STATE_INVALID\]: The ceremony is aborted\./m);
    expect(resumed.code).toBe(2);
    const after = (await ceremonies()).find((c) => c.id === id);
    expect(after).toMatchObject({ status: 'aborted', stepsDone: 1 });
  }, 120_000);

  it('resumes a ceremony whose input ran out mid-step, and finishes it with the rest', async () => {
    const [attendance, keyCheck, ...rest] = answersByStep('rotate-key', ADMIN_AND_WITNESS);
    // Attendance, then Alice's acknowledgement of the key ("y", her passphrase): not Wendy's.
    const given = [...attendance!.lines, ...keyCheck!.lines.slice(0, 2)];
    const remaining = [...keyCheck!.lines.slice(2), ...rest.flatMap((step) => step.lines)];
    const stopped = await runCeremony(
      'rotate-key',
      ADMIN_AND_WITNESS,
      { key: keys.resumed.id },
      answerText(given),
    );
    expect(stopped.stderr).toContain('error [SECRET_INPUT_UNAVAILABLE]');
    expect(stopped.code).toBe(1);
    const id = ceremonyIdOf(stopped);
    const shown = await run(['ceremony', 'show', id, '--json']);
    const open = JSON.parse(shown.stdout) as CeremonyView;
    expect(open.status).toBe('open');
    expect(open.entries).toHaveLength(3);
    expect(open.next).toEqual({ step: 'key-check', by: 'Wendy' });
    expect(await showKey(keys.resumed.id)).toMatchObject({ state: 'active', successor: null });

    const transcript = dir.file('resumed.transcript.json');
    const resumed = await run(
      ['ceremony', 'resume', id, '--transcript-out', transcript],
      answerText(remaining),
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('status: completed');
    const document = readTranscript(transcript);
    expect(document.entries.map((entry) => `${entry.event}:${entry.by ?? ''}`)).toEqual([
      'presence:Alice',
      'presence:Wendy',
      'acknowledged:Alice',
      'resumed:',
      'acknowledged:Wendy',
      'action:Alice',
      'signed-off:Wendy',
      'completed:',
    ]);
    const [rotated, checked] = await Promise.all([showKey(keys.resumed.id), verified(transcript)]);
    expect(rotated).toMatchObject({
      state: 'deactivated',
      successor: actionOf(document).detail.key,
    });
    expect(checked).toMatchObject({ ceremony: id, status: 'completed', entries: 8 });
  }, 120_000);
});

describe('starts the engine refuses', () => {
  it('refuses each bad start with its code and exit status, and opens no ceremony', async () => {
    const before = await ceremonies();
    const quorum: Participants = [
      ['administrator', 'Alice'],
      ['custodian', 'Carol'],
      ['custodian', 'Dave'],
      ['witness', 'Wendy'],
    ];
    const cases: Array<
      [
        what: string,
        template: string,
        participants: Participants,
        parameters: Record<string, string>,
        error: RegExp,
        exit: number,
      ]
    > = [
      [
        'an unknown template',
        'launch-missiles',
        ADMIN_AND_WITNESS,
        {},
        /^error \[CEREMONY_TEMPLATE_NOT_FOUND\]: There is no ceremony template "launch-missiles"/m,
        2,
      ],
      [
        'a missing parameter',
        'rotate-key',
        ADMIN_AND_WITNESS,
        {},
        /^error \[BAD_REQUEST\]: The ceremony needs "key"/m,
        2,
      ],
      [
        'an unknown parameter',
        'rotate-key',
        ADMIN_AND_WITNESS,
        { key: keys.rotated.id, colour: 'blue' },
        /^error \[BAD_REQUEST\]: Template rotate-key takes no parameter colour/m,
        2,
      ],
      [
        'fewer custodians than the quorum',
        'recombine-key',
        quorum,
        { threshold: '3', name: 'n', purposes: 'encrypt', owner: 'Alice' },
        /^error \[BAD_REQUEST\]: The quorum is 3 custodians; 2 named\./m,
        2,
      ],
      [
        'one person in two roles',
        'split-key',
        [
          ['administrator', 'Alice'],
          ['custodian', 'Carol'],
          ['custodian', 'Walter'],
          ['witness', 'Walter'],
        ],
        { key: keys.recombined.id, threshold: '2', 'out-dir': dir.path },
        /^error \[SEPARATION_OF_DUTIES\]: Each person takes one role in a ceremony, once\./m,
        1,
      ],
      [
        'a witness with no presence factor',
        'rotate-key',
        [
          ['administrator', 'Alice'],
          ['witness', 'Peggy'],
        ],
        { key: keys.rotated.id },
        /^error \[PRESENCE_NOT_ENROLLED\]: Peggy has no presence factor/m,
        3,
      ],
    ];
    for (const [what, template, participants, parameters, error, exit] of cases) {
      const refused = await runCeremony(template, participants, parameters, '');
      expect(refused.stderr, what).toMatch(error);
      expect(refused.code, what).toBe(exit);
      expect(refused.stdout, what).toBe('');
    }
    expect(await ceremonies()).toEqual(before);
  }, 180_000);

  it('refuses a transcript verified with another public key, or edited', async () => {
    // A ceremony whose input ends at once stays open with nothing recorded; it exports.
    const opened = await runCeremony('rotate-key', ADMIN_AND_WITNESS, { key: keys.rotated.id }, '');
    expect(opened.stderr).toContain('error [SECRET_INPUT_UNAVAILABLE]');
    const id = ceremonyIdOf(opened);
    const transcript = dir.file('open.transcript.json');
    const exported = await run(['ceremony', 'export', id, '--out', transcript]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(readTranscript(transcript)).toMatchObject({ status: 'open', entries: [] });

    const stranger = dir.file('stranger.pub.pem');
    writeFileSync(
      stranger,
      generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }),
    );
    const edited = dir.file('edited.transcript.json');
    writeFileSync(edited, readFileSync(transcript, 'utf8').replace('"open"', '"completed"'));
    const [checked, other, tampered] = await Promise.all([
      verified(transcript),
      verify(transcript, stranger),
      verify(edited, signerPem),
    ]);
    expect(checked).toMatchObject({ ceremony: id, status: 'open', entries: 0 });
    expect(other.stderr).toMatch(
      /^error \[TRANSCRIPT_SIGNATURE_INVALID\]: The transcript was signed by another key/m,
    );
    expect(other.code).toBe(4);
    expect(other.stdout).toBe('');
    // The status is outside the hash chain; the ceremony key's signature covers it.
    expect(tampered.stderr).toMatch(
      /^error \[TRANSCRIPT_SIGNATURE_INVALID\]: The ceremony key's signature over the transcript does not verify\./m,
    );
    expect(tampered.code).toBe(4);
  }, 120_000);
});

import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CeremonyView } from '../../electron/shared/ceremony-run-types.ts';
import { keyNamed, unlockAfresh } from './secret-scenario.ts';
import type { ScenarioContext } from './secret-scenario.ts';
import type { Secret } from './secret-scan.ts';

// Ceremonies, bare and scripted: components typed and checked, keys split into shares (Keywarden
// share files and SLIP-39 words) and into XOR components, each fed back through the combine
// channels and through ceremony:advance; PINs given at a token's enrolment; a ceremony exported,
// verified, resumed and aborted.
// Every share and component file the channels write is read back and seeded, whole and by its
// secret value, and so is every key they rebuild.

type Bytes = Uint8Array<ArrayBuffer>;

const entry = { purposes: ['encrypt' as const], owner: 'Alice', tier: 3 };
const xor = (a: Buffer, b: Buffer) => Buffer.from(a.map((byte, i) => byte ^ b[i]!));

/** A new empty folder for share or component files. */
function outDir(context: ScenarioContext, name: string): string {
  const path = context.dir.file(name);
  mkdirSync(path);
  return path;
}

/**
 * Seeds each piece file in `folder` (and the folders in it): its whole text, and its secret
 * value (a share's base64, a component's grouped hex, both as text and as bytes). SLIP-39 files
 * are words only: their text is the secret. Returns the files' secrets by custodian.
 */
function seedPieces(context: ScenarioContext, folder: string, label: string): Map<string, Secret> {
  const byCustodian = new Map<string, Secret>();
  // A ceremony's split writes into a folder of its own inside the one it was given.
  const files = readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((found) => found.isFile())
    .map((found) => ({ file: found.name, path: join(found.parentPath, found.name) }))
    .sort((a, b) => a.path.localeCompare(b.path));
  for (const { file, path } of files) {
    const text = readFileSync(path, 'utf8');
    const name = `${label} ${file}`;
    const whole = context.book.addText(name, text);
    if (!text.trimStart().startsWith('{')) {
      byCustodian.set(file, whole);
      continue;
    }
    const piece = JSON.parse(text) as { custodian: string; value: string };
    context.book.addText(`${name} value`, piece.value);
    const isHex = /^[0-9A-Fa-f\s]+$/.test(piece.value);
    const value = Buffer.from(piece.value.replace(/\s+/g, ''), isHex ? 'hex' : 'base64');
    context.book.addBytes(`${name} value bytes`, value);
    byCustodian.set(piece.custodian, whole);
  }
  if (byCustodian.size === 0) throw new Error(`no ${label} files were written to ${folder}`);
  return byCustodian;
}

/**
 * Takes every turn of a ceremony until it ends, each person due proving presence with their
 * passphrase and bringing `inputs[name]` at an action step.
 */
async function takeTurns(
  context: ScenarioContext,
  started: CeremonyView,
  inputs: Record<string, Partial<Record<'share' | 'component' | 'pin' | 'soPin', Bytes>>> = {},
): Promise<CeremonyView> {
  let view = started;
  while (view.next) {
    const { step, by } = view.next;
    const kind = view.steps.find((s) => s.id === step)?.kind;
    view = await context.rpc.ok('ceremony:advance', {
      id: view.id,
      step,
      by,
      passphrase: context.book.get(`presence passphrase of ${by}`).fresh(),
      ...(kind === 'action' && inputs[by] ? { input: inputs[by] } : {}),
    });
  }
  if (view.status !== 'completed') throw new Error(`ceremony ${view.template.id} ${view.status}`);
  return view;
}

const PARTICIPANTS = [
  { name: 'Alice', role: 'administrator' },
  { name: 'Carol', role: 'custodian' },
  { name: 'Dave', role: 'custodian' },
  { name: 'Wendy', role: 'witness' },
] as const;

/** The bare ceremony channels, then scripted ceremonies through ceremony:advance. */
export async function ceremonies(context: ScenarioContext): Promise<void> {
  const { rpc, book } = context;
  await unlockAfresh(context);
  await rpc.ok('ceremony:list-templates', {});

  // Components typed by their custodians, each read back by its check value.
  const carol = book.addBytes('component typed by Carol', randomBytes(32));
  const dave = book.addBytes('component typed by Dave', randomBytes(32));
  const typedKey = book.addBytes('key entered from typed components', xor(carol.bytes, dave.bytes));
  await rpc.ok('ceremony:check-component', { value: carol.fresh() });
  const { kcv } = await rpc.ok('ceremony:check-component', { value: typedKey.fresh() });
  await rpc.ok('ceremony:enter-components', {
    components: [
      { custodian: 'Carol', value: carol.fresh() },
      { custodian: 'Dave', value: dave.fresh() },
    ],
    kcv,
    algorithm: 'aes256',
    name: 'entered from components',
    ...entry,
  });

  // The imported AES key into share files and SLIP-39 words, and back.
  const aes = keyNamed(context, 'imported aes256');
  for (const format of ['file', 'slip39'] as const) {
    const folder = outDir(context, `bare ${format} shares`);
    await rpc.ok('ceremony:split-key', {
      keyId: aes.id,
      threshold: 2,
      custodians: ['Carol', 'Dave'],
      outDir: folder,
      format,
    });
    const shares = [...seedPieces(context, folder, `${format} share`).values()];
    await rpc.ok('ceremony:combine-shares', {
      shares: shares.map((share) => share.fresh()),
      ...(format === 'slip39' ? { algorithm: 'aes256' as const } : {}),
      name: `rebuilt from ${format} shares`,
      ...entry,
    });
  }

  // The generated zone master key into XOR components: their XOR is the key, seeded too.
  const folder = outDir(context, 'components');
  const split = await rpc.ok('ceremony:split-components', {
    keyId: keyNamed(context, 'zone master').id,
    custodians: ['Carol', 'Dave'],
    outDir: folder,
  });
  const components = [...seedPieces(context, folder, 'component').values()];
  const values = split.files.map((file) =>
    book.get(`component ${file.path.split('/').at(-1)} value bytes`),
  );
  book.addBytes('generated zone master key', xor(values[0]!.bytes, values[1]!.bytes));
  await rpc.ok('ceremony:combine-components', {
    components: components.map((component) => component.fresh()),
    kcv: split.kcv,
    name: 'rebuilt from components',
    ...entry,
  });

  await scriptedCeremonies(context);
}

/** Split, recombine and component entry as scripted ceremonies; one exported and verified, one aborted. */
async function scriptedCeremonies(context: ScenarioContext): Promise<void> {
  const { rpc, book } = context;
  const signer = keyNamed(context, 'ceremony signer');
  const start = (
    template: string,
    parameters: Record<string, string | number>,
    participants: ReadonlyArray<(typeof PARTICIPANTS)[number]> = PARTICIPANTS,
  ) =>
    rpc.ok('ceremony:start', {
      template,
      parameters,
      participants: [...participants],
      signingKey: signer.id,
    });
  const aes = keyNamed(context, 'imported aes256');

  const folder = outDir(context, 'ceremony shares');
  const splitting = await takeTurns(
    context,
    await start('split-key', { key: aes.id, threshold: 2, 'out-dir': folder }),
  );
  const shares = seedPieces(context, folder, 'ceremony share');
  await rpc.ok('ceremony:show', { id: splitting.id });
  await rpc.ok('ceremony:list', {});
  const transcriptPath = context.dir.file('split.transcript.json');
  const transcriptPdf = context.dir.file('split.transcript.pdf');
  await rpc.ok('ceremony:export-transcript', {
    id: splitting.id,
    outPath: transcriptPath,
    pdfPath: transcriptPdf,
  });
  await rpc.ok('files:print-pdf', { path: transcriptPdf });
  const transcript = readFileSync(transcriptPath);
  context.files.push({ source: 'file ceremony transcript', value: transcript.toString('utf8') });
  const { text: publicKey } = await rpc.ok('keys:export-public', { id: signer.id, format: 'pem' });
  await rpc.ok('ceremony:verify-transcript', { transcript, publicKey });

  const shareOf = (name: string) => ({ share: shares.get(name)!.fresh() });
  await takeTurns(
    context,
    await start('recombine-key', {
      threshold: 2,
      name: 'rebuilt in a ceremony',
      purposes: 'encrypt',
      owner: 'Alice',
      tier: 3,
    }),
    { Carol: shareOf('Carol'), Dave: shareOf('Dave') },
  );

  const carol = book.addBytes('component entered by Carol in a ceremony', randomBytes(32));
  const dave = book.addBytes('component entered by Dave in a ceremony', randomBytes(32));
  const entered = book.addBytes('key entered in a ceremony', xor(carol.bytes, dave.bytes));
  const { kcv } = await rpc.ok('ceremony:check-component', { value: entered.fresh() });
  await takeTurns(
    context,
    await start('component-entry', {
      name: 'entered in a ceremony',
      kcv,
      algorithm: 'aes256',
      purposes: 'encrypt',
      owner: 'Alice',
      tier: 3,
    }),
    { Carol: { component: carol.fresh() }, Dave: { component: dave.fresh() } },
  );

  // A token initialised in a ceremony: the SO PIN from the administrator, the PIN from its keeper.
  const soPin = book.addText('SO PIN given in a ceremony', 'so-pin-in-ceremony-4f81');
  const userPin = book.addText('user PIN given in a ceremony', 'user-pin-in-ceremony-b25a');
  await takeTurns(
    context,
    await start(
      'enrol-token',
      { label: 'kw-nosecret-enrolled' },
      PARTICIPANTS.filter((p) => p.name !== 'Dave'),
    ),
    { Alice: { soPin: soPin.fresh() }, Carol: { pin: userPin.fresh() } },
  );

  // Opened, resumed, a wrong presence passphrase refused, then aborted by the administrator.
  const abandoned = await start('split-key', {
    key: aes.id,
    threshold: 2,
    'out-dir': outDir(context, 'abandoned shares'),
  });
  await rpc.ok('ceremony:resume', { id: abandoned.id });
  const wrong = book.addText('wrong presence passphrase', 'not alice presence, señor 7e3a');
  await rpc.fails('ceremony:advance', {
    id: abandoned.id,
    step: abandoned.next!.step,
    by: abandoned.next!.by,
    passphrase: wrong.fresh(),
  });
  await rpc.ok('ceremony:abort', {
    id: abandoned.id,
    by: 'Alice',
    passphrase: book.get('presence passphrase of Alice').fresh(),
    reason: 'rehearsal over',
  });
}

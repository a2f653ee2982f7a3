import { execFileSync } from 'node:child_process';
import { createHash, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findTemplate } from '../../../electron/core/ceremony/ceremony-templates.ts';
import { renderTranscript } from '../../../electron/core/ceremony/ceremony-transcript.ts';
import { hexToPgpWords } from '../../../electron/core/ceremony/pgp-words.ts';
import { renderTranscriptPdf } from '../../../electron/core/ceremony/transcript-pdf.ts';
import type {
  TranscriptDocument,
  TranscriptEntry,
  TranscriptHeader,
} from '../../../electron/shared/ceremony-run-types.ts';
import { ErrorCode, KeywardenError } from '../../../electron/shared/errors.ts';
import {
  CAROL,
  carolSigns,
  ceremonyKey,
  chainFrom,
  SIGNER,
  signedTranscript,
} from '../../helpers/transcript-fixture.ts';

// The printed transcript, read back with poppler's pdftotext and pdfinfo as an auditor's
// tools would: the ceremony, every participant in any script, every entry by its step's title
// with its hash, the head and the ceremony key's fingerprint; long transcripts over numbered
// pages, no entry split across two; nothing printed that the JSON file does not hold.

const sha256 = (base64: string) =>
  createHash('sha256').update(Buffer.from(base64, 'base64')).digest('hex');
const rotate = findTemplate('rotate-key');
const CEREMONY = '7c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e';

const dir = mkdtempSync(join(tmpdir(), 'keywarden-transcript-pdf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tool = (command: string, ...args: string[]) =>
  execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function header(digest = rotate.digest): TranscriptHeader {
  return {
    ceremony: CEREMONY,
    vault: '00112233445566778899aabbccddeeff',
    template: { id: 'rotate-key', version: 1, title: rotate.title, digest },
    parameters: { key: 'k-0123456789abcdef', reason: 'annual rotation' },
    participants: [
      { name: 'Alice', person: 'p-aaaaaaaaaaaa', role: 'administrator', presence: 'passphrase' },
      CAROL,
      {
        name: 'Zoë Łukasiewicz',
        person: 'p-dddddddddddd',
        role: 'witness',
        presence: 'passphrase',
      },
      { name: '王芳', person: 'p-eeeeeeeeeeee', role: 'auditor', presence: 'passphrase' },
    ],
    signer: SIGNER,
    openedAt: '2026-11-23T01:00:00.000Z',
  };
}

/**
 * A signed, completed rotation: attendance (Carol by her token's signature), key checks
 * (`checks` acknowledgements each, to make it long), the rotation, the sign-off.
 */
function transcript(checks = 1, digest?: string): TranscriptDocument {
  const head = header(digest);
  const chain = chainFrom(head);
  chain.add('attendance', 'presence', 'Alice', { proof: 'passphrase' });
  chain.add('attendance', 'presence', 'Carol', {
    proof: 'token',
    signature: carolSigns(CEREMONY, 'attendance', chain.head()),
  });
  chain.add('attendance', 'presence', 'Zoë Łukasiewicz', { proof: 'passphrase' });
  chain.add('attendance', 'presence', '王芳', { proof: 'passphrase' });
  for (let i = 0; i < checks; i += 1) {
    chain.add('key-check', 'acknowledged', 'Alice', { proof: 'passphrase' });
    chain.add('key-check', 'acknowledged', 'Zoë Łukasiewicz', { proof: 'passphrase' });
  }
  // Carol contributes to the action with her token: its signature is among the proofs.
  chain.add('rotate', 'action', 'Alice', {
    action: 'rotate-key',
    key: 'k-fedcba9876543210',
    name: 'zone master',
    kcv: '0E5E3D',
    fingerprint: 'db4b537306c07c0ff176bdd32fa34f59',
    predecessor: 'k-0123456789abcdef',
    contributors: ['Alice', 'Carol'],
    proofs: ['passphrase', `token:${carolSigns(CEREMONY, 'rotate', chain.head())}`],
  });
  chain.add('sign-off', 'signed-off', 'Zoë Łukasiewicz', { proof: 'passphrase' });
  chain.add(null, 'completed', null);
  return signedTranscript(head, chain.entries);
}

let written = 0;
/** The PDF of `document`, written to a file: its path. */
async function printed(document: TranscriptDocument): Promise<string> {
  const path = join(dir, `transcript-${(written += 1)}.pdf`);
  writeFileSync(path, await renderTranscriptPdf(document));
  return path;
}

/** The text of each page of a PDF, as pdftotext reads it. */
function pagesOf(path: string): string[] {
  const pages = Number(/^Pages:\s+(\d+)$/m.exec(tool('pdfinfo', path))![1]);
  return Array.from({ length: pages }, (_, i) =>
    tool('pdftotext', '-f', String(i + 1), '-l', String(i + 1), path, '-'),
  );
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    if (!(error instanceof KeywardenError)) throw error;
    return error.code;
  }
}

const titleOf = (entry: TranscriptEntry) =>
  entry.step === null
    ? `The ceremony ${entry.event}`
    : rotate.steps.find((s) => s.id === entry.step)!.title;

describe('renderTranscriptPdf', () => {
  it('prints the ceremony, every participant, every entry by its title with its hash, the head and the signer', async () => {
    const document = transcript();
    // Words wrap where the line ends: compared with each run of white space as one space.
    const text = pagesOf(await printed(document))
      .join('\n')
      .replace(/\s+/g, ' ');
    for (const expected of [
      rotate.title,
      CEREMONY,
      document.header.vault,
      rotate.digest,
      'annual rotation',
      '2026-11-23 01:00:00 UTC',
      document.head,
      hexToPgpWords(document.head.slice(0, 16)).join(' '),
      sha256(document.header.signer.publicKey),
      sha256(document.header.participants[1]!.publicKey!),
      `0E5E3D (${hexToPgpWords('0E5E3D').join(' ')})`,
      'keywarden ceremony verify FILE.json --public-key KEY.pem',
      'Witness: Zoë Łukasiewicz',
      'Auditor: 王芳',
    ])
      expect(text).toContain(expected);
    for (const { name } of document.header.participants) expect(text).toContain(name);
    for (const entry of document.entries) {
      expect(text).toContain(`${entry.seq}. ${titleOf(entry)}`);
      expect(text).toContain(entry.hash);
    }
    // Token signatures in entries by their first characters; the JSON file holds them whole.
    const rotation = document.entries.find((e) => e.event === 'action')!;
    const proof = (rotation.detail.proofs as string[])[1]!;
    expect(text).toContain(`proofs: passphrase, ${proof.slice(0, 22)}…`);
    expect(text).not.toContain(proof);
    const presence = document.entries[1]!.detail.signature as string;
    expect(text).toContain(`signature: ${presence.slice(0, 16)}…`);
    expect(text).not.toContain(presence);
    // The ceremony key's signature, in lines of 64 characters.
    for (const line of document.signature.value.match(/.{1,64}/g)!) expect(text).toContain(line);
  });

  it('breaks a long transcript over numbered pages, each naming the ceremony, no entry split', async () => {
    const document = transcript(28);
    expect(document.entries).toHaveLength(63);
    const pages = pagesOf(await printed(document));
    expect(pages.length).toBeGreaterThan(1);
    pages.forEach((page, i) => {
      expect(page).toContain(`Ceremony ${CEREMONY}`);
      expect(page).toContain(`page ${i + 1} of ${pages.length}`);
    });
    for (const entry of document.entries) {
      const heading = `${entry.seq}. ${titleOf(entry)}\n`;
      const page = pages.findIndex((p) => p.includes(heading));
      expect(page, `entry ${entry.seq}`).toBeGreaterThanOrEqual(0);
      expect(pages[page]).toContain(entry.hash);
    }
  });

  it('prints nothing the JSON file does not hold: every hex and base64 run is in it or a fingerprint of a key in it', async () => {
    const document = transcript();
    const json = renderTranscript(document);
    const text = pagesOf(await printed(document)).join('\n');
    const derived = [document.header.signer.publicKey, document.header.participants[1]!.publicKey!]
      .map(sha256)
      .join(' ');
    const runs = text.match(/[0-9A-Za-z+/=]{16,}/g) ?? [];
    expect(runs.length).toBeGreaterThan(document.entries.length);
    for (const run of runs) expect(`${json} ${derived}`).toContain(run);
  });

  it('names steps by their ids when this build has another template than the one run', async () => {
    const document = transcript(1, 'ab'.repeat(32));
    const text = pagesOf(await printed(document)).join('\n');
    expect(text).toContain('2. Step attendance');
    expect(text).not.toContain('Check the key');
  });

  it('refuses a transcript that was altered after signing, or not signed by the key it names', async () => {
    const document = transcript();
    const altered = structuredClone(document);
    altered.entries[3]!.by = 'Mallory';
    expect(await codeOf(renderTranscriptPdf(altered))).toBe(ErrorCode.TRANSCRIPT_INVALID);
    const forged = structuredClone(document);
    forged.signature.value = sign(null, Buffer.from('other'), ceremonyKey.privateKey).toString(
      'base64',
    );
    expect(await codeOf(renderTranscriptPdf(forged))).toBe(ErrorCode.TRANSCRIPT_SIGNATURE_INVALID);
  });
});

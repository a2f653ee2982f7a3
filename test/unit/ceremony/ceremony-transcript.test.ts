import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  presenceChallenge,
  renderTranscript,
  verifyTranscript,
} from '../../../electron/core/ceremony/ceremony-transcript.ts';
import type {
  TranscriptDocument,
  TranscriptEntry,
  TranscriptHeader,
} from '../../../electron/shared/ceremony-run-types.ts';
import { ErrorCode, KeywardenError } from '../../../electron/shared/errors.ts';
import {
  CAROL,
  CAROL_ID,
  carolSigns,
  ceremonyKey,
  chainFrom,
  SIGNER,
  signedTranscript,
} from '../../helpers/transcript-fixture.ts';

// Transcripts: the chain from the header through every entry, token-signed presences, the
// ceremony key's signature, and the file's canonical form, so that changing any one byte of a
// transcript file makes it fail verification.

const HEADER: TranscriptHeader = {
  ceremony: '3f0c2b7e-5d4a-4c1e-9a7b-2e6f8d9c0a1b',
  vault: '00112233445566778899aabbccddeeff',
  template: {
    id: 'split-key',
    version: 1,
    title: 'Split a key among custodians',
    digest: 'ab'.repeat(32),
  },
  parameters: { key: 'k-0123456789abcdef', threshold: 2, format: 'file', 'out-dir': '/media/usb' },
  participants: [
    { name: 'Alice', person: 'p-aaaaaaaaaaaa', role: 'administrator', presence: 'passphrase' },
    CAROL,
    { name: 'Zoë', person: 'p-dddddddddddd', role: 'witness', presence: 'passphrase' },
  ],
  signer: SIGNER,
  openedAt: '2026-11-23T01:00:00.000Z',
};

/** A completed transcript: Alice and Zoë by passphrase, Carol by her token's signature. */
function transcript(): string {
  const chain = chainFrom(HEADER);
  chain.add('attendance', 'presence', 'Alice', { proof: 'passphrase' });
  chain.add('attendance', 'presence', 'Carol', {
    proof: 'token',
    signature: carolSigns(HEADER.ceremony, 'attendance', chain.head()),
  });
  chain.add('attendance', 'presence', 'Zoë', { proof: 'passphrase' });
  // At an action step each contributor's proof rides in the action's entry.
  chain.add('split', 'action', 'Alice', {
    action: 'split-key',
    kcv: '0E5E3D',
    files: ['/media/usb/1-carol.share'],
    contributors: ['Alice', 'Carol'],
    proofs: ['passphrase', `token:${carolSigns(HEADER.ceremony, 'split', chain.head())}`],
  });
  chain.add(null, 'completed', null);
  return renderTranscript(signedTranscript(HEADER, chain.entries));
}

/** The transcript file of `entries` changed as a forger would: chained and signed afresh. */
const resigned = (entries: readonly TranscriptEntry[]) =>
  renderTranscript(signedTranscript(HEADER, entries));

const PEM = ceremonyKey.publicKey.export({ format: 'pem', type: 'spki' }).toString();

function failureOf(text: string, key: string | Buffer = PEM): string | null {
  try {
    verifyTranscript(text, key);
    return null;
  } catch (error) {
    if (!(error instanceof KeywardenError)) throw error;
    return error.code;
  }
}

describe('ceremony transcripts', () => {
  const text = transcript();

  it('verifies with the ceremony key alone (PEM or DER), counting the token-signed presence', () => {
    const result = verifyTranscript(text, PEM);
    expect(result).toMatchObject({
      status: 'completed',
      entries: 5,
      presenceSignatures: 2,
      template: 'split-key',
    });
    expect(result.signer.keyId).toBe('k-ceremony');
    expect(
      verifyTranscript(text, ceremonyKey.publicKey.export({ format: 'der', type: 'spki' })).head,
    ).toBe(result.head);
  });

  it('fails when any single byte of the file is changed', () => {
    const bytes = Buffer.from(text, 'utf8');
    const passed: number[] = [];
    for (let i = 0; i < bytes.length; i += 1) {
      const altered = Buffer.from(bytes);
      altered[i] = altered[i]! ^ 0x01;
      const code = failureOf(altered.toString('utf8'));
      if (code === null) passed.push(i);
      else
        expect([ErrorCode.TRANSCRIPT_INVALID, ErrorCode.TRANSCRIPT_SIGNATURE_INVALID]).toContain(
          code,
        );
    }
    expect(passed).toEqual([]);
  });

  it('fails with another ceremony key, or a key that is not one', () => {
    const other = generateKeyPairSync('ed25519')
      .publicKey.export({ format: 'pem', type: 'spki' })
      .toString();
    expect(failureOf(text, other)).toBe(ErrorCode.TRANSCRIPT_SIGNATURE_INVALID);
    expect(failureOf(text, 'not a key')).toBe(ErrorCode.BAD_REQUEST);
  });

  it('fails when an entry is removed, or two are swapped, even with the chain and signature remade by another key', () => {
    const document = JSON.parse(text) as TranscriptDocument;
    const dropped = { ...document, entries: document.entries.filter((e) => e.seq !== 3) };
    expect(failureOf(renderTranscript(dropped))).toBe(ErrorCode.TRANSCRIPT_INVALID);
    const swapped = {
      ...document,
      entries: [document.entries[1]!, document.entries[0]!, ...document.entries.slice(2)],
    };
    expect(failureOf(renderTranscript(swapped))).toBe(ErrorCode.TRANSCRIPT_INVALID);
  });

  it('fails when a presence signature was made by another key than the participant enrolled', () => {
    const document = JSON.parse(text) as TranscriptDocument;
    const mallory = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const carol = document.entries[1]!;
    const forged = sign(
      'sha256',
      presenceChallenge(document.header.ceremony, 'attendance', CAROL_ID, carol.prev),
      mallory.privateKey,
    );
    // Rebuild the chain honestly after the forged signature: the presence check still fails.
    const entries = document.entries.map((entry) =>
      entry.seq === 2
        ? { ...entry, detail: { ...entry.detail, signature: forged.toString('base64') } }
        : entry,
    );
    expect(failureOf(resigned(entries))).toBe(ErrorCode.TRANSCRIPT_INVALID);
  });

  it('refuses what is not a transcript, another version, and a file reformatted', () => {
    expect(failureOf('{')).toBe(ErrorCode.TRANSCRIPT_INVALID);
    expect(failureOf('{"format":"something else"}')).toBe(ErrorCode.TRANSCRIPT_INVALID);
    expect(failureOf(text.replace('"version": 1', '"version": 2'))).toBe(
      ErrorCode.TRANSCRIPT_INVALID,
    );
    expect(failureOf(JSON.stringify(JSON.parse(text)))).toBe(ErrorCode.TRANSCRIPT_INVALID);
    expect(failureOf(`${text}\n`)).toBe(ErrorCode.TRANSCRIPT_INVALID);
  });

  it("fails when an action's contributors and proofs disagree, or a contributor's signature is not theirs", () => {
    const document = JSON.parse(text) as TranscriptDocument;
    const action = document.entries.find((e) => e.event === 'action')!;
    const short = document.entries.map((e) =>
      e === action ? { ...e, detail: { ...e.detail, proofs: ['passphrase'] } } : e,
    );
    expect(failureOf(resigned(short))).toBe(ErrorCode.TRANSCRIPT_INVALID);
    // Carol's signature claimed for Alice, who has no token: refused.
    const swapped = document.entries.map((e) =>
      e === action ? { ...e, detail: { ...e.detail, contributors: ['Carol', 'Alice'] } } : e,
    );
    expect(failureOf(resigned(swapped))).toBe(ErrorCode.TRANSCRIPT_INVALID);
    // Unchanged, the re-signed document verifies: the refusals above are the edits'.
    expect(failureOf(resigned(document.entries))).toBeNull();
  });

  it('fails when a token holder is recorded present without their token signature', () => {
    const document = JSON.parse(text) as TranscriptDocument;
    const unsigned = document.entries.map((e) =>
      e.by === 'Carol' ? { ...e, detail: { proof: 'passphrase' } } : e,
    );
    expect(failureOf(resigned(unsigned))).toBe(ErrorCode.TRANSCRIPT_INVALID);
    const action = document.entries.find((e) => e.event === 'action')!;
    const asPassphrase = document.entries.map((e) =>
      e === action ? { ...e, detail: { ...e.detail, proofs: ['passphrase', 'passphrase'] } } : e,
    );
    expect(failureOf(resigned(asPassphrase))).toBe(ErrorCode.TRANSCRIPT_INVALID);
  });
});

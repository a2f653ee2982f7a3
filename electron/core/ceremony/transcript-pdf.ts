import { createHash } from 'node:crypto';
import type {
  DetailValue,
  TranscriptDocument,
  TranscriptEntry,
  TranscriptParticipant,
} from '../../shared/ceremony-run-types.ts';
import { KeywardenError } from '../../shared/errors.ts';
import { findTemplate } from './ceremony-templates.ts';
import { renderTranscript, verifyTranscript } from './ceremony-transcript.ts';
import { hexToPgpWords } from './pgp-words.ts';
import { loadPrintableFonts } from './printable-fonts.ts';
import { createPrintablePdf } from './printable-pdf.ts';
import type { LabelledValue, PrintablePdf } from './printable-pdf.ts';

// The printed transcript: a signed ceremony transcript as an auditor prints, signs and files
// it. The ceremony and its template, the parameters, who took part and how they proved
// presence, every entry in order with its hash, the head of the chain (hex, and PGP words to
// read aloud), the ceremony key and its signature, how to verify the JSON file, and lines for
// the witnesses and the auditor to sign. Every page names the ceremony and its page number.
//
// It prints only what the transcript holds, and what follows from it (times in UTC, PGP words,
// SHA-256 fingerprints of the public keys it names); a transcript holds no secret. The PDF is
// a copy for people; the JSON file, verified with the ceremony key, is the evidence.

const TITLE = 'Keywarden ceremony transcript';
/** How much of a presence signature is printed: enough to match it with the JSON file's. */
const SIGNATURE_PREFIX = 16;
/** The signature's base64, this many characters to a printed line. */
const SIGNATURE_LINE = 64;

const sha256Hex = (base64: string) =>
  createHash('sha256').update(Buffer.from(base64, 'base64')).digest('hex');

/** An ISO time as "2026-11-23 01:00:00 UTC"; anything else as it is. */
function utc(at: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(at);
  return match ? `${match[1]} ${match[2]} UTC` : at;
}

/** Hex with its PGP words, for reading aloud; hex that is not whole bytes as it is. */
function withWords(hex: string): string {
  return /^(?:[0-9a-fA-F]{2})+$/.test(hex) ? `${hex}  (${hexToPgpWords(hex).join(' ')})` : hex;
}

/** A token signature (base64) by its first characters: the JSON file holds it whole. */
const shortened = (signature: string) =>
  signature.length > SIGNATURE_PREFIX ? `${signature.slice(0, SIGNATURE_PREFIX)}…` : signature;

/** A detail field's value as printed. */
function detailText(field: string, value: DetailValue): string {
  if (value === null) return 'none';
  if (Array.isArray(value)) {
    // An action's proofs: each contributor's "passphrase", or "token:" and their signature.
    const items = value.map((item) =>
      field === 'proofs' && item.startsWith('token:') ? `token:${shortened(item.slice(6))}` : item,
    );
    return items.length > 0 ? items.join(', ') : 'none';
  }
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return String(value);
  if (field === 'signature') return `${shortened(value)} (base64, in full in the JSON file)`;
  if (field === 'kcv') return withWords(value);
  return value;
}

/** Each step's title by its id, when this build's template is the very one that was run. */
function stepTitles(document: TranscriptDocument): Map<string, string> {
  const { id, digest } = document.header.template;
  try {
    const template = findTemplate(id);
    if (template.digest !== digest) return new Map();
    return new Map(template.steps.map((step) => [step.id, step.title]));
  } catch (error) {
    // A template this build does not ship: its steps are named by their ids.
    if (error instanceof KeywardenError) return new Map();
    throw error;
  }
}

function presenceText(participant: TranscriptParticipant): string {
  return participant.presence === 'token'
    ? `${participant.role}; proves presence with a signature by their token (${participant.algorithm ?? 'unknown'} key)`
    : `${participant.role}; proves presence with their own passphrase`;
}

/** When the ceremony ended: its completion or abort entry's time. */
function closedAt(document: TranscriptDocument): string {
  const end = document.entries.findLast((e) => e.event === 'completed' || e.event === 'aborted');
  return end ? utc(end.at) : 'not closed: the ceremony is still open';
}

function entrySection(pdf: PrintablePdf, entry: TranscriptEntry, titles: Map<string, string>) {
  const title =
    entry.step === null
      ? `The ceremony ${entry.event}`
      : (titles.get(entry.step) ?? `Step ${entry.step}`);
  const lines: LabelledValue[] = [
    { label: 'Time', value: utc(entry.at) },
    { label: 'Step', value: entry.step ?? 'none (the ceremony itself)' },
    { label: 'Event', value: entry.event },
    { label: 'By', value: entry.by ?? 'the vault' },
    ...Object.entries(entry.detail).map(([field, value]) => ({
      label: field,
      value: detailText(field, value),
    })),
    { label: 'Hash', value: entry.hash, mono: true },
  ];
  pdf.section(`${entry.seq}. ${title}`, lines, { level: 3 });
}

function signOff(pdf: PrintablePdf, document: TranscriptDocument) {
  const { participants } = document.header;
  pdf.heading('Sign-off', 2);
  pdf.paragraph(
    'Each witness signs that they saw the ceremony as this transcript records it; the auditor signs that they received this copy with its JSON file and verified that file.',
  );
  const fields = ['Name (in capitals)', 'Signature', 'Date'];
  for (const witness of participants.filter((p) => p.role === 'witness'))
    pdf.fillIn(`Witness: ${witness.name}`, fields);
  const auditors = participants.filter((p) => p.role === 'auditor');
  if (auditors.length === 0) pdf.fillIn('Auditor', fields);
  for (const auditor of auditors) pdf.fillIn(`Auditor: ${auditor.name}`, fields);
}

/**
 * The printable PDF of a signed transcript (A4, as many pages as it takes, each with the
 * ceremony id and its page number). The document is first verified against the ceremony key
 * it names, so what is printed is what that key signed. Throws TRANSCRIPT_INVALID (a document
 * not in shape, a broken chain or presence signature), TRANSCRIPT_SIGNATURE_INVALID (not
 * signed by the key it names), BAD_REQUEST (that key is not a public key), FORMAT_UNSUPPORTED
 * (the bundled fonts are missing); otherwise what pdfkit throws while finishing the document.
 */
export async function renderTranscriptPdf(document: TranscriptDocument): Promise<Buffer> {
  const { header, signature } = document;
  verifyTranscript(renderTranscript(document), Buffer.from(header.signer.publicKey, 'base64'));
  const titles = stepTitles(document);
  const pdf = createPrintablePdf(loadPrintableFonts(), TITLE, {
    footer: (page, pages) => `Ceremony ${header.ceremony}  ·  page ${page} of ${pages}`,
  });
  pdf.heading(header.template.title);
  pdf.paragraph(
    'Ceremony transcript, printed copy. The signed JSON transcript is the evidence: this copy is for people to read, sign and file beside it.',
  );
  pdf.section('The ceremony', [
    { label: 'Ceremony', value: header.ceremony },
    { label: 'Vault', value: header.vault },
    { label: 'Template', value: `${header.template.id}, version ${header.template.version}` },
    { label: 'Template digest (SHA-256)', value: header.template.digest, mono: true },
    { label: 'Opened', value: utc(header.openedAt) },
    { label: 'Closed', value: closedAt(document) },
    { label: 'Status', value: document.status },
    { label: 'Entries', value: String(document.entries.length) },
  ]);
  const parameters = Object.entries(header.parameters);
  pdf.section(
    'Parameters',
    parameters.length > 0
      ? parameters.map(([name, value]) => ({ label: name, value: detailText(name, value) }))
      : [{ label: 'Parameters', value: 'none' }],
  );
  pdf.section(
    'Participants',
    header.participants.flatMap((p) => [
      { label: p.name, value: presenceText(p) },
      ...(p.publicKey
        ? [{ label: `${p.name}'s token key, SHA-256`, value: sha256Hex(p.publicKey), mono: true }]
        : []),
    ]),
  );
  pdf.heading('Entries', 2);
  for (const entry of document.entries) entrySection(pdf, entry, titles);

  pdf.section('Head of the chain', [
    { label: 'Head', value: document.head, mono: true },
    {
      label: 'First 8 bytes, to read aloud',
      value: hexToPgpWords(document.head.slice(0, 16)).join(' '),
    },
  ]);
  pdf.section('Ceremony key and signature', [
    { label: 'Key id', value: header.signer.keyId },
    { label: 'Algorithm', value: header.signer.algorithm },
    { label: 'Held in', value: header.signer.location === 'token' ? 'a token' : 'the vault' },
    { label: 'Public key (SPKI) SHA-256', value: sha256Hex(header.signer.publicKey), mono: true },
    { label: 'Signed at', value: utc(signature.signedAt) },
  ]);
  const chunks = signature.value.match(new RegExp(`.{1,${SIGNATURE_LINE}}`, 'g')) ?? [];
  pdf.paragraph("The ceremony key's signature over the transcript, in base64:");
  pdf.monospace(chunks, { size: 9 });
  pdf.heading('How to verify', 2);
  pdf.paragraph(
    "Verify the JSON file, not this copy, with the ceremony key's public key. Export that key and check that its SHA-256 is the one printed above:",
  );
  // The block is never wrapped: a key id too long for its line is named above, not here.
  const keyId = header.signer.keyId.length <= 24 ? header.signer.keyId : 'KEY_ID';
  pdf.monospace([`keywarden keys export-public ${keyId} --format pem --out KEY.pem`]);
  pdf.paragraph('Then verify the file:');
  pdf.monospace(['keywarden ceremony verify FILE.json --public-key KEY.pem']);
  pdf.paragraph(
    'It checks every entry of the hash chain, each token-signed presence and the signature, and prints the head: it must be the head printed here.',
  );
  signOff(pdf, document);
  return pdf.end();
}

import { hexToPgpWords } from './pgp-words.ts';
import { loadPrintableFonts } from './printable-fonts.ts';
import type { PrintableFonts } from './printable-fonts.ts';
import { createPrintablePdf } from './printable-pdf.ts';
import { encodeShareText, hexGroups } from './share-text.ts';
import type { ShareObject } from './shares.ts';

// The printed share sheet: one A4 page per custodian with who and what the share is (custodian,
// ceremony, key, index and threshold), the share's check, the key's check value and
// fingerprint in hex and PGP words, the share's text form in a monospace block, a QR code that
// holds exactly that text (what decodeShare reads back), and how to keep and re-enter it.
//
// Secret bytes: the share's text is a JS string (it cannot be wiped); it goes into the page and
// the QR code, and the PDF bytes returned hold it: the caller writes each once and zeroes it.

/** What the sheet says about the key that was split. */
export interface SheetKey {
  id: string;
  name?: string;
}

const QR_SIZE = 180;
const COLUMN_GAP = 16;
/**
 * The most text one printed QR code holds here: about version 20 at error correction medium,
 * whose modules are still two thirds of a millimetre at QR_SIZE. A longer share (a private
 * key's) is spread over several codes, split at line ends, scanned in order into one file.
 */
const QR_TEXT_BYTES = 600;

/** The share's text in pieces of whole lines, each small enough for one printed QR code. */
export function qrSegments(text: string): string[] {
  const segments: string[] = [];
  let current = '';
  for (const line of text.split(/(?<=\n)/)) {
    if (current && Buffer.byteLength(current + line) > QR_TEXT_BYTES) {
      segments.push(current);
      current = '';
    }
    current += line;
  }
  if (current) segments.push(current);
  return segments;
}

/**
 * One PDF per share, each a single page, in the order given. Throws FORMAT_UNSUPPORTED when
 * the bundled fonts are missing; otherwise what pdfkit throws while finishing a document.
 */
export async function renderShareSheets(
  shares: readonly ShareObject[],
  key: SheetKey,
): Promise<Buffer[]> {
  const fonts = loadPrintableFonts();
  const sheets: Buffer[] = [];
  try {
    for (const share of shares) sheets.push(await renderShareSheet(fonts, share, key));
    return sheets;
  } catch (error) {
    for (const sheet of sheets) sheet.fill(0);
    throw error;
  }
}

/** Hex (in groups of four when longer than a check value) and its PGP words, to read aloud. */
const withWords = (hex: string) =>
  `${hex.length > 8 ? hexGroups(hex) : hex.toUpperCase()}  (${hexToPgpWords(hex).join(' ')})`;

async function renderShareSheet(
  fonts: PrintableFonts,
  share: ShareObject,
  key: SheetKey,
): Promise<Buffer> {
  const text = encodeShareText(share);
  const pdf = createPrintablePdf(fonts, 'Keywarden share sheet');
  pdf.heading('Keywarden share sheet');
  pdf.heading(`${share.custodian}: share ${share.index} of ${share.shares}`, 2);
  pdf.paragraph(
    `Any ${share.threshold} of the ${share.shares} shares rebuild the key; fewer reveal nothing of it.`,
  );
  const top = pdf.position();
  const segments = qrSegments(text);
  const qr = pdf.qr(segments[0]!, { size: QR_SIZE, x: top.right - QR_SIZE, y: top.y });
  const width = top.width - QR_SIZE - COLUMN_GAP;
  const keyName = key.name ? `${key.name} (${key.id})` : key.id;
  const lines: Array<[string, string]> = [
    ['Custodian', share.custodian],
    ['Ceremony', share.ceremony],
    ['Key', keyName],
    ['Share', `${share.index} of ${share.shares}, threshold ${share.threshold}`],
    ['Algorithm', share.algorithm],
    ['Share check', withWords(share.check)],
    ['Key check value (KCV)', withWords(share.kcv)],
    ['Key fingerprint', withWords(share.fingerprint)],
  ];
  for (const [label, value] of lines) pdf.keyValue(label, value, { width });
  pdf.moveDownTo(qr.bottom);
  pdf.gap(8);
  pdf.heading('The share, as text', 2);
  pdf.paragraph(
    segments.length === 1
      ? 'This block is the share, and the QR code above holds exactly this block. Each numbered line ends with a check of that line in brackets.'
      : `This block is the share. It is too long for one QR code: the code above holds its first part, and ${segments.length - 1} more below hold the rest, in order. Each numbered line ends with a check of that line in brackets.`,
  );
  pdf.monospace(text.trimEnd().split('\n'));
  segments.slice(1).forEach((segment, i) => {
    pdf.paragraph(`QR code ${i + 2} of ${segments.length}:`);
    pdf.qr(segment, { size: QR_SIZE });
  });
  pdf.heading('Keep it secret', 2);
  pdf.paragraph(
    `Keep this sheet as you would the key itself: whoever holds ${share.threshold} shares of ceremony ${share.ceremony} holds the key. Do not photograph it, copy it or scan it into a networked device. Keywarden keeps no copy of the share.`,
  );
  pdf.heading('To re-enter it', 2);
  pdf.paragraph(
    `Scan the QR code${segments.length > 1 ? `s, in order,` : ''} into a text file, or type the block above into one, from its BEGIN line to its END line. Letter case and the spaces between groups do not matter; a mistyped value line is reported by its number. Then, with the files of enough custodians:`,
  );
  pdf.monospace(['keywarden ceremony combine --share FILE --share FILE … --name NAME …']);
  pdf.paragraph(
    'Keywarden reads the file back, checks it against its share check and names a mistyped line; the rebuilt key must show the key check value above.',
  );
  return pdf.end();
}

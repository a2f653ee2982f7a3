import PDFDocument from 'pdfkit';
import encodeQR from 'qr';
import { zeroize } from '../crypto/bytes.ts';
import { fontRuns } from './printable-fonts.ts';
import type { FontRole, PrintableFonts } from './printable-fonts.ts';

// A small writer of printable A4 documents for ceremonies (share sheets now, transcripts
// later), over pdfkit: headings, paragraphs, label/value lines, monospace blocks, QR codes drawn
// as vector squares (by the zero-dependency `qr` encoder), gaps and page breaks. Text in any
// script the bundled fonts cover (printable-fonts.ts). The file carries no metadata beyond a
// title, "Keywarden" as its creator and a fixed date: no author, nothing of the page's content.
//
// Secret bytes: what is drawn lives in pdfkit's page content (JS strings, which cannot be
// wiped) until end(); the chunks pdfkit hands out are zeroed once joined, and the joined PDF is
// the caller's to write once and zero.

const PAGE = { size: 'A4', margin: 56 } as const;
const SIZES = { heading: 18, subheading: 13, body: 10, mono: 10 } as const;
/** A fixed creation date (pdfkit needs one): a sheet does not tell when it was printed. */
const FIXED_DATE = new Date(Date.UTC(2000, 0, 1));
/** Light modules around a QR code, in modules (ISO/IEC 18004 asks for 4). */
const QUIET_ZONE = 4;

/**
 * The QR payload: the text's UTF-8, after a UTF-8 byte order mark when it is not plain ASCII.
 * Readers guess the character set of a byte-mode QR code (zbar takes UTF-8 for Shift-JIS, so
 * "Zoë" comes out as "Zoﾃｫ"); the mark is the hint they honour (zbar and ZXing drop
 * it), and the `qr` encoder offers no ECI designator, the other way to say it.
 */
function qrBytes(text: string): Uint8Array {
  const utf8 = new TextEncoder().encode(text);
  if (utf8.every((byte) => byte < 0x80)) return utf8;
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]);
}

export interface PrintablePdf {
  /** A heading: level 1 for the page's title, 2 for a section. */
  heading(text: string, level?: 1 | 2): void;
  /** A wrapped paragraph, `width` points wide (the page's text width by default). */
  paragraph(text: string, options?: { width?: number; size?: number }): void;
  /** "Label: value", the label in bold, the value wrapped under `width`. */
  keyValue(label: string, value: string, options?: { width?: number }): void;
  /** Lines in a monospace font inside a thin frame, never wrapped. */
  monospace(lines: readonly string[], options?: { size?: number }): void;
  /**
   * A QR code (byte mode, error correction "medium") holding `text`, `size` points square
   * including its quiet zone, at (x, y) or at the cursor (which then moves below it). Returns
   * where its box ends.
   */
  qr(text: string, options: { size: number; x?: number; y?: number }): { bottom: number };
  /** Vertical space, in points. */
  gap(points: number): void;
  /** Moves the cursor down to `y` (never up). */
  moveDownTo(y: number): void;
  /** The cursor and the text box of the page: where the next block starts, and its width. */
  position(): { x: number; y: number; width: number; right: number };
  pageBreak(): void;
  /** Finishes the document; its bytes (the caller zeroes them once written). */
  end(): Promise<Buffer>;
}

/**
 * Starts a printable document in `fonts` (loadPrintableFonts), titled `title` in its
 * metadata. Throws nothing itself; end() rejects with pdfkit's error if the document cannot
 * be finished.
 */
export function createPrintablePdf(fonts: PrintableFonts, title: string): PrintablePdf {
  // pdfkit takes a fontkit font where its typings say only a name or bytes: the fonts are then
  // parsed once per printing job, not once per document (their layout tables take ~20 ms
  // each). Its default font would load Helvetica's metrics; the bundled regular one is used.
  const source = (role: FontRole) => fonts[role] as unknown as string;
  const doc = new PDFDocument({
    size: PAGE.size,
    margin: PAGE.margin,
    font: source('regular'),
    info: { Title: title, Creator: 'Keywarden', Producer: 'Keywarden', CreationDate: FIXED_DATE },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  for (const role of Object.keys(fonts) as FontRole[]) doc.registerFont(role, source(role));

  const left = doc.page.margins.left;
  const textWidth = () => doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const bottom = () => doc.page.height - doc.page.margins.bottom;
  /** Starts a new page when `height` points do not fit below the cursor. */
  const room = (height: number) => {
    if (doc.y + height > bottom()) doc.addPage();
  };

  /** Draws runs of `text` (bold or regular first) as one wrapped paragraph. */
  const runs = (
    pieces: Array<{ text: string; chain: readonly FontRole[] }>,
    size: number,
    width: number,
  ) => {
    const all = pieces.flatMap((piece) => fontRuns(fonts, piece.text, piece.chain));
    doc.x = left;
    all.forEach((run, i) => {
      doc
        .font(run.role)
        .fontSize(size)
        .text(run.text, { width, continued: i < all.length - 1 });
    });
  };

  return {
    heading(text, level = 1) {
      const size = level === 1 ? SIZES.heading : SIZES.subheading;
      room(size * 2);
      runs([{ text, chain: ['bold', 'fallback'] }], size, textWidth());
      doc.moveDown(0.3);
    },
    paragraph(text, { width = textWidth(), size = SIZES.body } = {}) {
      room(size * 2);
      runs([{ text, chain: ['regular', 'fallback'] }], size, width);
      doc.moveDown(0.5);
    },
    keyValue(label, value, { width = textWidth() } = {}) {
      room(SIZES.body * 2);
      runs(
        [
          { text: `${label}: `, chain: ['bold', 'fallback'] },
          { text: value, chain: ['regular', 'fallback'] },
        ],
        SIZES.body,
        width,
      );
      doc.moveDown(0.25);
    },
    monospace(lines, { size = SIZES.mono } = {}) {
      doc.font('mono').fontSize(size);
      const lineHeight = doc.currentLineHeight(true);
      const pad = size * 0.6;
      const height = lines.length * lineHeight + 2 * pad;
      room(height);
      const top = doc.y;
      doc.lineWidth(0.5).rect(left, top, textWidth(), height).stroke('#808080').fillColor('black');
      lines.forEach((line, i) => {
        doc.x = left + pad;
        doc.y = top + pad + i * lineHeight;
        const pieces = fontRuns(fonts, line, ['mono', 'regular', 'fallback']);
        pieces.forEach((piece, j) => {
          doc
            .font(piece.role)
            .fontSize(size)
            .text(piece.text, { lineBreak: false, continued: j < pieces.length - 1 });
        });
      });
      doc.x = left;
      doc.y = top + height;
      doc.moveDown(0.5);
    },
    qr(text, { size, x, y }) {
      // border 1 is the encoder's least; the quiet zone is made up to 4 modules here.
      const matrix = encodeQR(text, 'raw', { ecc: 'medium', border: 1, textEncoder: qrBytes });
      const modules = matrix.length - 2;
      const unit = size / (modules + 2 * QUIET_ZONE);
      const atCursor = x === undefined || y === undefined;
      if (atCursor) room(size);
      const originX = (x ?? left) + (QUIET_ZONE - 1) * unit;
      const originY = (y ?? doc.y) + (QUIET_ZONE - 1) * unit;
      // One rectangle per horizontal run of dark modules, filled together as one path.
      matrix.forEach((row, r) => {
        for (let c = 0; c < row.length; c += 1) {
          if (!row[c]) continue;
          const start = c;
          while (row[c + 1]) c += 1;
          doc.rect(originX + start * unit, originY + r * unit, (c - start + 1) * unit, unit);
        }
      });
      doc.fill('black');
      const end = (y ?? doc.y) + size;
      if (atCursor) {
        doc.x = left;
        doc.y = end;
      }
      return { bottom: end };
    },
    gap(points) {
      doc.y += points;
    },
    moveDownTo(y) {
      doc.x = left;
      doc.y = Math.max(doc.y, y);
    },
    position() {
      return { x: left, y: doc.y, width: textWidth(), right: left + textWidth() };
    },
    pageBreak() {
      doc.addPage();
    },
    end() {
      return new Promise<Buffer>((resolve, reject) => {
        doc.on('error', reject);
        doc.on('end', () => {
          const pdf = Buffer.concat(chunks);
          zeroize(...chunks);
          chunks.length = 0;
          resolve(pdf);
        });
        doc.end();
      });
    },
  };
}

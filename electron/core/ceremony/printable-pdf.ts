import PDFDocument from 'pdfkit';
import encodeQR from 'qr';
import { zeroize } from '../crypto/bytes.ts';
import { fontRuns } from './printable-fonts.ts';
import type { FontRole, PrintableFonts } from './printable-fonts.ts';

// A small writer of printable A4 documents for ceremonies (share sheets and transcripts), over
// pdfkit: headings, paragraphs, label/value lines and sections of them kept on one page,
// monospace blocks, QR codes drawn as vector squares (by the zero-dependency `qr` encoder),
// lines to fill in by hand, gaps, page breaks and a footer on every page. Text in any script
// the bundled fonts cover (printable-fonts.ts). The file carries no metadata beyond a title,
// "Keywarden" as its creator and a fixed date: no author, nothing of the page's content.
//
// Secret bytes: what is drawn lives in pdfkit's page content (JS strings, which cannot be
// wiped) until end(); the chunks pdfkit hands out are zeroed once joined, and the joined PDF is
// the caller's to write once and zero.

const PAGE = { size: 'A4', margin: 56 } as const;
const SIZES = {
  heading: 18,
  subheading: 13,
  minorheading: 11,
  body: 10,
  mono: 10,
  footer: 8,
} as const;
const HEADING_SIZE = { 1: SIZES.heading, 2: SIZES.subheading, 3: SIZES.minorheading } as const;
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

/** A label/value line: the value in the monospace font when `mono` (hashes, hex). */
export interface LabelledValue {
  label: string;
  value: string;
  mono?: boolean;
}

export interface PrintablePdf {
  /** A heading: level 1 for the page's title, 2 for a section, 3 for a part of one. */
  heading(text: string, level?: 1 | 2 | 3): void;
  /** A wrapped paragraph, `width` points wide (the page's text width by default). */
  paragraph(text: string, options?: { width?: number; size?: number }): void;
  /** "Label: value", the label in bold, the value wrapped under `width`. */
  keyValue(label: string, value: string, options?: { width?: number; mono?: boolean }): void;
  /**
   * A heading (level 2 by default) and its label/value lines, started on a new page when they
   * do not fit below the cursor but would on a page of their own.
   */
  section(title: string, lines: readonly LabelledValue[], options?: { level?: 2 | 3 }): void;
  /**
   * A caption in bold and a row of blank lines across the page to fill in by hand (a name, a
   * signature, a date), each field's name printed under its line; kept on one page.
   */
  fillIn(caption: string, fields: readonly string[]): void;
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
 * metadata. `footer`, when given, is the line printed at the foot of every page, told the
 * page's number and the number of pages. Throws nothing itself; end() rejects with pdfkit's
 * error if the document cannot be finished.
 */
export function createPrintablePdf(
  fonts: PrintableFonts,
  title: string,
  { footer }: { footer?: (page: number, pages: number) => string } = {},
): PrintablePdf {
  // pdfkit takes a fontkit font where its typings say only a name or bytes: the fonts are then
  // parsed once per printing job, not once per document (their layout tables take ~20 ms
  // each). Its default font would load Helvetica's metrics; the bundled regular one is used.
  const source = (role: FontRole) => fonts[role] as unknown as string;
  const doc = new PDFDocument({
    size: PAGE.size,
    margin: PAGE.margin,
    font: source('regular'),
    // Pages are kept until end() only when a footer needs the number of pages.
    bufferPages: footer !== undefined,
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

  /** The height a heading of `level` takes, as heading() draws it. */
  const headingHeight = (text: string, level: 1 | 2 | 3) => {
    doc.font('bold').fontSize(HEADING_SIZE[level]);
    return doc.heightOfString(text, { width: textWidth() }) + doc.currentLineHeight(true) * 0.3;
  };
  /**
   * The height a label/value line takes, measured in the regular font (wider than the mono,
   * near enough for the fallback one) with a spare line for the difference.
   */
  const keyValueHeight = ({ label, value }: LabelledValue) => {
    doc.font('regular').fontSize(SIZES.body);
    const text = doc.heightOfString(`${label}: ${value}`, { width: textWidth() });
    return text + doc.currentLineHeight(true) * 0.25;
  };
  const pageHeight = () => bottom() - doc.page.margins.top;

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

  /** Each page's footer line, centred in its bottom margin. */
  const drawFooters = (line: (page: number, pages: number) => string) => {
    const { start, count } = doc.bufferedPageRange();
    for (let i = start; i < start + count; i += 1) {
      doc.switchToPage(i);
      // pdfkit starts a new page for text below the bottom margin; the footer lives there.
      const margin = doc.page.margins.bottom;
      doc.page.margins.bottom = 0;
      const pieces = fontRuns(fonts, line(i - start + 1, count), ['regular', 'fallback']);
      const width = pieces.reduce(
        (sum, piece) => sum + doc.font(piece.role).fontSize(SIZES.footer).widthOfString(piece.text),
        0,
      );
      doc.x = left + Math.max(0, (textWidth() - width) / 2);
      doc.y = doc.page.height - margin / 2 - SIZES.footer / 2;
      doc.fillColor('#404040');
      pieces.forEach((piece, j) => {
        doc
          .font(piece.role)
          .fontSize(SIZES.footer)
          .text(piece.text, { lineBreak: false, continued: j < pieces.length - 1 });
      });
      doc.fillColor('black');
      doc.page.margins.bottom = margin;
    }
  };

  const pdf: PrintablePdf = {
    heading(text, level = 1) {
      const size = HEADING_SIZE[level];
      room(size * 2);
      runs([{ text, chain: ['bold', 'fallback'] }], size, textWidth());
      doc.moveDown(0.3);
    },
    paragraph(text, { width = textWidth(), size = SIZES.body } = {}) {
      room(size * 2);
      runs([{ text, chain: ['regular', 'fallback'] }], size, width);
      doc.moveDown(0.5);
    },
    keyValue(label, value, { width = textWidth(), mono = false } = {}) {
      room(SIZES.body * 2);
      runs(
        [
          { text: `${label}: `, chain: ['bold', 'fallback'] },
          { text: value, chain: mono ? ['mono', 'regular', 'fallback'] : ['regular', 'fallback'] },
        ],
        SIZES.body,
        width,
      );
      doc.moveDown(0.25);
    },
    section(title, lines, { level = 2 } = {}) {
      const spare = SIZES.body * 1.5;
      const height = lines.reduce((sum, line) => sum + keyValueHeight(line), 0);
      const total = headingHeight(title, level) + height + spare;
      if (total <= pageHeight()) room(total);
      pdf.heading(title, level);
      for (const line of lines) pdf.keyValue(line.label, line.value, { mono: line.mono === true });
      doc.moveDown(0.5);
    },
    fillIn(caption, fields) {
      const writing = 28;
      room(headingHeight(caption, 3) + writing + SIZES.footer * 3);
      runs([{ text: caption, chain: ['bold', 'fallback'] }], SIZES.body, textWidth());
      const gutter = 16;
      const width = (textWidth() - gutter * (fields.length - 1)) / fields.length;
      const line = doc.y + writing;
      fields.forEach((field, i) => {
        const x = left + i * (width + gutter);
        doc
          .lineWidth(0.5)
          .moveTo(x, line)
          .lineTo(x + width, line)
          .stroke('black');
        doc.font('regular').fontSize(SIZES.footer).fillColor('black');
        doc.text(field, x, line + 3, { width, lineBreak: false });
      });
      doc.x = left;
      doc.y = line + 3 + SIZES.footer * 2.5;
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
      if (footer) drawFooters(footer);
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
  return pdf;
}

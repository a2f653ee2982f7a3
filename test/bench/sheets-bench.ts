import { randomFillSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { create } from 'fontkit';
import PDFDocument from 'pdfkit';
import encodeQR from 'qr';
import { renderShareSheets } from '../../electron/core/ceremony/share-sheet.ts';
import { encodeShareText } from '../../electron/core/ceremony/share-text.ts';
import { splitSecret } from '../../electron/core/ceremony/shares.ts';
import { median, round, summary } from './stats.ts';

// Section (g): the seconds to print share sheets for 20 custodians (a random 32-byte AES key
// split 3 of 20), through Keywarden's sheet (electron/core/ceremony/share-sheet.ts) beside two
// raw baselines in the same run:
//
//  - "Keywarden": renderShareSheets of the 20 shares: the bundled fonts read and parsed, each
//    share's text form, one A4 page per custodian laid out by printable-pdf.ts (headings,
//    label/value lines with PGP words, the monospace block, the vector QR code) and its PDF;
//  - "raw pdfkit": the same 20 share texts, each alone on an A4 page of pdfkit in the same
//    DejaVu Sans Mono (read once, parsed once per run as Keywarden does): the PDF library's own
//    cost for that text, without our layout, other fonts, words or QR code;
//  - "raw qr": the `qr` encoder's matrices of the 20 texts (error correction "medium"), alone.
//
// Every path runs once per round, in an order rotated per round, after one uncounted warm-up
// round; the last result of each is checked outside the timing (20 PDFs or 20 square
// matrices) and its buffers zeroed.

const CUSTODIANS = 20;
const THRESHOLD = 3;
const SECRET_BYTES = 32;
const ROUNDS = 7;
const KEY = { id: 'k-bench', name: 'bench key' };

type Path = 'keywarden' | 'pdfkit' | 'qr';

/** A measured path: one run over the 20 shares, and how to check and clear its result. */
interface PathSpec<T> {
  once(): Promise<T>;
  verify(result: T): void;
  clear(result: T): void;
}

function checkPdfs(pdfs: Buffer[]): void {
  if (pdfs.length !== CUSTODIANS) throw new Error(`${pdfs.length} PDFs, not ${CUSTODIANS}`);
  for (const pdf of pdfs) {
    const text = pdf.toString('latin1');
    if (!text.startsWith('%PDF-') || !text.trimEnd().endsWith('%%EOF'))
      throw new Error('a sheet is not a whole PDF');
  }
}

const zeroAll = (pdfs: Buffer[]) => {
  for (const pdf of pdfs) pdf.fill(0);
};

/** The 20 texts, each on an A4 page of its own in pdfkit with `mono` alone. */
async function rawPdfkit(texts: readonly string[], mono: Buffer): Promise<Buffer[]> {
  const font = create(mono);
  const pdfs: Buffer[] = [];
  for (const text of texts) {
    const doc = new PDFDocument({ size: 'A4', margin: 56, font: font as unknown as string });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    const done = new Promise<void>((resolve, reject) => {
      doc.on('end', resolve);
      doc.on('error', reject);
    });
    doc.fontSize(10).text(text);
    doc.end();
    await done;
    pdfs.push(Buffer.concat(chunks));
    zeroAll(chunks);
  }
  return pdfs;
}

async function prepare() {
  const secret = randomFillSync(new Uint8Array(SECRET_BYTES));
  const names = Array.from({ length: CUSTODIANS }, (_, i) => `Custodian ${i + 1}`);
  const { shares } = await splitSecret(secret, THRESHOLD, names, 'aes256');
  secret.fill(0);
  // Strings, which cannot be zeroed: bench shares of a random secret thrown away.
  const texts = shares.map(encodeShareText);
  const mono = readFileSync(new URL('../../resources/fonts/DejaVuSansMono.ttf', import.meta.url));
  const paths: Record<Path, () => Promise<number>> = {
    keywarden: () =>
      timed({ once: () => renderShareSheets(shares, KEY), verify: checkPdfs, clear: zeroAll }),
    pdfkit: () => timed({ once: () => rawPdfkit(texts, mono), verify: checkPdfs, clear: zeroAll }),
    qr: () =>
      timed({
        once: async () => texts.map((text) => encodeQR(text, 'raw', { ecc: 'medium' })),
        verify: (matrices) => {
          if (matrices.length !== CUSTODIANS || matrices.some((m) => m.length !== m[0]?.length))
            throw new Error('a QR matrix is not square');
        },
        clear: () => {},
      }),
  };
  return paths;
}

/** Runs `spec` once; its milliseconds, the result checked and cleared after the timing. */
async function timed<T>(spec: PathSpec<T>): Promise<number> {
  const started = performance.now();
  const result = await spec.once();
  const elapsed = performance.now() - started;
  try {
    spec.verify(result);
  } finally {
    spec.clear(result);
  }
  return elapsed;
}

/**
 * Measures the seconds to render share sheets for 20 custodians (3 of 20, a 32-byte secret)
 * through Keywarden against raw pdfkit and the raw QR encoder, in rotated rounds. Throws when
 * a result is not 20 whole PDFs (or 20 QR matrices), and whatever the renderers throw.
 */
export async function benchSheets(log: (line: string) => void) {
  const started = performance.now();
  const paths = await prepare();
  const order: Path[] = ['keywarden', 'pdfkit', 'qr'];
  const ms: Record<Path, number[]> = { keywarden: [], pdfkit: [], qr: [] };
  // Warm-up, not counted: JIT, the fonts' first parse, the first allocations.
  for (const path of order) await paths[path]();
  for (let r = 0; r < ROUNDS; r += 1) {
    const at = r % order.length;
    for (const path of [...order.slice(at), ...order.slice(0, at)])
      ms[path].push(await paths[path]());
    log(
      `  round ${r + 1}/${ROUNDS} (ms for ${CUSTODIANS} sheets): ${order.map((p) => `${p} ${ms[p].at(-1)?.toFixed(0)}`).join(', ')}`,
    );
  }
  const perSheetMs = (path: Path) => round(median(ms[path]) / CUSTODIANS, 2);
  return {
    custodians: CUSTODIANS,
    threshold: THRESHOLD,
    secretBytes: SECRET_BYTES,
    rounds: ROUNDS,
    keywarden: { ...summary(ms.keywarden), perSheetMs: perSheetMs('keywarden') },
    rawPdfkit: { ...summary(ms.pdfkit), perSheetMs: perSheetMs('pdfkit') },
    rawQr: { ...summary(ms.qr), perSheetMs: perSheetMs('qr') },
    /** Keywarden's median time over raw pdfkit's. */
    ratioToPdfkit: round(median(ms.keywarden) / median(ms.pdfkit), 2),
    totalMs: round(performance.now() - started),
  };
}

export type SheetsBenchResult = Awaited<ReturnType<typeof benchSheets>>;

/** Milliseconds as seconds, or as milliseconds below a tenth of a second. */
const time = (ms: number) => (ms >= 100 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const timing = (s: SheetsBenchResult['keywarden']) =>
  `${time(s.medianMs)} (min ${time(s.minMs)}, max ${time(s.maxMs)}; ${s.perSheetMs} ms/sheet)`;

/** The share sheets block of the benchmark table. */
export function sheetsRows(r: SheetsBenchResult): Array<[string, string]> {
  const scheme = `${r.custodians} sheets, ${r.threshold}-of-${r.custodians}, median of ${r.rounds}`;
  return [
    [`(g) Keywarden renderShareSheets (${scheme})`, timing(r.keywarden)],
    [`(g) raw pdfkit, the 20 share texts in DejaVu Sans Mono`, timing(r.rawPdfkit)],
    [`(g) raw qr encoder, the 20 share texts`, timing(r.rawQr)],
    [`(g) Keywarden / raw pdfkit`, `${r.ratioToPdfkit.toFixed(2)}`],
    [`(g) share sheets benchmark time`, `${(r.totalMs / 1000).toFixed(1)} s`],
  ];
}

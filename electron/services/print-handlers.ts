import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { constants } from 'node:fs';
import { basename, resolve } from 'node:path';
import { ErrorCode, KeywardenError } from '../shared/errors.ts';
import type { ChannelHandlers } from './services.ts';

// Printing what the vault wrote: a ceremony's share sheets and its transcript's PDF. The app
// never reads a share, so it does not render the sheet itself: it hands the file to the
// system's PDF viewer, where the person chooses the (air-gapped) printer. Only files the vault
// knows it wrote are handed over, so a page that asked for ~/.ssh/id_ed25519 gets a refusal.

/** Where PDFs go to be printed: the system's viewer in the app, a recorder in the test bridge. */
export interface PrinterPort {
  /** Opens the PDF at `path` (absolute) for printing. Throws with a reason when it cannot. */
  openPdf(path: string): Promise<void>;
}

/** The PDFs the vault may hand to the printer: those it wrote, as absolute paths. */
export interface PrintablePdfs {
  /** Transcript PDFs exported in this process. */
  exported: ReadonlySet<string>;
  /** Share sheets recorded in the open vault's ceremonies (an empty list when it is locked). */
  recordedSheets(): Promise<string[]>;
}

/** The PDF's first bytes, as every PDF file starts. */
const PDF_MAGIC = Buffer.from('%PDF-', 'latin1');

/**
 * Checks that `path` is still a regular file (not a link put in its place) that starts as a
 * PDF does. Throws PRINT_NOT_ALLOWED saying which.
 */
function requirePdfFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'it is no longer there (write it again)'
        : code === 'ELOOP'
          ? 'a link now stands in its place'
          : `it cannot be read (${code ?? 'unknown'})`;
    throw new KeywardenError(
      ErrorCode.PRINT_NOT_ALLOWED,
      `${basename(path)} is not printed: ${why}.`,
    );
  }
  try {
    const head = Buffer.alloc(PDF_MAGIC.length);
    const isFile = fstatSync(fd).isFile();
    if (!isFile || readSync(fd, head, 0, head.length, 0) !== head.length || !head.equals(PDF_MAGIC))
      throw new KeywardenError(
        ErrorCode.PRINT_NOT_ALLOWED,
        `${basename(path)} is not printed: it is no longer a PDF file.`,
      );
  } finally {
    closeSync(fd);
  }
}

/**
 * The handler of `files:print-pdf`. Throws PRINTER_UNAVAILABLE where there is no printer (the
 * command line), PRINT_NOT_ALLOWED for a file the vault did not write or that changed into
 * something else, PRINT_FAILED when the system cannot open it.
 */
export function printHandlers(
  printer: PrinterPort | null,
  printable: PrintablePdfs,
): Pick<ChannelHandlers, 'files:print-pdf'> {
  return {
    'files:print-pdf': async (request) => {
      if (!printer)
        throw new KeywardenError(
          ErrorCode.PRINTER_UNAVAILABLE,
          'Nothing prints from here; open the PDF in a viewer and print it there.',
        );
      const path = resolve(request.path);
      const known =
        printable.exported.has(path) || (await printable.recordedSheets()).includes(path);
      if (!known || !path.endsWith('.pdf'))
        throw new KeywardenError(
          ErrorCode.PRINT_NOT_ALLOWED,
          `${basename(path)} is not printed: Keywarden prints only the share sheets and transcript PDFs it wrote.`,
        );
      requirePdfFile(path);
      try {
        await printer.openPdf(path);
      } catch (error) {
        throw new KeywardenError(
          ErrorCode.PRINT_FAILED,
          `The system could not open ${basename(path)} to print it (${(error as Error).message}); open it in a PDF viewer instead.`,
        );
      }
      return { path };
    },
  };
}

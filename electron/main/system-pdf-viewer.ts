import type { Shell } from 'electron';
import type { PrinterPort } from '../services/print-handlers.ts';

// Printing in the app: a share sheet or transcript PDF opens in the system's PDF viewer, whose
// print dialog chooses the printer. The app's own window never loads the file: a sheet holds a
// share, and the renderer never sees one.

/** The services' printer over `shell.openPath`; its failure text becomes the thrown message. */
export function systemPdfViewer(shell: Pick<Shell, 'openPath'>): PrinterPort {
  return {
    openPdf: async (path) => {
      // openPath resolves to an empty string on success, else to what went wrong.
      const failure = await shell.openPath(path);
      if (failure) throw new Error(failure);
    },
  };
}

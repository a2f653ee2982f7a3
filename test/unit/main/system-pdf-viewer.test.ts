import { describe, expect, it } from 'vitest';
import { systemPdfViewer } from '../../../electron/main/system-pdf-viewer.ts';

// Electron's shell cannot run here: a recorder stands in for shell.openPath, which resolves to
// an empty string when the file opened and to the reason when it did not.

describe('the system PDF viewer as the printer', () => {
  it('opens the PDF with shell.openPath, once', async () => {
    const opened: string[] = [];
    const viewer = systemPdfViewer({ openPath: async (path) => (opened.push(path), '') });
    await viewer.openPdf('/media/usb/Carol.share.pdf');
    expect(opened).toEqual(['/media/usb/Carol.share.pdf']);
  });

  it('throws the reason openPath gives when the file cannot be opened', async () => {
    const viewer = systemPdfViewer({ openPath: async () => 'No application is registered' });
    await expect(viewer.openPdf('/media/usb/Carol.share.pdf')).rejects.toThrow(
      'No application is registered',
    );
  });
});

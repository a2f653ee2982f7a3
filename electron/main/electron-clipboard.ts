import type { Clipboard, ClipboardItem } from 'electron';
import type { ClipboardPort } from '../services/app-handlers.ts';

// The clipboard the services write public text to (public keys, fingerprints), with the
// markers clipboard managers honour to keep a copy out of their history. Every format goes
// in one clipboard.write, so the text and its markers arrive together.

/** How Electron names a platform clipboard format that is not a MIME type. */
function raw(format: string): string {
  return `electron application/osclipboard;format="${format}"`;
}

/**
 * The extra formats that mark a copy as concealed on `platform`: KDE/Klipper and most Linux
 * managers read x-kde-passwordManagerHint; Windows keeps a copy out of its history and cloud
 * clipboard with the three formats below; macOS managers honour org.nspasteboard.ConcealedType.
 */
export function concealedFormats(
  platform: NodeJS.Platform,
  text: string,
): Record<string, string | Blob> {
  const zeroDword = () => new Blob([new Uint8Array(4)]);
  switch (platform) {
    case 'linux':
    case 'freebsd':
    case 'openbsd':
      return { [raw('x-kde-passwordManagerHint')]: 'secret' };
    case 'win32':
      return {
        [raw('ExcludeClipboardContentFromMonitorProcessing')]: zeroDword(),
        [raw('CanIncludeInClipboardHistory')]: zeroDword(),
        [raw('CanUploadToCloudClipboard')]: zeroDword(),
      };
    case 'darwin':
      return { [raw('org.nspasteboard.ConcealedType')]: text };
    default:
      return {};
  }
}

/** The services' clipboard over Electron's. */
export function electronClipboard(
  clipboard: Clipboard,
  Item: new (items: Record<string, string | Blob>) => ClipboardItem,
  platform: NodeJS.Platform,
): ClipboardPort {
  return {
    writeConcealed: (text) =>
      clipboard.write([new Item({ 'text/plain': text, ...concealedFormats(platform, text) })]),
    readText: () => clipboard.readText(),
    clear: async () => clipboard.clear(),
  };
}

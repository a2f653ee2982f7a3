import { describe, expect, it } from 'vitest';
import type { Clipboard, ClipboardItem } from 'electron';
import { concealedFormats, electronClipboard } from '../../../electron/main/electron-clipboard.ts';

// Electron's clipboard cannot run here: a recorder stands in for it, and the test checks
// what the app writes in one clipboard.write — the text and the platform's concealment marks.

class RecordedItem {
  readonly items: Record<string, string | Blob>;
  constructor(items: Record<string, string | Blob>) {
    this.items = items;
  }
}

function recorder() {
  const writes: RecordedItem[][] = [];
  const clipboard = {
    write: async (items: RecordedItem[]) => void writes.push(items),
    readText: async () => 'text',
    clear: () => undefined,
  };
  return { writes, clipboard: clipboard as unknown as Clipboard };
}

const Item = RecordedItem as unknown as new (items: Record<string, string | Blob>) => ClipboardItem;

describe('the clipboard port', () => {
  it('writes the text and the marks clipboard managers honour, in one write', async () => {
    const expected: Record<string, string[]> = {
      linux: ['electron application/osclipboard;format="x-kde-passwordManagerHint"'],
      win32: [
        'electron application/osclipboard;format="ExcludeClipboardContentFromMonitorProcessing"',
        'electron application/osclipboard;format="CanIncludeInClipboardHistory"',
        'electron application/osclipboard;format="CanUploadToCloudClipboard"',
      ],
      darwin: ['electron application/osclipboard;format="org.nspasteboard.ConcealedType"'],
    };
    for (const [platform, formats] of Object.entries(expected)) {
      const { writes, clipboard } = recorder();
      await electronClipboard(clipboard, Item, platform as NodeJS.Platform).writeConcealed(
        'SHA256:ab',
      );
      expect(writes).toHaveLength(1);
      const [item] = writes[0] as RecordedItem[];
      expect(Object.keys(item?.items ?? {}).sort()).toEqual(['text/plain', ...formats].sort());
      expect(item?.items['text/plain']).toBe('SHA256:ab');
    }
  });

  it('marks a Windows copy with DWORD 0, kept out of history and the cloud clipboard', async () => {
    const formats = concealedFormats('win32', 'x');
    for (const value of Object.values(formats)) {
      expect(new Uint8Array(await (value as Blob).arrayBuffer())).toEqual(new Uint8Array(4));
    }
  });

  it('says "secret" to KDE-style managers on Linux', () => {
    expect(Object.values(concealedFormats('linux', 'x'))).toEqual(['secret']);
  });
});

import { describe, expect, it } from 'vitest';
import { fontRuns, loadPrintableFonts } from '../../../electron/core/ceremony/printable-fonts.ts';
import { createPrintablePdf } from '../../../electron/core/ceremony/printable-pdf.ts';

// The printable document writer and its fonts: text in any script the bundled fonts cover is
// drawn in a font that has it, and a character none has is printed as its code point; a
// document comes out as a PDF of the pages asked for, with only a title and its maker in its
// information dictionary.

const fonts = loadPrintableFonts();

describe('printable fonts', () => {
  it('draws each character in the first font of its chain that has it', () => {
    expect(fontRuns(fonts, 'Zoë Łukasiewicz')).toEqual([
      { role: 'regular', text: 'Zoë Łukasiewicz' },
    ]);
    expect(fontRuns(fonts, 'Custodian: 王芳 (Wang Fang)', ['mono', 'fallback'])).toEqual([
      { role: 'mono', text: 'Custodian: ' },
      { role: 'fallback', text: '王芳 ' },
      { role: 'mono', text: '(Wang Fang)' },
    ]);
    expect(fontRuns(fonts, '김민준 さくら Юлия').map((run) => run.role)).toEqual([
      'fallback',
      'regular',
    ]);
  });

  it('prints a character no bundled font has as its code point', () => {
    expect(fontRuns(fonts, 'देव')).toEqual([{ role: 'regular', text: '[U+0926][U+0947][U+0935]' }]);
  });
});

describe('createPrintablePdf', () => {
  it('writes a PDF of the pages asked for, its information only a title, maker and fixed date', async () => {
    const pdf = createPrintablePdf(fonts, 'A test document');
    pdf.heading('Heading');
    pdf.paragraph('A paragraph in Latin, Ελληνικά and 中文, wrapped at the page width.');
    pdf.keyValue('Custodian', '王芳');
    pdf.monospace(['-----BEGIN-----', '1: 0123 4567 [00]', '-----END-----']);
    pdf.pageBreak();
    const { bottom } = pdf.qr('a QR code', { size: 120 });
    expect(bottom).toBeGreaterThan(120);
    const bytes = await pdf.end();
    const text = bytes.toString('latin1');
    expect(text.startsWith('%PDF-1.3')).toBe(true);
    expect(text.trimEnd().endsWith('%%EOF')).toBe(true);
    expect(text.match(/\/Type \/Page\b(?!s)/g)).toHaveLength(2);
    const info = /trailer\n<<[^]*?\/Info (\d+) 0 R/.exec(text);
    expect(info).not.toBeNull();
    const infoObject = new RegExp(`\\n${info![1]} 0 obj\\n<<([^]*?)>>`).exec(text)![1]!;
    const keys = [...infoObject.matchAll(/\/(\w+) /g)].map((match) => match[1]).sort();
    expect(keys).toEqual(['CreationDate', 'Creator', 'Producer', 'Title']);
    expect(text).toMatch(/\(D:20000101000000Z\)/);
  });
});

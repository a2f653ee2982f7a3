import { existsSync, readFileSync } from 'node:fs';
import { create } from 'fontkit';
import type { Font } from 'fontkit';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';

// The fonts printed documents use, shipped in resources/fonts with their licences: DejaVu Sans
// (regular and bold) and DejaVu Sans Mono for Latin, Greek, Cyrillic, Hebrew and Arabic letters,
// and Droid Sans Fallback for Chinese, Japanese and Korean. PDF's built-in fonts cover Latin-1
// only, and a custodian may be "Zoë Łukasiewicz" or "王芳". Text is cut into runs, each drawn in
// the first font of its chain that has every character of it; a character no font has (say
// Devanagari) is printed as its code point, "[U+0915]", so the sheet is never silently wrong.

export type FontRole = 'regular' | 'bold' | 'mono' | 'fallback';

const FILES: Record<FontRole, string> = {
  regular: 'DejaVuSans.ttf',
  bold: 'DejaVuSans-Bold.ttf',
  mono: 'DejaVuSansMono.ttf',
  fallback: 'DroidSansFallback.ttf',
};

/** The fonts of one printing job, parsed (fontkit), shared by its documents one at a time. */
export type PrintableFonts = Record<FontRole, Font>;

/** A piece of text drawn in one font. */
export interface FontRun {
  role: FontRole;
  text: string;
}

/**
 * resources/fonts at the app's root: seen from the main bundle (.vite/build → ../../) under
 * `npm start` and inside the packaged app.asar, or from the sources (electron/core/ceremony →
 * ../../../) when the CLI and the tests run them.
 */
function fontsFolder(): URL {
  const candidates = ['../../resources/fonts/', '../../../resources/fonts/'].map(
    (relative) => new URL(relative, import.meta.url),
  );
  const found = candidates.find((folder) => existsSync(new URL(FILES.regular, folder)));
  if (!found) {
    throw new KeywardenError(
      ErrorCode.FORMAT_UNSUPPORTED,
      'The fonts for printing are missing (resources/fonts); reinstall Keywarden.',
    );
  }
  return found;
}

/**
 * Reads the fonts for one printing job (about 5 MiB; a job of many pages reads them once).
 * Throws FORMAT_UNSUPPORTED when they are missing or unreadable.
 */
export function loadPrintableFonts(): PrintableFonts {
  const folder = fontsFolder();
  const entries = (Object.keys(FILES) as FontRole[]).map((role) => {
    try {
      const bytes = readFileSync(new URL(FILES[role], folder));
      return [role, create(bytes) as Font] as const;
    } catch (error) {
      throw new KeywardenError(
        ErrorCode.FORMAT_UNSUPPORTED,
        `The font ${FILES[role]} cannot be read; reinstall Keywarden.`,
        { cause: error },
      );
    }
  });
  return Object.fromEntries(entries) as PrintableFonts;
}

/**
 * `text` cut into runs: each character in the first font of `chain` that has it (white space
 * stays with the run it is in), a character none has as "[U+XXXX]" in the chain's first font.
 */
export function fontRuns(
  fonts: PrintableFonts,
  text: string,
  chain: readonly FontRole[] = ['regular', 'fallback'],
): FontRun[] {
  const first = chain[0] ?? 'regular';
  const runs: FontRun[] = [];
  const add = (role: FontRole, piece: string) => {
    const last = runs.at(-1);
    if (last?.role === role) last.text += piece;
    else runs.push({ role, text: piece });
  };
  for (const character of text) {
    const codePoint = character.codePointAt(0)!;
    if (/\s/.test(character)) {
      add(runs.at(-1)?.role ?? first, character);
      continue;
    }
    const role = chain.find((r) => fonts[r].hasGlyphForCodePoint(codePoint));
    if (role) add(role, character);
    else add(first, `[U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}]`);
  }
  return runs;
}

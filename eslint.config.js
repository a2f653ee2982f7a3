// ESLint: typescript-eslint's recommended rules plus the import direction of DESIGN.md
// "Layers". A layer may import only the layers below it; breaking that fails the lint.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const NATIVE_PACKAGES = ['pkcs11js', 'argon2', 'better-sqlite3', 'node-hid', '@napi-rs/keyring'];

/** A rule forbidding imports that match `groups`, each with the reason shown to the author. */
function forbid(groups, { allowTypeImports = false } = {}) {
  return {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        paths: groups.flatMap(({ names = [], message }) =>
          names.map((name) => ({ name, message, allowTypeImports })),
        ),
        patterns: groups.flatMap(({ patterns = [], message }) =>
          patterns.length ? [{ group: patterns, message, allowTypeImports }] : [],
        ),
      },
    ],
  };
}

const electron = {
  names: ['electron'],
  message: "Only electron/main and electron/preload may import 'electron'.",
};
const nativePackages = { names: NATIVE_PACKAGES, message: 'Only native/ imports native packages.' };
const nodeBuiltins = { patterns: ['node:*'], message: 'This layer runs without Node APIs.' };
const layer = (name, message) => ({ patterns: [`**/${name}/**`, `**/${name}`], message });

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', '.vite/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        {
          object: 'Math',
          property: 'random',
          message: 'Use node:crypto randomBytes / randomInt (the OS CSPRNG).',
        },
      ],
    },
  },
  {
    files: ['electron/shared/**'],
    rules: forbid([
      electron,
      nativePackages,
      nodeBuiltins,
      layer('core', 'shared is the bottom layer.'),
      layer('services', 'shared is the bottom layer.'),
      layer('main', 'shared is the bottom layer.'),
      layer('preload', 'shared is the bottom layer.'),
      layer('cli', 'shared is the bottom layer.'),
      layer('native', 'shared is the bottom layer.'),
      layer('renderer', 'shared is the bottom layer.'),
    ]),
  },
  {
    files: ['electron/core/**'],
    rules: forbid([
      electron,
      nativePackages,
      layer('services', 'core must not depend on the application layer.'),
      layer('main', 'core must not depend on the Electron main process.'),
      layer('preload', 'core must not depend on preload.'),
      layer('cli', 'core must not depend on the CLI.'),
      layer('renderer', 'core must not depend on the renderer.'),
    ]),
  },
  {
    // core sees native/ only through its interfaces, and so do services but for the one
    // composition root: `import type` passes, a value import fails.
    files: ['electron/core/**', 'electron/services/**'],
    ignores: ['electron/services/runtime.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[importKind='value'][source.value=/\\/native\\//]",
          message:
            'Only interfaces may be imported from native/ here (`import type`); real implementations are wired in electron/services/runtime.ts.',
        },
      ],
    },
  },
  {
    files: ['electron/services/**'],
    rules: forbid([
      electron,
      nativePackages,
      layer('main', 'services must not depend on the Electron main process.'),
      layer('preload', 'services must not depend on preload.'),
      layer('cli', 'services must not depend on the CLI.'),
      layer('renderer', 'services must not depend on the renderer.'),
    ]),
  },
  {
    files: ['electron/main/**', 'electron/preload/**'],
    rules: forbid([
      nativePackages,
      layer('core', 'main and preload reach core through services.'),
      layer('native', 'main and preload reach native/ through services.'),
      layer('cli', 'main must not depend on the CLI.'),
      layer('renderer', 'main must not import renderer code.'),
    ]),
  },
  {
    files: ['electron/cli/**'],
    rules: forbid([
      electron,
      nativePackages,
      layer('core', 'the CLI calls services, not core.'),
      layer('native', 'the CLI reaches native/ through services.'),
      layer('main', 'the CLI must not depend on the Electron main process.'),
      layer('renderer', 'the CLI must not import renderer code.'),
    ]),
  },
  {
    files: ['native/**'],
    rules: forbid([
      electron,
      layer('core', 'native/ sits below core.'),
      layer('services', 'native/ sits below services.'),
      layer('main', 'native/ sits below main.'),
      layer('cli', 'native/ sits below the CLI.'),
      layer('renderer', 'native/ sits below the renderer.'),
    ]),
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: forbid([
      electron,
      nativePackages,
      nodeBuiltins,
      {
        names: ['fs', 'path', 'crypto', 'child_process', 'os'],
        message: 'The renderer has no Node APIs.',
      },
      layer('core', 'The renderer talks only to window.keywarden.'),
      layer('services', 'The renderer talks only to window.keywarden.'),
      layer('main', 'The renderer talks only to window.keywarden.'),
      layer('preload', 'The renderer talks only to window.keywarden.'),
      layer('cli', 'The renderer talks only to window.keywarden.'),
      layer('native', 'The renderer talks only to window.keywarden.'),
    ]),
  },
);

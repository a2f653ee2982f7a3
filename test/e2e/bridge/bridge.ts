// The test bridge: the real renderer and the real services, in any Chromium, without Electron.
// A test tool, never packaged.
//
//   npm run bridge -- --vault PATH [--port N] [--softhsm-conf FILE] [--hid-models FILE]
//   (or: node test/e2e/bridge/bridge.ts …, with the project's Node 22)
//
// --vault         the vault the app opens (the settings' default vaultPath); need not exist yet
// --port          the port on 127.0.0.1; 0 (the default) takes any free one
// --softhsm-conf  a softhsm2.conf, set as SOFTHSM2_CONF before the token layer starts
// --hid-models    for tests only: HID tokens are the device models of test/helpers, their state
//                 read from FILE at every open (test/helpers/hid-models.fixture.ts), instead of
//                 node-hid; the test that enrolled them holds the same YubiKey and FIDO2 key
//
// The TPM is the one KEYWARDEN_TPM_TCTI names (else the kernel's), and the OS keychain the
// Secret Service on DBUS_SESSION_BUS_ADDRESS, both from this process's environment.
//
// It builds the renderer (renderer/vite.config.ts, into a temp folder) and the shim, serves
// them on 127.0.0.1 only, answers the contract's channels over a WebSocket on the same port,
// and when ready prints exactly one line on stdout, and nothing else there ever:
//
//   bridge: http://127.0.0.1:PORT/#token=TOKEN
//
// Open that URL in Chromium (Playwright's page.goto) and the page has window.keywarden, as
// the preload gives it in the app: the same API (buildApi), the same replies (replyOf), the
// same events, and a reload after every `vault:locked`. Settings live in a temp file, so the
// tester's own are never touched; the clipboard is the bridge's own, in memory, and so is the
// printer (it reports each PDF it is given on stderr, below). A test starts
// it as a child process, waits for the ready line (test/e2e/bridge.test.ts shows how), and
// stops it with SIGTERM or SIGINT: it closes the sockets, locks the vault, closes the tokens,
// removes its temp folder and exits 0. Bad options: "error [USAGE]: …" on stderr, exit 2; a
// start that fails (a port in use, a build error): "error [INTERNAL]: …", exit 1.
//
// The token is one-time in this sense: 32 random bytes made at start for this run only, held
// in this process's memory, never stored and never logged except in the ready line the tester
// asked for. A page presents it on every connection (the shim keeps it in the tab's
// sessionStorage to survive reloads); it dies with the process, so a URL from an earlier run
// opens nothing.

import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { KeywardenServices } from '../../../electron/services/services.ts';
import type { ClipboardPort } from '../../../electron/services/app-handlers.ts';
import type { PrinterPort } from '../../../electron/services/print-handlers.ts';
import type { ServiceEvent } from '../../../electron/shared/contract.ts';
import type { BridgeServer } from './server.ts';

const USAGE = 'npm run bridge -- --vault PATH [--port N] [--softhsm-conf FILE] [--hid-models FILE]';

interface BridgeOptions {
  vault: string;
  port: number;
  softhsmConf: string | undefined;
  hidModels: string | undefined;
}

class UsageError extends Error {}

/** The options, paths made absolute. Throws UsageError for anything unknown or malformed. */
function parseOptions(argv: string[]): BridgeOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        vault: { type: 'string' },
        port: { type: 'string' },
        'softhsm-conf': { type: 'string' },
        'hid-models': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (!values.vault) throw new UsageError('--vault PATH is required.');
  const portText = values.port ?? '0';
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) {
    throw new UsageError(`--port takes a whole number from 0 to 65535, not "${portText}".`);
  }
  const conf = existingFile('--softhsm-conf', values['softhsm-conf']);
  const hidModels = existingFile('--hid-models', values['hid-models']);
  return { vault: resolve(values.vault), port, softhsmConf: conf, hidModels };
}

/** `path` made absolute, or undefined when not given. Throws UsageError when it is no file. */
function existingFile(option: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  if (!statSync(path, { throwIfNoEntry: false })?.isFile()) {
    throw new UsageError(`${option} ${path}: there is no such file.`);
  }
  return resolve(path);
}

/** A clipboard of the bridge's own, so `clipboard:copy-text` works without a desktop. */
function memoryClipboard(): ClipboardPort {
  let text = '';
  return {
    writeConcealed: async (copied) => void (text = copied),
    readText: async () => text,
    clear: async () => void (text = ''),
  };
}

/**
 * A printer of the bridge's own: it reads the PDF the services hand it, as a viewer would, and
 * says on stderr which file it got and the SHA-256 of the bytes it read, for the test to check:
 *
 *   bridge: printed SHA256HEX PATH
 */
function recordingPrinter(): PrinterPort {
  return {
    openPdf: async (path) => {
      const digest = createHash('sha256').update(readFileSync(path)).digest('hex');
      process.stderr.write(`bridge: printed ${digest} ${path}\n`);
    },
  };
}

interface Running {
  server: BridgeServer;
  services: KeywardenServices;
}

/** Builds the page, makes the services, and listens. Throws whatever stopped it. */
async function start(options: BridgeOptions, stateDir: string, token: string): Promise<Running> {
  // Loaded only now (native modules, vite): a usage error is told at once.
  const [
    { KeywardenServices },
    { osActor, realDeps, realTokens },
    { buildBridgePage },
    { startBridgeServer },
  ] = await Promise.all([
    import('../../../electron/services/services.ts'),
    import('../../../electron/services/runtime.ts'),
    import('./page-build.ts'),
    import('./server.ts'),
  ]);
  // The device models are test code: loaded only when asked for.
  const deps =
    options.hidModels === undefined
      ? realDeps()
      : {
          ...realDeps(),
          hid: (await import('../../helpers/hid-models.fixture.ts')).hidModelsAccess(
            options.hidModels,
          ),
        };
  const page = await buildBridgePage();
  let broadcast: (event: ServiceEvent) => void = () => undefined;
  const services = new KeywardenServices({
    deps,
    actor: osActor(),
    openTokens: realTokens(),
    watchTokens: true,
    clipboard: memoryClipboard(),
    printer: recordingPrinter(),
    settingsPath: join(stateDir, 'settings.json'),
    defaultVaultPath: options.vault,
    onEvent: (event) => broadcast(event),
  });
  try {
    const server = await startBridgeServer({
      page,
      token,
      port: options.port,
      invoke: (channel, request) => services.invoke(channel, request),
    });
    broadcast = (event) => server.broadcast(event);
    return { server, services };
  } catch (error) {
    await services.dispose();
    throw error;
  }
}

async function main(argv: string[]): Promise<void> {
  let options: BridgeOptions;
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error [USAGE]: ${error.message}\nUsage: ${USAGE}\n`);
    process.exit(2);
  }
  // SoftHSM2 reads SOFTHSM2_CONF when the token layer's worker initialises the module.
  if (options.softhsmConf !== undefined) process.env.SOFTHSM2_CONF = options.softhsmConf;

  const stateDir = mkdtempSync(join(tmpdir(), 'keywarden-bridge-'));
  const token = randomBytes(32).toString('base64url');
  const running = start(options, stateDir, token);

  // A signal during the build waits for the start to settle, then closes what it made.
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const made = await running.catch(() => null);
    let code = 0;
    try {
      await made?.server.close();
      await made?.services.dispose();
    } catch (error) {
      code = 1;
      process.stderr.write(`error [INTERNAL]: ${(error as Error).message}\n`);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  try {
    const { server } = await running;
    if (!stopping) process.stdout.write(`bridge: ${server.origin}/#token=${token}\n`);
  } catch (error) {
    if (stopping) return;
    rmSync(stateDir, { recursive: true, force: true });
    process.stderr.write(
      `error [INTERNAL]: The bridge did not start: ${(error as Error).message}\n`,
    );
    process.exit(1);
  }
}

await main(process.argv.slice(2));

import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { stopProcess } from './processes.ts';

// One UI session for the end-to-end suites: the test bridge started as `npm run bridge`
// starts it (a vault path, optionally a SoftHSM2 config), Debian's Chromium pointed at the
// URL it prints, and the checks every screen gets: no console error or CSP violation, axe
// with no serious or critical violation, and a screenshot under test-output/screenshots/.

const BRIDGE = fileURLToPath(new URL('../e2e/bridge/bridge.ts', import.meta.url));
const READY = /^bridge: (http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43})\n$/;
/** Where screenshots go; the folder is ignored by git. */
export const SCREENSHOTS = fileURLToPath(
  new URL('../../test-output/screenshots/', import.meta.url),
);

export interface UiSession {
  page: Page;
  /** Console errors and uncaught page errors seen so far (CSP violations among them). */
  errors: string[];
  /** Saves a full-page screenshot as test-output/screenshots/NAME.png. */
  screenshot(name: string): Promise<void>;
  /** The page's axe violations of serious or critical impact, as "rule: target" lines. */
  seriousViolations(): Promise<string[]>;
  /** The PDFs the bridge's printer was handed so far, with the SHA-256 of the bytes it read. */
  printed(): Array<{ sha256: string; path: string }>;
  /** Stops Chromium and the bridge. */
  close(): Promise<void>;
}

export interface UiOptions {
  /** The vault the app opens; need not exist yet. */
  vault: string;
  /** Passed as --softhsm-conf. */
  softhsmConf?: string;
  /** Passed as --hid-models: the HID device models' state file (hid-models.fixture.ts). */
  hidModels?: string;
  /**
   * Added to the bridge's environment: where the TPM (KEYWARDEN_TPM_TCTI) and the keychain's
   * bus (DBUS_SESSION_BUS_ADDRESS) are. Never a secret: the environment is no place for one.
   */
  env?: Record<string, string>;
}

/** Starts the bridge on `options.vault` and opens the app in Chromium. Throws when the bridge does not start. */
export async function openUi(options: UiOptions): Promise<UiSession> {
  const args = [BRIDGE, '--vault', options.vault];
  if (options.softhsmConf) args.push('--softhsm-conf', options.softhsmConf);
  if (options.hidModels) args.push('--hid-models', options.hidModels);
  const env = { ...process.env };
  delete env.SOFTHSM2_CONF;
  Object.assign(env, options.env);
  const bridge: ChildProcessWithoutNullStreams = spawn(process.execPath, args, {
    env,
    stdio: 'pipe',
  });
  let stdout = '';
  let stderr = '';
  bridge.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const url = await new Promise<string>((resolve, reject) => {
    bridge.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const ready = READY.exec(stdout);
      if (ready) resolve(ready[1] ?? '');
    });
    bridge.once('exit', (code) =>
      reject(new Error(`the bridge exited (${code}):\n${stdout}${stderr}`)),
    );
  });
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    // axe needs a page of an explicit context.
    const context = await browser.newContext({ viewport: { width: 1280, height: 840 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    const opened = browser;
    return {
      page,
      errors,
      async screenshot(name) {
        mkdirSync(SCREENSHOTS, { recursive: true });
        await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
      },
      async seriousViolations() {
        const results = await new AxeBuilder({ page }).analyze();
        return results.violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .flatMap((v) => v.nodes.map((node) => `${v.id}: ${node.target.join(' ')}`));
      },
      printed() {
        return [...stderr.matchAll(/^bridge: printed ([0-9a-f]{64}) (.+)$/gm)].map((line) => ({
          sha256: line[1] ?? '',
          path: line[2] ?? '',
        }));
      },
      async close() {
        await opened.close();
        await stopProcess(bridge);
      },
    };
  } catch (error) {
    await browser?.close();
    await stopProcess(bridge);
    throw error;
  }
}

/** Creates the vault the bridge names with `passphrase` through the unlock screen, and waits for the app. */
export async function createVaultInUi(page: Page, passphrase: string): Promise<void> {
  await page.getByLabel('New passphrase').fill(passphrase);
  await page.getByLabel('The same passphrase again').fill(passphrase);
  await page.getByRole('button', { name: 'Create and unlock' }).click();
  await page.getByRole('navigation', { name: 'Places' }).waitFor({ timeout: 60_000 });
}

/** Unlocks the vault the bridge names with its passphrase slot, and waits for the app. */
export async function unlockInUi(page: Page, passphrase: string): Promise<void> {
  // The passphrase field, not the "Passphrase" slot choice a vault of several slots offers.
  await page
    .getByLabel('Passphrase', { exact: true })
    .and(page.locator('input:not([type=radio])'))
    .fill(passphrase);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByRole('navigation', { name: 'Places' }).waitFor({ timeout: 60_000 });
}

/**
 * A service call from the page, as the app makes it (`keywarden.DOMAIN.METHOD(request)`):
 * its value, or a throw with the error (code and message) as JSON.
 */
export async function callInPage<T>(
  page: Page,
  domain: string,
  method: string,
  request: unknown,
): Promise<T> {
  return page.evaluate(
    async ({ domain, method, request }) => {
      const api = (globalThis as unknown as { keywarden: unknown }).keywarden as Record<
        string,
        Record<string, (r: unknown) => Promise<{ ok: boolean; value?: unknown; error?: unknown }>>
      >;
      const reply = await api[domain]![method]!(request);
      if (!reply.ok) throw new Error(JSON.stringify(reply.error));
      return reply.value;
    },
    { domain, method, request },
  ) as Promise<T>;
}

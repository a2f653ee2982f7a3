import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createVault, openVaultFile } from '../../electron/core/vault/vault.ts';
import { realDeps } from '../../electron/services/runtime.ts';
import type { KeywardenApi } from '../../electron/shared/api.ts';
import { registerPeople } from '../helpers/inventory-fixture.ts';
import { openUi, unlockInUi } from '../helpers/ui-session.ts';
import { OFFICER, PEOPLE } from './inventory-load.ts';
import { round } from './stats.ts';
import { seedUiInventory } from './ui-inventory-seed.ts';

// Section (h): the inventory screen with 100,000 keys, measured in Chromium with the
// Performance API (issue 8). A vault is seeded (ui-inventory-seed.ts), the test bridge serves
// the real renderer and services on it, and the page is unlocked through the UI. In the page:
//
//  - first rows: from the inventory's `keywarden:inventory:data` mark (the first page of
//    keys:list-summaries has arrived and been decoded) to the first paint after its rows
//    reached the DOM (`keywarden:inventory:rows`, set in a layout effect; the paint is taken
//    as the task after the next animation frame);
//  - every key in: from `keywarden:inventory:loaded` (the last page has arrived) to the paint
//    of the whole table;
//  - a filter, a search and a first sort: from `keywarden:inventory:query` (set in the event
//    handler) to the paint after the new rows reached the DOM;
//  - scrolling the table from top to bottom (scrollTop in steps, a frame each), then with the
//    mouse wheel and with Page Down on a focused row: the longest task ('longtask' entries of a
//    PerformanceObserver; only tasks over 50 ms are reported) and the longest frame.
//
// Beside it, in the same page: the raw keys:list the screen once used (the service's
// decrypting scan, the transfer and the decoding) and keys:list-summaries asked for all
// 100,000 in one reply (from the read the service keeps after the screen's load: transfer and
// decoding only), each timed from the page with its reply's JSON size, and the same 100,000
// rows as a plain, non-virtualized HTML table, timed the same ways. No figure is asserted.

export const UI_KEYS = 100_000;
const KDF = { kind: 'fixed', memoryMiB: 19, iterations: 2, parallelism: 1 } as const;
const PASSPHRASE = 'ui benchmark passphrase, not a secret';
const SCROLL_STEPS = 300;
const WHEEL_EVENTS = 150;
const PAGE_DOWNS = 150;
/** A state few keys are in, a word in about one name in sixteen. */
const FILTER_STATE = 'suspended';
const SEARCH_WORD = 'ledger';

/** What the page-side code below uses of the browser (test/ is checked without the DOM lib). */
interface El {
  style: Record<string, string>;
  textContent: string | null;
  append(...nodes: El[]): void;
  remove(): void;
  focus(): void;
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
  querySelector(selector: string): El | null;
}
interface BenchPage {
  document: {
    createElement(tag: string): El;
    querySelector(selector: string): El | null;
    querySelectorAll(selector: string): { length: number };
    body: El;
  };
  requestAnimationFrame(callback: () => void): number;
  keywarden: KeywardenApi;
  __uiBench: Probe;
}
/** A browser MessagePort, which starts delivering when given an onmessage handler. */
interface BrowserPort {
  onmessage: () => void;
}
interface Probe {
  /** Each `rows` mark and the time of the paint after it. */
  painted: Array<{ mark: number; painted: number }>;
  longTasks: Array<{ start: number; duration: number }>;
}

/** Records long tasks, and the paint after each `rows` mark. Runs in the page, before unlocking. */
function installProbe(): void {
  const page = globalThis as unknown as BenchPage;
  const probe: Probe = { painted: [], longTasks: [] };
  page.__uiBench = probe;
  const mark = performance.mark.bind(performance);
  performance.mark = ((name: string, options?: Parameters<typeof performance.mark>[1]) => {
    const entry = mark(name, options);
    if (name === 'keywarden:inventory:rows') {
      // The next frame is painted after its animation callbacks; a task posted from one runs after it.
      page.requestAnimationFrame(() => {
        const channel = new MessageChannel();
        (channel.port1 as unknown as BrowserPort).onmessage = () =>
          probe.painted.push({ mark: entry.startTime, painted: performance.now() });
        channel.port2.postMessage(null);
      });
    }
    return entry;
  }) as typeof performance.mark;
  // 'longtask' is Chromium's entry type, unknown to Node's types.
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      probe.longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true } as unknown as { type: 'mark' });
}

/** From the latest `since` mark to the first paint after a later rows mark (ms): to the DOM and to the paint. */
async function sincePaint(page: Page, since: string): Promise<{ domMs: number; paintMs: number }> {
  const handle = await page.waitForFunction(
    (name) => {
      const probe = (globalThis as unknown as BenchPage).__uiBench;
      const start = performance.getEntriesByName(name).at(-1)?.startTime;
      const after = probe.painted.find((p) => start !== undefined && p.mark >= start);
      return start !== undefined && after
        ? { domMs: after.mark - start, paintMs: after.painted - start }
        : null;
    },
    since,
    { timeout: 120_000, polling: 20 },
  );
  return (await handle.jsonValue()) as { domMs: number; paintMs: number };
}

/** The longest task (ms; 0 when none passed 50 ms), how many, and the longest frame while `act` ran. */
async function longestTask(page: Page, act: () => Promise<void>) {
  const from = await page.evaluate(() => performance.now());
  await act();
  // Long-task entries are delivered a little after the task; let them arrive.
  await page.waitForTimeout(300);
  return page.evaluate((start) => {
    const tasks = (globalThis as unknown as BenchPage).__uiBench.longTasks.filter(
      (task) => task.start >= start,
    );
    return {
      longestTaskMs: Math.max(0, ...tasks.map((task) => task.duration)),
      longTasks: tasks.length,
    };
  }, from);
}

/** Scrolls the element matching `selector` from top to bottom in steps, a frame each; the longest frame (ms). */
function scrollThrough(page: Page, selector: string): Promise<number> {
  return page.evaluate(
    async ({ selector, steps }) => {
      const g = globalThis as unknown as BenchPage;
      const box = g.document.querySelector(selector);
      if (!box) throw new Error(`nothing matches ${selector}`);
      const frame = () => new Promise<void>((resolve) => g.requestAnimationFrame(resolve));
      await frame();
      let last = performance.now();
      let longest = 0;
      for (let step = 1; step <= steps; step += 1) {
        box.scrollTop = ((box.scrollHeight - box.clientHeight) * step) / steps;
        await frame();
        const now = performance.now();
        longest = Math.max(longest, now - last);
        last = now;
      }
      return longest;
    },
    { selector, steps: SCROLL_STEPS },
  );
}

/** Picks `option` in the inventory's choice labelled `label`. */
async function choose(page: Page, label: string, option: string): Promise<void> {
  await page.getByRole('button', { name: new RegExp(` ${label}$`) }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

/** The UI: first rows, a filter, a search, a first sort, and scrolling. */
async function measureScreen(page: Page, log: (line: string) => void) {
  const firstRows = await sincePaint(page, 'keywarden:inventory:data');
  log(`  first rows painted ${firstRows.paintMs.toFixed(0)} ms after the first page arrived`);
  const everyKey = await sincePaint(page, 'keywarden:inventory:loaded');
  log(`  the whole table painted ${everyKey.paintMs.toFixed(0)} ms after the last page arrived`);
  const domRows = await page.evaluate(
    () =>
      (globalThis as unknown as BenchPage).document.querySelectorAll('[role=grid] [role=row]')
        .length,
  );
  await choose(page, 'State', FILTER_STATE);
  const filter = await sincePaint(page, 'keywarden:inventory:query');
  const filtered = await page.getByText(/ of [\d,]+ keys$/).textContent();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  const clear = await sincePaint(page, 'keywarden:inventory:query');
  await page.getByRole('searchbox', { name: 'Search' }).fill(SEARCH_WORD);
  const search = await sincePaint(page, 'keywarden:inventory:query');
  const found = await page.getByText(/ of [\d,]+ keys$/).textContent();
  await page.getByRole('searchbox', { name: 'Search' }).press('Escape');
  await sincePaint(page, 'keywarden:inventory:query');
  await page.getByRole('button', { name: 'Crypto-period left' }).click();
  const sort = await sincePaint(page, 'keywarden:inventory:query');
  await page.getByRole('button', { name: 'Crypto-period left' }).click();
  const resort = await sincePaint(page, 'keywarden:inventory:query');
  log(
    `  filter ${filter.paintMs.toFixed(0)} ms, search ${search.paintMs.toFixed(0)} ms, first sort ${sort.paintMs.toFixed(0)} ms`,
  );

  let longestFrameMs = 0;
  const scroll = await longestTask(page, async () => {
    longestFrameMs = await scrollThrough(page, '[role=grid]');
  });
  const box = await page.getByRole('grid').boundingBox();
  await page.mouse.move((box?.x ?? 0) + 200, (box?.y ?? 0) + 200);
  const wheel = await longestTask(page, async () => {
    for (let i = 0; i < WHEEL_EVENTS; i += 1) await page.mouse.wheel(0, -4000);
  });
  await page.getByRole('button', { name: 'Crypto-period left' }).focus();
  await page.keyboard.press('Tab');
  const keys = await longestTask(page, async () => {
    for (let i = 0; i < PAGE_DOWNS; i += 1) await page.keyboard.press('PageDown');
    await page.keyboard.press('End');
    await page.keyboard.press('Home');
  });
  log(
    `  scrolling: longest task ${scroll.longestTaskMs.toFixed(0)} ms (wheel ${wheel.longestTaskMs.toFixed(0)}, keys ${keys.longestTaskMs.toFixed(0)}), longest frame ${longestFrameMs.toFixed(0)} ms`,
  );
  return {
    firstRows,
    everyKey,
    domRows,
    filter: { ...filter, shown: filtered },
    clearFilter: clear,
    search: { ...search, shown: found },
    firstSort: sort,
    reverseSort: resort,
    scroll: { ...scroll, longestFrameMs },
    wheel,
    keys,
  };
}

/** The baselines, in the same page: the raw keys:list and keys:list-summaries calls, and the rows as a plain HTML table. */
async function measureBaselines(page: Page, count: number) {
  return page.evaluate(
    async ({ count, state, word, steps }) => {
      const g = globalThis as unknown as BenchPage;
      const frame = () => new Promise<void>((resolve) => g.requestAnimationFrame(resolve));
      const painted = () =>
        new Promise<number>((resolve) =>
          g.requestAnimationFrame(() => {
            const channel = new MessageChannel();
            (channel.port1 as unknown as BrowserPort).onmessage = () => resolve(performance.now());
            channel.port2.postMessage(null);
          }),
        );
      const started = performance.now();
      const reply = await g.keywarden.keys.list({ limit: count });
      const listMs = performance.now() - started;
      const people = await g.keywarden.people.list({});
      if (!reply.ok || !people.ok) throw new Error('keys:list or people:list failed');
      // The screen's own channel, the same scan with only the grid's fields sent.
      const summariesStarted = performance.now();
      const summaries = await g.keywarden.keys.listSummaries({ limit: count });
      const summariesMs = performance.now() - summariesStarted;
      if (!summaries.ok) throw new Error('keys:list-summaries failed');
      const summaryBytes = JSON.stringify(summaries.value).length;
      const keys = reply.value;
      const names = new Map(people.value.map((person) => [person.id, person.name]));

      // Every row built and laid out at once, as a page without virtualization would.
      const host = g.document.createElement('div');
      Object.assign(host.style, {
        position: 'fixed',
        inset: '0',
        overflow: 'auto',
        zIndex: '100',
        background: 'white',
      });
      const table = g.document.createElement('table');
      const body = g.document.createElement('tbody');
      const rows: El[] = [];
      const buildStarted = performance.now();
      const now = Date.now();
      for (const key of keys) {
        const row = g.document.createElement('tr');
        const where = key.location;
        const due = Date.parse(
          key.cryptoPeriod.originatorUsageEnd ?? key.cryptoPeriod.recipientUsageEnd,
        );
        for (const text of [
          key.name,
          key.algorithm,
          names.get(key.owner) ?? key.owner,
          key.state,
          String(key.tier),
          where.kind === 'token' ? `token ${where.serial}` : where.kind,
          `${Math.round((due - now) / 86_400_000)} days`,
        ]) {
          const cell = g.document.createElement('td');
          cell.textContent = text;
          row.append(cell);
        }
        rows.push(row);
        body.append(row);
      }
      table.append(body);
      host.append(table);
      g.document.body.append(host);
      const firstRowsMs = (await painted()) - buildStarted;

      const filterStarted = performance.now();
      keys.forEach((key, i) => ((rows[i] as El).style.display = key.state === state ? '' : 'none'));
      const filterMs = (await painted()) - filterStarted;
      keys.forEach((_, i) => ((rows[i] as El).style.display = ''));
      await painted();
      const searchStarted = performance.now();
      keys.forEach((key, i) => {
        const shown = key.name.toLowerCase().includes(word);
        (rows[i] as El).style.display = shown ? '' : 'none';
      });
      const searchMs = (await painted()) - searchStarted;
      keys.forEach((_, i) => ((rows[i] as El).style.display = ''));
      await painted();

      // Scrolled as the grid is, the longest task is read by the caller from the same probe.
      host.style.scrollBehavior = 'auto';
      const scrollStarted = performance.now();
      await frame();
      let last = performance.now();
      let longestFrameMs = 0;
      for (let step = 1; step <= steps; step += 1) {
        host.scrollTop = ((host.scrollHeight - host.clientHeight) * step) / steps;
        await frame();
        const at = performance.now();
        longestFrameMs = Math.max(longestFrameMs, at - last);
        last = at;
      }
      const scrollEnded = performance.now();
      host.remove();
      const bytes = JSON.stringify(keys).length;
      return {
        keys: keys.length,
        replyBytes: bytes,
        listMs,
        summariesMs,
        summaryBytes,
        firstRowsMs,
        filterMs,
        searchMs,
        longestFrameMs,
        scrollStarted,
        scrollEnded,
      };
    },
    { count, state: FILTER_STATE, word: SEARCH_WORD, steps: SCROLL_STEPS },
  );
}

/**
 * Seeds a vault of `count` keys in a folder of its own under `dir` (removed afterwards), opens
 * the inventory on it in Chromium through the test bridge, and measures the screen and its
 * baselines. Throws when the bridge, Chromium or a step of the page fails.
 */
export async function benchUiInventory(dir: string, log: (line: string) => void, count = UI_KEYS) {
  const started = performance.now();
  const work = join(dir, 'ui-inventory');
  mkdirSync(work);
  const path = join(work, 'inventory.kwv');
  try {
    await createVault(realDeps(), {
      path,
      passphrase: Buffer.from(PASSPHRASE),
      kdf: KDF,
      actor: OFFICER,
    });
    const file = openVaultFile(realDeps(), path, 'read-write');
    const vault = await file.unlock(
      { kind: 'passphrase', passphrase: Buffer.from(PASSPHRASE) },
      OFFICER,
    );
    let seeded;
    try {
      registerPeople(vault, PEOPLE);
      log(`  entering ${count} keys`);
      seeded = await seedUiInventory(vault, count, new Date(), log);
    } finally {
      vault.lock(OFFICER);
    }

    const ui = await openUi({ vault: path });
    try {
      const { page } = ui;
      page.setDefaultTimeout(600_000);
      await page.evaluate(installProbe);
      const unlockStarted = performance.now();
      await unlockInUi(page, PASSPHRASE);
      await page.getByRole('grid', { name: 'Keys' }).waitFor();
      const openMs = performance.now() - unlockStarted;
      await page.getByText(`${count.toLocaleString('en')} keys`, { exact: true }).waitFor();
      const loadedMs = performance.now() - unlockStarted;
      log(
        `  unlocked in the UI: first rows after ${(openMs / 1000).toFixed(1)} s, every key after ${(loadedMs / 1000).toFixed(1)} s`,
      );
      const heap = () =>
        page.evaluate(
          () =>
            (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory
              ?.usedJSHeapSize ?? 0,
        );
      const heapBytes = await heap();
      const screen = await measureScreen(page, log);
      // By now the collector has run: what the screen keeps, without the replies' garbage.
      const heapAfterBytes = await heap();
      log('  the plain-table baseline');
      let plain: Awaited<ReturnType<typeof measureBaselines>> | undefined;
      const plainScroll = await longestTask(page, async () => {
        plain = await measureBaselines(page, count);
      });
      if (!plain) throw new Error('the baseline did not run');
      // Long tasks of the plain table's scrolling alone (its build and filters are single long tasks).
      const plainScrollTasks = await page.evaluate(
        ({ from, to }) =>
          (globalThis as unknown as BenchPage).__uiBench.longTasks.filter(
            (task) => task.start >= from && task.start <= to,
          ),
        { from: plain.scrollStarted, to: plain.scrollEnded },
      );
      if (ui.errors.length > 0)
        throw new Error(`the page reported errors: ${ui.errors.join('; ')}`);
      return {
        keys: count,
        seedMs: round(seeded.ms),
        states: seeded.states,
        locations: seeded.locations,
        unlockAndListMs: round(openMs),
        unlockAndLoadMs: round(loadedMs),
        heapBytes,
        heapAfterBytes,
        screen: {
          ...screen,
          firstRows: {
            domMs: round(screen.firstRows.domMs),
            paintMs: round(screen.firstRows.paintMs),
          },
          everyKey: {
            domMs: round(screen.everyKey.domMs),
            paintMs: round(screen.everyKey.paintMs),
          },
        },
        baseline: {
          keysListMs: round(plain.listMs),
          replyBytes: plain.replyBytes,
          summariesMs: round(plain.summariesMs),
          summaryBytes: plain.summaryBytes,
          plainTable: {
            firstRowsMs: round(plain.firstRowsMs),
            filterMs: round(plain.filterMs),
            searchMs: round(plain.searchMs),
            longestFrameMs: round(plain.longestFrameMs),
            scrollLongestTaskMs: Math.max(0, ...plainScrollTasks.map((task) => task.duration)),
            scrollLongTasks: plainScrollTasks.length,
            longestTaskOverallMs: plainScroll.longestTaskMs,
          },
        },
        totalMs: round(performance.now() - started),
      };
    } finally {
      await ui.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export type UiInventoryResult = Awaited<ReturnType<typeof benchUiInventory>>;

const ms = (value: number) => `${value.toFixed(0)} ms`;

/** The section's lines of the benchmark table: the screen beside its baselines. */
export function uiInventoryRows(r: UiInventoryResult): Array<[string, string]> {
  const s = r.screen;
  const p = r.baseline.plainTable;
  const n = r.keys.toLocaleString('en');
  const task = (t: { longestTaskMs: number; longTasks: number }) =>
    t.longTasks === 0 ? 'no task over 50 ms' : `${ms(t.longestTaskMs)} (${t.longTasks} over 50 ms)`;
  return [
    [`(h) seed ${n} keys for the UI (ui-inventory-seed.ts)`, `${(r.seedMs / 1000).toFixed(1)} s`],
    [
      `(h) unlock in the UI until the first rows show | every key is in`,
      `${(r.unlockAndListMs / 1000).toFixed(1)} s | ${(r.unlockAndLoadMs / 1000).toFixed(1)} s`,
    ],
    [
      `(h) baseline: raw keys:list of ${n} from the page`,
      `${ms(r.baseline.keysListMs)} (${(r.baseline.replyBytes / 1024 / 1024).toFixed(1)} MiB of JSON)`,
    ],
    [
      `(h) raw keys:list-summaries of ${n} in one reply, from the kept read`,
      `${ms(r.baseline.summariesMs)} (${(r.baseline.summaryBytes / 1024 / 1024).toFixed(1)} MiB of JSON)`,
    ],
    [
      `(h) data arrived -> first rows painted: grid (first page) | plain table (all ${n})`,
      `${ms(s.firstRows.paintMs)} (in the DOM ${ms(s.firstRows.domMs)}) | ${ms(p.firstRowsMs)}`,
    ],
    [
      `(h) last page arrived -> the whole table painted (grid)`,
      `${ms(s.everyKey.paintMs)} (in the DOM ${ms(s.everyKey.domMs)})`,
    ],
    [`(h) rows in the DOM: grid | plain table`, `${s.domRows} | ${r.keys.toLocaleString('en')}`],
    [
      `(h) state filter "${FILTER_STATE}" -> painted: grid | plain table`,
      `${ms(s.filter.paintMs)} (${s.filter.shown}) | ${ms(p.filterMs)}`,
    ],
    [`(h) clear the filter -> painted (grid)`, ms(s.clearFilter.paintMs)],
    [
      `(h) search "${SEARCH_WORD}" -> painted: grid | plain table`,
      `${ms(s.search.paintMs)} (${s.search.shown}) | ${ms(p.searchMs)}`,
    ],
    [
      `(h) sort by crypto-period: first (sorts ${n}) | reversed (grid)`,
      `${ms(s.firstSort.paintMs)} | ${ms(s.reverseSort.paintMs)}`,
    ],
    [
      `(h) scroll top to bottom (${SCROLL_STEPS} steps), longest task: grid | plain table`,
      `${task(s.scroll)} | ${task({ longestTaskMs: p.scrollLongestTaskMs, longTasks: p.scrollLongTasks })}`,
    ],
    [
      `(h) scroll, longest frame: grid | plain table`,
      `${ms(s.scroll.longestFrameMs)} | ${ms(p.longestFrameMs)}`,
    ],
    [`(h) ${WHEEL_EVENTS} wheel events, longest task (grid)`, task(s.wheel)],
    [`(h) ${PAGE_DOWNS} x Page Down, End, Home, longest task (grid)`, task(s.keys)],
    [
      `(h) page JS heap: once loaded | after the measurements`,
      `${(r.heapBytes / 1024 / 1024).toFixed(0)} MiB | ${(r.heapAfterBytes / 1024 / 1024).toFixed(0)} MiB`,
    ],
    [`(h) UI benchmark time`, `${(r.totalMs / 1000).toFixed(1)} s`],
  ];
}

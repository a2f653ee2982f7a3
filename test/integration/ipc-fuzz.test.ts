import { randomInt } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IpcMainInvokeEvent } from 'electron';
import { registerChannels } from '../../electron/main/ipc.ts';
import type { HandlerRegistry } from '../../electron/main/ipc.ts';
import { appUrlCheck } from '../../electron/main/window-policy.ts';
import { KeywardenServices } from '../../electron/services/services.ts';
import { realDeps } from '../../electron/services/runtime.ts';
import type { Sealer } from '../../electron/services/runtime.ts';
import { CHANNELS, contract } from '../../electron/shared/contract.ts';
import type { Channel, Reply } from '../../electron/shared/contract.ts';
import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';
import { malformedRequests, seededRandom, validRequest } from '../helpers/malformed-requests.ts';
import { passphraseBytes, tempDir } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// The IPC boundary under a storm of malformed requests: every contract channel registered by
// main's own registerChannels() on a Map standing in for ipcMain, the real services behind it
// with a real vault, created and unlocked so a request that slipped past validation would run.
// Each request crosses as Electron carries it (a structured clone); every reply must be
// IPC_BAD_REQUEST with a short message, and nothing may have run, been logged or polluted.
// KEYWARDEN_FUZZ_SEED replays a run; each failure message names the seed.

const SEED = Number(process.env.KEYWARDEN_FUZZ_SEED ?? randomInt(2 ** 31));
const SEEDED = `seed ${SEED} (replay with KEYWARDEN_FUZZ_SEED=${SEED})`;
/** Random multi-field requests per channel, on top of the systematic ones. */
const COMPOUND_PER_CHANNEL = 40;
const MIN_PER_CHANNEL = 70;
const MIN_TOTAL = 10_000;
/** A refusal names the field and the rule; it never repeats what was sent. */
const MAX_MESSAGE_LENGTH = 500;

type Handler = (event: IpcMainInvokeEvent, request: unknown) => Promise<Reply<unknown>>;
const fromFrame = (senderFrame: unknown) => ({ senderFrame }) as unknown as IpcMainInvokeEvent;
const APP_FRAME = fromFrame({ url: 'app://keywarden/index.html', parent: null });

// Should a request slip through, it must not reach the developer's own OS keychain or TPM.
const unavailable = async (): Promise<never> => {
  throw new KeywardenError(ErrorCode.KEYCHAIN_UNAVAILABLE, 'No OS keychain in the fuzz test.');
};
const NO_KEYCHAIN: Sealer = {
  kind: 'os-keyring',
  seal: unavailable,
  unseal: unavailable,
  forget: unavailable,
};

interface Outcome {
  channel: Channel;
  label: string;
  reply?: Reply<unknown>;
  thrown?: string;
}

let dir: TempDir;
let workingDir: string;
let vaultPath: string;
let services: KeywardenServices;
const handlers = new Map<string, Handler>();
let serviceCalls = 0;
let auditBefore: unknown;
let filesBefore: string[];
const outcomes: Outcome[] = [];
const prototypeKeys = () =>
  [Object.prototype, Array.prototype, Function.prototype].map((proto) => Reflect.ownKeys(proto));
const prototypesBefore = prototypeKeys();

/** Calls a channel from the app's main frame; returns its value or throws with its error. */
async function call(channel: Channel, request: unknown): Promise<unknown> {
  const reply = await handlers.get(channel)!(APP_FRAME, structuredClone(request));
  if (!reply.ok) throw new Error(`${channel}: ${reply.error.code}: ${reply.error.message}`);
  return reply.value;
}

/** What is wrong with one reply, or null when it is the IPC_BAD_REQUEST refusal expected. */
function problemOf({ reply, thrown }: Outcome): string | null {
  if (thrown !== undefined) return `the handler threw ${thrown.slice(0, 100)}`;
  if (!reply) return 'no reply';
  if (reply.ok) return 'it ran (ok: true)';
  const { code, message } = reply.error;
  if (code !== 'IPC_BAD_REQUEST') return `answered ${code}`;
  if (Object.keys(reply).length !== 2 || Object.keys(reply.error).length !== 2)
    return 'a reply with extra fields';
  if (typeof message !== 'string' || message.length === 0) return 'an empty message';
  if (message.length > MAX_MESSAGE_LENGTH) return `a message over ${MAX_MESSAGE_LENGTH} chars`;
  return null;
}

/** Failures grouped by what went wrong and the malformed value, each with a count and an example. */
function summarise(failures: Outcome[]): string[] {
  const groups = new Map<string, { count: number; example: string }>();
  for (const outcome of failures) {
    // A compound request fails for the reason one of its parts does: one group for them all.
    const { label } = outcome;
    const value = label.startsWith('compound')
      ? 'compound'
      : label.slice(label.lastIndexOf(': ') + 1).trim();
    const key = `${problemOf(outcome)} <- ${value}`;
    const group = groups.get(key) ?? { count: 0, example: `${outcome.channel} ${outcome.label}` };
    group.count += 1;
    groups.set(key, group);
  }
  const lines = [...groups].map(
    ([key, { count, example }]) => `${key}: ${count}x, e.g. ${example.slice(0, 160)}`,
  );
  // The first groups say enough; thousands of lines would hide them.
  return lines.length === 0 ? [] : [`${failures.length} failed`, ...lines.slice(0, 60)];
}

beforeAll(async () => {
  dir = tempDir('keywarden-ipc-fuzz-');
  // Base requests name relative paths ('a'): should one run, it writes inside the temp folder.
  workingDir = process.cwd();
  process.chdir(dir.path);
  const deps = realDeps({ keychain: NO_KEYCHAIN, tpmTcti: 'device:/nonexistent/keywarden-fuzz' });
  services = new KeywardenServices({
    deps,
    actor: 'fuzz',
    settingsPath: dir.file('settings.json'),
    defaultVaultPath: dir.file('vault.kw'),
  });
  const registry: HandlerRegistry = {
    handle: (channel, listener) => void handlers.set(channel, listener as Handler),
    removeHandler: (channel) => void handlers.delete(channel),
  };
  registerChannels(
    registry,
    (channel, request) => {
      serviceCalls += 1;
      return services.invoke(channel, request);
    },
    appUrlCheck(null),
  );
  vaultPath = dir.file('vault.kw');
  const path = vaultPath;
  const kdf = { memoryMiB: 19, iterations: 2, parallelism: 1 };
  await call('vault:init', { path, passphrase: passphraseBytes(), kdf });
  await call('vault:unlock', {
    path,
    factor: { kind: 'passphrase', passphrase: passphraseBytes() },
  });
  await call('people:add', { name: 'Ada', roles: ['custodian'] });
  auditBefore = await call('audit:list', { path: vaultPath });
  filesBefore = readdirSync(dir.path).sort();
});

afterAll(() => {
  services?.shutdown();
  process.chdir(workingDir);
  dir?.cleanup();
});

describe('IPC fuzz: malformed requests on every channel', () => {
  it(`sends at least ${MIN_TOTAL} malformed requests, at least ${MIN_PER_CHANNEL} on each channel`, async () => {
    const random = seededRandom(SEED);
    const started = performance.now();
    for (const channel of CHANNELS) {
      const handler = handlers.get(channel)!;
      const requests = malformedRequests(contract[channel].request, {
        random,
        compound: COMPOUND_PER_CHANNEL,
      });
      for (const { label, make } of requests) {
        // What Electron's IPC delivers: a structured clone of what the renderer sent.
        const request = structuredClone(make());
        try {
          // The reply crosses back the same way, so it must be cloneable too.
          outcomes.push({
            channel,
            label,
            reply: structuredClone(await handler(APP_FRAME, request)),
          });
        } catch (error) {
          outcomes.push({ channel, label, thrown: String(error) });
        }
      }
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.info(`IPC fuzz: ${outcomes.length} malformed requests in ${seconds} s, ${SEEDED}`);
    const answered = new Map<string, number>();
    for (const { channel } of outcomes) answered.set(channel, (answered.get(channel) ?? 0) + 1);
    const thin = CHANNELS.filter((channel) => (answered.get(channel) ?? 0) < MIN_PER_CHANNEL);
    expect(thin, SEEDED).toEqual([]);
    expect(outcomes.length, SEEDED).toBeGreaterThanOrEqual(MIN_TOTAL);
    const threw = outcomes.filter((outcome) => outcome.thrown !== undefined);
    expect(summarise(threw), SEEDED).toEqual([]);
  });

  it('answers every one with IPC_BAD_REQUEST: nothing ran, nothing failed inside', () => {
    const wrongCode = outcomes.filter((outcome) => {
      const problem = problemOf(outcome);
      return problem !== null && !problem.startsWith('a message') && problem !== 'an empty message';
    });
    expect(summarise(wrongCode), SEEDED).toEqual([]);
  });

  it(`says why in a message of 1 to ${MAX_MESSAGE_LENGTH} characters, never echoing the input`, () => {
    const badMessage = outcomes.filter((outcome) => {
      const problem = problemOf(outcome);
      return (
        problem !== null && (problem.startsWith('a message') || problem === 'an empty message')
      );
    });
    expect(summarise(badMessage), SEEDED).toEqual([]);
  });

  it('leaves Object.prototype, Array.prototype and Function.prototype untouched', () => {
    expect(prototypeKeys(), SEEDED).toEqual(prototypesBefore);
    expect(({} as Record<string, unknown>).polluted, SEEDED).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>).polluted, SEEDED).toBeUndefined();
  });

  it('ran nothing: the audit log and the folder are as they were, and the vault verifies', async () => {
    expect(await call('audit:list', { path: vaultPath }), SEEDED).toEqual(auditBefore);
    expect(readdirSync(dir.path).sort(), SEEDED).toEqual(filesBefore);
    // vault:verify and audit:verify check every record and the whole audit chain.
    const status = (await call('vault:verify', {})) as { auditEntries: number };
    const audit = (await call('audit:list', { path: vaultPath })) as unknown[];
    expect(status.auditEntries, SEEDED).toBe(audit.length);
    expect(await call('audit:verify', {}), SEEDED).toMatchObject({ intact: true });
    expect(await call('people:list', {}), SEEDED).toMatchObject([
      { name: 'Ada', roles: ['custodian'] },
    ]);
  });
});

/** Senders that are not the app's page in its main frame. */
const UNTRUSTED_SENDERS: [string, unknown][] = [
  [
    'a subframe of the app page',
    { url: 'app://keywarden/index.html', parent: { url: 'app://keywarden/index.html' } },
  ],
  ['a foreign origin', { url: 'https://evil.example/', parent: null }],
  ['a look-alike host', { url: 'app://keywarden.evil/', parent: null }],
  ['a port on the app host', { url: 'app://keywarden:8080/index.html', parent: null }],
  ['user info in the URL', { url: 'app://user:pass@keywarden/index.html', parent: null }],
  ['a file: URL', { url: 'file:///tmp/index.html', parent: null }],
  ['a dev-server origin with no dev server', { url: 'http://localhost:5173/', parent: null }],
  ['about:blank', { url: 'about:blank', parent: null }],
  ['a URL that does not parse', { url: 'not a url', parent: null }],
  ['a missing senderFrame', undefined],
  ['a null senderFrame', null],
];

describe('IPC senders', () => {
  it.each(UNTRUSTED_SENDERS)(
    'every channel refuses %s, even a valid request, before the services',
    async (_, frame) => {
      const auditNow = await call('audit:list', { path: vaultPath });
      const callsBefore = serviceCalls;
      for (const channel of CHANNELS) {
        const request = structuredClone(validRequest(contract[channel].request));
        const reply = await handlers.get(channel)!(fromFrame(frame), request);
        expect(reply, channel).toEqual({
          ok: false,
          error: { code: 'IPC_BAD_REQUEST', message: expect.stringMatching(/\S/) },
        });
      }
      expect(serviceCalls).toBe(callsBefore);
      expect(await call('audit:list', { path: vaultPath })).toEqual(auditNow);
    },
  );
});

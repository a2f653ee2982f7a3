import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { VaultDeps } from '../../electron/core/vault/vault.ts';
import { realDeps } from '../../electron/services/runtime.ts';
import { openTokenLayer } from '../../native/pkcs11/pkcs11-client.ts';
import type { TokenLayer } from '../../native/pkcs11/pkcs11.ts';
import { tpm2AddonAvailable } from '../../native/tpm2/tpm2.ts';
import { startKeyring } from '../helpers/keyring.fixture.ts';
import { SOFTHSM_MODULE, startSoftHsm } from '../helpers/softhsm.fixture.ts';
import { startSwtpm } from '../helpers/swtpm.fixture.ts';
import type { SwtpmSession } from '../helpers/swtpm.fixture.ts';

// The real parts the slot unlock benchmark (unlock-bench.ts) unlocks with: gnome-keyring on a
// private D-Bus, swtpm, and SoftHSM2 tokens behind the token layer, each with a P-256 key (and
// the first with an RSA-2048 key too). A part that does not start is named with the reason,
// and the others still start. The keyring goes first: the keychain binding keeps the session
// bus it first connects to, and nothing in the benchmark loads it before this.

/** The parts a slot kind may need. */
export type Part = 'tpm' | 'keychain' | 'tokens';

export interface BenchToken {
  serial: string;
  /** A test PIN (the fixture's); callers copy it into bytes they zero. */
  pin: string;
  /** CKA_ID of the token's EC P-256 key. */
  p256: string;
}

export interface SlotParts {
  /** realDeps with the swtpm TCTI and the token layer; no TPM at all when swtpm is missing. */
  deps: VaultDeps;
  /** Why each part that did not start did not. */
  missing: Partial<Record<Part, string>>;
  layer?: TokenLayer;
  tokens: BenchToken[];
  /** CKA_ID of the RSA-2048 key on the first token ('' without tokens). */
  rsaKeyId: string;
  /** Stops every part that started, in reverse order; logs (never throws) what would not stop. */
  stop(): Promise<void>;
}

const POLL_MS = 60_000;
const KEYRING_TOOLS = ['dbus-daemon', 'gnome-keyring-daemon', 'secret-tool'];
const TPM_TOOLS = ['swtpm', 'tpm2_getcap'];
const SOFTHSM_TOOLS = ['softhsm2-util'];

/** The first line of an error's message: what a table row can show. */
export const reason = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0]?.trim() ?? '';

const onPath = (tool: string) =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

/**
 * Runs `start` unless a tool the part needs is not installed; records in `missing` why the
 * part is not there. The tools are looked for first because the keyring fixture does not
 * listen for gnome-keyring-daemon failing to spawn: a missing one would end the whole run.
 */
async function startPart<T>(
  missing: SlotParts['missing'],
  part: Part,
  tools: string[],
  start: () => Promise<T>,
): Promise<T | undefined> {
  const absent = tools.filter((tool) => !onPath(tool));
  if (absent.length > 0) {
    missing[part] = `not installed: ${absent.join(', ')}`;
    return undefined;
  }
  try {
    return await start();
  } catch (error) {
    missing[part] = reason(error);
    return undefined;
  }
}

/**
 * Starts the keyring, swtpm and `tokenCount` SoftHSM2 tokens with their keys, and the token
 * layer over them (polling every 60 s, so never within a round). Never throws for a part that
 * does not start (see `missing`); anything else it throws comes after it stopped what started.
 */
export async function startParts(
  tokenCount: number,
  log: (line: string) => void,
): Promise<SlotParts> {
  const cleanups: Array<[name: string, stop: () => unknown]> = [];
  const stop = async () => {
    for (const [name, stopPart] of cleanups.splice(0).reverse()) {
      try {
        await stopPart();
      } catch (error) {
        log(`  could not stop ${name}: ${reason(error)}`);
      }
    }
  };
  try {
    const missing: SlotParts['missing'] = {};
    const keyring = await startPart(missing, 'keychain', KEYRING_TOOLS, startKeyring);
    if (keyring) cleanups.push(['gnome-keyring and its D-Bus', () => keyring.stop()]);
    let tpm: SwtpmSession | undefined;
    if (tpm2AddonAvailable()) tpm = await startPart(missing, 'tpm', TPM_TOOLS, startSwtpm);
    else missing.tpm = 'the TPM 2.0 addon is not built (npm run postinstall)';
    if (tpm) cleanups.push(['swtpm', () => tpm.stop()]);
    const kit = await startPart(missing, 'tokens', SOFTHSM_TOOLS, async () => {
      const hsm = startSoftHsm({ tokens: tokenCount, prefix: 'kw-unlock-' });
      cleanups.push(['SoftHSM2 tokens', () => hsm.cleanup()]);
      // Closed before the tokens' folder goes (cleanups run in reverse).
      const layer = openTokenLayer({ modules: [SOFTHSM_MODULE], pollMs: POLL_MS });
      cleanups.push(['token layer', () => layer.close()]);
      const tokens: BenchToken[] = [];
      let rsaKeyId = '';
      for (const t of hsm.tokens) {
        // Copied into the worker per call; this copy is zeroed here.
        const pin = Buffer.from(t.pin, 'utf8');
        try {
          const ref = { module: '', serial: t.serial };
          const key = await layer.generate(ref, pin, { algorithm: 'p256', label: 'bench p256' });
          tokens.push({ serial: t.serial, pin: t.pin, p256: key.id });
          if (!rsaKeyId) {
            const rsa = { algorithm: 'rsa2048', label: 'bench rsa2048' } as const;
            rsaKeyId = (await layer.generate(ref, pin, rsa)).id;
          }
        } finally {
          pin.fill(0);
        }
      }
      return { layer, tokens, rsaKeyId };
    });
    for (const [part, why] of Object.entries(missing)) log(`  ${part} unavailable: ${why}`);
    const { tpm2, ...base } = realDeps(tpm ? { tpmTcti: tpm.tcti } : {});
    const deps: VaultDeps = {
      ...base,
      // Without swtpm no TPM at all: never the machine's own.
      ...(tpm ? { tpm2 } : {}),
      ...(kit ? { tokens: () => kit.layer } : {}),
    };
    return {
      deps,
      missing,
      ...(kit ? { layer: kit.layer } : {}),
      tokens: kit?.tokens ?? [],
      rsaKeyId: kit?.rsaKeyId ?? '',
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

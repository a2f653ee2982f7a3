import { resolve } from 'node:path';
import { ErrorCode, KeywardenError } from '../shared/errors.ts';
import { contract, isChannel } from '../shared/contract.ts';
import type {
  Channel,
  FactorEnrolmentRequest,
  KdfRequest,
  ResponseOf,
  LockReason,
  ServiceEvent,
} from '../shared/contract.ts';
import type { FactorEnrolment } from '../core/vault/factor-types.ts';
import { createVault, openVaultFile } from '../core/vault/vault.ts';
import type { UnlockedVault, VaultDeps } from '../core/vault/vault.ts';
import type { CalibrationProgress, KdfChoice } from '../core/vault/kdf-params.ts';
import { KDF_DEFAULTS } from '../core/vault/kdf-params.ts';
import { inventoryHandlers } from './inventory-handlers.ts';
import { keyFormatHandlers } from './key-format-handlers.ts';
import { tokenHandlers } from './token-handlers.ts';
import { ceremonyHandlers } from './ceremony-handlers.ts';
import { ceremonyRunHandlers } from './ceremony-run-handlers.ts';
import { HeldContributions } from './ceremony-contributions.ts';
import { refusal, requirePlainData, zeroSecrets } from './request-checks.ts';
import { appHandlers, ClipboardGuard } from './app-handlers.ts';
import type { ClipboardPort } from './app-handlers.ts';
import { printHandlers } from './print-handlers.ts';
import type { PrinterPort } from './print-handlers.ts';
import { defaultVaultPath, settingsPath } from './settings.ts';
import type { TokenLayer } from '../../native/pkcs11/pkcs11.ts';
import type { z } from 'zod';

// The application layer: one function per IPC channel. Each validates its request against
// the contract's schema, calls core, and returns a plain value (or throws a KeywardenError).
// The Electron main process, the CLI and the test bridge all call exactly these.

export interface ServiceContext {
  deps: VaultDeps;
  /** Who is acting, as the audit log records it. */
  actor: string;
  /** Long work (KDF calibration) reports here. */
  onProgress?: (progress: CalibrationProgress) => void;
  /** The application's version, as exports (the CBOM) name the tool. */
  appVersion?: string;
  /** The contract's events (rewrap progress, tokens coming and going) go here. */
  onEvent?: (event: ServiceEvent) => void;
  /** Starts the PKCS#11 token layer (a worker thread) on first use; none means no tokens. */
  openTokens?: () => TokenLayer;
  /** Push token insertions and removals as events (the app does; a one-off CLI call does not). */
  watchTokens?: boolean;
  /** The clipboard `clipboard:copy-text` writes to; none in the command line. */
  clipboard?: ClipboardPort;
  /** Where `files:print-pdf` sends a PDF; none in the command line. */
  printer?: PrinterPort;
  /** This OS user's settings file; the default place when absent. */
  settingsPath?: string;
  /** The vault the app opens when the settings name none (the app's data folder, the bridge's --vault). */
  defaultVaultPath?: string;
}

type Parsed<C extends Channel> = z.output<(typeof contract)[C]['request']>;
/** One handler per channel, taking the validated request. */
export type ChannelHandlers = { [C in Channel]: (request: Parsed<C>) => Promise<ResponseOf<C>> };

/** Fills a KDF request's missing values with the vault defaults. */
function toKdfChoice(request: KdfRequest | undefined): KdfChoice {
  const memoryMiB = request?.memoryMiB ?? KDF_DEFAULTS.memoryMiB;
  const parallelism = request?.parallelism ?? KDF_DEFAULTS.parallelism;
  if (request?.iterations !== undefined)
    return { kind: 'fixed', memoryMiB, parallelism, iterations: request.iterations };
  return {
    kind: 'calibrate',
    memoryMiB,
    parallelism,
    targetMs: request?.targetMs ?? KDF_DEFAULTS.targetMs,
  };
}

/** A factor to enrol as core takes it: KDF requests filled with the vault defaults. */
function toEnrolment(request: FactorEnrolmentRequest): FactorEnrolment {
  if (request.kind === 'tpm2') {
    const { kdf, pcrs, ...rest } = request;
    return { ...rest, pcrs: pcrs ?? [], ...(kdf ? { kdf: toKdfChoice(kdf) } : {}) };
  }
  if (request.kind === 'passphrase') {
    const { kdf, ...rest } = request;
    return { ...rest, ...(kdf ? { kdf: toKdfChoice(kdf) } : {}) };
  }
  return request;
}

/** The services of one process: holds at most one unlocked vault. */
export class KeywardenServices {
  private readonly context: ServiceContext;
  private unlocked: UnlockedVault | null = null;
  private tokenLayer: TokenLayer | null = null;
  private readonly handlers: ChannelHandlers;
  /** What ceremony contributors have given, held until their action runs or the vault locks. */
  private readonly ceremonyInputs = new HeldContributions();
  /** Takes copied text back off the clipboard after a while; null where there is no clipboard. */
  private readonly clipboard: ClipboardGuard | null;
  /** Transcript PDFs exported in this process, which `files:print-pdf` may print. */
  private readonly exportedPdfs = new Set<string>();
  /** Calls run one at a time, in order: an unlock never interleaves with a lock or another unlock. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Moves on every shutdown(); a call issued before a shutdown must not unlock after it. */
  private generation = 0;
  private requestGeneration = 0;

  constructor(given: ServiceContext) {
    const emit = (event: ServiceEvent) => given.onEvent?.(event);
    // A HID token waiting for a touch is told to whoever listens, so the app can ask for it.
    const heard = given.deps.onTokenProgress;
    const context: ServiceContext = {
      ...given,
      deps: {
        ...given.deps,
        onTokenProgress: (activity) => {
          heard?.(activity);
          emit({ name: 'token:activity', payload: { activity } });
        },
      },
    };
    this.context = context;
    const { deps, actor } = context;
    const onProgress = (progress: CalibrationProgress) => {
      context.onProgress?.(progress);
      emit({ name: 'vault:kdf-progress', payload: progress });
    };
    this.clipboard = context.clipboard ? new ClipboardGuard(context.clipboard) : null;
    this.handlers = {
      'vault:init': async (request) =>
        createVault(deps, {
          path: request.path,
          passphrase: request.passphrase,
          kdf: toKdfChoice(request.kdf),
          actor,
          onProgress,
        }),
      'vault:read-header': async (request) => {
        const file = openVaultFile(deps, request.path, 'read-only');
        try {
          return file.header();
        } finally {
          file.close();
        }
      },
      'vault:unlock': async (request) => {
        // The vault open before is replaced, not locked by anyone: no `vault:locked` event.
        this.lockCurrent(null);
        const generation = this.requestGeneration;
        const file = openVaultFile(this.vaultDeps(), request.path, 'read-write');
        let unlocked: UnlockedVault;
        try {
          unlocked = await file.unlock(
            request.factors ?? request.factor ?? [],
            actor,
            request.slotId !== undefined ? { slotId: request.slotId } : {},
          );
        } catch (error) {
          file.close();
          throw error;
        }
        // A lock (screen lock, suspend, quit) that came while the KDF ran wins over the unlock.
        if (generation !== this.generation) {
          unlocked.lock(actor);
          throw new KeywardenError(
            ErrorCode.VAULT_LOCKED,
            'The vault was locked (screen lock, suspend or quit) while it was being unlocked; unlock it again.',
          );
        }
        this.unlocked = unlocked;
        return unlocked.header();
      },
      'vault:lock': async () => {
        this.lockCurrent('request');
        return { locked: true };
      },
      'vault:verify': async () => this.requireUnlocked().status(actor),
      'vault:change-passphrase': async (request) => ({
        slotId: await this.requireUnlocked().changePassphrase(
          actor,
          request.newPassphrase,
          request.kdf ? toKdfChoice(request.kdf) : null,
          onProgress,
          request.reauth,
        ),
      }),
      'vault:add-keychain-slot': async (request) =>
        this.requireUnlocked().addKeychainSlot(actor, request.reauth),
      'vault:add-slot': async (request) =>
        this.requireUnlocked().addSlot(
          actor,
          {
            factors: request.factors.map(toEnrolment),
            ...(request.threshold !== undefined ? { threshold: request.threshold } : {}),
            ...(request.name !== undefined ? { name: request.name } : {}),
            onProgress,
          },
          request.reauth,
        ),
      'vault:rename-slot': async (request) => {
        await this.requireUnlocked().renameSlot(
          actor,
          request.slotId,
          request.name,
          request.reauth,
        );
        return { slotId: request.slotId, name: request.name };
      },
      'vault:remove-slot': async (request) =>
        this.requireUnlocked().removeSlot(actor, request.slotId, request.reauth),
      'audit:verify': async (request) => {
        if (
          this.unlocked &&
          !this.unlocked.locked &&
          (request.path === undefined || request.path === this.unlocked.header().path)
        ) {
          return this.unlocked.verifyAudit();
        }
        if (request.path === undefined)
          throw new KeywardenError(
            ErrorCode.VAULT_LOCKED,
            'No vault is open; name one with a path.',
          );
        const file = openVaultFile(deps, request.path, 'read-only');
        try {
          return file.verifyAuditChain();
        } finally {
          file.close();
        }
      },
      'audit:list': async (request) => {
        const options = {
          ...(request.afterSeq !== undefined ? { afterSeq: request.afterSeq } : {}),
          ...(request.limit !== undefined ? { limit: request.limit } : {}),
        };
        const path = request.path ?? this.unlocked?.header().path;
        if (path === undefined)
          throw new KeywardenError(
            ErrorCode.VAULT_LOCKED,
            'No vault is open; name one with a path.',
          );
        const file = openVaultFile(deps, path, 'read-only');
        try {
          return file.listAudit(options);
        } finally {
          file.close();
        }
      },
      ...inventoryHandlers(
        () => this.requireUnlocked(),
        () => this.tokens(),
        actor,
        deps.now,
        emit,
      ),
      ...tokenHandlers(() => this.tokens()),
      ...keyFormatHandlers(
        () => this.requireUnlocked(),
        actor,
        deps.now,
        context.appVersion ?? 'unknown',
      ),
      ...ceremonyHandlers(() => this.requireUnlocked(), deps, actor),
      ...ceremonyRunHandlers(
        () => this.requireUnlocked(),
        deps,
        actor,
        (channel, request) => this.callWithin(channel, request),
        this.ceremonyInputs,
        emit,
      ),
      ...appHandlers(
        this.clipboard,
        {
          file: context.settingsPath ?? settingsPath(),
          defaultVaultPath: context.defaultVaultPath ?? defaultVaultPath(),
        },
        emit,
      ),
      ...printHandlers(context.printer ?? null, {
        exported: this.exportedPdfs,
        recordedSheets: () => this.recordedSheets(),
      }),
    };
    const exportTranscript = this.handlers['ceremony:export-transcript'];
    this.handlers['ceremony:export-transcript'] = async (request) => {
      const written = await exportTranscript(request);
      if (written.pdfPath !== undefined) this.exportedPdfs.add(resolve(written.pdfPath));
      return written;
    };
  }

  /** The share sheets (PDFs) the open vault's ceremonies recorded writing; none when locked. */
  private async recordedSheets(): Promise<string[]> {
    if (!this.unlocked || this.unlocked.locked) return [];
    const sheets: string[] = [];
    for (const { id } of await this.callWithin('ceremony:list', {})) {
      const view = await this.callWithin('ceremony:show', { id });
      for (const entry of view.entries) {
        const files = entry.event === 'action' ? entry.detail.files : undefined;
        if (!Array.isArray(files)) continue;
        for (const file of files)
          if (typeof file === 'string' && file.endsWith('.pdf')) sheets.push(resolve(file));
      }
    }
    return sheets;
  }

  /** The vault's dependencies with this process's token layer, for the token factor. */
  private vaultDeps(): VaultDeps {
    const { deps } = this.context;
    return this.context.openTokens ? { ...deps, tokens: () => this.tokens() } : deps;
  }

  /** The token layer, started on first use. Throws MODULE_LOAD_FAILED when there is none. */
  private tokens(): TokenLayer {
    if (this.tokenLayer) return this.tokenLayer;
    if (!this.context.openTokens) {
      throw new KeywardenError(
        ErrorCode.MODULE_LOAD_FAILED,
        'This Keywarden has no PKCS#11 support configured.',
      );
    }
    const layer = this.context.openTokens();
    if (this.context.watchTokens) {
      layer.onChange((change) =>
        this.context.onEvent?.({ name: 'tokens:changed', payload: change }),
      );
    }
    this.tokenLayer = layer;
    return layer;
  }

  /** Locks the vault and finalises every PKCS#11 module (on quit, and when the CLI is done). */
  async dispose(): Promise<void> {
    this.shutdown();
    const layer = this.tokenLayer;
    this.tokenLayer = null;
    await layer?.close();
  }

  private requireUnlocked(): UnlockedVault {
    if (!this.unlocked || this.unlocked.locked)
      throw new KeywardenError(ErrorCode.VAULT_LOCKED, 'The vault is locked; unlock it first.');
    return this.unlocked;
  }

  /**
   * Runs another channel from inside a call (a ceremony's action), its request checked against
   * the contract as any request is: a request the ceremony built from its parameters that the
   * channel refuses is BAD_REQUEST, naming the field. Not queued: it runs within the caller.
   */
  private async callWithin<C extends Channel>(
    channel: C,
    request: unknown,
  ): Promise<ResponseOf<C>> {
    const parsed = contract[channel].request.safeParse(request);
    if (!parsed.success) {
      throw refusal(
        ErrorCode.BAD_REQUEST,
        `The ceremony's ${channel} request is refused`,
        parsed.error.issues[0],
      );
    }
    const handler = this.handlers[channel] as (request: Parsed<C>) => Promise<ResponseOf<C>>;
    return handler(parsed.data as Parsed<C>);
  }

  /**
   * Locks the vault, and logs out of every token session the token layer holds (if it was
   * started): nothing stays logged in to a card once the vault is locked.
   */
  private lockCurrent(reason: LockReason | null): void {
    const current = this.unlocked;
    this.unlocked = null;
    this.ceremonyInputs.clear();
    const wasOpen = current !== null && !current.locked;
    try {
      current?.lock(this.context.actor);
    } finally {
      // Best effort: a layer that is closing or gone holds no session either.
      this.tokenLayer?.logOutAll().catch(() => undefined);
      if (wasOpen && reason) this.context.onEvent?.({ name: 'vault:locked', payload: { reason } });
    }
  }

  /**
   * Adds a recovery-key slot and returns the key's text, to be shown once. Not an IPC
   * channel: the key must not reach the renderer (the app shows it from main). Throws
   * VAULT_LOCKED, RECOVERY_KEY_EXISTS, AUDIT_WRITE_FAILED.
   */
  addRecoveryKey(replace: boolean): { slotId: number; recoveryKey: string } {
    return this.requireUnlocked().addRecoveryKey(this.context.actor, replace);
  }

  /**
   * Validates `request` against the channel's schema and runs the channel, after every call
   * made before it. Secret bytes in the request are zeroed when the call ends, whatever its
   * outcome. Throws IPC_BAD_REQUEST for an unknown channel or a request that does not match,
   * VAULT_LOCKED for an unlock overtaken by shutdown(), else the channel's errors.
   */
  async invoke<C extends Channel>(channel: C, request: unknown): Promise<ResponseOf<C>> {
    const generation = this.generation;
    const run = async (): Promise<ResponseOf<C>> => {
      try {
        if (!isChannel(channel)) {
          throw new KeywardenError(ErrorCode.IPC_BAD_REQUEST, 'Unknown channel.');
        }
        requirePlainData(channel, request);
        const parsed = contract[channel].request.safeParse(request);
        if (!parsed.success) {
          throw refusal(
            ErrorCode.IPC_BAD_REQUEST,
            `Bad request for ${channel}`,
            parsed.error.issues[0],
          );
        }
        this.requestGeneration = generation;
        const handler = this.handlers[channel] as (request: Parsed<C>) => Promise<ResponseOf<C>>;
        return await handler(parsed.data as Parsed<C>);
      } finally {
        zeroSecrets(request);
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Clears the clipboard now if it still holds the app's last copy (on quit). */
  async releaseClipboard(): Promise<void> {
    await this.clipboard?.clearNow();
  }

  /** The channels this instance serves (for the contract test). */
  channels(): string[] {
    return Object.keys(this.handlers);
  }

  /**
   * Locks whatever is open, at once (on quit, on idle, on the OS lock screen, on suspend),
   * and voids any unlock still running. `vault:locked` tells listeners why, when a vault was open.
   */
  shutdown(reason: LockReason = 'quit'): void {
    this.generation += 1;
    try {
      this.lockCurrent(reason);
    } catch {
      // lock() has zeroed the keys whatever happened; only its audit entry may be missing.
    }
  }
}

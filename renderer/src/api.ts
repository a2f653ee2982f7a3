import { useCallback, useEffect, useRef, useState } from 'react';
import type { EventListener } from '../../electron/shared/api.ts';
import type { EventName, Reply } from '../../electron/shared/contract.ts';
import type { ErrorInfo } from '../../electron/shared/errors.ts';

// How screens talk to window.keywarden: every call goes through ask(), which turns a
// `{ ok: false, error }` reply into a thrown CallError carrying the code; useQuery loads data
// and reloads it on demand; useEvent listens to one of the contract's events for as long as
// a component is mounted.

/** A refused or failed call, with the service's code and message. */
export class CallError extends Error {
  readonly code: ErrorInfo['code'];
  constructor(error: ErrorInfo) {
    super(error.message);
    this.code = error.code;
  }
}

/** The API of the main process (the preload's, or the test bridge's shim). */
export const keywarden = () => window.keywarden;

/** Awaits a reply; returns its value, or throws CallError with the error it carries. */
export async function ask<T>(reply: Promise<Reply<T>>): Promise<T> {
  const answer = await reply;
  if (!answer.ok) throw new CallError(answer.error);
  return answer.value;
}

/** What an error says to a person: its code and message, whatever threw it. */
export function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof CallError) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: 'Something went wrong in the app; try again.' };
}

/**
 * Runs `use` with the UTF-8 bytes of `text` (NFC-normalised, as the CLI reads passphrases)
 * and zeroes them afterwards, whatever happens: the page keeps no copy of a secret's bytes.
 */
export async function withSecret<T>(
  text: string,
  use: (bytes: Uint8Array) => Promise<T>,
): Promise<T> {
  const bytes = new TextEncoder().encode(text.normalize('NFC'));
  try {
    return await use(bytes);
  } finally {
    bytes.fill(0);
  }
}

export interface Query<T> {
  data: T | null;
  error: ErrorInfo | null;
  loading: boolean;
  reload: () => void;
}

/** Loads `load()` when mounted and whenever `reload` is called or `deps` change. */
export function useQuery<T>(load: () => Promise<T>, deps: readonly unknown[] = []): Query<T> {
  const [state, setState] = useState<{ data: T | null; error: ErrorInfo | null; loading: boolean }>(
    { data: null, error: null, loading: true },
  );
  const [round, setRound] = useState(0);
  const latest = useRef(load);
  latest.current = load;
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    latest.current().then(
      (data) => current && setState({ data, error: null, loading: false }),
      (error: unknown) =>
        current && setState({ data: null, error: errorInfo(error), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [round, ...deps]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload };
}

/** Listens to a contract event while the component is mounted. */
export function useEvent<E extends EventName>(name: E, listener: EventListener<E>): void {
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => keywarden().on(name, (payload) => latest.current(payload)), [name]);
}

/** Runs an action once at a time, keeping its error for display. */
export function useAction<A extends unknown[], T>(
  action: (...args: A) => Promise<T>,
): {
  run: (...args: A) => Promise<T | undefined>;
  busy: boolean;
  error: ErrorInfo | null;
  clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const run = useCallback(
    async (...args: A) => {
      setBusy(true);
      setError(null);
      try {
        return await action(...args);
      } catch (caught) {
        setError(errorInfo(caught));
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [action],
  );
  return { run, busy, error, clear: () => setError(null) };
}

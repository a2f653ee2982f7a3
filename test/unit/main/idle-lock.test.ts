import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IDLE_POLL_MS, startIdleLock } from '../../../electron/main/idle-lock.ts';

describe('the idle lock', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** A machine whose idle time the test sets, and the locks that happened. */
  function machine(minutes: number) {
    const state = { idle: 0, minutes, locks: 0 };
    const stop = startIdleLock({
      idleSeconds: () => state.idle,
      minutes: () => state.minutes,
      lock: () => (state.locks += 1),
    });
    return { state, stop };
  }

  it('locks once when the idle time reaches the setting, and again only after new input', () => {
    const { state, stop } = machine(5);
    state.idle = 299;
    vi.advanceTimersByTime(IDLE_POLL_MS);
    expect(state.locks).toBe(0);
    state.idle = 300;
    vi.advanceTimersByTime(IDLE_POLL_MS);
    expect(state.locks).toBe(1);
    state.idle = 900;
    vi.advanceTimersByTime(5 * IDLE_POLL_MS);
    expect(state.locks).toBe(1);
    state.idle = 3; // someone typed
    vi.advanceTimersByTime(IDLE_POLL_MS);
    state.idle = 301;
    vi.advanceTimersByTime(IDLE_POLL_MS);
    expect(state.locks).toBe(2);
    stop();
  });

  it('follows a changed setting, and never locks when it is 0', () => {
    const { state, stop } = machine(0);
    state.idle = 100_000;
    vi.advanceTimersByTime(10 * IDLE_POLL_MS);
    expect(state.locks).toBe(0);
    state.minutes = 1;
    vi.advanceTimersByTime(IDLE_POLL_MS);
    expect(state.locks).toBe(1);
    stop();
  });

  it('stops polling when stopped', () => {
    const { state, stop } = machine(1);
    stop();
    state.idle = 1_000;
    vi.advanceTimersByTime(10 * IDLE_POLL_MS);
    expect(state.locks).toBe(0);
  });
});

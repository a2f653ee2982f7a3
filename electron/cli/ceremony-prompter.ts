import { ErrorCode, KeywardenError } from '../shared/errors.ts';
import { promptHidden, promptLine } from './secret-input.ts';

// Where `ceremony run` asks its questions: at a terminal, secrets without echo; or, with
// standard input not a terminal (a script for a rehearsal, or a test), one line of input per
// question, read as bytes so a secret line is held in a Buffer that is zeroed, not a string.

export interface Prompter {
  /** Asks a question; returns the answer, trimmed. Throws SECRET_INPUT_UNAVAILABLE at end of input. */
  line(question: string): Promise<string>;
  /** Asks for a secret; the caller zeroes what it returns. Throws as line. */
  secret(question: string): Promise<Buffer>;
  close(): void;
}

/** Questions at a terminal, secrets with echo off. */
export function terminalPrompter(): Prompter {
  return { line: promptLine, secret: promptHidden, close: () => undefined };
}

/** One line of standard input per question (asked on `ask`, so a transcript of it reads well). */
export function pipedPrompter(ask: (question: string) => void): Prompter {
  const stdin = process.stdin;
  let held = Buffer.alloc(0);
  let ended = false;
  let wake: (() => void) | null = null;
  const onData = (chunk: Buffer) => {
    const joined = Buffer.concat([held, chunk]);
    held.fill(0);
    chunk.fill(0);
    held = joined;
    wake?.();
  };
  const onEnd = () => {
    ended = true;
    wake?.();
  };
  stdin.on('data', onData);
  stdin.on('end', onEnd);
  const next = async (question: string): Promise<Buffer> => {
    ask(question);
    for (;;) {
      const newline = held.indexOf(0x0a);
      if (newline >= 0) {
        const end = newline > 0 && held[newline - 1] === 0x0d ? newline - 1 : newline;
        const line = Buffer.from(held.subarray(0, end));
        const rest = Buffer.from(held.subarray(newline + 1));
        held.fill(0);
        held = rest;
        return line;
      }
      if (ended) {
        if (held.length > 0) {
          const line = held;
          held = Buffer.alloc(0);
          return line;
        }
        throw new KeywardenError(
          ErrorCode.SECRET_INPUT_UNAVAILABLE,
          'The input ended before the ceremony did; resume it with "keywarden ceremony resume ID".',
        );
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = null;
    }
  };
  return {
    line: async (question) => {
      const bytes = await next(question);
      return bytes.toString('utf8').trim();
    },
    secret: next,
    close: () => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
      held.fill(0);
    },
  };
}

import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { ErrorCode, KeywardenError } from '../shared/errors.ts';

// Output files written as a set: every one is created (never over an existing file, a dangling
// link included) before any work is done, and removed again if the work or a write fails, so
// a run leaves all of them or none.

export interface ReservedOutputs {
  /** Fills each file with its contents, flushes and closes them. */
  write: (contents: Uint8Array[]) => void;
  /** Removes every file made. */
  abandon: () => void;
}

/** Why a file could not be created, in words (from its errno code). */
export function whyNot(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EEXIST':
      return 'it already exists; nothing is overwritten';
    case 'ENOENT':
      return 'its folder does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of its path is not a folder';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'the disk is full';
    default:
      return 'the system refused';
  }
}

/**
 * Creates each output file and holds it open. `what` names the files in messages ("signature",
 * "share"); `mode` is their permission bits (0o600 for secrets). Throws BAD_REQUEST naming the
 * file that cannot be created, having removed the ones made before it.
 */
export function reserveOutputs(
  paths: readonly string[],
  { what, mode }: { what: string; mode: number },
): ReservedOutputs {
  const made: Array<{ path: string; fd: number }> = [];
  const abandon = () => {
    for (const { path, fd } of made.splice(0)) {
      closeSync(fd);
      rmSync(path, { force: true });
    }
  };
  for (const path of paths) {
    try {
      made.push({ path, fd: openSync(path, 'wx', mode) });
    } catch (error) {
      abandon();
      throw new KeywardenError(
        ErrorCode.BAD_REQUEST,
        `Cannot write ${path} (${whyNot(error)}); no ${what} file was written.`,
      );
    }
  }
  return {
    write: (contents) => {
      try {
        made.forEach(({ fd }, index) => {
          writeSync(fd, contents[index] ?? new Uint8Array(0));
          fsyncSync(fd);
        });
      } catch (error) {
        abandon();
        throw new KeywardenError(ErrorCode.BAD_REQUEST, `Cannot write the ${what} files.`, {
          cause: error,
        });
      }
      for (const { fd } of made.splice(0)) closeSync(fd);
    },
    abandon,
  };
}

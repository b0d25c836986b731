// The --log-file sink: log lines appended to a file, written synchronously so
// that the last lines before an exit (the stop, a start failure) are never
// lost and lines from one process never interleave mid-line.

import { closeSync, openSync, writeSync } from 'node:fs';
import { SippyError } from './errors.js';
import type { LogStream } from './log.js';

export interface LogFile extends LogStream {
  /** Idempotent; later writes are dropped. */
  close(): void;
}

/** Opens `path` for appending (created with mode 0640). Throws LOG_FILE_UNWRITABLE. */
export function openLogFile(path: string): LogFile {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'a', 0o640);
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'error';
    throw new SippyError('LOG_FILE_UNWRITABLE', `--log-file: cannot open ${JSON.stringify(path)} for appending (${code})`);
  }
  return {
    isTTY: false,
    write(text: string): void {
      if (fd === undefined) return;
      try {
        writeSync(fd, text);
      } catch {
        // A full disk must not take routing down: the line is lost, requests go on.
      }
    },
    close(): void {
      if (fd === undefined) return;
      closeSync(fd);
      fd = undefined;
    },
  };
}

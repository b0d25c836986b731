// Reading the econfig file so that nothing at its path can stall the
// supervisor. A FIFO (`rm econfig; mkfifo econfig`) blocks a plain open()
// until a writer comes, a device can answer forever, and a hung file system
// blocks a libuv worker thread with no way to cancel it. So: the open is
// non-blocking (a FIFO opens at once), only a regular file is read (fstat of
// the open descriptor, so a swap between a check and the read cannot slip a
// FIFO in), the read is bounded in bytes and in time, and while a read that
// timed out is still stuck no new one is started (each would pin one more of
// libuv's few worker threads).

import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { MAX_ECONFIG_BYTES } from '../econfig/index.js';

/** Bound on one read of the econfig file (open, fstat, read, close), ms. */
export const ECONFIG_READ_TIMEOUT_MS = 2000;

export type EconfigRead =
  | { readonly ok: true; readonly text: string }
  /** `reason` is an errno code (ENOENT, EACCES) or a sentence saying what the path is instead. */
  | { readonly ok: false; readonly reason: string };

const CHUNK_BYTES = 64 * 1024;

function kindOf(stat: Stats): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isDirectory()) return 'a directory';
  return 'not a regular file';
}

function errnoOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'error';
}

/** One bounded read; never rejects. */
async function readRegularFile(path: string): Promise<EconfigRead> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    return { ok: false, reason: errnoOf(err) };
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return { ok: false, reason: `${kindOf(stat)}, not a regular file; only regular files are read` };
    const chunks: Buffer[] = [];
    let total = 0;
    // Up to one byte past the bound: enough to know the file is too large
    // without reading a file that grows as it is read.
    while (total <= MAX_ECONFIG_BYTES) {
      const chunk = Buffer.alloc(Math.min(CHUNK_BYTES, MAX_ECONFIG_BYTES + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
    }
    if (total > MAX_ECONFIG_BYTES) return { ok: false, reason: `larger than ${MAX_ECONFIG_BYTES} bytes` };
    return { ok: true, text: Buffer.concat(chunks, total).toString('utf8') };
  } catch (err) {
    return { ok: false, reason: errnoOf(err) };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Reads one path, one read at a time; a read that outlives its bound is reported, not awaited. */
export class EconfigReader {
  /** A read that timed out and has not finished yet. */
  private stuck: Promise<void> | undefined;

  constructor(
    readonly path: string,
    readonly timeoutMs = ECONFIG_READ_TIMEOUT_MS,
  ) {}

  /** Settles within timeoutMs whatever is at the path; never rejects. */
  async read(): Promise<EconfigRead> {
    if (this.stuck !== undefined) {
      return { ok: false, reason: `an earlier read has not finished after more than ${this.timeoutMs} ms (a hung file system?)` };
    }
    const attempt = readRegularFile(this.path);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), this.timeoutMs)));
    const outcome = await Promise.race([attempt, timedOut]);
    clearTimeout(timer);
    if (outcome !== undefined) return outcome;
    this.stuck = attempt.then(() => {
      this.stuck = undefined;
    });
    return { ok: false, reason: `no answer from the file system within ${this.timeoutMs} ms` };
  }
}

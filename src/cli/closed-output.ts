// The process's stdout and stderr may be pipes whose reader goes away first:
// `make demo | tee log` and Ctrl-C send SIGINT to the whole process group,
// and tee can exit before the supervisor has stopped. Node ignores SIGPIPE,
// so the next write fails with EPIPE, emitted as an 'error' event on the
// stream; with no listener that event is an uncaught exception, and the
// process would die in the middle of its shutdown, leaving its sockets and
// pidfile behind. A stream whose reader is gone only loses what is written
// to it from then on: the shutdown goes on.

/** What the guard needs of a stream: process.stdout and process.stderr. */
export interface OutputStream {
  on(event: 'error', listener: (err: NodeJS.ErrnoException) => void): unknown;
}

/**
 * Errors that mean the reader is gone (or the terminal hung up): from then
 * on the stream drops what is written to it. Node destroys the stream at
 * its first error, so any later write fails as ERR_STREAM_DESTROYED, dropped
 * the same way.
 */
const READER_GONE = new Set(['EPIPE', 'ECONNRESET', 'EIO', 'ERR_STREAM_DESTROYED']);

/**
 * Keeps the process running when a reader of its output goes away; any
 * other error on the streams is still thrown (a bug, not a closed pipe).
 */
export function survivePipeClose(...streams: readonly OutputStream[]): void {
  for (const stream of streams) {
    stream.on('error', (err) => {
      if (err.code !== undefined && READER_GONE.has(err.code)) return;
      throw err;
    });
  }
}

// Reads a request body up to a byte limit. The limit is checked on the
// declared Content-Length before a byte is read, and on the bytes as they
// arrive (chunked bodies); past it, reading stops at once and nothing is
// kept, so an oversized body costs no memory.

import type { IncomingMessage } from 'node:http';

export type BodyOutcome =
  | { readonly kind: 'ok'; readonly text: string }
  | { readonly kind: 'too-large' }
  /** The client went away before the body was complete: nothing to answer. */
  | { readonly kind: 'aborted' };

/** Whether the declared Content-Length alone already exceeds the limit. */
export function declaredTooLarge(req: IncomingMessage, limitBytes: number): boolean {
  const declared = req.headers['content-length'];
  return declared !== undefined && Number(declared) > limitBytes;
}

/** Reads the body as UTF-8 text, up to `limitBytes`. */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<BodyOutcome> {
  return consume(req, limitBytes, true);
}

/**
 * Reads and drops a body that will not be used (a 404 or 405 answer), so
 * the kept-alive connection stays usable: Node closes a connection whose
 * request body was left unread.
 */
export async function discardBody(req: IncomingMessage, limitBytes: number): Promise<BodyOutcome['kind']> {
  return (await consume(req, limitBytes, false)).kind;
}

function consume(req: IncomingMessage, limitBytes: number, keep: boolean): Promise<BodyOutcome> {
  if (declaredTooLarge(req, limitBytes)) return Promise.resolve({ kind: 'too-large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (outcome: BodyOutcome): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onClose);
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        chunks.length = 0;
        req.pause();
        finish({ kind: 'too-large' });
        return;
      }
      if (keep) chunks.push(chunk);
    };
    const onEnd = (): void => finish({ kind: 'ok', text: Buffer.concat(chunks, size).toString('utf8') });
    const onAbort = (): void => finish({ kind: 'aborted' });
    const onClose = (): void => {
      if (!req.complete) onAbort();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onClose);
  });
}

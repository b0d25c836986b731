// Reads a request body up to a byte limit. The limit is checked on the
// declared Content-Length before a byte is read, and on the bytes as they
// arrive (chunked bodies); past it, reading stops at once and nothing is
// kept, so an oversized body costs no memory.
//
// A JSON-RPC request body (readRequestBody) is also scanned as it arrives (json-shape.ts): past
// the nesting or value bounds it is no longer kept nor scanned, only read to
// its end (so the kept-alive connection stays usable) and refused; the scan
// also tells whether its numbers are all plain integers (request-ids.ts). A kept
// body must be valid UTF-8: invalid bytes are refused, never replaced by
// U+FFFD (which would route a number the client never sent).

import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { JsonShapeScanner, type ShapeViolation } from './json-shape.js';
import type { RequestText } from './json-shape.js';

export type BodyOutcome =
  | { readonly kind: 'ok'; readonly text: string }
  | { readonly kind: 'too-large' }
  /** The client went away before the body was complete: nothing to answer. */
  | { readonly kind: 'aborted' };

export type RequestBodyOutcome =
  | ({ readonly kind: 'ok' } & RequestText)
  | Exclude<BodyOutcome, { readonly kind: 'ok' }>
  /** Read whole but refused unparsed: over a shape bound, or not UTF-8. */
  | { readonly kind: 'malformed'; readonly reason: ShapeViolation | 'utf8' };

type Mode = 'discard' | 'keep' | 'json';

/** Whether the declared Content-Length alone already exceeds the limit. */
export function declaredTooLarge(req: IncomingMessage, limitBytes: number): boolean {
  const declared = req.headers['content-length'];
  return declared !== undefined && Number(declared) > limitBytes;
}

/** Reads the body as UTF-8 text, up to `limitBytes`. */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<BodyOutcome> {
  return consume(req, limitBytes, 'keep') as Promise<BodyOutcome>;
}

/** Reads a JSON-RPC request body: as readBody, and refused (`malformed`) past the shape bounds or when not UTF-8. */
export function readRequestBody(req: IncomingMessage, limitBytes: number): Promise<RequestBodyOutcome> {
  return consume(req, limitBytes, 'json');
}

/**
 * Reads and drops a body that will not be used (a 404 or 405 answer), so
 * the kept-alive connection stays usable: Node closes a connection whose
 * request body was left unread.
 */
export async function discardBody(req: IncomingMessage, limitBytes: number): Promise<BodyOutcome['kind']> {
  return (await consume(req, limitBytes, 'discard')).kind as BodyOutcome['kind'];
}

function consume(req: IncomingMessage, limitBytes: number, mode: Mode): Promise<RequestBodyOutcome> {
  if (declaredTooLarge(req, limitBytes)) return Promise.resolve({ kind: 'too-large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const scanner = mode === 'json' ? new JsonShapeScanner() : undefined;
    let violation: ShapeViolation | undefined;
    const finish = (outcome: RequestBodyOutcome): void => {
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
      if (mode === 'discard' || violation !== undefined) return;
      violation = scanner?.feed(chunk);
      if (violation === undefined) chunks.push(chunk);
      else chunks.length = 0;
    };
    const onEnd = (): void => {
      if (violation !== undefined) return finish({ kind: 'malformed', reason: violation });
      if (mode === 'discard') return finish({ kind: 'ok', text: '', plainIntegers: false });
      const bytes = Buffer.concat(chunks, size);
      if (scanner !== undefined && !isUtf8(bytes)) return finish({ kind: 'malformed', reason: 'utf8' });
      finish({ kind: 'ok', text: bytes.toString('utf8'), plainIntegers: scanner?.plainIntegers ?? false });
    };
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

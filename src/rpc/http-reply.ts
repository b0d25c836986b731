// Writing an HTTP answer of a listener: every answer, HTTP errors included,
// is `application/json` (a JSON-RPC error body for errors), sent whole with
// its length; one that must not keep its connection closes it once it is
// out. Shared by the JSON-RPC front (http-front.ts) and GET /rtjson
// (rtjson-front.ts).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { replyBuffers } from '../routing/index.js';
import { errorResponse } from './jsonrpc.js';
import { rpcError, type JsonRpcError } from './rpc-errors.js';

/** What answering needs of the listener. */
export interface Replier {
  /** True once stop() began: answers then close their connection. */
  isStopping(): boolean;
}

/** An HTTP error answered without reading the body; the connection is closed once it is out. */
export function closeAfter(host: Replier, req: IncomingMessage, res: ServerResponse, status: number, error: JsonRpcError, headers: Record<string, string> = {}): void {
  res.shouldKeepAlive = false;
  res.once('finish', () => req.socket.destroy());
  sendError(host, res, status, error, { ...headers, connection: 'close' });
}

/**
 * 413, then the connection is closed once the answer is out: the rest of the
 * body is never read. (Its bytes are discarded by the kernel on close.)
 */
export function tooLarge(host: Replier, req: IncomingMessage, res: ServerResponse, limit: number): void {
  closeAfter(host, req, res, 413, rpcError('RPC_INVALID_REQUEST', `Invalid Request: the request body is larger than this listener's limit of ${limit} bytes.`));
}

export function sendError(host: Replier, res: ServerResponse, status: number, error: JsonRpcError, headers: Record<string, string> = {}): void {
  send(host, res, status, JSON.stringify(errorResponse(error)), headers);
}

export function send(host: Replier, res: ServerResponse, status: number, body: string | Buffer | undefined, headers: Record<string, string> = {}): void {
  if (host.isStopping()) {
    res.shouldKeepAlive = false;
    headers = { ...headers, connection: 'close' };
  }
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  // Encoded once: Buffer.byteLength and then end(string) would walk a large answer twice.
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': bytes.length,
  });
  (res as SentResponse)[SENT_BYTES] = bytes;
  res.end(bytes, giveBackWhenSent);
}

const SENT_BYTES = Symbol('sippy_routed.sentBytes');

type SentResponse = ServerResponse & { [SENT_BYTES]?: Buffer };

/**
 * Runs on the response's 'finish' (the socket has taken every byte): an
 * answer written to a pooled buffer gives it back (routing/answer/reply-buffers.ts).
 * One function for every response, reading what it sent from it.
 */
function giveBackWhenSent(this: SentResponse): void {
  const bytes = this[SENT_BYTES];
  if (bytes === undefined) return;
  this[SENT_BYTES] = undefined;
  replyBuffers.giveBack(bytes);
}


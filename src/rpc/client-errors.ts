// Answers to what Node's HTTP parser refuses before there is a request
// (the server's clientError event): malformed requests (400), headers over
// Node's size limit (431), oversized chunk extensions (413). rpc.md wants a
// JSON-RPC error body on every HTTP error but 408, so these are answered
// here rather than with Node's empty plain-text ones. Headers and body that
// did not arrive in time (ERR_HTTP_REQUEST_TIMEOUT) keep Node's bare 408.
// Either way the connection is closed: the parser cannot resynchronise.

import type { Duplex } from 'node:stream';
import { errorResponse } from './jsonrpc.js';
import { rpcError, type JsonRpcError } from './rpc-errors.js';

const TIMEOUT_ANSWER = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n';

interface ParserError extends Error {
  readonly code?: string;
}

/**
 * Answers a parser error on `socket` when nothing of a response is on the
 * wire yet, then closes it. Returns whether a JSON-RPC error was answered
 * (the listener counts it as an HTTP error).
 */
export function answerClientError(err: ParserError, socket: Duplex): boolean {
  const code = err.code ?? '';
  // A response already started on this connection (a pipelined request's)
  // must not be corrupted by another status line; Node checks the same.
  const current = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  const writable = socket.writable && code !== 'ECONNRESET' && (current === undefined || current === null || current.headersSent !== true);
  if (!writable) {
    socket.destroy();
    return false;
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    socket.end(TIMEOUT_ANSWER, () => socket.destroy());
    return false;
  }
  const [status, reason, error] = answerFor(code);
  const body = Buffer.from(JSON.stringify(errorResponse(error)), 'utf8');
  const head = `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]), () => socket.destroy());
  return true;
}

function answerFor(code: string): [number, string, JsonRpcError] {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'Request Header Fields Too Large', rpcError('RPC_INVALID_REQUEST', 'Invalid Request: the request headers are larger than this listener accepts.', { http_error: code })];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [413, 'Payload Too Large', rpcError('RPC_INVALID_REQUEST', 'Invalid Request: the chunk extensions of the request body are too large.', { http_error: code })];
    default:
      return [400, 'Bad Request', rpcError('RPC_INVALID_REQUEST', 'Invalid Request: the request is not valid HTTP/1.1.', { http_error: code === '' ? 'unknown' : code })];
  }
}

// The HTTP front of a listener: one POST per JSON-RPC body. In order, before
// any work: the allow-list (TCP only; the address the kernel reports, never a
// header), the path (404), the method (405), the body limit (413, without
// parsing). Then the body goes to the JSON-RPC dispatcher. Every answer,
// HTTP errors included, is `application/json` with a JSON-RPC error body, so
// a client always has one format to read.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log.js';
import type { EnvironmentMetrics } from '../metrics/environment-metrics.js';
import type { AllowList } from './allow-list.js';
import type { CallGate } from './call-gate.js';
import { discardBody, readBody } from './body-reader.js';
import { replyJson } from './reply-json.js';
import { errorResponse, type JsonRpcDispatcher } from './jsonrpc.js';
import type { MethodContext } from './methods.js';
import { rpcError, STANDARD_MESSAGES, type JsonRpcError } from './rpc-errors.js';
import type { ListenerSettings } from './settings.js';

/** What the front needs of its listener. */
export interface FrontHost {
  /** The settings new requests see (swapped whole by update()). */
  settings(): ListenerSettings;
  readonly dispatcher: JsonRpcDispatcher;
  readonly logger: Logger;
  readonly now: () => number;
  /** True once stop() began: answers then close their connection. */
  isStopping(): boolean;
  /** A TCP client the allow-list refused (the listener rate-limits the log line). */
  rejected(address: string | undefined): void;
  requestStarted(): void;
  /** The gate of a client connection: its batches and pipelined requests share it. */
  gateFor(socket: Socket): CallGate;
  /** `errors`: how many errors the answer carried (HTTP error = 1). */
  requestFinished(errors: number): void;
  /** The environment's request series when --metrics is on. */
  readonly metrics: EnvironmentMetrics | undefined;
}

// Per socket, the allow-list decision, valid as long as the list object is
// the same: a keep-alive connection is checked once, and again after update().
const decisions = new WeakMap<Socket, { readonly list: AllowList; readonly allowed: boolean }>();

export function isAllowed(socket: Socket, list: AllowList): boolean {
  const cached = decisions.get(socket);
  if (cached !== undefined && cached.list === list) return cached.allowed;
  const allowed = list.allows(socket.remoteAddress);
  decisions.set(socket, { list, allowed });
  return allowed;
}

export function createRequestHandler(host: FrontHost): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    host.requestStarted();
    handle(host, req, res).then(
      (errors) => host.requestFinished(errors),
      (err: unknown) => {
        // A bug in the front itself: answer if still possible, never crash the listener.
        host.logger.error('internal error in the HTTP front', { error: err instanceof Error ? err.message : String(err) });
        if (!res.headersSent) sendError(host, res, 500, rpcError('RPC_INTERNAL', STANDARD_MESSAGES.internal));
        else res.destroy();
        host.requestFinished(1);
      },
    );
  };
}

async function handle(host: FrontHost, req: IncomingMessage, res: ServerResponse): Promise<number> {
  const started = host.now();
  // The latency clock starts when the request is read (headers in) and stops once its answer is written.
  const metrics = host.metrics;
  const read = metrics === undefined ? 0 : performance.now();
  const settings = host.settings();
  if (settings.allowList !== undefined && !isAllowed(req.socket, settings.allowList)) {
    host.rejected(req.socket.remoteAddress);
    res.shouldKeepAlive = false;
    sendError(host, res, 403, rpcError('CLIENT_NOT_ALLOWED', 'This client address is not allowed on this listener.'), { connection: 'close' });
    return 1;
  }
  const limit = settings.limits.bodyLimitBytes;
  if (pathOf(req.url) !== settings.httpPath) {
    await refuse(host, req, res, limit, 404, rpcError('RPC_INVALID_REQUEST', `Invalid Request: no JSON-RPC service at this path; POST to ${settings.httpPath}.`));
    if (metrics !== undefined) refused(metrics, read);
    return 1;
  }
  if (req.method !== 'POST') {
    await refuse(host, req, res, limit, 405, rpcError('RPC_INVALID_REQUEST', 'Invalid Request: JSON-RPC requests are sent with POST.'), { allow: 'POST' });
    if (metrics !== undefined) refused(metrics, read);
    return 1;
  }
  const body = await readBody(req, limit);
  if (body.kind === 'aborted') return 1;
  if (body.kind === 'too-large') {
    tooLarge(host, req, res, limit);
    if (metrics !== undefined) refused(metrics, read);
    return 1;
  }
  const context: MethodContext = {
    environment: settings.environment,
    resolver: settings.resolver,
    deadline: started + settings.limits.requestTimeoutMs,
    now: host.now,
    logger: host.logger,
  };
  const reply = await host.dispatcher.handle(body.text, context, settings.limits.maxBatch, host.gateFor(req.socket), metrics);
  if (reply.body === undefined) {
    send(host, res, 204, undefined);
    if (metrics !== undefined) metrics.answered(reply.method, (performance.now() - read) / 1000);
    return 0;
  }
  let bytes: Buffer;
  try {
    bytes = replyJson(reply.body);
  } catch (err) {
    host.logger.error('a result could not be serialised as JSON', { environment: settings.environment, error: err instanceof Error ? err.message : String(err) });
    sendError(host, res, 200, rpcError('RPC_INTERNAL', STANDARD_MESSAGES.internal));
    if (metrics !== undefined) metrics.answered(reply.method, (performance.now() - read) / 1000);
    return 1;
  }
  send(host, res, 200, bytes);
  if (metrics !== undefined) metrics.answered(reply.method, (performance.now() - read) / 1000);
  return reply.errors;
}

/** An HTTP refusal (404, 405, 413): a request with no method call, answered with RPC_INVALID_REQUEST. */
function refused(metrics: EnvironmentMetrics, read: number): void {
  metrics.call('none', 'RPC_INVALID_REQUEST');
  metrics.answered('none', (performance.now() - read) / 1000);
}

/** An HTTP error for a request whose body is not wanted: dropped unread if small, else the connection is closed. */
async function refuse(host: FrontHost, req: IncomingMessage, res: ServerResponse, limit: number, status: number, error: JsonRpcError, headers: Record<string, string> = {}): Promise<void> {
  const outcome = await discardBody(req, limit);
  if (outcome === 'aborted') return;
  if (outcome === 'too-large') {
    res.shouldKeepAlive = false;
    res.once('finish', () => req.socket.destroy());
    headers = { ...headers, connection: 'close' };
  }
  sendError(host, res, status, error, headers);
}

/**
 * 413, then the connection is closed once the answer is out: the rest of the
 * body is never read. (Its bytes are discarded by the kernel on close.)
 */
function tooLarge(host: FrontHost, req: IncomingMessage, res: ServerResponse, limit: number): void {
  res.shouldKeepAlive = false;
  res.once('finish', () => req.socket.destroy());
  sendError(host, res, 413, rpcError('RPC_INVALID_REQUEST', `Invalid Request: the request body is larger than this listener's limit of ${limit} bytes.`), {
    connection: 'close',
  });
}

function sendError(host: FrontHost, res: ServerResponse, status: number, error: JsonRpcError, headers: Record<string, string> = {}): void {
  send(host, res, status, JSON.stringify(errorResponse(error)), headers);
}

function send(host: FrontHost, res: ServerResponse, status: number, body: string | Buffer | undefined, headers: Record<string, string> = {}): void {
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
  res.end(bytes);
}

/** The path of a request target, without query string; undefined when absent. */
function pathOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

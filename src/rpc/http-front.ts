// The HTTP front of a listener: one POST per JSON-RPC body. In order, before
// any work: the allow-list (TCP only; the address the kernel reports, never a
// header), the path (404), the method (405), the body limit (413, without
// parsing). Then the body goes to the JSON-RPC dispatcher. A GET or HEAD of
// /rtjson goes to rtjson-front.ts instead, after the same allow-list. Every
// answer, HTTP errors included, is `application/json` with a JSON-RPC error
// body, so a client always has one format to read (http-reply.ts).
//
// `Expect: 100-continue` requests come through createContinueHandler: the
// checks that need no body (allow-list, path, method, declared length) run
// before "100 Continue" is sent, so a refused client never sends its body.
// Any other expectation answers 417 (createExpectationHandler).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { EnvironmentMetrics } from '../metrics/environment-metrics.js';
import { clientAddressText, type AllowList } from './allow-list.js';
import { declaredTooLarge, discardBody, readRequestBody, type RequestBodyOutcome } from './body-reader.js';
import { MAX_JSON_DEPTH, MAX_JSON_VALUES } from './json-shape.js';
import { replyJson } from './reply-json.js';
import { methodContext } from './methods.js';
import { rpcError, STANDARD_MESSAGES, type JsonRpcError } from './rpc-errors.js';
import type { ListenerSettings } from './settings.js';
import { closeAfter, send, sendError, tooLarge } from './http-reply.js';
import { answerRtjson, isRtjsonMethod, RTJSON_METHODS, RTJSON_PATH } from './rtjson-front.js';
import type { FrontHost } from './front-host.js';

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

/**
 * For requests with `Expect: 100-continue` (Node's checkContinue event):
 * refused before "100 Continue" when a check that needs no body fails, the
 * connection then closed (the client has not sent its body); else continued
 * and handled as any request.
 */
export function createContinueHandler(host: FrontHost): (req: IncomingMessage, res: ServerResponse) => void {
  const handler = createRequestHandler(host);
  return (req, res) => {
    const settings = host.settings();
    const limit = settings.limits.bodyLimitBytes;
    let refused = true;
    let service: ReturnType<typeof serviceOf>;
    if (!allowed(host, req, settings)) deny(host, req, res);
    else if (typeof (service = serviceOf(pathOf(req.url), req.method, settings.httpPath)) === 'object') closeAfter(host, req, res, service.status, service.error, service.headers);
    else if (declaredTooLarge(req, limit)) tooLarge(host, req, res, limit);
    else refused = false;
    if (!refused) {
      res.writeContinue();
      handler(req, res);
      return;
    }
    host.requestStarted();
    host.requestFinished(1);
  };
}

/** For requests with an `Expect` other than 100-continue (Node's checkExpectation event): 403 or 417, then close. */
export function createExpectationHandler(host: FrontHost): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (!allowed(host, req, host.settings())) deny(host, req, res);
    else closeAfter(host, req, res, 417, rpcError('RPC_INVALID_REQUEST', 'Invalid Request: the only Expect this listener supports is 100-continue.', { supported: '100-continue' }));
    host.requestStarted();
    host.requestFinished(1);
  };
}

const WRONG_METHOD = rpcError('RPC_INVALID_REQUEST', 'Invalid Request: JSON-RPC requests are sent with POST.');
const WRONG_RTJSON_METHOD = rpcError('RPC_INVALID_REQUEST', `Invalid Request: the routing document at ${RTJSON_PATH} is asked for with GET or HEAD.`);
const WRONG_EITHER_METHOD = rpcError('RPC_INVALID_REQUEST', 'Invalid Request: JSON-RPC requests are sent with POST, the routing document is asked for with GET or HEAD.');

function wrongPath(httpPath: string): JsonRpcError {
  return rpcError('RPC_INVALID_REQUEST', `Invalid Request: no JSON-RPC service at this path; POST to ${httpPath}.`);
}

/** A request that no service of the listener takes: its status, error and extra headers. */
interface Refusal {
  readonly status: number;
  readonly error: JsonRpcError;
  readonly headers: Record<string, string>;
}

/**
 * What serves a request: JSON-RPC (POST at the listener's path), the rtjson
 * document (GET or HEAD at /rtjson), or nothing: 404 for a path served by
 * nothing, 405 with Allow for a method its path does not take.
 */
function serviceOf(path: string | undefined, method: string | undefined, httpPath: string): 'rpc' | 'rtjson' | Refusal {
  if (path === httpPath && method === 'POST') return 'rpc';
  if (path === RTJSON_PATH) {
    if (isRtjsonMethod(method)) return 'rtjson';
    if (path === httpPath) return { status: 405, error: WRONG_EITHER_METHOD, headers: { allow: [...RTJSON_METHODS, 'POST'].join(', ') } };
    return { status: 405, error: WRONG_RTJSON_METHOD, headers: { allow: RTJSON_METHODS.join(', ') } };
  }
  if (path !== httpPath) return { status: 404, error: wrongPath(httpPath), headers: {} };
  return { status: 405, error: WRONG_METHOD, headers: { allow: 'POST' } };
}

function allowed(host: FrontHost, req: IncomingMessage, settings: ListenerSettings): boolean {
  if (settings.allowList === undefined || isAllowed(req.socket, settings.allowList)) return true;
  host.rejected(req.socket.remoteAddress);
  return false;
}

function deny(host: FrontHost, req: IncomingMessage, res: ServerResponse): void {
  res.shouldKeepAlive = false;
  // Its own address as the listener sees it (after a NAT or a proxy, not
  // the one the client believes it has): what the operator must add to -a.
  const data = { address: clientAddressText(req.socket.remoteAddress) };
  sendError(host, res, 403, rpcError('CLIENT_NOT_ALLOWED', 'This client address is not allowed on this listener.', data), { connection: 'close' });
}

async function handle(host: FrontHost, req: IncomingMessage, res: ServerResponse): Promise<number> {
  const started = host.now();
  // The latency clock starts when the request is read (headers in) and stops once its answer is written.
  const metrics = host.metrics;
  const read = metrics === undefined ? 0 : performance.now();
  const settings = host.settings();
  if (!allowed(host, req, settings)) {
    deny(host, req, res);
    return 1;
  }
  const limit = settings.limits.bodyLimitBytes;
  const path = pathOf(req.url);
  if (path !== settings.httpPath || req.method !== 'POST') {
    const service = serviceOf(path, req.method, settings.httpPath);
    if (service === 'rtjson') return answerRtjson(host, req, res, settings, started, read);
    // (POST at the JSON-RPC path is not here.)
    const wrong = service as Refusal;
    await refuse(host, req, res, limit, wrong.status, wrong.error, wrong.headers);
    if (metrics !== undefined) refused(metrics, read);
    return 1;
  }
  const body = await readRequestBody(req, limit);
  if (body.kind === 'aborted') return 1;
  if (body.kind === 'too-large') {
    tooLarge(host, req, res, limit);
    if (metrics !== undefined) refused(metrics, read);
    return 1;
  }
  if (body.kind === 'malformed') {
    sendError(host, res, 200, malformedError(body.reason));
    return 1;
  }
  const context = methodContext(settings, host, started);
  const reply = await host.dispatcher.handle(body, context, settings.limits.maxBatch, host.gateFor(req.socket), metrics);
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

/** A body refused unparsed (body-reader.ts): -32700 for bytes that are not UTF-8, -32600 past a shape bound. */
function malformedError(reason: Extract<RequestBodyOutcome, { kind: 'malformed' }>['reason']): JsonRpcError {
  switch (reason) {
    case 'utf8':
      return rpcError('RPC_PARSE_ERROR', 'Parse error: the request body is not valid UTF-8.');
    case 'depth':
      return rpcError('RPC_INVALID_REQUEST', `Invalid Request: arrays and objects are nested deeper than ${MAX_JSON_DEPTH} levels.`, { max_depth: MAX_JSON_DEPTH });
    case 'values':
      return rpcError('RPC_INVALID_REQUEST', `Invalid Request: the request holds more than ${MAX_JSON_VALUES} values.`, { max_values: MAX_JSON_VALUES });
  }
}

/** The path of a request target, without query string; undefined when absent. */
function pathOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

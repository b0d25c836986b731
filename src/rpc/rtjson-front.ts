// GET /rtjson (sip-proxies.md): getRoutes for a SIP proxy's HTTP client,
// answered with Kamailio's rtjson document. Behind everything a JSON-RPC
// getRoutes is (the allow-list, checked by the front before this; the
// connection's call gate; the request timeout; the metrics, counted as
// getRoutes), with the query's parameters in place of params. Success is
// 200 with the document; an error is the JSON-RPC error response with the
// HTTP status of RTJSON_STATUS. HEAD answers the same headers, no body.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ErrorCode } from '../errors.js';
import { answerInEnvelope } from '../routing/index.js';
import { discardBody } from './body-reader.js';
import type { FrontHost } from './front-host.js';
import { send, tooLarge } from './http-reply.js';
import { errorResponse } from './jsonrpc.js';
import { methodContext, routeRequest, rtjsonRoutes } from './methods.js';
import { outcomeOf, toRpcError } from './rpc-errors.js';
import { rtjsonQueryParams } from './rtjson-query.js';
import type { ListenerSettings } from './settings.js';

/** Where the document is asked for, on every listener, whatever its JSON-RPC path. */
export const RTJSON_PATH = '/rtjson';
/** The methods it answers; any other answers 405 with this in `Allow`. */
export const RTJSON_METHODS = ['GET', 'HEAD'] as const;

/**
 * The HTTP status of an error answer, by catalogue code (rpc.md's codes
 * carried by HTTP): every code a getRoutes can fail with. A code not here
 * answers 500.
 */
export const RTJSON_STATUS: Readonly<Partial<Record<ErrorCode, number>>> = {
  RPC_INVALID_PARAMS: 400,
  ROUTING_GROUP_NOT_FOUND: 404,
  CLIENT_NOT_ALLOWED: 403,
  DB_UNAVAILABLE: 503,
  DB_ACCESS_DENIED: 503,
  DB_UNKNOWN_DATABASE: 503,
  DB_QUERY_FAILED: 503,
  DATA_STALE: 503,
  RPC_TIMEOUT: 503,
  RPC_STOPPING: 503,
  ROUTING_LOOP: 508,
  UPSTREAM_UNREACHABLE: 502,
  UPSTREAM_ERROR: 502,
  RPC_INTERNAL: 500,
  ROUTING_BAD_POLICY: 500,
};

/** The metrics' method label: the same call as a JSON-RPC getRoutes. */
const METHOD = 'getRoutes';

export function isRtjsonMethod(method: string | undefined): boolean {
  return method === 'GET' || method === 'HEAD';
}

/** Answers one GET or HEAD of /rtjson; returns how many errors the answer carried (0 or 1). */
export async function answerRtjson(host: FrontHost, req: IncomingMessage, res: ServerResponse, settings: ListenerSettings, started: number, read: number): Promise<number> {
  const metrics = host.metrics;
  // A body is not wanted; read and dropped so the kept-alive connection stays usable.
  const body = await discardBody(req, settings.limits.bodyLimitBytes);
  if (body === 'aborted') return 1;
  if (body === 'too-large') {
    tooLarge(host, req, res, settings.limits.bodyLimitBytes);
    if (metrics !== undefined) {
      metrics.call('none', 'RPC_INVALID_REQUEST');
      metrics.answered('none', (performance.now() - read) / 1000);
    }
    return 1;
  }
  const context = methodContext(settings, host, started);
  let status = 200;
  let answer: Buffer | string;
  try {
    const request = routeRequest(rtjsonQueryParams(queryOf(req.url)), context);
    const document = await host.gateFor(req.socket).run(() => rtjsonRoutes(request, context));
    // A local group's document carries its bytes (routing/answer/rtjson-json.ts): sent as they are, the reply's from here on.
    answer = answerInEnvelope(document, '', '') ?? Buffer.from(JSON.stringify(document), 'utf8');
    metrics?.call(METHOD, 'ok');
  } catch (err) {
    const error = toRpcError(err, host.logger, { environment: settings.environment, method: METHOD });
    const code = outcomeOf(error) as ErrorCode;
    metrics?.call(METHOD, code);
    status = RTJSON_STATUS[code] ?? 500;
    answer = JSON.stringify(errorResponse(error));
  }
  send(host, res, status, answer);
  if (metrics !== undefined) metrics.answered(METHOD, (performance.now() - read) / 1000);
  return status === 200 ? 0 : 1;
}

/** The query string of a request target, without `?`; '' when there is none. */
function queryOf(url: string | undefined): string {
  const at = url === undefined ? -1 : url.indexOf('?');
  return at === -1 ? '' : url!.slice(at + 1);
}

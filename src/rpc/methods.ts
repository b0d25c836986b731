// The daemon's JSON-RPC methods (rpc.md): getRoutes and ping; and getRoutes
// in Kamailio's rtjson form (sip-proxies.md), which GET /rtjson answers too
// (rtjson-query.ts). Each takes the
// raw params and a per-request context (the listener's settings as they were
// when the request arrived) and returns the result, or throws a SippyError
// from the catalogue. Turning errors into JSON-RPC error objects is
// rpc-errors.ts's job.

import { SippyError } from '../errors.js';
import type { Logger } from '../log.js';
import { rtjsonOf, type DataStatus, type Resolver, type RouteRequest, type RouteResult, type RtjsonDocument } from '../routing/index.js';
import { VERSION } from '../version.js';
import { callStartTime, validateParams, type GetRoutesParams } from './param-schemas.js';
import type { ListingBudget } from './listing-budget.js';
import type { WaitingCalls } from './waiting-calls.js';
import type { ListenerSettings } from './settings.js';

/** What a method needs of the listener, fixed for the request's lifetime. */
export interface MethodContext {
  readonly environment: number;
  readonly resolver: Resolver;
  /** Epoch ms by which the answer must be ready (the request timeout). */
  readonly deadline: number;
  readonly now: () => number;
  readonly logger: Logger;
  /** The listener's calls waiting on the resolver, rejected when a stop's drain ends. */
  readonly waiting?: WaitingCalls;
  /** A batch's: the rows its listGroups and listRoutes entries may still ask for (a single request's limit is within it). */
  readonly listing?: ListingBudget;
}

/** The context of a request that arrived at `started` (epoch ms) on a listener with these settings: its deadline is the request timeout. */
export function methodContext(settings: Pick<ListenerSettings, 'environment' | 'resolver' | 'limits'>, host: Pick<MethodContext, 'now' | 'logger' | 'waiting'>, started: number): MethodContext {
  return {
    environment: settings.environment,
    resolver: settings.resolver,
    deadline: started + settings.limits.requestTimeoutMs,
    now: host.now,
    logger: host.logger,
    waiting: host.waiting,
  };
}

export async function ping(params: unknown, context: MethodContext): Promise<{ i_environment: number; version: string; data?: DataStatus }> {
  validateParams('ping', params);
  const data = context.resolver.dataStatus?.();
  return data === undefined ? { i_environment: context.environment, version: VERSION } : { i_environment: context.environment, version: VERSION, data };
}

export async function getRoutes(params: unknown, context: MethodContext): Promise<RouteResult | RtjsonDocument> {
  const request = routeRequest(params, context);
  // Validated: params is an object, and format one of ANSWER_FORMATS or absent.
  if ((params as GetRoutesParams).format === 'rtjson') return rtjsonRoutes(request, context);
  if (context.logger.enabled('debug')) logRequest(request, context);
  const resolver = context.resolver;
  const answer = resolver.resolveNow !== undefined ? resolver.resolveNow(context.environment, request) : resolver.resolve(context.environment, request);
  // Computed from memory, with no I/O that could hang: no deadline to arm.
  if (!(answer instanceof Promise)) return answer;
  return withDeadline(answer, context);
}

/** getRoutes answered as Kamailio's rtjson document: `"format": "rtjson"`, and GET /rtjson. The same selection, limits and deadline. */
export async function rtjsonRoutes(request: RouteRequest, context: MethodContext): Promise<RtjsonDocument> {
  if (context.logger.enabled('debug')) logRequest(request, context);
  const resolver = context.resolver;
  if (resolver.resolveRtjson === undefined) return rtjsonOf(await withDeadline(resolver.resolve(context.environment, request), context));
  const answer = resolver.resolveRtjson(context.environment, request);
  if (!(answer instanceof Promise)) return answer;
  return withDeadline(answer, context);
}

function logRequest(request: RouteRequest, context: MethodContext): void {
  context.logger.debug('getRoutes', {
    environment: context.environment,
    routing_group: request.routing_group,
    cld: request.cld,
    cli: request.cli,
    call_id: request.call_id,
    remote_ip: request.remote_ip,
    hops: request.hops,
  });
}

/** Validated params → the resolver's RouteRequest (throws RPC_INVALID_PARAMS or ENVIRONMENT_MISMATCH). */
export function routeRequest(params: unknown, context: Pick<MethodContext, 'environment' | 'now'>): RouteRequest {
  const p = validateParams('getRoutes', params);
  if (p.i_environment !== undefined && p.i_environment !== context.environment) {
    throw new SippyError(
      'ENVIRONMENT_MISMATCH',
      `The request is for environment ${p.i_environment} but this listener serves environment ${context.environment}.`,
      { data: { i_environment: context.environment } },
    );
  }
  return Object.freeze({
    routing_group: p.routing_group,
    cld: p.cld,
    cli: p.cli ?? '',
    time: p.call_start_time === undefined ? new Date(context.now()) : callStartTime(p.call_start_time),
    max_routes: p.max_routes,
    explain: p.explain,
    hops: p.hops ?? 0,
    call_id: p.call_id,
    remote_ip: p.remote_ip,
  });
}

/**
 * Bounds a resolver call by the request deadline. The resolver keeps its
 * own database timeout; this is the backstop that guarantees the client an
 * answer (RPC_TIMEOUT) instead of a request that hangs forever.
 */
export async function withDeadline<T>(work: Promise<T>, context: MethodContext): Promise<T> {
  const remaining = Math.max(0, context.deadline - context.now());
  let timer: NodeJS.Timeout | undefined;
  let abandon: ((reason: unknown) => void) | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    abandon = reject;
    timer = setTimeout(() => {
      reject(new SippyError('RPC_TIMEOUT', 'The routing answer was not ready within the request timeout; the request can be retried.'));
    }, remaining);
    // The socket keeps a serving process alive; this timer alone must not keep a stopped one.
    timer.unref();
  });
  context.waiting?.add(abandon!);
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
    context.waiting?.delete(abandon!);
    // A late rejection of the abandoned work must not become an unhandled rejection.
    work.catch(() => undefined);
  }
}

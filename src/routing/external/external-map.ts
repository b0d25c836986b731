// External groups, the pure steps: what to send upstream, how an upstream
// failure becomes a catalogued error, and how upstream routes are mapped onto
// the local external vendor's connections (routing.md "External groups",
// steps 1 and 4). No I/O: the forwarder (external.ts) does the calls.

import { catalogue, SippyError } from '../../errors.js';
import { RpcCallError } from '../../client/rpc-client.js';
import type { GetRoutesCall } from '../../client/routing-client.js';
import type { ExternalConnectionRow, GroupRow } from '../rules/model.js';
import type { ExcludedEntry, Route, RouteRequest, RouteResult } from '../contract.js';
import { routeOf, type RouteField } from '../../route-wire.js';
import { connectionKey, type ExternalConnections, type NewExternalConnection } from './external-sql.js';
import { applyRule, RuleSyntaxError, type RuleCache } from '../rules/translation.js';
import { DestinationError, parseDestination } from '../rules/destination.js';

/** JSON-RPC code of a loop; an upstream's is passed back as ROUTING_LOOP. */
const LOOP_CODE = catalogue.ROUTING_LOOP.rpc;
/** An upstream's message longer than this is cut (a peer may send megabytes). */
const MAX_UPSTREAM_MESSAGE = 500;

/** ROUTING_LOOP when this request may not be forwarded once more. */
export function checkHops(request: RouteRequest, maxHops: number, group: GroupRow): void {
  if (request.hops >= maxHops) {
    throw new SippyError('ROUTING_LOOP', `routing group ${JSON.stringify(group.name)} is external and the request already crossed ${request.hops} daemons (limit ${maxHops}): a loop between daemons?`, {
      data: { routing_group: group.name, hops: request.hops, max_hops: maxHops },
    });
  }
}

/**
 * The getRoutes call to the upstream: the same group name and numbers, the
 * call time as ISO 8601 UTC, one more hop. `max_routes` is forwarded (the
 * upstream need not rank what would be cut), `explain` is not (the upstream's
 * exclusions name connections this environment does not have), `call_id` is
 * (both logs then show the call), `i_environment` and `remote_ip` are not.
 */
export function upstreamCall(group: GroupRow, request: RouteRequest): GetRoutesCall {
  return {
    routing_group: group.name,
    cli: request.cli,
    cld: request.cld,
    call_start_time: request.time.toISOString(),
    hops: request.hops + 1,
    ...(request.max_routes !== undefined ? { max_routes: request.max_routes } : {}),
    ...(request.call_id !== undefined ? { call_id: request.call_id } : {}),
  };
}

/** Any failure of the upstream call as a catalogued error; `uri` is already redacted. */
export function upstreamFailure(err: unknown, uri: string | null, group: GroupRow): SippyError {
  const where = `the upstream of routing group ${JSON.stringify(group.name)} (${uri ?? 'no URI'})`;
  if (!(err instanceof RpcCallError)) {
    return new SippyError('UPSTREAM_ERROR', `${where} could not be asked: ${err instanceof Error ? err.name : 'unknown failure'}`, { data: { uri }, cause: err });
  }
  switch (err.failure) {
    case 'unreachable':
      return new SippyError('UPSTREAM_UNREACHABLE', `${where} is unreachable`, { data: { uri }, cause: err });
    case 'timeout':
      return new SippyError('UPSTREAM_UNREACHABLE', `${where} did not answer in time`, { data: { uri }, cause: err });
    case 'invalid':
      return new SippyError('UPSTREAM_ERROR', `${where} answered something that is not a valid getRoutes result`, { data: { uri }, cause: err });
    case 'remote': {
      const remote = err.remote!;
      const message = remote.message.length > MAX_UPSTREAM_MESSAGE ? `${remote.message.slice(0, MAX_UPSTREAM_MESSAGE)}…` : remote.message;
      if (remote.code === LOOP_CODE) {
        // Passed back as it came, so the origin sees the loop (rpc.md).
        const data = typeof remote.data === 'object' && remote.data !== null && !Array.isArray(remote.data) ? (remote.data as Record<string, unknown>) : undefined;
        return new SippyError('ROUTING_LOOP', message, { ...(data !== undefined ? { data } : {}), cause: err });
      }
      return new SippyError('UPSTREAM_ERROR', `${where} answered error ${remote.code}: ${message}`, {
        data: { uri, upstream: { ...remote, message } },
        cause: err,
      });
    }
  }
}

/** A lone UTF-16 surrogate: valid in JSON (`"\ud800"`), but no UTF-8 column can store it. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Why an upstream route cannot be mapped onto a local connection whatever
 * the database holds, or undefined when it can. A name with a lone surrogate
 * would be stored as U+FFFD, a row no request could ever find by its name
 * again (issue 12, item 11): refused for that route only.
 */
export function unmappableRoute(route: Route): string | undefined {
  if (LONE_SURROGATE.test(route.connection_name)) return 'its connection_name holds a lone UTF-16 surrogate';
  if (LONE_SURROGATE.test(route.destination)) return 'its destination holds a lone UTF-16 surrogate';
  return undefined;
}

export interface MappedRoutes {
  readonly routes: Route[];
  /** Upstream routes with no local connection of their name (not created, or deleted meanwhile): left out. */
  readonly unmatched: Route[];
  readonly excluded: ExcludedEntry[];
  /** Rules and destinations that do not parse, for the log. */
  readonly badRules: { connection: ExternalConnectionRow; field: 'cli_translation_rule' | 'cld_translation_rule' | 'destination'; error: RuleSyntaxError | DestinationError }[];
}

/**
 * Upstream routes in upstream order, on the local connections: local
 * identity, destination and capacity; upstream rates and route fields; the
 * upstream's cli/cld through the local rules. Left out: a disabled local
 * connection (`disabled`), a local rule that does not parse
 * (`bad_translation_rule`), a local destination that does not parse
 * (`bad_destination`, parsed here: these rows are read per request), a
 * second route onto the same local connection
 * (`duplicate`), routes beyond max_routes (`over_max_routes`); and, in
 * `unmatched` only, a route with no local connection of its name.
 *
 * `stand` may supply a stand-in for a connection that does not exist yet:
 * the forwarder maps once with stand-ins to learn which connections the
 * answer would really use, and creates only those (issue 12, item 12).
 */
export function mapUpstreamRoutes(
  upstream: Pick<RouteResult, 'routes'>,
  local: ExternalConnections,
  rules: RuleCache,
  maxRoutes: number | undefined,
  stand?: (route: Route) => ExternalConnectionRow,
): MappedRoutes {
  const routes: Route[] = [];
  const unmatched: Route[] = [];
  const excluded: ExcludedEntry[] = [];
  const badRules: MappedRoutes['badRules'] = [];
  const used = new Set<number>();
  for (const r of upstream.routes) {
    const connection = local.byName.get(connectionKey(r.connection_name)) ?? stand?.(r);
    if (connection === undefined) {
      unmatched.push(r);
      continue;
    }
    const leaveOut = (reason: ExcludedEntry['reason']) => excluded.push({ i_connection: connection.i_connection, connection_name: connection.name, reason });
    if (!connection.enabled) {
      leaveOut('disabled');
      continue;
    }
    const cliRule = rules.get(connection.cli_translation_rule);
    const cldRule = rules.get(connection.cld_translation_rule);
    if (cliRule instanceof RuleSyntaxError || cldRule instanceof RuleSyntaxError) {
      if (cliRule instanceof RuleSyntaxError) badRules.push({ connection, field: 'cli_translation_rule', error: cliRule });
      if (cldRule instanceof RuleSyntaxError) badRules.push({ connection, field: 'cld_translation_rule', error: cldRule });
      leaveOut('bad_translation_rule');
      continue;
    }
    const destination = parseDestination(connection.destination);
    if (destination instanceof DestinationError) {
      badRules.push({ connection, field: 'destination', error: destination });
      leaveOut('bad_destination');
      continue;
    }
    if (used.has(connection.i_connection)) {
      leaveOut('duplicate');
      continue;
    }
    if (maxRoutes !== undefined && routes.length >= maxRoutes) {
      leaveOut('over_max_routes');
      continue;
    }
    used.add(connection.i_connection);
    const own: Pick<Route, LocalField> = {
      i_connection: connection.i_connection, connection_name: connection.name, destination: connection.destination,
      i_vendor: local.i_vendor, vendor_name: local.vendor_name, capacity: connection.capacity,
      cli: applyRule(cliRule, r.cli), cld: applyRule(cldRule, r.cld),
    };
    routes.push(routeOf((field) => (isLocalField(field) ? own[field] : r[field])));
  }
  return { routes, unmatched, excluded, badRules };
}

/**
 * The connections `upstream` needs created so that its answer is complete:
 * only those of routes that mapUpstreamRoutes would return (max_routes,
 * duplicates and the existing connections' state counted), in upstream
 * order; and those of routes left out only for their destination, so that
 * the answer names them (`bad_destination`) and an operator can correct the
 * local connection.
 */
export function connectionsToCreate(upstream: Pick<RouteResult, 'routes'>, local: ExternalConnections, rules: RuleCache, maxRoutes: number | undefined): NewExternalConnection[] {
  const stands = new Map<string, ExternalConnectionRow>();
  const stand = (route: Route): ExternalConnectionRow => {
    const key = connectionKey(route.connection_name);
    let row = stands.get(key);
    if (row === undefined) {
      // A new connection is created enabled and without rules; negative ids never clash with real ones.
      row = { i_connection: -(stands.size + 1), name: route.connection_name, destination: route.destination, capacity: route.capacity, cli_translation_rule: null, cld_translation_rule: null, enabled: true };
      stands.set(key, row);
    }
    return row;
  };
  const mapped = mapUpstreamRoutes(upstream, local, rules, maxRoutes, stand);
  const wanted = new Set(mapped.routes.map((r) => r.i_connection));
  for (const e of mapped.excluded) if (e.reason === 'bad_destination') wanted.add(e.i_connection);
  return [...stands.values()]
    .filter((row) => row.i_connection < 0 && wanted.has(row.i_connection))
    .map((row) => ({ name: row.name, destination: row.destination, capacity: row.capacity }));
}

/**
 * The fields of a mapped route that are the local connection's and vendor's,
 * and the numbers through the local rules; every other field is the
 * upstream's (whatever else a newer upstream adds is dropped), and the
 * members are in the answer's order (routeOf).
 */
const LOCAL_FIELDS = ['i_connection', 'connection_name', 'destination', 'i_vendor', 'vendor_name', 'capacity', 'cli', 'cld'] as const satisfies readonly RouteField[];
type LocalField = (typeof LOCAL_FIELDS)[number];
const LOCAL: ReadonlySet<RouteField> = new Set(LOCAL_FIELDS);

function isLocalField(field: RouteField): field is LocalField {
  return LOCAL.has(field);
}

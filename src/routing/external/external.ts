// External groups (routing.md "External groups"; overview.md's call flow,
// steps 2, 4 and 5): forward getRoutes to the group's URI, then map the
// answer onto this environment's `External Connections (autocreated)` vendor,
// creating the vendor and the connections that are missing. Only the
// connections of routes that will be returned are created (max_routes
// counted), at most --upstream-new-connections per upstream and minute; a
// route that cannot have its connection (a name no column can store, the
// budget spent) is left out and logged, never failing the whole answer.

import { SippyError } from '../../errors.js';
import type { Database } from '../../db/pool.js';
import { DEFAULT_MAX_HOPS, DEFAULT_UPSTREAM_NEW_CONNECTIONS, DEFAULT_UPSTREAM_TIMEOUT_MS } from '../../limits.js';
import type { GroupRow } from '../rules/model.js';
import type { ExternalGroupHandler, RouteRequest, RouteResult } from '../contract.js';
import type { ExternalConnections } from './external-sql.js';
import { createExternalConnections, externalVendor } from './external-creation.js';
import { redactUri } from '../../dsn-syntax.js';
import { checkHops, connectionsToCreate, mapUpstreamRoutes, unmappableRoute, upstreamCall, upstreamFailure } from './external-map.js';
import { CreationBudget } from './creation-budget.js';
import { UpstreamClients } from './upstream-clients.js';
import type { RuleCache } from '../rules/translation.js';
import { IntervalFilter, logBadRule, OnceFilter, type RoutingLogger } from '../rules/log.js';

const UPSTREAM_LOG_INTERVAL_MS = 60_000;
/** Upstream URIs whose shown form is kept; past it the memo starts over. */
const MAX_SHOWN_URIS = 1024;

export interface ExternalLimits {
  /** A request whose hops reached this is a loop (ROUTING_LOOP); default DEFAULT_MAX_HOPS. */
  readonly maxHops?: number;
  /** Deadline of the upstream call, ms; default 2000. */
  readonly upstreamTimeoutMs?: number;
  /** Upstream URIs with a kept-alive client at once; default 32. */
  readonly maxClients?: number;
  /** New local connections one upstream may have created per minute (--upstream-new-connections); default DEFAULT_UPSTREAM_NEW_CONNECTIONS. */
  readonly newConnectionsPerMinute?: number;
}

export interface ExternalForwarderOptions extends ExternalLimits {
  readonly databaseFor: (environment: number) => Database;
  /** The resolver's cache, shared: local and external routes parse a rule once. */
  readonly rules: RuleCache;
  readonly logger: RoutingLogger;
  /** Told the outcome of every upstream call (ok or the error code), by redacted URI: the metrics. Must not throw. */
  readonly upstream?: { upstream(uri: string, outcome: string): void };
}

export class ExternalForwarder implements ExternalGroupHandler {
  private readonly databaseFor: (environment: number) => Database;
  private readonly rules: RuleCache;
  private readonly logger: RoutingLogger;
  private readonly maxHops: number;
  private readonly clients: UpstreamClients;
  private readonly once = new OnceFilter();
  private readonly upstreamLog = new IntervalFilter(UPSTREAM_LOG_INTERVAL_MS);
  private readonly budget: CreationBudget;
  private readonly observer: ExternalForwarderOptions['upstream'];
  /** Each upstream URI's redacted form, the only one shown (answers, logs, metrics): parsed once per URI, not per call. */
  private readonly shownUris = new Map<string, string>();

  constructor(options: ExternalForwarderOptions) {
    this.databaseFor = options.databaseFor;
    this.rules = options.rules;
    this.logger = options.logger;
    this.observer = options.upstream;
    this.maxHops = options.maxHops ?? DEFAULT_MAX_HOPS;
    const timeoutMs = options.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
    if (!Number.isInteger(this.maxHops) || this.maxHops < 0) throw new RangeError(`maxHops must be a non-negative integer, got ${this.maxHops}`);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new RangeError(`upstreamTimeoutMs must be a positive integer, got ${timeoutMs}`);
    this.clients = new UpstreamClients({ timeoutMs }, options.maxClients);
    this.budget = new CreationBudget(options.newConnectionsPerMinute ?? DEFAULT_UPSTREAM_NEW_CONNECTIONS);
  }

  async resolve(environment: number, group: GroupRow, request: RouteRequest): Promise<RouteResult> {
    checkHops(request, this.maxHops, group);
    const answer = await this.ask(environment, group, request);
    const routes = answer.routes.filter((route) => {
      const why = unmappableRoute(route);
      if (why !== undefined) this.leftOut(environment, group, route.connection_name, why);
      return why === undefined;
    });
    const upstream = { routes };
    const db = this.databaseFor(environment);
    const names = routes.map((r) => r.connection_name);
    let local: ExternalConnections | undefined = await externalVendor(db, environment, names);
    if (local === undefined) {
      // The vendor cannot be created: only a broken schema or environment row gets here.
      if (this.once.first(`vendor:${environment}`)) this.logger.error('the external vendor could not be created', { i_environment: environment, routing_group: group.name });
      throw new SippyError('RPC_INTERNAL', `the vendor for external connections could not be created in environment ${environment}`);
    }
    const wanted = connectionsToCreate(upstream, local, this.rules, request.max_routes);
    if (wanted.length > 0) local = await createExternalConnections(db, environment, local, wanted, names, (missing) => this.grant(environment, group, missing));
    const mapped = mapUpstreamRoutes(upstream, local, this.rules, request.max_routes);
    for (const { connection, field, error } of mapped.badRules) {
      logBadRule(this.logger, this.once, environment, { i_connection: connection.i_connection, connection_name: connection.name, field, rule: connection[field], error });
    }
    const result: RouteResult = {
      i_environment: environment,
      routing_group: { i_routing_group: group.i_routing_group, name: group.name, policy: group.policy },
      cli: request.cli,
      cld: request.cld,
      routes: mapped.routes,
    };
    return request.explain === true ? { ...result, excluded: mapped.excluded } : result;
  }

  /** How many of `missing` new connections the group's upstream may have created now (--upstream-new-connections); a shortfall is logged. */
  private grant(environment: number, group: GroupRow, missing: number): number {
    const granted = this.budget.take(group.uri ?? '', missing);
    if (granted < missing && this.upstreamLog.allow(`budget:${group.uri ?? ''}`)) {
      this.logger.warn(`the upstream of routing group ${JSON.stringify(group.name)} named more new connections than --upstream-new-connections allows (${this.budget.perMinute} a minute): routes on the others are left out`, {
        i_environment: environment, routing_group: group.name, uri: this.shown(group.uri), wanted: missing, created: granted,
      });
    }
    return granted;
  }

  /** An upstream route refused on its own: logged once per group, name and reason. */
  private leftOut(environment: number, group: GroupRow, name: string, why: string): void {
    if (!this.once.first(`refused:${group.i_routing_group}:${name}:${why}`)) return;
    this.logger.warn(`a route of the upstream of routing group ${JSON.stringify(group.name)} is left out: ${why}`, {
      i_environment: environment, routing_group: group.name, uri: this.shown(group.uri), connection_name: name,
    });
  }

  private shown(uri: string | null): string | null {
    if (uri === null) return null;
    let text = this.shownUris.get(uri);
    if (text === undefined) {
      if (this.shownUris.size >= MAX_SHOWN_URIS) this.shownUris.clear();
      this.shownUris.set(uri, (text = redactUri(uri)));
    }
    return text;
  }

  /** Closes the upstream clients. Idempotent. */
  async close(): Promise<void> {
    this.clients.close();
  }

  private async ask(environment: number, group: GroupRow, request: RouteRequest): Promise<RouteResult> {
    const uri = this.shown(group.uri);
    try {
      if (group.uri === null || group.uri === '') throw new SippyError('UPSTREAM_UNREACHABLE', `routing group ${JSON.stringify(group.name)} is external but has no URI`, { data: { uri: null } });
      const call = upstreamCall(group, request);
      const answer = await this.clients.with(group.uri, request.hops + 1, (client) => client.getRoutes(call));
      this.observer?.upstream(uri ?? '', 'ok');
      return answer;
    } catch (err) {
      const failure = err instanceof SippyError ? err : upstreamFailure(err, uri, group);
      this.observer?.upstream(uri ?? '', failure.code);
      // At most once a minute per group, URI and kind: an upstream that is down fails every call.
      if (this.upstreamLog.allow(`${group.i_routing_group}:${failure.code}:${uri ?? ''}`)) {
        // The client's messages name the URI in its shown form only (rpc-client.ts).
        const cause = failure.cause instanceof Error ? failure.cause.message : undefined;
        this.logger.warn(failure.message, { i_environment: environment, routing_group: group.name, uri, code: failure.code, ...(cause !== undefined ? { cause } : {}) });
      }
      throw failure;
    }
  }
}

// The Resolver: a data source (data-source.ts: SQL or the snapshot) finds
// the group and its costed candidates, then the pure steps (select,
// translation) make the getRoutes answer. Knows no transport; the RPC layer
// calls resolve() and sends the result or the SippyError.

import { SippyError } from '../errors.js';
import { MAX_CLD_CHARS as MAX_CLD, MAX_CLI_CHARS as MAX_CLI, MAX_HOPS, MAX_ROUTES, MAX_ROUTING_GROUP_CHARS } from '../limits.js';
import type { DataStatus, ExcludedEntry, ExternalGroupHandler, Resolver, Route, RouteRequest, RouteResult, RtjsonDocument, RtjsonRoute } from './contract.js';
import type { BadRow, BadRule, Exclusion } from './rules/candidates.js';
import type { GroupRow } from './rules/model.js';
import { selectRoutes, type RandomSource, type Ranked } from './rules/select.js';
import { formatMicrosAny } from './rules/cost.js';
import { RuleCache, applyRule } from './rules/translation.js';
import { BAD_ROW_MESSAGE, logBadRule, OnceFilter, type RoutingLogger } from './rules/log.js';
import { createLogger } from '../log.js';
import { AnswerWriter } from './answer/answer-json.js';
import { routeFrom } from '../route-wire.js';
import type { RoomyBytes } from './answer/json-bytes.js';
import { LocalAnswer } from './answer/local-answer.js';
import type { GroupLookup, RoutingDataSource } from './data-source.js';
import { ChosenRoutes } from './snapshot/chosen-routes.js';
import type { PolicyKey } from './rules/policy.js';
import { localRtjson, rtjsonOf } from './answer/rtjson.js';
import { LocalRtjson, RtjsonWriter } from './answer/rtjson-json.js';

export interface RoutingResolverOptions {
  /** Where groups and candidates come from. */
  readonly source: RoutingDataSource;
  /** Forwards external groups. */
  readonly external: ExternalGroupHandler;
  /** The rule cache, shared with the forwarder: local and external routes parse a rule once. */
  readonly rules: RuleCache;
  /** Default: the structured logger on stderr. */
  readonly logger?: RoutingLogger;
  /** Uniform in [0, 1); default Math.random. Tests inject a seeded one. */
  readonly random?: RandomSource;
}

export class RoutingResolver implements Resolver {
  private readonly source: RoutingDataSource;
  private readonly logger: RoutingLogger;
  private readonly random: RandomSource;
  private readonly external: ExternalGroupHandler;
  private readonly rules: RuleCache;
  private readonly once = new OnceFilter();
  /** Every local answer is written here, synchronously from begin to finish (or abandon, on an error: the writer refuses a second begin before either). */
  private readonly writer = new AnswerWriter();
  /** The same for rtjson documents. */
  private readonly rtjsonWriter = new RtjsonWriter();
  private closed = false;

  constructor(options: RoutingResolverOptions) {
    this.source = options.source;
    this.logger = options.logger ?? createLogger();
    this.random = options.random ?? Math.random;
    this.rules = options.rules;
    this.external = options.external;
  }

  async resolve(environment: number, request: RouteRequest): Promise<RouteResult> {
    return this.resolveNow(environment, request);
  }

  /** An answer computed from memory is returned as it is (no promise, no deadline to arm); SQL and upstreams give a promise. */
  resolveNow(environment: number, request: RouteRequest): RouteResult | Promise<RouteResult> {
    const found = this.lookup(environment, request);
    if (found instanceof Promise) return found.then((lookup) => this.answer(environment, request, lookup));
    return this.answer(environment, request, found);
  }

  /** The same selection as Kamailio's rtjson document (sip-proxies.md); from memory as it is, as resolveNow. */
  resolveRtjson(environment: number, request: RouteRequest): RtjsonDocument | Promise<RtjsonDocument> {
    const found = this.lookup(environment, request);
    if (found instanceof Promise) return found.then((lookup) => this.rtjson(environment, request, lookup));
    return this.rtjson(environment, request, found);
  }

  private lookup(environment: number, request: RouteRequest): GroupLookup | undefined | Promise<GroupLookup | undefined> {
    if (this.closed) throw new SippyError('RPC_INTERNAL', 'the resolver is closed; the listener is shutting down');
    checkRequest(request);
    return this.source.lookup(environment, request, this.rules);
  }

  /**
   * What every answer form does first with a lookup: a missing group is an
   * error, an external one is forwarded (its answer returned), a bad policy
   * is an error (logged once), and settings that do not parse are logged.
   */
  private local(environment: number, request: RouteRequest, found: GroupLookup | undefined): LocalLookup | Promise<RouteResult> {
    if (found === undefined) {
      throw new SippyError('ROUTING_GROUP_NOT_FOUND', `no routing group named ${JSON.stringify(request.routing_group)} in environment ${environment}`, {
        data: { routing_group: request.routing_group },
      });
    }
    const group = found.group;
    if (found.external) return this.external.resolve(environment, group, request);
    const keys = found.policy;
    if (keys instanceof SippyError) {
      if (this.once.first(`policy:${group.i_routing_group}:${group.policy}`)) {
        this.logger.error(keys.message, { i_environment: environment, i_routing_group: group.i_routing_group, policy: group.policy });
      }
      throw keys;
    }
    if (found.badRules.length > 0) this.logBadRules(environment, found.badRules);
    if (found.badRows !== undefined && found.badRows.length > 0) this.logBadRows(found.badRows);
    return found as LocalLookup;
  }

  private answer(environment: number, request: RouteRequest, found: GroupLookup | undefined): RouteResult | Promise<RouteResult> {
    const local = this.local(environment, request, found);
    if (local instanceof Promise) return local;
    const group = local.group;
    if (local.chosen !== undefined) return this.answerChosen(environment, group, request, local.chosen);
    const selection = selectRoutes(local.candidates, { keys: local.policy, random: this.random, maxRoutes: request.max_routes });
    const writer = this.writer;
    const excluded = request.explain === true ? excludedEntries(local.excluded, selection.excluded) : undefined;
    writer.begin(environment, group, request.cli, request.cld);
    let bytes: RoomyBytes;
    try {
      for (const ranked of selection.routes) {
        writer.route(ranked.entry, ranked.route, ranked.costMicros, applyRule(ranked.cliRule, request.cli), applyRule(ranked.cldRule, request.cld));
      }
      bytes = writer.finish(excluded);
    } catch (err) {
      writer.abandon();
      throw err;
    }
    return localResult(environment, group, request, selection.routes, selection.routes.length, excluded, bytes);
  }

  private rtjson(environment: number, request: RouteRequest, found: GroupLookup | undefined): RtjsonDocument | Promise<RtjsonDocument> {
    const local = this.local(environment, request, found);
    if (local instanceof Promise) return local.then(rtjsonOf);
    const chosen = local.chosen;
    const { cli, cld } = request;
    const writer = this.rtjsonWriter;
    if (chosen !== undefined) {
      const count = request.max_routes === undefined ? chosen.length : Math.min(chosen.length, request.max_routes);
      writer.begin();
      try {
        for (let k = 0; k < count; k++) {
          const entry = chosen.entries[chosen.entryIndex(k)]!;
          const rules = entry.rules as ParsedRules;
          const route = entry.routes!.route(chosen.row(k));
          writer.route(entry.row, route.timeout, route.timeout_1xx, applyRule(rules.cliRule, cli), applyRule(rules.cldRule, cld), cli);
        }
        return new LocalRtjson(writer.finish(undefined), chosen, count, cli, cld, makeRtjsonRoutes, undefined);
      } catch (err) {
        writer.abandon();
        throw err;
      }
    }
    const selection = selectRoutes(local.candidates, { keys: local.policy, random: this.random, maxRoutes: request.max_routes });
    const excluded = request.explain === true ? excludedEntries(local.excluded, selection.excluded) : undefined;
    writer.begin();
    try {
      for (const ranked of selection.routes) {
        writer.route(ranked.entry, ranked.route.timeout, ranked.route.timeout_1xx, applyRule(ranked.cliRule, cli), applyRule(ranked.cldRule, cld), cli);
      }
      return new LocalRtjson(writer.finish(excluded), selection.routes, selection.routes.length, cli, cld, makeRtjsonRoutes, excluded);
    } catch (err) {
      writer.abandon();
      throw err;
    }
  }

  /** The answer from routes a snapshot already chose (chosen-routes.ts): no candidates, no ranking. */
  private answerChosen(environment: number, group: GroupRow, request: RouteRequest, chosen: ChosenRoutes): RouteResult {
    const { cli, cld } = request;
    const count = request.max_routes === undefined ? chosen.length : Math.min(chosen.length, request.max_routes);
    const writer = this.writer;
    writer.begin(environment, group, cli, cld);
    let bytes: RoomyBytes;
    try {
      const prepared = chosen.prepared;
      const ends = chosen.preparedEnds;
      if (chosen.sameNumbers && writer.preparedRoutes(group, chosen, count, cli, cld)) {
        // Every route from the prepared bytes and the group's entry pieces: no entry, rule or route object read.
      } else if (prepared !== undefined && ends !== undefined) {
        // Each route's own fields as written when the choice was first answered: copied, not written again.
        for (let k = 0; k < count; k++) {
          const entry = chosen.entries[chosen.entryIndex(k)]!;
          const rules = entry.rules as ParsedRules;
          writer.preparedRoute(entry.row, prepared, k === 0 ? 0 : ends[k - 1]!, ends[k]!, chosen.cost(k), applyRule(rules.cliRule, cli), applyRule(rules.cldRule, cld));
        }
      } else {
        for (let k = 0; k < count; k++) {
          const entry = chosen.entries[chosen.entryIndex(k)]!;
          // Parsed when the routes were chosen: an entry with a bad rule is never chosen.
          const rules = entry.rules as ParsedRules;
          writer.route(entry.row, entry.routes!.route(chosen.row(k)), chosen.cost(k), applyRule(rules.cliRule, cli), applyRule(rules.cldRule, cld));
        }
        // Every route written: the choice keeps their own fields for its next answers.
        if (count === chosen.length && count > 0) chosen.prepare(writer.segmentBytes(count), (into, routeEnds) => writer.routeSegments(count, into, routeEnds));
      }
      bytes = writer.finish(undefined);
    } catch (err) {
      writer.abandon();
      throw err;
    }
    return localResult(environment, group, request, chosen, count, undefined, bytes);
  }

  dataStatus(): DataStatus | undefined {
    return this.source.status();
  }

  async close(): Promise<void> {
    // The Databases and the snapshot belong to whoever handed them over; only our state goes.
    if (this.closed) return;
    this.closed = true;
    await this.external.close?.();
  }

  /** The SQL path's bad rows, once each per value (the follower logs the snapshot's at load, in the same words). */
  private logBadRows(badRows: readonly BadRow[]): void {
    for (const { entry, route, bad } of badRows) {
      const fields = route === undefined
        ? { table: 'destination_sets', i_destination_set: entry.i_destination_set, ...bad }
        : { table: 'routes', i_destination_set: entry.i_destination_set, i_route: route.i_route, ...bad };
      const key = route === undefined ? `destination_sets|${entry.i_destination_set}` : `routes|${route.i_route}`;
      if (this.once.first(`${key}|${bad.column}|${bad.value}`)) this.logger.warn(BAD_ROW_MESSAGE, fields);
    }
  }

  private logBadRules(environment: number, badRules: readonly BadRule[]): void {
    for (const { entry, field, error } of badRules) {
      logBadRule(this.logger, this.once, environment, { i_connection: entry.i_connection, connection_name: entry.connection_name, field, rule: entry[field], error });
    }
  }
}

/** The answer object around its bytes (local-answer.ts): its routes made from `ranked` only if read. */
function localResult(
  environment: number,
  group: GroupRow,
  request: RouteRequest,
  ranked: readonly Ranked[] | ChosenRoutes,
  count: number,
  excluded: ExcludedEntry[] | undefined,
  bytes: RoomyBytes,
): RouteResult {
  return new LocalAnswer(environment, group, request.cli, request.cld, bytes, ranked, count, makeRoutes, excluded);
}

function makeRoutes(ranked: readonly Ranked[] | ChosenRoutes, count: number, cli: string, cld: string): Route[] {
  const routes: Route[] = [];
  for (let k = 0; k < count; k++) routes.push(toRoute(ranked instanceof ChosenRoutes ? chosenRoute(ranked, k) : ranked[k]!, cli, cld));
  return routes;
}

/** The rtjson routes of an answer written from `ranked` (an rtjson document read as objects). */
function makeRtjsonRoutes(ranked: readonly Ranked[] | ChosenRoutes, count: number, cli: string, cld: string): RtjsonRoute[] {
  const parts: RouteParts[] = [];
  for (let k = 0; k < count; k++) parts.push(ranked instanceof ChosenRoutes ? chosenRoute(ranked, k) : ranked[k]!);
  return localRtjson(parts, cli, cld, undefined).routes as RtjsonRoute[];
}

function excludedEntries(found: readonly Exclusion[], selection: readonly Exclusion[]): ExcludedEntry[] {
  return [...found, ...selection].map(({ entry, reason }) => ({ i_connection: entry.i_connection, connection_name: entry.connection_name, reason }));
}

/** A local group's lookup with its policy parsed. */
type LocalLookup = Extract<GroupLookup, { readonly external: false }> & { readonly policy: readonly PolicyKey[] };

/** What an answer's route is made of. */
type RouteParts = Pick<Ranked, 'entry' | 'route' | 'costMicros' | 'cliRule' | 'cldRule'>;

type ParsedRules = Pick<Ranked, 'cliRule' | 'cldRule'>;

function chosenRoute(chosen: ChosenRoutes, k: number): RouteParts {
  const entry = chosen.entries[chosen.entryIndex(k)]!;
  const rules = entry.rules as ParsedRules;
  return { entry: entry.row, route: entry.routes!.route(chosen.row(k)), costMicros: chosen.cost(k), cliRule: rules.cliRule, cldRule: rules.cldRule };
}

function toRoute(ranked: RouteParts, cli: string, cld: string): Route {
  return routeFrom(ranked.entry, ranked.route, { estimated_cost: formatMicrosAny(ranked.costMicros), cli: applyRule(ranked.cliRule, cli), cld: applyRule(ranked.cldRule, cld) });
}

/**
 * The RPC layer validates params by schema; this repeats the bounds the
 * resolver's own safety depends on (query size, regex input length), so a
 * caller that skipped validation still cannot make it do unbounded work.
 */
function checkRequest(request: RouteRequest): void {
  const errors: { path: string; message: string }[] = [];
  const name = request.routing_group;
  if (!isString(name, 1, MAX_ROUTING_GROUP_CHARS)) errors.push({ path: '/routing_group', message: `must be a string of 1 to ${MAX_ROUTING_GROUP_CHARS} characters` });
  if (!isString(request.cld, 1, MAX_CLD)) errors.push({ path: '/cld', message: `must be a string of 1 to ${MAX_CLD} characters` });
  if (!isString(request.cli, 0, MAX_CLI)) errors.push({ path: '/cli', message: `must be a string of at most ${MAX_CLI} characters` });
  if (!(request.time instanceof Date) || Number.isNaN(request.time.getTime())) errors.push({ path: '/call_start_time', message: 'must be a valid time' });
  const max = request.max_routes;
  if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > MAX_ROUTES)) errors.push({ path: '/max_routes', message: `must be an integer from 1 to ${MAX_ROUTES}` });
  if (!Number.isInteger(request.hops) || request.hops < 0 || request.hops > MAX_HOPS) errors.push({ path: '/hops', message: `must be an integer from 0 to ${MAX_HOPS}` });
  if (errors.length > 0) {
    throw new SippyError('RPC_INVALID_PARAMS', `invalid getRoutes parameters: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, { data: { errors } });
  }
}

/** A string of min..max characters, counted as the params schema (ajv) and VARCHAR count them: by code point. */
function isString(value: unknown, min: number, max: number): boolean {
  if (typeof value !== 'string') return false;
  // UTF-16 length bounds the code points from above and from below (at most two units each).
  if (value.length <= max && value.length >= min) return true;
  if (value.length > 2 * max) return false;
  const length = Array.from(value).length;
  return length >= min && length <= max;
}

// The routing domain's public face: the Resolver contract, the resolver over
// its two data sources, and the snapshot that follows a database. Callers
// (rpc/, supervisor/, cli/) import from here only.

import type { Database } from '../db/pool.js';
import { RoutingResolver } from './resolver.js';
import { SnapshotDataSource, SqlDataSource, type RoutingDataSource } from './data-source.js';
import { ExternalForwarder, type ExternalForwarderOptions, type ExternalLimits } from './external/external.js';
import type { SnapshotFollower } from './follow/snapshot-follower.js';
import { RuleCache } from './rules/translation.js';
import { SnapshotInspector } from './inspect/inspect.js';
import { SqlInspector } from './inspect/inspect-sql.js';
import type { ExternalGroupHandler, RoutingInspector } from './contract.js';
import type { RoutingLogger } from './rules/log.js';
import type { RandomSource } from './rules/select.js';
import { createLogger } from '../log.js';

export type {
  Resolver, RouteRequest, RouteResult, Route, ExcludedEntry, ExclusionReason, ExternalGroupHandler,
  DataStatus, DataSourceName, ReplicaStatus, SnapshotStatus,
  RoutingInspector, GroupsPage, GroupSummary, RoutesPage, RouteListing,
  RtjsonDocument, RtjsonRoute,
} from './contract.js';
export type { GroupRow } from './rules/model.js';
export type { RoutingLogger } from './rules/log.js';
export type { RandomSource } from './rules/select.js';
export { RoutingResolver } from './resolver.js';
export { SqlDataSource, SnapshotDataSource, type RoutingDataSource, type GroupLookup } from './data-source.js';
export { SnapshotFollower, DEFAULT_FOLLOWER_SETTINGS, type FollowerSettings } from './follow/snapshot-follower.js';
export { SnapshotRegistry, snapshotMetricsView } from './follow/snapshot-registry.js';
export { SnapshotReader } from './follow/snapshot-sql.js';
export { DatabaseHealthLog, type HealthLogger } from './database-health.js';
export { ExternalForwarder, type ExternalLimits, type ExternalForwarderOptions } from './external/external.js';
export { EXTERNAL_VENDOR_NAME } from './external/external-sql.js';
export { answerBytesOf, answerCopied, answerInEnvelope } from './answer/local-answer.js';
export { rtjsonOf } from './answer/rtjson.js';
export { replySlab } from './answer/json-bytes.js';
export { replyBuffers } from './answer/reply-buffers.js';
// What the setup file's values are checked with (data/setup): the parsers the daemon reads them with.
export { parsePolicy, POLICY_KEYS } from './rules/policy.js';
export { parseRule, RuleSyntaxError } from './rules/translation.js';
export { parseMicros, formatMicros } from './rules/cost.js';
export { parseDestination, DestinationError } from './rules/destination.js';
export { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, MAX_PAGE_OFFSET } from './inspect/inspect.js';

export interface CreateResolverOptions {
  /** Default: the structured logger on stderr. */
  readonly logger?: RoutingLogger;
  /** Uniform in [0, 1); default Math.random. Tests inject a seeded one. */
  readonly random?: RandomSource;
  /** Forwards external groups; default an ExternalForwarder with `externalLimits`, sharing the resolver's rule cache. */
  readonly external?: ExternalGroupHandler;
  /** Hops limit, upstream timeout and client cap of the default forwarder. */
  readonly externalLimits?: ExternalLimits;
  /** Parsed translation rules kept at most (default 1000). */
  readonly ruleCacheSize?: number;
  /**
   * `--data-source snapshot`: answer from this follower's snapshot (from SQL
   * until it is loaded), refusing one older than maxStalenessMs (0 = no
   * bound). Without it every answer comes from SQL (`--data-source sql`): a
   * resolver cannot follow a database on its own, the follower is shared.
   */
  readonly snapshot?: { readonly follower: SnapshotFollower; readonly maxStalenessMs?: number };
  /**
   * --db-write: where the default forwarder autocreates (and then reads back)
   * external vendors and connections; default the database read. A replica
   * has none of a fresh row until it replicates, so the read-back goes there too.
   */
  readonly writeDatabase?: Database | ((environment: number) => Database);
  /** Told every upstream call of the default forwarder (metrics). */
  readonly upstream?: ExternalForwarderOptions['upstream'];
}

/** A resolver over one Database (all environments it serves), or over databaseFor(environment). */
export function createResolver(
  database: Database | ((environment: number) => Database),
  options: CreateResolverOptions = {},
): RoutingResolver & { readonly inspector: RoutingInspector } {
  const databaseFor = typeof database === 'function' ? database : () => database;
  const logger = options.logger ?? createLogger();
  const rules = new RuleCache(options.ruleCacheSize);
  const sql = new SqlDataSource(databaseFor);
  const source: RoutingDataSource =
    options.snapshot === undefined ? sql : new SnapshotDataSource(options.snapshot.follower, sql, options.snapshot.maxStalenessMs ?? 0);
  const write = options.writeDatabase;
  const writeFor = write === undefined ? databaseFor : typeof write === 'function' ? write : () => write;
  const external =
    options.external ??
    new ExternalForwarder({ ...options.externalLimits, databaseFor: writeFor, rules, logger, ...(options.upstream !== undefined ? { upstream: options.upstream } : {}) });
  const resolver = new RoutingResolver({ source, external, rules, logger, ...(options.random !== undefined ? { random: options.random } : {}) });
  // listGroups and listRoutes read from the source answers come from (the
  // snapshot, or SQL): what an operator lists is what calls are routed by.
  const sqlInspector = new SqlInspector(databaseFor);
  const inspector = options.snapshot === undefined ? sqlInspector : new SnapshotInspector(options.snapshot.follower, sqlInspector);
  return Object.assign(resolver, { inspector });
}

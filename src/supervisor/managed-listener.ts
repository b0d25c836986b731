// A listener as the supervisor runs it: the rpc Listener plus what it needs
// and owns — a resolver and a database pool shared through the registry.
// update() keeps the socket; when a DSN (-d, --db-write) or pool limits change it swaps in
// a new resolver and pool, and lets the old ones go once no request uses
// them.

import type { ListenerSpec } from '../econfig/listener-spec.js';
import type { Logger } from '../log.js';
import { SippyError } from '../errors.js';
import { DatabaseRegistry } from '../db/registry.js';
import { queueLimitFor, type Database, type PoolLimits } from '../db/pool.js';
import { createResolver, DatabaseHealthLog, type ExternalLimits, type DataStatus, type FollowerSettings, type Resolver, type SnapshotFollower, type SnapshotRegistry } from '../routing/index.js';
import { Listener } from '../rpc/listener.js';
import type { DaemonMetrics, UpstreamObserver } from '../metrics/daemon-metrics.js';
import type { ListenerFactory, ManagedListener } from './executor.js';

export interface ListenerDependencies {
  readonly registry: DatabaseRegistry;
  /** The snapshots, one per database, shared by the listeners that answer from one. */
  readonly snapshots: SnapshotRegistry;
  /** The supervisor's DSN, for listeners without their own -d. */
  readonly defaultDsn: string | undefined;
  readonly logger: Logger;
  /** Bound on draining in-flight requests when a listener stops. */
  readonly drainMs: number;
  /** The process's metrics, when --metrics is on. */
  readonly metrics?: DaemonMetrics;
}

/** Pool limits of a listener: its --db-connections and --db-timeout. */
export function poolLimitsOf(spec: ListenerSpec): PoolLimits {
  const { dbConnections, dbTimeoutMs } = spec.limits;
  return { connectionLimit: dbConnections, queueLimit: queueLimitFor(dbConnections), connectTimeoutMs: dbTimeoutMs, queryTimeoutMs: dbTimeoutMs };
}

/** External groups of a listener: its --max-hops, --upstream-timeout and --upstream-new-connections. */
export function externalLimitsOf(spec: ListenerSpec): ExternalLimits {
  const { maxHops, upstreamTimeoutMs, upstreamNewConnections } = spec.limits;
  return { maxHops, upstreamTimeoutMs, newConnectionsPerMinute: upstreamNewConnections };
}

/** The snapshot a listener follows: its --data-poll and --data-reconcile; undefined with --data-source sql. */
export function followerSettingsOf(spec: ListenerSpec): FollowerSettings | undefined {
  const { dataSource, dataPollMs, dataReconcileS } = spec.limits;
  return dataSource === 'snapshot' ? { pollMs: dataPollMs, reconcileS: dataReconcileS } : undefined;
}

/**
 * The resolver a listener serves with, the same under the supervisor and in
 * the single-environment daemon: the snapshot when one is given (else SQL
 * per request), the spec's external-group limits and staleness bound,
 * logging database outages and recoveries once each.
 */
export function listenerResolver(db: Database, spec: ListenerSpec, logger: Logger, follower?: SnapshotFollower, writeDb?: Database, upstream?: UpstreamObserver): Resolver {
  const snapshot = follower === undefined ? undefined : { follower, maxStalenessMs: spec.limits.maxStalenessS * 1000 };
  const options = {
    logger, externalLimits: externalLimitsOf(spec), ...(snapshot !== undefined ? { snapshot } : {}),
    ...(writeDb !== undefined ? { writeDatabase: writeDb } : {}), ...(upstream !== undefined ? { upstream } : {}),
  };
  return new DatabaseHealthLog(createResolver(db, options), logger);
}

/** What the pool, snapshot and resolver are built from: when it changes, all are swapped. */
function poolKey(dsn: string, writeDsn: string, spec: ListenerSpec): string {
  const { dataSource, dataPollMs, dataReconcileS, maxStalenessS } = spec.limits;
  return JSON.stringify([dsn, writeDsn, poolLimitsOf(spec), externalLimitsOf(spec), dataSource, dataPollMs, dataReconcileS, maxStalenessS]);
}

class SupervisedListener implements ManagedListener {
  private readonly deps: ListenerDependencies;
  private readonly listener: Listener;
  private db: Database;
  /** The --db-write pool; the same as `db` (acquired twice) without --db-write. */
  private writeDb: Database;
  private dbKey: string;
  private follower: SnapshotFollower | undefined;
  private resolver: Resolver;
  private stopped = false;

  constructor(spec: ListenerSpec, deps: ListenerDependencies) {
    this.deps = deps;
    const dsn = this.dsnOf(spec);
    const writeDsn = spec.dbWrite ?? dsn;
    this.db = deps.registry.acquire(dsn, poolLimitsOf(spec));
    this.writeDb = deps.registry.acquire(writeDsn, poolLimitsOf(spec));
    this.dbKey = poolKey(dsn, writeDsn, spec);
    this.follower = this.followerFor(dsn, writeDsn, spec);
    this.resolver = listenerResolver(this.db, spec, deps.logger, this.follower, this.writeDb, deps.metrics);
    this.listener = new Listener(spec, this.resolver, deps.logger, deps.metrics !== undefined ? { metrics: deps.metrics } : {});
  }

  get spec(): ListenerSpec {
    return this.listener.spec;
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  async update(spec: ListenerSpec): Promise<void> {
    const dsn = this.dsnOf(spec);
    const writeDsn = spec.dbWrite ?? dsn;
    const key = poolKey(dsn, writeDsn, spec);
    if (key === this.dbKey) {
      await this.listener.update(spec);
      return;
    }
    const db = this.deps.registry.acquire(dsn, poolLimitsOf(spec));
    const writeDb = this.deps.registry.acquire(writeDsn, poolLimitsOf(spec));
    const follower = this.followerFor(dsn, writeDsn, spec);
    const resolver = listenerResolver(db, spec, this.deps.logger, follower, writeDb, this.deps.metrics);
    try {
      await this.listener.update(spec, resolver);
    } catch (err) {
      await resolver.close();
      await this.releaseData(db, writeDb, follower);
      throw err;
    }
    const [oldDb, oldWriteDb, oldFollower, oldResolver] = [this.db, this.writeDb, this.follower, this.resolver];
    [this.db, this.writeDb, this.dbKey, this.follower, this.resolver] = [db, writeDb, key, follower, resolver];
    // Requests that started before the swap still hold the old resolver:
    // give them the drain bound before closing its pool and snapshot.
    setTimeout(() => {
      void oldResolver.close().then(() => this.releaseData(oldDb, oldWriteDb, oldFollower)).catch(() => undefined);
    }, this.deps.drainMs).unref();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.listener.stop(this.deps.drainMs);
    await this.resolver.close();
    await this.releaseData(this.db, this.writeDb, this.follower);
  }

  stats(): { requests: number; errors: number; inFlight: number; data: DataStatus | undefined } {
    const { requests, errors, inFlight } = this.listener.stats();
    return { requests, errors, inFlight, data: this.resolver.dataStatus?.() };
  }

  private dsnOf(spec: ListenerSpec): string {
    const dsn = spec.dsn ?? this.deps.defaultDsn;
    if (dsn === undefined) {
      throw new SippyError('DB_DSN_MISSING', `environment ${spec.environment} has no database: give it -d DSN in the econfig file, or give the supervisor -d or SIPPY_ROUTED_DB`);
    }
    return dsn;
  }

  private followerFor(dsn: string, writeDsn: string, spec: ListenerSpec): SnapshotFollower | undefined {
    const settings = followerSettingsOf(spec);
    return settings === undefined ? undefined : this.deps.snapshots.acquire(dsn, settings, writeDsn);
  }

  private async releaseData(db: Database, writeDb: Database, follower: SnapshotFollower | undefined): Promise<void> {
    if (follower !== undefined) await this.deps.snapshots.release(follower);
    await this.deps.registry.release(writeDb);
    await this.deps.registry.release(db);
  }
}

export function supervisedListenerFactory(deps: ListenerDependencies): ListenerFactory {
  return (spec) => new SupervisedListener(spec, deps);
}

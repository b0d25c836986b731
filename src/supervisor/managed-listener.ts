// A listener as the supervisor runs it: the rpc Listener plus what it needs
// and owns — a resolver and a database pool shared through the registry.
// update() keeps the socket; when the DSN or pool limits change it swaps in
// a new resolver and pool, and lets the old ones go once no request uses
// them.

import type { ListenerSpec } from '../econfig/listener-spec.js';
import type { Logger } from '../log.js';
import { SippyError } from '../errors.js';
import { DatabaseRegistry } from '../db/registry.js';
import type { Database, PoolLimits } from '../db/pool.js';
import { createResolver, DatabaseHealthLog, type ExternalLimits } from '../routing/index.js';
import type { Resolver } from '../routing/types.js';
import { Listener } from '../rpc/listener.js';
import type { ListenerFactory, ManagedListener } from './executor.js';

export interface ListenerDependencies {
  readonly registry: DatabaseRegistry;
  /** The supervisor's DSN, for listeners without their own -d. */
  readonly defaultDsn: string | undefined;
  readonly logger: Logger;
  /** Bound on draining in-flight requests when a listener stops. */
  readonly drainMs: number;
}

/** Pool limits of a listener: its --db-connections and --db-timeout. */
export function poolLimitsOf(spec: ListenerSpec): PoolLimits {
  const { dbConnections, dbTimeoutMs } = spec.limits;
  return { connectionLimit: dbConnections, queueLimit: dbConnections * 50, connectTimeoutMs: dbTimeoutMs, queryTimeoutMs: dbTimeoutMs };
}

/** External groups of a listener: its --max-hops and --upstream-timeout. */
export function externalLimitsOf(spec: ListenerSpec): ExternalLimits {
  return { maxHops: spec.limits.maxHops, upstreamTimeoutMs: spec.limits.upstreamTimeoutMs };
}

/**
 * The resolver a listener serves with, the same under the supervisor and in
 * the single-environment daemon: SQL routing with the spec's external-group
 * limits, logging database outages and recoveries once each.
 */
export function listenerResolver(db: Database, spec: ListenerSpec, logger: Logger): Resolver {
  return new DatabaseHealthLog(createResolver(db, { logger, externalLimits: externalLimitsOf(spec) }), logger);
}

/** What the pool and resolver are built from: when it changes, both are swapped. */
function poolKey(dsn: string, spec: ListenerSpec): string {
  return JSON.stringify([dsn, poolLimitsOf(spec), externalLimitsOf(spec)]);
}

class SupervisedListener implements ManagedListener {
  private readonly deps: ListenerDependencies;
  private readonly listener: Listener;
  private db: Database;
  private dbKey: string;
  private resolver: Resolver;
  private stopped = false;

  constructor(spec: ListenerSpec, deps: ListenerDependencies) {
    this.deps = deps;
    const dsn = this.dsnOf(spec);
    this.db = deps.registry.acquire(dsn, poolLimitsOf(spec));
    this.dbKey = poolKey(dsn, spec);
    this.resolver = this.resolverFor(this.db, spec);
    this.listener = new Listener(spec, this.resolver, deps.logger);
  }

  get spec(): ListenerSpec {
    return this.listener.spec;
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  async update(spec: ListenerSpec): Promise<void> {
    const dsn = this.dsnOf(spec);
    const key = poolKey(dsn, spec);
    if (key === this.dbKey) {
      await this.listener.update(spec);
      return;
    }
    const db = this.deps.registry.acquire(dsn, poolLimitsOf(spec));
    const resolver = this.resolverFor(db, spec);
    try {
      await this.listener.update(spec, resolver);
    } catch (err) {
      await resolver.close();
      await this.deps.registry.release(db);
      throw err;
    }
    const [oldDb, oldResolver] = [this.db, this.resolver];
    [this.db, this.dbKey, this.resolver] = [db, key, resolver];
    // Requests that started before the swap still hold the old resolver:
    // give them the drain bound before closing its pool.
    setTimeout(() => {
      void oldResolver.close().then(() => this.deps.registry.release(oldDb)).catch(() => undefined);
    }, this.deps.drainMs).unref();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.listener.stop(this.deps.drainMs);
    await this.resolver.close();
    await this.deps.registry.release(this.db);
  }

  stats(): { requests: number; errors: number } {
    const { requests, errors } = this.listener.stats();
    return { requests, errors };
  }

  private dsnOf(spec: ListenerSpec): string {
    const dsn = spec.dsn ?? this.deps.defaultDsn;
    if (dsn === undefined) {
      throw new SippyError('DB_DSN_MISSING', `environment ${spec.environment} has no database: give it -d DSN in the econfig file, or give the supervisor -d or SIPPY_ROUTED_DB`);
    }
    return dsn;
  }

  private resolverFor(db: Database, spec: ListenerSpec): Resolver {
    return listenerResolver(db, spec, this.deps.logger);
  }
}

export function supervisedListenerFactory(deps: ListenerDependencies): ListenerFactory {
  return (spec) => new SupervisedListener(spec, deps);
}

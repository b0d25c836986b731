// Database pools shared by listeners: one pool per (DSN, pool limits), kept
// while some listener uses it. Environments that share a database share its
// connections; a listener whose DSN changes takes another pool, and the old
// one closes when its last user lets go.

import { parseDsn } from './dsn.js';
import { Database, type PoolLimits } from './pool.js';
import type { PoolMetricsView } from '../metrics/daemon-metrics.js';

/** A pool as db_pool_connections shows it: used checkouts, free ones (its limit minus used), requests waiting. */
export function poolMetricsView(db: Database): PoolMetricsView {
  const { active, waiting } = db.poolStats();
  return { database: db.dsn.redacted, used: active, idle: Math.max(0, db.limits.connectionLimit - active), waiting };
}

interface Entry {
  readonly db: Database;
  users: number;
}

export class DatabaseRegistry {
  private readonly pools = new Map<string, Entry>();

  /** A pool for `dsn` with `limits`; give it back with release(). */
  acquire(dsn: string, limits: PoolLimits): Database {
    const key = JSON.stringify([dsn, limits.connectionLimit, limits.queueLimit, limits.connectTimeoutMs, limits.queryTimeoutMs]);
    let entry = this.pools.get(key);
    if (entry === undefined) {
      entry = { db: new Database(parseDsn(dsn), limits), users: 0 };
      this.pools.set(key, entry);
    }
    entry.users += 1;
    return entry.db;
  }

  /** Closes the pool when its last user releases it. Releasing an unknown pool is a no-op. */
  async release(db: Database): Promise<void> {
    for (const [key, entry] of this.pools) {
      if (entry.db !== db) continue;
      entry.users -= 1;
      if (entry.users <= 0) {
        this.pools.delete(key);
        await db.close();
      }
      return;
    }
  }

  /** Closes every pool. Idempotent. */
  async closeAll(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((entry) => entry.db.close()));
  }

  /** Every pool's view for the metrics. */
  metricsViews(): PoolMetricsView[] {
    return [...this.pools.values()].map((entry) => poolMetricsView(entry.db));
  }

  get size(): number {
    return this.pools.size;
  }
}

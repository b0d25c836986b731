// Snapshots shared by listeners (snapshot.md: one per database per process):
// one SnapshotFollower per (DSN, poll and reconcile settings), started by its
// first user and stopped when its last user lets go, like the pools of
// db/registry.ts. Listeners of one database with the same --data-poll and
// --data-reconcile (the usual case) share one snapshot; so do those that
// also write (--db-write) to the same database.

import { parseDsn } from '../../db/dsn.js';
import { redactUri } from '../../dsn-syntax.js';
import { SnapshotFollower, type FollowerLogger, type FollowerSettings } from './snapshot-follower.js';
import type { SnapshotStatus } from '../contract.js';
import type { SnapshotMetricsView } from '../../metrics/daemon-metrics.js';

/** A follower as the snapshot series show it: `database` is its DSN, redacted. */
export function snapshotMetricsView(database: string, follower: SnapshotFollower): SnapshotMetricsView {
  const snapshot = follower.current;
  const age = follower.ageMs();
  return {
    database,
    ageSeconds: Number.isFinite(age) ? age / 1000 : undefined,
    generation: snapshot?.generation ?? 0,
    tables: snapshot === undefined ? {} : { ...snapshot.counts },
    syncFailures: follower.syncFailures,
    badRows: snapshot?.badRows ?? 0,
  };
}

interface Entry {
  readonly dsn: string;
  /** --db-write, when it names another database than `dsn`. */
  readonly writeDsn: string | undefined;
  readonly follower: SnapshotFollower;
  users: number;
}

export class SnapshotRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly logger: FollowerLogger) {}

  /** The follower of `dsn` (writing to `writeDsn`, default `dsn`) with `settings`, started; give it back with release(). */
  acquire(dsn: string, settings: FollowerSettings, writeDsn: string = dsn): SnapshotFollower {
    const write = writeDsn === dsn ? undefined : writeDsn;
    const key = JSON.stringify([dsn, settings.pollMs, settings.reconcileS, write ?? null]);
    let entry = this.entries.get(key);
    if (entry === undefined) {
      const follower = new SnapshotFollower({ dsn: parseDsn(dsn), ...(write !== undefined ? { writeDsn: parseDsn(write) } : {}), settings, logger: this.logger });
      entry = { dsn, writeDsn: write, follower, users: 0 };
      this.entries.set(key, entry);
      follower.start();
    }
    entry.users += 1;
    return entry.follower;
  }

  /** Stops the follower when its last user releases it. Releasing an unknown one is a no-op. */
  async release(follower: SnapshotFollower): Promise<void> {
    for (const [key, entry] of this.entries) {
      if (entry.follower !== follower) continue;
      entry.users -= 1;
      if (entry.users <= 0) {
        this.entries.delete(key);
        await follower.stop();
      }
      return;
    }
  }

  /** A full reload of every snapshot (`reload --data`); each result is its status, or its error. */
  async reloadAll(): Promise<SnapshotStatus[]> {
    return Promise.all(
      [...this.entries.values()].map(async (entry) => {
        await entry.follower.reloadNow().catch(() => undefined);
        return this.statusOf(entry);
      }),
    );
  }

  /** The snapshot series' view of each follower (metrics). */
  metricsViews(): SnapshotMetricsView[] {
    return [...this.entries.values()].map((entry) => snapshotMetricsView(redactUri(entry.dsn), entry.follower));
  }

  statuses(): SnapshotStatus[] {
    return [...this.entries.values()].map((entry) => this.statusOf(entry));
  }

  /** Stops every follower. Idempotent. */
  async closeAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((entry) => entry.follower.stop()));
  }

  private statusOf(entry: Entry): SnapshotStatus {
    const settings = entry.follower.settings;
    return { dsn: redactUri(entry.dsn), db_write: entry.writeDsn === undefined ? null : redactUri(entry.writeDsn), poll_ms: settings.pollMs, reconcile_s: settings.reconcileS, listeners: entry.users, ...entry.follower.status() };
  }
}

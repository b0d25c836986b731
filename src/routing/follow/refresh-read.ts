// One refresh's read of the database (snapshot-follower.ts): on the
// follower's own connection, in one consistent-read transaction, within a
// deadline, and abandonable at once (stop, reloadNow, the deadline) whatever
// the server or the driver is doing.

import type { PoolConnection } from 'mysql2/promise';
import type { Database } from '../../db/pool.js';
import { SnapshotReader } from './snapshot-sql.js';

/** Statement bounds: journal polls answer fast or the server is in trouble; table reads may be long. */
export const QUICK_TIMEOUT_MS = 5000;
export const BULK_TIMEOUT_MS = 120_000;
/**
 * Bound on one refresh, whatever it waits on: past it the refresh is
 * abandoned (its connection destroyed), counted as a failed sync and
 * retried, and the old snapshot keeps serving. Each statement has its own
 * bound too; this one also covers a driver that never settles a statement.
 */
export const REFRESH_DEADLINE_MS = 300_000;

/** A refresh the follower gave up on: `asked` by stop() or reloadNow(), or past its deadline. */
export class RefreshAbandoned extends Error {
  constructor(
    reason: string,
    readonly asked: boolean,
  ) {
    super(`routing data refresh abandoned: ${reason}`);
  }
}

/** The follower's reads, one at a time. */
export class RefreshReads {
  /** Abandons the read in flight (destroys its connection, rejects it with `reason`). */
  private abandonInFlight: ((reason: string, asked: boolean) => void) | undefined;

  constructor(private readonly db: Database) {}

  /**
   * Runs `work` on a connection of `db` in one consistent-read transaction,
   * within REFRESH_DEADLINE_MS. Abandoned, the read rejects at once and its
   * connection is destroyed: mysql2 may never settle a statement on a
   * destroyed connection, so the read is not awaited.
   */
  async read<T>(work: (reader: SnapshotReader) => Promise<T>): Promise<T> {
    let abandonedBy: RefreshAbandoned | undefined;
    try {
      return await this.db.withConnection(async (conn: PoolConnection) => {
        const reader = new SnapshotReader(conn, QUICK_TIMEOUT_MS, BULK_TIMEOUT_MS);
        let abandon!: (reason: string, asked: boolean) => void;
        const abandoned = new Promise<never>((_, reject) => {
          abandon = (reason, asked) => {
            abandonedBy = new RefreshAbandoned(reason, asked);
            reader.abandon();
            conn.destroy();
            reject(abandonedBy);
          };
        });
        const deadline = setTimeout(() => abandon(`no result within ${REFRESH_DEADLINE_MS} ms`, false), REFRESH_DEADLINE_MS);
        deadline.unref();
        this.abandonInFlight = abandon;
        try {
          return await Promise.race([
            (async () => {
              await reader.begin();
              const result = await work(reader);
              await reader.end();
              return result;
            })(),
            abandoned,
          ]);
        } finally {
          clearTimeout(deadline);
          if (this.abandonInFlight === abandon) this.abandonInFlight = undefined;
        }
      });
    } catch (err) {
      // The pool names database failures; an abandoned read is the follower's own doing, said as such.
      throw abandonedBy ?? err;
    }
  }

  /** Abandons the read in flight, if there is one: it rejects at once with a RefreshAbandoned. */
  abandon(reason: string, asked: boolean): void {
    this.abandonInFlight?.(reason, asked);
  }
}

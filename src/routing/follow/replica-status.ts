// A replica's own view of its replication (scale-out.md, "What to monitor"):
// whether its threads run and how far behind the primary it is. A daemon
// reading a replica keeps syncing with it while replication is stopped, so
// its snapshot's age says nothing of the primary's edits; this is what does.
// MariaDB and MySQL show it to users with REPLICA MONITOR (MariaDB), or
// REPLICATION CLIENT (MySQL, older MariaDB); to others it is hidden.

import type { Database } from '../../db/pool.js';
import type { ReplicaStatus } from '../contract.js';

/** How often (ms) a follower reads its server's replication state. */
export const REPLICA_CHECK_MS = 1000;

/** Server errors that mean "not yours to see": the user lacks the privilege. */
const HIDDEN = new Set(['ER_SPECIFIC_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR']);

/**
 * The server's replication state: a status when it is a replica, null when
 * it is none, 'hidden' when the user may not see it, 'failed' on any other
 * failure (a later check tries again).
 */
export async function readReplicaStatus(db: Database, timeoutMs: number, now: () => number = Date.now): Promise<ReplicaStatus | null | 'hidden' | 'failed'> {
  try {
    return await db.withConnection(async (conn) => {
      let rows: unknown;
      try {
        [rows] = await conn.query({ sql: 'SHOW SLAVE STATUS', timeout: timeoutMs });
      } catch (err) {
        // MySQL 8.4 knows only the newer name (and its columns say Replica/Source).
        if ((err as { code?: string }).code !== 'ER_PARSE_ERROR') throw err;
        [rows] = await conn.query({ sql: 'SHOW REPLICA STATUS', timeout: timeoutMs });
      }
      const row = (rows as Record<string, unknown>[])[0];
      return row === undefined ? null : replicaStatusOf(row, now());
    });
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    return code !== undefined && HIDDEN.has(code) ? 'hidden' : 'failed';
  }
}

/** One row of SHOW SLAVE STATUS, or of MySQL's SHOW REPLICA STATUS (Replica_*, *_Source columns). */
export function replicaStatusOf(row: Record<string, unknown>, at: number): ReplicaStatus {
  const lag = row.Seconds_Behind_Master ?? row.Seconds_Behind_Source;
  const error = [row.Last_SQL_Error, row.Last_IO_Error].find((e) => typeof e === 'string' && e !== '') as string | undefined;
  return {
    io_running: (row.Slave_IO_Running ?? row.Replica_IO_Running) === 'Yes',
    sql_running: (row.Slave_SQL_Running ?? row.Replica_SQL_Running) === 'Yes',
    lag_s: lag === null || lag === undefined ? null : Number(lag),
    last_error: error ?? null,
    checked_at: new Date(at).toISOString(),
  };
}

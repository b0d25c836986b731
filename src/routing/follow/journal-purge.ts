// The change journal's purge (snapshot.md): entries older than
// JOURNAL_RETENTION_S deleted once a minute, on the write server, by one
// process at a time. On a replica (scale-out.md) the purge goes to
// `--db-write`, the primary: a replica must never delete journal rows of its
// own, or the primary's purge would later find them gone and stop
// replication. A write server that is read-only is never purged.

import type { Database } from '../../db/pool.js';
import { DEFAULT_DB_TIMEOUT_MS } from '../../limits.js';
import { purgeJournal } from './snapshot-sql.js';
import { BULK_TIMEOUT_MS, QUICK_TIMEOUT_MS } from './refresh-read.js';

/** Journal entries are kept this long (s) before the purge removes them. */
export const JOURNAL_RETENTION_S = 3600;
/** How often (ms) a follower tries to take the purge lock. */
export const PURGE_INTERVAL_MS = 60_000;
const PURGE_LOCK = 'sippy_routed.journal_purge';
/** The purge's pool on a separate write server (--db-write): one connection, used once a minute. */
export const PURGE_POOL = { connectionLimit: 1, queueLimit: 2, connectTimeoutMs: DEFAULT_DB_TIMEOUT_MS, queryTimeoutMs: QUICK_TIMEOUT_MS };

export class JournalPurge {
  /** The write server was a replica at the last purge (logged once per change). */
  private writeIsReplica = false;

  constructor(
    /** Where the purge runs: the read server itself unless --db-write names another. */
    private readonly writeDb: Database,
    private readonly readDb: Database,
    private readonly logger: { info(message: string, fields?: Record<string, unknown>): void },
  ) {}

  /**
   * Under the purge lock of the write server, so one process at a time
   * across every daemon that writes there, however many read replicas of
   * it. Never on a replica: a server that is read-only, or the read server
   * itself when it reports being a replica (`readIsReplica`; no --db-write given).
   */
  async run(readIsReplica: boolean): Promise<void> {
    await this.writeDb.withConnection(async (conn) => {
      const [flags] = await conn.query({ sql: 'SELECT @@global.read_only AS ro', timeout: QUICK_TIMEOUT_MS });
      const replica = Number((flags as { ro: unknown }[])[0]?.ro) !== 0 || (this.writeDb === this.readDb && readIsReplica);
      if (replica !== this.writeIsReplica) {
        this.writeIsReplica = replica;
        if (replica) this.logger.info('the write database is a replica (read_only, or replicating and no --db-write given): this daemon leaves the journal purge to the primary; give --db-write the primary\'s DSN');
      }
      if (replica) return;
      const [rows] = await conn.query({ sql: 'SELECT GET_LOCK(?, 0) AS got', values: [PURGE_LOCK], timeout: QUICK_TIMEOUT_MS });
      if (Number((rows as { got: unknown }[])[0]?.got) !== 1) return;
      try {
        const deleted = await purgeJournal(conn, JOURNAL_RETENTION_S, BULK_TIMEOUT_MS);
        if (deleted > 0) this.logger.info('change journal purged', { deleted, retention_s: JOURNAL_RETENTION_S });
      } finally {
        await conn.query({ sql: 'SELECT RELEASE_LOCK(?)', values: [PURGE_LOCK], timeout: QUICK_TIMEOUT_MS }).catch(() => undefined);
      }
    });
  }
}

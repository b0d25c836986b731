// Applies pending migrations in order and records each one. Safe to run
// again (a no-op) and safe to run concurrently (a server-side named lock
// serialises migrators).

import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import { SippyError } from '../errors.js';
import type { Database } from './pool.js';
import { migrations, LATEST_SCHEMA_VERSION, type MigrationStatement } from './migrations.js';

export interface MigrateResult {
  readonly from: number;
  readonly to: number;
  readonly applied: readonly number[];
}

const LOCK_NAME = 'sippy_routed.migrate';
const LOCK_WAIT_SECONDS = 30;

export async function migrate(db: Database): Promise<MigrateResult> {
  return db.withConnection(async (conn) => {
    const [locked] = await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS got', [LOCK_NAME, LOCK_WAIT_SECONDS]);
    if (Number(locked[0]!.got) !== 1) {
      throw new SippyError('DB_UNAVAILABLE', `another migration holds the lock ${LOCK_NAME}; try again`);
    }
    try {
      await conn.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
          version INT UNSIGNED NOT NULL PRIMARY KEY,
          name VARCHAR(128) NOT NULL,
          applied_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
      );
      const [rows] = await conn.query<RowDataPacket[]>('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations');
      const from = Number(rows[0]!.v);
      if (from > LATEST_SCHEMA_VERSION) {
        throw new SippyError(
          'DB_SCHEMA_TOO_NEW',
          `database schema version ${from} is newer than this program's ${LATEST_SCHEMA_VERSION}; upgrade sippy_routed`,
        );
      }
      const applied: number[] = [];
      for (const migration of migrations) {
        if (migration.version <= from) continue;
        // MySQL commits DDL implicitly, so a migration is not atomic. Its
        // statements are written to be re-runnable (IF NOT EXISTS) and the
        // record is written last, so a migration that failed half-way is
        // simply run again whole.
        for (const statement of migration.statements) await applyStatement(conn, statement);
        await conn.query('INSERT INTO schema_migrations (version, name) VALUES (?, ?)', [migration.version, migration.name]);
        applied.push(migration.version);
      }
      return { from, to: Math.max(from, LATEST_SCHEMA_VERSION), applied };
    } finally {
      await conn.query('SELECT RELEASE_LOCK(?)', [LOCK_NAME]).catch(() => undefined);
    }
  });
}

/** Runs one statement of a migration; a guarded one only while its column is missing. */
export async function applyStatement(conn: PoolConnection, statement: MigrationStatement): Promise<void> {
  if (typeof statement === 'string') {
    await conn.query(statement);
    return;
  }
  const { table, column } = statement.unlessColumn;
  const [found] = await conn.query<RowDataPacket[]>(
    'SELECT COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?',
    [table, column],
  );
  if (Number(found[0]!.n) === 0) await conn.query(statement.sql);
}

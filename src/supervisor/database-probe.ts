// One look at a listener's database, made at start and after every reload
// that changed something (and for `status`): does it answer, at which
// schema version, and (for a snapshot) are the change journal's triggers
// there. A bad DSN otherwise shows only at the first call. The probe never
// fails: what it finds wrong becomes `problem`, one sentence for the log
// and `status`, without the password. It also reads the external groups of
// the environments it serves, for the URI check (external-uris.ts).

import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import { parseDsn, type Dsn } from '../db/dsn.js';
import { Database } from '../db/pool.js';
import { describeForLog } from '../log.js';
import { LATEST_SCHEMA_VERSION, triggersInPlace } from '../db/migrations.js';
import { SnapshotReader } from '../routing/index.js';
import type { ExternalGroup } from './external-uris.js';

export interface DatabaseCheck {
  /** The DSN, password redacted. */
  readonly dsn: string;
  readonly answers: boolean;
  /** The schema version recorded in the database (0: none); null when it does not answer. */
  readonly schema_version: number | null;
  /** With a snapshot: whether the change journal and its triggers are there; null when not looked at. */
  readonly triggers: boolean | null;
  /** What is wrong, or null. */
  readonly problem: string | null;
  readonly checked_at: string;
}

export interface ProbeRequest {
  /** DSN text, or one already parsed. */
  readonly dsn: string | Dsn;
  /** Some listener on it answers from a snapshot: look at the triggers. */
  readonly snapshot: boolean;
  /** Environments served from it whose external groups to read. */
  readonly environments: readonly number[];
  readonly timeoutMs: number;
}

export interface ProbeResult {
  readonly check: DatabaseCheck;
  /** The external groups of `environments`; undefined when they could not be read. */
  readonly groups: readonly ExternalGroup[] | undefined;
}

function schemaProblem(version: number): string | null {
  if (version === 0) return 'no sippy_routed schema in this database: run sippy_routed db migrate';
  if (version < LATEST_SCHEMA_VERSION) return `schema version ${version}, this program needs ${LATEST_SCHEMA_VERSION}: run sippy_routed db migrate`;
  if (version > LATEST_SCHEMA_VERSION) return `schema version ${version} is newer than this program's ${LATEST_SCHEMA_VERSION}: upgrade sippy_routed`;
  return null;
}

async function externalGroups(conn: PoolConnection, environments: readonly number[], timeoutMs: number): Promise<ExternalGroup[]> {
  const [rows] = await conn.query<RowDataPacket[]>({
    sql: `SELECT i_environment, name, uri FROM routing_groups WHERE external = 1 AND i_environment IN (${environments.map(() => '?').join(', ')}) ORDER BY i_environment, name`,
    values: [...environments],
    timeout: timeoutMs,
  });
  return rows.map((r) => ({ i_environment: Number(r.i_environment), name: String(r.name), uri: r.uri === null ? null : String(r.uri) }));
}

export async function probeDatabase(request: ProbeRequest, now: () => Date = () => new Date()): Promise<ProbeResult> {
  const dsn = typeof request.dsn === 'string' ? parseDsn(request.dsn) : request.dsn;
  const t = request.timeoutMs;
  const db = new Database(dsn, { connectionLimit: 1, queueLimit: 1, connectTimeoutMs: t, queryTimeoutMs: t });
  const result = (fields: Omit<DatabaseCheck, 'dsn' | 'checked_at'>, groups?: readonly ExternalGroup[]): ProbeResult => ({
    check: Object.freeze({ dsn: dsn.redacted, ...fields, checked_at: now().toISOString() }),
    groups,
  });
  try {
    return await db.withConnection(async (conn) => {
      const [tables] = await conn.query<RowDataPacket[]>({
        sql: "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'schema_migrations'",
        timeout: t,
      });
      let version = 0;
      if (Number(tables[0]!.n) > 0) {
        const [rows] = await conn.query<RowDataPacket[]>({ sql: 'SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations', timeout: t });
        version = Number(rows[0]!.v);
      }
      const problem = schemaProblem(version);
      if (version === 0) return result({ answers: true, schema_version: 0, triggers: null, problem });
      let triggers: boolean | null = null;
      if (request.snapshot) {
        const state = await new SnapshotReader(conn, t, t).journalState();
        triggers = state.journal && triggersInPlace(state.triggers);
      }
      const missing = triggers === false
        ? 'the change journal triggers are missing or not on the live tables: edits reach the routing snapshot only by the reconcile and reload --data; run sippy_routed db migrate'
        : null;
      const groups = request.environments.length === 0 ? [] : await externalGroups(conn, request.environments, t).catch(() => undefined);
      return result({ answers: true, schema_version: version, triggers, problem: problem ?? missing }, groups);
    });
  } catch (err) {
    return result({ answers: false, schema_version: null, triggers: null, problem: `cannot be used: ${describeForLog(err)}` });
  } finally {
    await db.close();
  }
}

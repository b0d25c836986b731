// The database handle: a mysql2 promise pool with explicit limits, and one
// translation of driver failures into catalogued errors. Callers never see a
// mysql2 error, SQL text or a DSN password; those go to the log only.

import mysql from 'mysql2/promise';
import type { Pool, PoolConnection, RowDataPacket, ResultSetHeader } from 'mysql2/promise';
import { SippyError } from '../errors.js';
import { DB_IDLE_TIMEOUT_MS, DB_QUEUE_PER_CONNECTION, DEFAULT_DB_CONNECTIONS, DEFAULT_DB_PORT, DEFAULT_DB_TIMEOUT_MS } from '../limits.js';
import type { Dsn } from './dsn.js';
import { PoolGate, type PoolGateStats } from './pool-gate.js';

export interface PoolLimits {
  /** Connections open at most at once. */
  readonly connectionLimit: number;
  /** Requests waiting for a connection at most; more fail at once with DB_UNAVAILABLE. */
  readonly queueLimit: number;
  /**
   * Time to get a connection, ms: the wait for a free one and the connect
   * together (a request never waits longer, whatever the queue).
   */
  readonly connectTimeoutMs: number;
  /** Time one statement may take, ms. */
  readonly queryTimeoutMs: number;
}

/** How many requests may wait for one of `connections` (docs/econfig.md, Listener options). */
export function queueLimitFor(connections: number): number {
  return connections * DB_QUEUE_PER_CONNECTION;
}

export const DEFAULT_POOL_LIMITS: PoolLimits = Object.freeze({
  connectionLimit: DEFAULT_DB_CONNECTIONS,
  queueLimit: queueLimitFor(DEFAULT_DB_CONNECTIONS),
  connectTimeoutMs: DEFAULT_DB_TIMEOUT_MS,
  queryTimeoutMs: DEFAULT_DB_TIMEOUT_MS,
});

export type SqlValue = string | number | bigint | boolean | Date | null | Buffer;
export type Row = RowDataPacket;

/** Statements on one connection, for a unit of work of several reads. */
export interface Session {
  select<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
}

function whereOf(dsn: Dsn): string {
  return dsn.socketPath !== undefined ? `socket ${dsn.socketPath}` : `${dsn.host}:${dsn.port ?? DEFAULT_DB_PORT}`;
}

/** Maps a mysql2/socket failure to the catalogue; `what` names the operation for the message. */
export function toDatabaseError(err: unknown, dsn: Dsn): SippyError {
  if (err instanceof SippyError) return err;
  const e = err as { code?: string; errno?: number; message?: string };
  const where = whereOf(dsn);
  const detail = { code: e.code ?? 'UNKNOWN' };
  switch (e.code) {
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_DBACCESS_DENIED_ERROR':
      return new SippyError('DB_ACCESS_DENIED', `database refused user ${JSON.stringify(dsn.user)} at ${where}: access denied`, { data: detail, cause: err });
    case 'ER_BAD_DB_ERROR':
      return new SippyError('DB_UNKNOWN_DATABASE', `database ${JSON.stringify(dsn.database)} does not exist at ${where}`, { data: detail, cause: err });
    case 'ECONNREFUSED':
    case 'ENOENT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new SippyError('DB_UNAVAILABLE', `database server unreachable at ${where} (${e.code})`, { data: detail, cause: err });
    case 'ETIMEDOUT':
    case 'PROTOCOL_SEQUENCE_TIMEOUT':
      return new SippyError('DB_UNAVAILABLE', `database server at ${where} timed out`, { data: detail, cause: err });
    case 'PROTOCOL_CONNECTION_LOST':
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ER_SERVER_SHUTDOWN':
    case 'ER_CON_COUNT_ERROR':
    case 'ER_TOO_MANY_USER_CONNECTIONS':
      return new SippyError('DB_UNAVAILABLE', `database server at ${where} is unavailable (${e.code})`, { data: detail, cause: err });
    case 'ER_OPTION_PREVENTS_STATEMENT':
      // --read-only: a replica (scale-out.md); writes belong on --db-write.
      return new SippyError('DB_QUERY_FAILED', `database at ${where} refused a write: the server is read-only (a replica? give --db-write the primary's DSN)`, { data: detail, cause: err });
    default:
      if (typeof e.message === 'string' && /queue limit/i.test(e.message)) {
        return new SippyError('DB_UNAVAILABLE', `database pool for ${where} is saturated`, { data: { code: 'QUEUE_LIMIT' }, cause: err });
      }
      return new SippyError('DB_QUERY_FAILED', `database statement failed at ${where} (${e.code ?? 'unknown error'})`, { data: detail, cause: err });
  }
}

export class Database {
  readonly dsn: Dsn;
  readonly limits: PoolLimits;
  private readonly pool: Pool;
  private readonly gate: PoolGate;
  private closed = false;

  constructor(dsn: Dsn, limits: PoolLimits = DEFAULT_POOL_LIMITS) {
    this.dsn = dsn;
    this.limits = limits;
    this.gate = new PoolGate(limits.connectionLimit, limits.queueLimit);
    this.pool = mysql.createPool({
      user: dsn.user,
      password: dsn.password,
      database: dsn.database,
      ...(dsn.socketPath !== undefined ? { socketPath: dsn.socketPath } : { host: dsn.host, port: dsn.port ?? DEFAULT_DB_PORT }),
      connectionLimit: limits.connectionLimit,
      queueLimit: limits.queueLimit,
      connectTimeout: limits.connectTimeoutMs,
      maxIdle: limits.connectionLimit,
      idleTimeout: DB_IDLE_TIMEOUT_MS,
      enableKeepAlive: true,
      waitForConnections: true,
      // Exact money: DECIMAL columns come back as strings, never floats.
      decimalNumbers: false,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      timezone: 'Z',
      charset: 'utf8mb4_bin',
      multipleStatements: false,
    });
    // An idle connection that dies emits 'error' on the connection; the pool
    // drops it. Swallow here so it cannot crash the process.
    this.pool.on('connection', (conn) => {
      conn.on('error', () => undefined);
    });
  }

  /** Runs a prepared statement; rows for SELECT. */
  async select<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.withSession((session) => session.select<T>(sql, params));
  }

  /** Runs a prepared INSERT/UPDATE/DELETE. */
  async modify(sql: string, params: readonly SqlValue[] = []): Promise<ResultSetHeader> {
    return this.withConnection(async (conn) => {
      const [result] = await conn.execute<ResultSetHeader>({ sql, timeout: this.limits.queryTimeoutMs }, params as SqlValue[]);
      return result;
    });
  }

  /**
   * Runs several prepared SELECTs on one connection (one pool checkout), each
   * bounded by queryTimeoutMs. Like every statement here, a failure destroys
   * the connection: mysql2 answers a timed-out statement at once but leaves it
   * running on the connection, which must not go back to the pool.
   */
  async withSession<T>(work: (session: Session) => Promise<T>): Promise<T> {
    return this.withConnection((conn) =>
      work({
        select: async <R extends Row = Row>(sql: string, params: readonly SqlValue[] = []) => {
          const [rows] = await conn.execute<R[]>({ sql, timeout: this.limits.queryTimeoutMs }, params as SqlValue[]);
          return rows;
        },
      }),
    );
  }

  /**
   * Runs `work` on one connection (for DDL and transactions). The connection
   * is released on success and destroyed on failure, so a half-finished
   * transaction never returns to the pool.
   */
  async withConnection<T>(work: (conn: PoolConnection) => Promise<T>): Promise<T> {
    const conn = await this.checkout();
    try {
      const result = await work(conn);
      conn.release();
      return result;
    } catch (err) {
      conn.destroy();
      throw toDatabaseError(err, this.dsn);
    } finally {
      this.gate.release();
    }
  }

  /** Checkouts held and requests waiting for one (operations.md; tests). */
  poolStats(): PoolGateStats {
    return this.gate.stats();
  }

  /**
   * A connection within connectTimeoutMs of the call, waiting included, or
   * DB_UNAVAILABLE. The gate's permit is held until the connection is given
   * back; a connect that outlives the deadline keeps its permit until it
   * settles (mysql2 cannot cancel it), and its connection goes to the pool.
   */
  private async checkout(): Promise<PoolConnection> {
    const started = Date.now();
    const budget = this.limits.connectTimeoutMs;
    const where = whereOf(this.dsn);
    await this.gate.acquire(
      budget,
      () => new SippyError('DB_UNAVAILABLE', `database pool for ${where} is saturated`, { data: { code: 'QUEUE_LIMIT' } }),
      () => new SippyError('DB_UNAVAILABLE', `no database connection to ${where} became free within ${budget} ms`, { data: { code: 'POOL_WAIT_TIMEOUT' } }),
    );
    const connecting = this.pool.getConnection();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new SippyError('DB_UNAVAILABLE', `database server at ${where} timed out`, { data: { code: 'ETIMEDOUT' } })),
        Math.max(0, started + budget - Date.now()),
      );
    });
    try {
      return await Promise.race([connecting, late]);
    } catch (err) {
      connecting.then(
        (conn) => {
          conn.release();
          this.gate.release();
        },
        () => this.gate.release(),
      );
      throw toDatabaseError(err, this.dsn);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Checks that the server answers; throws the catalogued error if not. */
  async ping(): Promise<void> {
    await this.select('SELECT 1');
  }

  /** Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end().catch(() => undefined);
  }
}

// The rate commands' SQL, and only here: the environment and the set, the
// lock per set, the deck's staging table, the two sorted streams the plan
// merges, and the writes. Every value is a placeholder or a stream.

import { createHash } from 'node:crypto';
import type { PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { SippyError } from '../errors.js';
import type { SqlValue } from '../db/pool.js';
import { parseUtcDatetime } from '../db/datetime.js';
import type { NewRoute, SetRow, StagedRow } from './rate-plan.js';
import { rowSink, type LoadMethod, type RowSink } from './row-sink.js';

export interface SetRef {
  readonly i_environment: number;
  readonly name: string;
  /** Undefined while the set does not exist (an import creates it). */
  readonly i_destination_set: number | undefined;
  readonly currency: string;
}

/** How long an import waits for another import of the same set, seconds. */
export const SET_LOCK_WAIT_SECONDS = 30;

async function rows(conn: PoolConnection, sql: string, params: readonly SqlValue[]): Promise<RowDataPacket[]> {
  const [result] = await conn.query<RowDataPacket[]>(sql, params as SqlValue[]);
  return result;
}

/** --env N when it exists; without it the database's only environment. */
export async function environmentOf(conn: PoolConnection, wanted: number | undefined): Promise<number> {
  const all = (await rows(conn, 'SELECT i_environment FROM environments ORDER BY i_environment', [])).map((r) => Number(r.i_environment));
  if (wanted !== undefined) {
    if (!all.includes(wanted)) throw new SippyError('RATES_NOT_FOUND', `no environment ${wanted} in the database (it has ${all.join(', ') || 'none'})`);
    return wanted;
  }
  if (all.length === 1) return all[0]!;
  throw new SippyError('USAGE', `the database has ${all.length === 0 ? 'no environments' : `environments ${all.join(', ')}`}: give --env N`);
}

/** The destination set of exactly that name (names compare exactly: the collation pads spaces, === does not). */
export async function findSet(conn: PoolConnection, environment: number, name: string): Promise<{ i_destination_set: number; currency: string } | undefined> {
  const found = (await rows(conn, 'SELECT i_destination_set, name, currency FROM destination_sets WHERE i_environment = ? AND name = ?', [environment, name]))
    .find((r) => r.name === name);
  return found === undefined ? undefined : { i_destination_set: Number(found.i_destination_set), currency: String(found.currency) };
}

export async function createSet(conn: PoolConnection, environment: number, name: string, currency: string): Promise<number> {
  const [result] = await conn.query<ResultSetHeader>('INSERT INTO destination_sets (i_environment, name, currency) VALUES (?, ?, ?)', [environment, name, currency]);
  return result.insertId;
}

/**
 * Takes the set's lock for this session (GET_LOCK: two imports of one set
 * never interleave), waiting up to `waitSeconds`.
 */
export async function lockSet(conn: PoolConnection, environment: number, name: string, waitSeconds: number): Promise<string> {
  const lock = setLockName(environment, name);
  const [got] = await rows(conn, 'SELECT GET_LOCK(?, ?) AS got', [lock, waitSeconds]);
  if (Number(got?.got) !== 1) {
    throw new SippyError('RATES_SET_BUSY', `another import of set ${JSON.stringify(name)} in environment ${environment} held its lock for ${waitSeconds} s; try again when it is done`);
  }
  return lock;
}

/** The GET_LOCK name of a set: a hash, as lock names are limited to 64 characters and set names are not. */
export function setLockName(environment: number, name: string): string {
  return `sippy_routed.rates.${createHash('sha1').update(`${environment}\0${name}`).digest('hex')}`;
}

export async function unlockSet(conn: PoolConnection, lock: string): Promise<void> {
  await conn.query('SELECT RELEASE_LOCK(?)', [lock]);
}

// ---- The deck's staging table ---------------------------------------------
//
// A TEMPORARY table of the reading connection: other sessions never see it,
// and it goes with the session. Its key is the order the plan reads it in
// (prefix, effective, line), so the read is a scan of the key.

const STAGING = 'sippy_routed_rate_deck';
const STAGING_COLUMNS = ['line', 'prefix', 'effective_ms', 'description', 'price_1_micros', 'price_n_micros', 'interval_1', 'interval_n', 'forbidden'] as const;

export async function createStaging(conn: PoolConnection): Promise<void> {
  await conn.query(`DROP TEMPORARY TABLE IF EXISTS ${STAGING}`);
  await conn.query(`CREATE TEMPORARY TABLE ${STAGING} (
    line INT UNSIGNED NOT NULL,
    prefix VARCHAR(32) NOT NULL,
    effective_ms BIGINT NOT NULL,
    description VARCHAR(255) NULL,
    price_1_micros BIGINT NULL,
    price_n_micros BIGINT NULL,
    interval_1 INT NULL,
    interval_n INT NULL,
    forbidden TINYINT(1) NOT NULL,
    PRIMARY KEY (prefix, effective_ms, line)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
}

export async function dropStaging(conn: PoolConnection): Promise<void> {
  await conn.query(`DROP TEMPORARY TABLE IF EXISTS ${STAGING}`);
}

/** A sink for staged rows (stagedValues()). */
export function stagingSink(conn: PoolConnection, method: LoadMethod): RowSink {
  return rowSink(conn, method, STAGING, STAGING_COLUMNS);
}

export function stagedValues(row: StagedRow): SqlValue[] {
  return [row.line, row.prefix, row.effective, row.description, row.price1, row.priceN, row.interval1, row.intervalN, row.forbidden ? 1 : 0];
}

/** The staged rows by prefix, effective instant, line. */
export function stagedRows(conn: PoolConnection): AsyncIterable<StagedRow> {
  return streamRows(conn, `SELECT ${STAGING_COLUMNS.join(', ')} FROM ${STAGING} ORDER BY prefix, effective_ms, line`, [], (r) => ({
    line: Number(r[0]), prefix: String(r[1]), effective: Number(r[2]), description: r[3] === null ? null : String(r[3]),
    price1: r[4] === null ? null : Number(r[4]), priceN: r[5] === null ? null : Number(r[5]),
    interval1: r[6] === null ? null : Number(r[6]), intervalN: r[7] === null ? null : Number(r[7]), forbidden: Number(r[8]) !== 0,
  }));
}

// ---- The set's rows --------------------------------------------------------

/** A set row with its prefix, as the merge reads it. */
export interface PrefixedSetRow extends SetRow {
  readonly prefix: string;
}

/** Starts a consistent read of its own on `conn` (the set's rows as of now, whatever commits meanwhile). */
export async function beginSnapshot(conn: PoolConnection): Promise<void> {
  await conn.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
}

/** The set's rows (those of one prefix, with `prefix`) by prefix (the lookup index's order), activation, i_route. */
export function setRows(conn: PoolConnection, set: number, prefix?: string): AsyncIterable<PrefixedSetRow> {
  return streamRows(
    conn,
    `SELECT i_route, prefix, price_1, price_n, interval_1, interval_n, forbidden, activation_date, expiration_date, description,
            preference, huntstop, timeout, timeout_1xx
       FROM routes WHERE i_destination_set = ?${prefix === undefined ? '' : ' AND prefix = ?'} ORDER BY prefix, activation_date, i_route`,
    prefix === undefined ? [set] : [set, prefix],
    (r) => ({
      i_route: Number(r[0]), prefix: String(r[1]), price1: String(r[2]), priceN: String(r[3]), interval1: Number(r[4]), intervalN: Number(r[5]),
      forbidden: Number(r[6]) !== 0, activation: parseUtcDatetime(String(r[7])), expiration: r[8] === null ? null : parseUtcDatetime(String(r[8])),
      description: r[9] === null ? null : String(r[9]), preference: Number(r[10]), huntstop: Number(r[11]) !== 0,
      timeout: r[12] === null ? null : Number(r[12]), timeout1xx: r[13] === null ? null : Number(r[13]),
    }),
  );
}

let lastMs = NaN;
let lastText = '';

/** Epoch ms as a DATETIME parameter. The last one is kept: a deck's rows mostly share one instant. */
export function datetimeParam(ms: number): string {
  if (ms !== lastMs) {
    lastText = new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
    lastMs = ms;
  }
  return lastText;
}

/** The rows of a SELECT as they arrive, with backpressure: a large result never sits in memory. */
function streamRows<T>(conn: PoolConnection, sql: string, params: readonly SqlValue[], convert: (row: readonly unknown[]) => T): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      // The promise wrapper has no row stream: the callback connection under it does.
      const core = (conn as unknown as { connection: { query(options: object, values: unknown[]): { stream(options: object): AsyncIterable<unknown> } } }).connection;
      for await (const row of core.query({ sql, rowsAsArray: true }, [...params]).stream({ highWaterMark: 2000 })) yield convert(row as unknown[]);
    },
  };
}

// ---- Writes ----------------------------------------------------------------

const ROUTE_COLUMNS = [
  'i_destination_set', 'prefix', 'description', 'price_1', 'price_n', 'interval_1', 'interval_n', 'forbidden', 'activation_date',
  'preference', 'huntstop', 'timeout', 'timeout_1xx',
] as const;

/** A sink of new routes (routeValues()). */
export function routeSink(conn: PoolConnection, method: LoadMethod): RowSink {
  return rowSink(conn, method, 'routes', ROUTE_COLUMNS);
}

export function routeValues(set: number, r: NewRoute): SqlValue[] {
  return [set, r.prefix, r.description, r.price1, r.priceN, r.interval1, r.intervalN, r.forbidden ? 1 : 0, datetimeParam(r.activation), r.preference, r.huntstop ? 1 : 0, r.timeout, r.timeout1xx];
}

/** Rows per DELETE or UPDATE by i_route. */
const KEYS_PER_STATEMENT = 1000;

/** Deletes the set's rows `routes`. */
export async function deleteRoutes(conn: PoolConnection, set: number, routes: readonly number[]): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < routes.length; i += KEYS_PER_STATEMENT) {
    const chunk = routes.slice(i, i + KEYS_PER_STATEMENT);
    const [result] = await conn.query<ResultSetHeader>(`DELETE FROM routes WHERE i_destination_set = ? AND i_route IN (${chunk.map(() => '?').join(', ')})`, [set, ...chunk]);
    deleted += result.affectedRows;
  }
  return deleted;
}

/** Sets expiration_date = at on the set's rows `routes`. */
export async function expireRoutes(conn: PoolConnection, set: number, at: number, routes: readonly number[]): Promise<number> {
  let expired = 0;
  for (let i = 0; i < routes.length; i += KEYS_PER_STATEMENT) {
    const chunk = routes.slice(i, i + KEYS_PER_STATEMENT);
    const [result] = await conn.query<ResultSetHeader>(
      `UPDATE routes SET expiration_date = ? WHERE i_destination_set = ? AND i_route IN (${chunk.map(() => '?').join(', ')})`,
      [datetimeParam(at), set, ...chunk],
    );
    expired += result.affectedRows;
  }
  return expired;
}

/** Whether the server takes LOAD DATA LOCAL (MariaDB's default; MySQL 8's is off). */
export async function localInfileAllowed(conn: PoolConnection): Promise<boolean> {
  const [row] = await rows(conn, 'SELECT @@GLOBAL.local_infile AS allowed', []);
  return Number(row?.allowed) === 1;
}

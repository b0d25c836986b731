// Writes the synthetic data set into a migrated, empty database, fast: the
// routes either by LOAD DATA LOCAL INFILE from a stream generated on the fly
// (no file on disk) or by multi-row INSERTs of a few thousand rows. Both keep
// the values out of the SQL text (a stream, or placeholders). Progress goes
// to the `progress` callback (the harness prints it on stderr).

import { Readable } from 'node:stream';
import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import { parseDsn } from '../src/db/dsn.js';
import { Database } from '../src/db/pool.js';
import { migrate } from '../src/db/migrate.js';
import type { PrivateServer } from '../src/db/private-server.js';
import { ACTIVATION_DATE, BENCH_ENVIRONMENT, type RouteRow, type SyntheticDataSet } from './dataset.js';
import { formatMicros } from './expected.js';

export type LoadMethod = 'infile' | 'insert';

export interface LoadReport {
  readonly method: LoadMethod;
  readonly routes: number;
  readonly seconds: number;
}

const INSERT_BATCH = 5000;
const PROGRESS_EVERY = 100_000;

const ROUTE_COLUMNS = [
  'i_route', 'i_destination_set', 'prefix', 'preference', 'huntstop', 'timeout', 'timeout_1xx',
  'price_1', 'price_n', 'interval_1', 'interval_n', 'forbidden', 'activation_date', 'expiration_date',
] as const;

function routeValues(r: RouteRow): (string | number | null)[] {
  return [
    r.i_route, r.i_destination_set, r.prefix, r.preference, 0, r.timeout, null,
    formatMicros(BigInt(r.price1Micros)), formatMicros(BigInt(r.priceNMicros)), r.interval_1, r.interval_n,
    r.forbidden ? 1 : 0, ACTIVATION_DATE, null,
  ];
}

async function insertRows(conn: Connection, table: string, columns: readonly string[], rows: readonly (string | number | null)[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_BATCH) {
    const chunk = rows.slice(i, i + INSERT_BATCH);
    const placeholders = `(${columns.map(() => '?').join(', ')})`;
    await conn.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => placeholders).join(', ')}`, chunk.flat());
  }
}

async function loadSmallTables(conn: Connection, ds: SyntheticDataSet): Promise<void> {
  await conn.query('INSERT INTO environments (i_environment, name) VALUES (?, ?)', [BENCH_ENVIRONMENT, 'bench']);
  await insertRows(conn, 'vendors', ['i_vendor', 'i_environment', 'name'], ds.vendors.map((v) => [v.i_vendor, BENCH_ENVIRONMENT, v.name]));
  await insertRows(
    conn, 'connections', ['i_connection', 'i_environment', 'i_vendor', 'name', 'destination', 'capacity', 'enabled'],
    ds.connections.map((c) => [c.i_connection, BENCH_ENVIRONMENT, c.i_vendor, c.name, c.destination, c.capacity, 1]),
  );
  await insertRows(
    conn, 'destination_sets', ['i_destination_set', 'i_environment', 'name', 'connect_fee', 'free_seconds'],
    ds.destinationSets.map((s) => [s.i_destination_set, BENCH_ENVIRONMENT, s.name, formatMicros(BigInt(s.connectFeeMicros)), s.free_seconds]),
  );
  await insertRows(
    conn, 'routing_groups', ['i_routing_group', 'i_environment', 'name', 'policy', 'average_duration'],
    ds.groups.map((g) => [g.i_routing_group, BENCH_ENVIRONMENT, g.name, g.policy, g.average_duration]),
  );
  await insertRows(
    conn, 'routing_group_entries', ['i_routing_group_entry', 'i_routing_group', 'i_connection', 'i_destination_set', 'entry_order'],
    ds.groups.flatMap((g) => g.entries.map((e) => [e.i_routing_group_entry, g.i_routing_group, e.i_connection, e.i_destination_set, e.entry_order])),
  );
}

/** Tab-separated lines for LOAD DATA, in chunks of a few thousand rows; NULL is \N. */
function* tsvChunks(ds: SyntheticDataSet, onRow: () => void): Generator<Buffer> {
  let chunk = '';
  let rows = 0;
  for (const route of ds.routes()) {
    chunk += routeValues(route).map((v) => (v === null ? '\\N' : String(v))).join('\t') + '\n';
    onRow();
    if (++rows % INSERT_BATCH === 0) {
      yield Buffer.from(chunk);
      chunk = '';
    }
  }
  if (chunk !== '') yield Buffer.from(chunk);
}

async function loadRoutesByInfile(conn: Connection, ds: SyntheticDataSet, onRow: () => void): Promise<void> {
  const stream = Readable.from(tsvChunks(ds, onRow), { objectMode: false });
  await conn.query({
    sql: `LOAD DATA LOCAL INFILE 'bench-routes.tsv' INTO TABLE routes CHARACTER SET utf8mb4
          FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n' (${ROUTE_COLUMNS.join(', ')})`,
    infileStreamFactory: () => stream,
  });
}

async function loadRoutesByInsert(conn: Connection, ds: SyntheticDataSet, onRow: () => void): Promise<void> {
  let batch: (string | number | null)[][] = [];
  for (const route of ds.routes()) {
    batch.push(routeValues(route));
    onRow();
    if (batch.length === INSERT_BATCH) {
      await insertRows(conn, 'routes', ROUTE_COLUMNS, batch);
      batch = [];
    }
  }
  if (batch.length > 0) await insertRows(conn, 'routes', ROUTE_COLUMNS, batch);
}

/**
 * Loads everything on `conn` (a connection to the migrated, empty benchmark
 * database). Key checks are off for the session only: the generator's ids
 * are consistent by construction, and the database checks nothing it would
 * catch anyway. Counts are verified afterwards.
 */
export async function loadDataSet(conn: Connection, ds: SyntheticDataSet, method: LoadMethod, progress: (line: string) => void): Promise<LoadReport> {
  const started = process.hrtime.bigint();
  const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e9;
  await conn.query('SET SESSION foreign_key_checks = 0, unique_checks = 0');
  await loadSmallTables(conn, ds);
  let rows = 0;
  const onRow = (): void => {
    if (++rows % PROGRESS_EVERY === 0) progress(`loaded ${rows.toLocaleString('en')} of ${ds.routeCount.toLocaleString('en')} routes (${elapsed().toFixed(1)} s)`);
  };
  await (method === 'infile' ? loadRoutesByInfile(conn, ds, onRow) : loadRoutesByInsert(conn, ds, onRow));
  await conn.query('SET SESSION foreign_key_checks = 1, unique_checks = 1');
  const [counted] = await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM routes');
  const stored = Number(counted[0]!.n);
  if (stored !== ds.routeCount) throw new Error(`loaded ${stored} routes, expected ${ds.routeCount}`);
  await conn.query('ANALYZE TABLE routes');
  return { method, routes: stored, seconds: elapsed() };
}

/** A new database `name` on `server`, migrated and loaded with `ds`: its DSN, the server's version, and the load's report. */
export async function createBenchDatabase(server: PrivateServer, name: string, ds: SyntheticDataSet, method: LoadMethod, progress: (line: string) => void): Promise<{ dsn: string; version: string; load: LoadReport }> {
  const conn = await mysql.createConnection({ socketPath: server.socketPath, user: 'root' });
  try {
    await conn.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    const dsn = server.dsn(name);
    const db = new Database(parseDsn(dsn));
    try {
      await migrate(db);
    } finally {
      await db.close();
    }
    await conn.changeUser({ database: name });
    progress(`loading ${ds.routeCount.toLocaleString('en')} routes into ${name} (${method})`);
    const load = await loadDataSet(conn, ds, method, progress);
    progress(`loaded in ${load.seconds.toFixed(1)} s`);
    const [rows] = await conn.query<RowDataPacket[]>('SELECT VERSION() AS v');
    return { dsn, version: String(rows[0]!.v), load };
  } finally {
    await conn.end();
  }
}

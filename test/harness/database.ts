// The test database harness. Unless MYSQL_URL is set, one private MariaDB/
// MySQL server is started for the whole run, on a UNIX socket in a temporary
// directory; every suite that asks gets its own fresh database, dropped after.
// With MYSQL_URL (mysql://USER[:PASS]@HOST[:PORT]/ with CREATE/DROP rights)
// the databases are created on that server instead.

import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { PrivateServer } from '../../src/db/private-server.js';
import { parseDsn } from '../../src/db/dsn.js';
import { Database, type PoolLimits, DEFAULT_POOL_LIMITS } from '../../src/db/pool.js';
import { migrate } from '../../src/db/migrate.js';

let shared: PrivateServer | undefined;
let starting: Promise<PrivateServer> | undefined;

async function sharedServer(): Promise<PrivateServer> {
  starting ??= (async () => {
    const server = new PrivateServer();
    await server.start();
    shared = server;
    return server;
  })();
  return starting;
}

/** Stops the shared server and removes its directory; the root hook calls this once at the end. */
export async function stopSharedServer(): Promise<void> {
  const server = shared;
  shared = undefined;
  starting = undefined;
  await server?.destroy();
}

export interface TestDatabase {
  /** DSN of the fresh database. */
  readonly dsn: string;
  readonly name: string;
  /** An open handle on it; closed by drop(). */
  readonly db: Database;
  drop(): Promise<void>;
}

/** DSN of `database` on the test server (MYSQL_URL's or the private one). */
async function dsnFor(database: string): Promise<string> {
  const external = process.env.MYSQL_URL;
  if (external !== undefined && external !== '') {
    const url = new URL(external);
    url.pathname = `/${database}`;
    return url.href;
  }
  return (await sharedServer()).dsn(database);
}

async function adminConnection(): Promise<mysql.Connection> {
  const dsn = parseDsn(await dsnFor('mysql'));
  return mysql.createConnection({
    user: dsn.user, password: dsn.password,
    ...(dsn.socketPath !== undefined ? { socketPath: dsn.socketPath } : { host: dsn.host, port: dsn.port ?? 3306 }),
  });
}

/** A plain driver connection to `dsn`, for a session of its own (an open transaction, a lock held). */
export function rawConnection(dsn: string): Promise<mysql.Connection> {
  const d = parseDsn(dsn);
  return mysql.createConnection({
    user: d.user, password: d.password, database: d.database,
    ...(d.socketPath !== undefined ? { socketPath: d.socketPath } : { host: d.host, port: d.port ?? 3306 }),
  });
}

let counter = 0;

/** A new, empty database (migrated unless `migrate: false`). */
export async function freshDatabase(options: { migrate?: boolean; limits?: PoolLimits } = {}): Promise<TestDatabase> {
  const name = `sr_test_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;
  const admin = await adminConnection();
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await admin.end();
  }
  const dsn = await dsnFor(name);
  const db = new Database(parseDsn(dsn), options.limits ?? DEFAULT_POOL_LIMITS);
  if (options.migrate !== false) await migrate(db);
  return {
    dsn,
    name,
    db,
    async drop() {
      await db.close();
      const conn = await adminConnection();
      try {
        await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await conn.end();
      }
    },
  };
}

/**
 * Registers before/after hooks on the current mocha suite and returns a
 * getter for its fresh database.
 */
export function useFreshDatabase(options: { migrate?: boolean; limits?: PoolLimits } = {}): () => TestDatabase {
  let current: TestDatabase | undefined;
  before(async function () {
    this.timeout(60_000);
    current = await freshDatabase(options);
  });
  after(async () => {
    await current?.drop();
    current = undefined;
  });
  return () => {
    if (current === undefined) throw new Error('useFreshDatabase: used outside the suite that registered it');
    return current;
  };
}

// A replication set for scale-out tests (docs/scale-out.md): a primary with
// a binary log (ROW format) and one or more replicas of it, each a private
// server of its own (src/db/private-server.ts) on a UNIX socket in its own
// temporary directory. Replicas connect to the primary over TCP on
// 127.0.0.1 (MariaDB replicates over TCP only), on a port the kernel chose.
// Grant tables are on: the replicas run read_only, which binds only users
// without privileges, and the port is guarded by a replication user with a
// random password. destroy() stops every server and removes its directory.
//
// Users, created on the primary and replicated like everything else:
//   root@localhost  no password, socket only (--skip-name-resolve): setup and edits
//   router@localhost  random password: what the daemons use (SELECT, INSERT, UPDATE, DELETE, SLAVE MONITOR)
//   repl@127.0.0.1  random password: the replicas' connection to the primary

import { randomBytes } from 'node:crypto';
import net from 'node:net';
import mysql from 'mysql2/promise';
import { findServerBinary, PrivateServer } from '../../src/db/private-server.js';
import { parseDsn } from '../../src/db/dsn.js';
import { Database } from '../../src/db/pool.js';
import { migrate } from '../../src/db/migrate.js';

/** Why replication tests cannot run with this machine's server binary, or undefined when they can. */
export function replicationSkipReason(): string | undefined {
  const binary = findServerBinary();
  if (binary === undefined) return 'no mariadbd or mysqld found (make deps)';
  // The harness speaks MariaDB's replication dialect (CHANGE MASTER TO ... MASTER_USE_GTID, MASTER_GTID_WAIT).
  if (binary.flavour !== 'mariadb') return `${binary.path} is MySQL, and this harness drives MariaDB replication (CHANGE MASTER TO ... MASTER_USE_GTID, MASTER_GTID_WAIT)`;
  return undefined;
}

/** A TCP port on 127.0.0.1 free a moment ago (the kernel's choice); a lost race shows as a failed start, retried. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const DATABASE = 'routing';
const GTID_WAIT_S = 30;

export class ReplicationSet {
  readonly routerPassword = randomBytes(12).toString('hex');
  private readonly replPassword = randomBytes(12).toString('hex');
  /** root on the primary's routing database: the operator's edits. */
  primaryDb!: Database;
  private constructor(
    readonly primary: PrivateServer,
    readonly replicas: readonly PrivateServer[],
    readonly port: number,
  ) {}

  /**
   * Starts a primary (binary log in `binlogFormat`) and `replicaCount` replicas, creates and migrates the
   * routing database on the primary, and returns once every replica has it.
   */
  static async start(replicaCount: number, binlogFormat: 'ROW' | 'STATEMENT' | 'MIXED' = 'ROW'): Promise<ReplicationSet> {
    let primary: PrivateServer | undefined;
    let port = 0;
    for (let attempt = 1; primary === undefined; attempt++) {
      port = await freePort();
      const candidate = new PrivateServer({ grantTables: true, replication: { serverId: 1, binlogFormat, tcpPort: port } });
      try {
        await candidate.start();
        primary = candidate;
      } catch (err) {
        await candidate.destroy();
        if (attempt >= 3) throw err;
      }
    }
    const replicas: PrivateServer[] = [];
    const set = new ReplicationSet(primary, replicas, port);
    try {
      for (let i = 0; i < replicaCount; i++) {
        const replica = new PrivateServer({ grantTables: true, replication: { serverId: 2 + i, readOnly: true } });
        replicas.push(replica);
        await replica.start();
      }
      await set.setUpPrimary();
      for (const replica of replicas) await set.attach(replica);
      await set.waitReplicated();
      return set;
    } catch (err) {
      await set.destroy();
      throw err;
    }
  }

  /** The daemon's DSN on `server` (router, with its password, over the socket). */
  dsn(server: PrivateServer): string {
    return `mysql://router:${this.routerPassword}@localhost/${DATABASE}?socket=${server.socketPath}`;
  }

  /** root on `server`, over its socket. */
  async rootConnection(server: PrivateServer, database: string | null = DATABASE): Promise<mysql.Connection> {
    return mysql.createConnection({ socketPath: server.socketPath, user: 'root', ...(database !== null ? { database } : {}), dateStrings: true });
  }

  /**
   * Resolves once every running replica (or `only`) has applied everything
   * the primary has committed so far; each replica's time, ms, from the call.
   */
  async waitReplicated(only?: readonly PrivateServer[]): Promise<number[]> {
    const started = Date.now();
    const admin = await this.rootConnection(this.primary, null);
    let position: string;
    try {
      const [rows] = await admin.query('SELECT @@global.gtid_binlog_pos AS pos');
      position = String((rows as { pos: string }[])[0]!.pos);
    } finally {
      await admin.end();
    }
    return Promise.all(
      (only ?? this.replicas).map(async (replica) => {
        const conn = await this.rootConnection(replica, null);
        try {
          const [rows] = await conn.query('SELECT MASTER_GTID_WAIT(?, ?) AS r', [position, GTID_WAIT_S]);
          if (Number((rows as { r: unknown }[])[0]!.r) !== 0) throw new Error(`replica ${replica.dir} did not reach ${position} within ${GTID_WAIT_S} s: ${JSON.stringify(await this.replicaState(replica))}`);
          return Date.now() - started;
        } finally {
          await conn.end();
        }
      }),
    );
  }

  /** STOP SLAVE / START SLAVE on a replica (both threads). */
  async setReplicating(replica: PrivateServer, on: boolean): Promise<void> {
    const conn = await this.rootConnection(replica, null);
    try {
      await conn.query(on ? 'START SLAVE' : 'STOP SLAVE');
    } finally {
      await conn.end();
    }
  }

  /** The replica's threads and last errors, as SHOW SLAVE STATUS reports them. */
  async replicaState(replica: PrivateServer): Promise<{ io: string; sql: string; sqlErrno: number; lastError: string }> {
    const conn = await this.rootConnection(replica, null);
    try {
      const [rows] = await conn.query('SHOW SLAVE STATUS');
      const row = (rows as Record<string, unknown>[])[0] ?? {};
      return { io: String(row.Slave_IO_Running), sql: String(row.Slave_SQL_Running), sqlErrno: Number(row.Last_SQL_Errno ?? 0), lastError: `${String(row.Last_SQL_Error ?? '')}${String(row.Last_IO_Error ?? '')}` };
    } finally {
      await conn.end();
    }
  }

  async destroy(): Promise<void> {
    await this.primaryDb?.close();
    await Promise.all([this.primary, ...this.replicas].map((server) => server.destroy()));
  }

  private async setUpPrimary(): Promise<void> {
    const admin = await this.rootConnection(this.primary, null);
    try {
      await admin.query(`CREATE DATABASE ${DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
      await admin.query(`CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY ?`, [this.replPassword]);
      await admin.query(`GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1'`);
      await admin.query(`CREATE USER 'router'@'localhost' IDENTIFIED BY ?`, [this.routerPassword]);
      await admin.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${DATABASE}.* TO 'router'@'localhost'`);
      await admin.query(`GRANT SLAVE MONITOR ON *.* TO 'router'@'localhost'`);
    } finally {
      await admin.end();
    }
    this.primaryDb = new Database(parseDsn(`mysql://root@localhost/${DATABASE}?socket=${encodeURIComponent(this.primary.socketPath)}`));
    await migrate(this.primaryDb);
  }

  /** Points a replica at the primary from the start of its binary log (GTID), and starts it. */
  private async attach(replica: PrivateServer): Promise<void> {
    const conn = await this.rootConnection(replica, null);
    try {
      await conn.query(
        `CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ?, MASTER_USER = 'repl', MASTER_PASSWORD = ?, MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1`,
        [this.port, this.replPassword],
      );
      await conn.query('START SLAVE');
    } finally {
      await conn.end();
    }
  }
}

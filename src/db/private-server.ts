// A private MariaDB/MySQL server started from the system binaries in a
// directory of ours, listening only on a UNIX socket. Tests, `make demo` and
// the benchmark use it so that no system database is needed.
//
// Contract: start() returns once the server accepts connections; stop()
// returns once the process has exited; both are idempotent. A watchdog
// process ends the server and removes an ephemeral directory if the owning
// process dies without calling destroy() (SIGKILL, crash), so nothing is
// ever left behind.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import mysql from 'mysql2/promise';
import { SippyError } from '../errors.js';

const SEARCH_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/libexec', '/usr/local/libexec', '/opt/mysql/bin'];
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

export interface ServerBinary {
  readonly path: string;
  readonly flavour: 'mariadb' | 'mysql';
}

/** The first mariadbd/mysqld on PATH or in the usual sbin directories, or undefined. */
export function findServerBinary(env: NodeJS.ProcessEnv = process.env): ServerBinary | undefined {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), ...SEARCH_DIRS];
  for (const name of ['mariadbd', 'mysqld']) {
    for (const dir of dirs) {
      const path = join(dir, name);
      if (!existsSync(path)) continue;
      const version = spawnSync(path, ['--version'], { encoding: 'utf8' });
      const flavour = /mariadb/i.test(`${version.stdout}`) ? 'mariadb' : 'mysql';
      return { path, flavour };
    }
  }
  return undefined;
}

export interface PrivateServerOptions {
  /** Directory to hold data, socket and log. Default: a new temporary directory, removed by destroy(). */
  readonly dir?: string;
  /**
   * With grant tables the server checks user names and passwords (root has
   * an empty password); without them anyone connecting is root. Default false:
   * faster, and the socket is private anyway.
   */
  readonly grantTables?: boolean;
  /**
   * A member of a replication set (test/harness/replication.ts): its
   * server_id, a binary log for a primary, read_only for a replica, and a
   * TCP port on 127.0.0.1 for replicas to connect to (MariaDB replicates
   * over TCP only). Default: none, no binary log, no TCP.
   */
  readonly replication?: ReplicationRole;
}

export interface ReplicationRole {
  readonly serverId: number;
  /** Write a binary log in this format (a primary); undefined: none. */
  readonly binlogFormat?: 'ROW' | 'STATEMENT' | 'MIXED';
  /** read_only: only the replication threads (and privileged users) write. */
  readonly readOnly?: boolean;
  /** Listen on 127.0.0.1:tcpPort besides the socket. */
  readonly tcpPort?: number;
}

export class PrivateServer {
  /** Servers of this process that were started and not yet stopped: a leak check for test runs. */
  static readonly running = new Set<PrivateServer>();

  readonly dir: string;
  readonly socketPath: string;
  readonly logPath: string;
  private readonly ephemeral: boolean;
  private readonly grantTables: boolean;
  private readonly replication: ReplicationRole | undefined;
  private readonly binary: ServerBinary;
  private child: ChildProcess | undefined;
  private watchdog: ChildProcess | undefined;
  private exited: Promise<void> | undefined;

  constructor(options: PrivateServerOptions = {}) {
    const binary = findServerBinary();
    if (binary === undefined) {
      throw new SippyError('DB_SERVER_NOT_INSTALLED', 'no mariadbd or mysqld found: install the mariadb-server package (make deps)');
    }
    this.binary = binary;
    this.ephemeral = options.dir === undefined;
    this.dir = options.dir ?? mkdtempSync(join(tmpdir(), 'sippy_routed-db-'));
    this.grantTables = options.grantTables ?? false;
    this.replication = options.replication;
    this.socketPath = join(this.dir, 'mysqld.sock');
    this.logPath = join(this.dir, 'mysqld.err');
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** A DSN for `database` on this server as root over the socket. */
  dsn(database: string): string {
    const socket = this.socketPath.replace(/[%&#+ ]/g, (c) => encodeURIComponent(c));
    return `mysql://root@localhost/${encodeURIComponent(database)}?socket=${socket}`;
  }

  async start(): Promise<void> {
    if (this.child !== undefined) return;
    const dataDir = join(this.dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    if (this.grantTables || this.binary.flavour === 'mysql') this.initialise(dataDir);
    const args = [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--socket=${this.socketPath}`,
      `--pid-file=${join(this.dir, 'mysqld.pid')}`,
      `--log-error=${this.logPath}`,
      ...this.networkAndLogArgs(),
      '--default-time-zone=+00:00',
      '--character-set-server=utf8mb4',
      '--innodb-buffer-pool-size=256M',
      '--innodb-flush-log-at-trx-commit=2',
      '--max-connections=1000',
      ...(this.grantTables ? [] : ['--skip-grant-tables']),
      ...(process.getuid?.() === 0 ? ['--user=root'] : []),
    ];
    const child = spawn(this.binary.path, args, { stdio: 'ignore', detached: true });
    this.child = child;
    PrivateServer.running.add(this);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.startWatchdog(child.pid!);
    try {
      await this.waitUntilReady(child);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  get flavour(): ServerBinary['flavour'] {
    return this.binary.flavour;
  }

  private networkAndLogArgs(): string[] {
    const role = this.replication;
    if (role === undefined) return ['--skip-networking', '--skip-log-bin'];
    return [
      `--server-id=${role.serverId}`,
      ...(role.tcpPort !== undefined ? [`--port=${role.tcpPort}`, '--bind-address=127.0.0.1', '--skip-name-resolve'] : ['--skip-networking']),
      ...(role.binlogFormat !== undefined ? [`--log-bin=${join(this.dir, 'binlog')}`, `--binlog-format=${role.binlogFormat}`] : ['--skip-log-bin']),
      ...(role.readOnly === true ? ['--read-only'] : []),
      // A replica starts replicating when told to (CHANGE MASTER TO, START SLAVE), never on its own at start.
      '--skip-slave-start',
      `--relay-log=${join(this.dir, 'relay')}`,
    ];
  }

  /** Stops the server and keeps its data; start() brings it back. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    this.child = undefined;
    PrivateServer.running.delete(this);
    this.watchdog?.kill('SIGKILL');
    this.watchdog = undefined;
  }

  /** Stops the server and, for a temporary directory, removes it. */
  async destroy(): Promise<void> {
    await this.stop();
    if (this.ephemeral) rmSync(this.dir, { recursive: true, force: true });
  }

  private initialise(dataDir: string): void {
    if (readdirSync(dataDir).length > 0) return;
    const root = process.getuid?.() === 0 ? ['--user=root'] : [];
    const result =
      this.binary.flavour === 'mariadb'
        ? spawnSync('mariadb-install-db', ['--no-defaults', `--datadir=${dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...root], { encoding: 'utf8' })
        : spawnSync(this.binary.path, ['--no-defaults', '--initialize-insecure', `--datadir=${dataDir}`, ...root], { encoding: 'utf8' });
    if (result.status !== 0) {
      throw new SippyError('DB_SERVER_START_FAILED', `could not initialise a database directory in ${dataDir}: ${(result.stderr || String(result.error)).trim().split('\n').pop()}`);
    }
  }

  // A shell loop, not a node process: cheap, and it outlives a SIGKILLed owner.
  private startWatchdog(serverPid: number): void {
    const script = [
      'owner=$1; server=$2; dir=$3; ephemeral=$4',
      'while kill -0 "$owner" 2>/dev/null; do sleep 0.5; done',
      'kill -TERM "$server" 2>/dev/null',
      'i=0; while kill -0 "$server" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.2; i=$((i+1)); done',
      'kill -KILL "$server" 2>/dev/null',
      '[ "$ephemeral" = yes ] && rm -rf "$dir"',
      'exit 0',
    ].join('\n');
    this.watchdog = spawn('/bin/sh', ['-c', script, 'sippy_routed-db-watchdog', String(process.pid), String(serverPid), this.dir, this.ephemeral ? 'yes' : 'no'], {
      stdio: 'ignore',
      detached: true,
    });
    this.watchdog.unref();
  }

  private async waitUntilReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw this.startFailure('exited during start-up');
      if (existsSync(this.socketPath)) {
        try {
          const conn = await mysql.createConnection({ socketPath: this.socketPath, user: 'root', connectTimeout: 1000 });
          await conn.end();
          return;
        } catch {
          // not ready yet
        }
      }
      if (Date.now() > deadline) throw this.startFailure(`not ready after ${START_TIMEOUT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private startFailure(why: string): SippyError {
    let tail = '';
    try {
      tail = readFileSync(this.logPath, 'utf8').trim().split('\n').filter((l) => /\[ERROR\]/.test(l)).slice(-1)[0] ?? '';
    } catch {
      // no log yet
    }
    return new SippyError('DB_SERVER_START_FAILED', `private database server ${why} (log: ${this.logPath})${tail ? `: ${tail}` : ''}`);
  }
}

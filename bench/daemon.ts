// The daemon under test as a separate process: `node DAEMON -e 1 -s SOCKET
// -d DSN [-a 127.0.0.1] [--db-connections N] [--data-source sql]`, its
// output in a log file, stopped with SIGTERM (graceful, per operations.md)
// and SIGKILL only if it does not exit in time. Ready once `ping` answers
// and, on the snapshot path, once ping says the answers come from the
// snapshot: until then the daemon answers from SQL (snapshot.md), and a
// scenario started earlier would measure the wrong path.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { RpcClient } from '../src/client/rpc-client.js';
import { pingData, pollUntil, type DataStatus } from './data-status.js';
import { BENCH_ENVIRONMENT } from './dataset.js';
import { guardChild } from './orphan-guard.js';
import type { Transport } from './options.js';

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export interface DaemonOptions {
  readonly script: string;
  readonly transport: Transport;
  /** A private directory for the socket and the log. */
  readonly dir: string;
  readonly dsn: string;
  readonly dbConnections: number | undefined;
  /** Where answers come from; `sql` starts the daemon with `--data-source sql`. */
  readonly dataSource: 'snapshot' | 'sql';
  /** How long the first snapshot may take to load, ms. */
  readonly snapshotTimeoutMs: number;
  /** Tells the log files of several daemons on one transport apart. */
  readonly label?: string;
  /** Serve metrics (--metrics on a free loopback port), as an operator who scrapes would run it. */
  readonly metrics?: boolean;
  /** Options for node itself, before the script (bench/profile.ts: --cpu-prof). */
  readonly nodeArgs?: readonly string[];
}

export interface DaemonExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when SIGTERM was not enough. */
  readonly killed: boolean;
}

/** An ephemeral TCP port on 127.0.0.1 that was free a moment ago. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export class Daemon {
  /** The URI of the listener, for the checker (`unix:/...` or `http://127.0.0.1:N/`). */
  readonly uri: string;
  /** What the load runner needs: a URL (Host header and path) and, on a UNIX socket, its path. */
  readonly target: { readonly url: string; readonly socketPath?: string };
  readonly logPath: string;
  readonly dataSource: 'snapshot' | 'sql';
  /** ping's `data` once the snapshot was ready (full_load_ms of the start); undefined on the SQL path. */
  readyStatus: DataStatus | undefined;
  private readonly child: ChildProcess;
  private readonly exited: Promise<DaemonExit>;
  private killed = false;

  /** The daemon's --metrics URI when it serves metrics. */
  readonly metricsUri: string | undefined;

  private constructor(options: DaemonOptions, listen: string[], uri: string, target: Daemon['target'], logName: string, metricsUri: string | undefined) {
    this.metricsUri = metricsUri;
    this.uri = uri;
    this.target = target;
    this.dataSource = options.dataSource;
    this.logPath = join(options.dir, logName);
    const log = openSync(this.logPath, 'a');
    const args = [...(options.nodeArgs ?? []), options.script, '-e', String(BENCH_ENVIRONMENT), ...listen, '-d', options.dsn];
    if (options.dbConnections !== undefined) args.push('--db-connections', String(options.dbConnections));
    if (options.dataSource === 'sql') args.push('--data-source', 'sql');
    if (metricsUri !== undefined) args.push('--metrics', metricsUri);
    this.child = spawn(process.execPath, args, { stdio: ['ignore', log, log] });
    closeSync(log);
    const dismissGuard = guardChild(this.child.pid!);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        dismissGuard();
        resolve({ code, signal, killed: this.killed });
      });
    });
  }

  static async start(options: DaemonOptions): Promise<Daemon> {
    let daemon: Daemon;
    const name = `daemon-${options.transport}${options.label === undefined ? '' : `-${options.label}`}`;
    const metricsUri = options.metrics === true ? `http://127.0.0.1:${await freePort()}/metrics` : undefined;
    if (options.transport === 'unix') {
      const socketPath = join(options.dir, `${name}.sock`);
      daemon = new Daemon(options, ['-s', `unix:${socketPath}`], `unix:${socketPath}`, { url: 'http://localhost/', socketPath }, `${name}.log`, metricsUri);
    } else {
      const url = `http://127.0.0.1:${await freePort()}/`;
      daemon = new Daemon(options, ['-s', url, '-a', '127.0.0.1'], url, { url }, `${name}.log`, metricsUri);
    }
    try {
      await daemon.waitReady();
      if (options.dataSource === 'snapshot') daemon.readyStatus = await daemon.waitSnapshot(options.snapshotTimeoutMs);
    } catch (err) {
      await daemon.stop();
      throw err;
    }
    return daemon;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The last lines of the daemon's log, for error messages. */
  logTail(lines = 5): string {
    try {
      return readFileSync(this.logPath, 'utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  private async waitReady(): Promise<void> {
    const client = new RpcClient(this.uri, { timeoutMs: 1000 });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    try {
      for (;;) {
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          throw new Error(`the daemon exited during start-up (${this.child.exitCode ?? this.child.signalCode}); its log ends:\n${this.logTail()}`);
        }
        try {
          await client.call('ping');
          return;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`the daemon did not answer ping on ${this.uri} within ${READY_TIMEOUT_MS / 1000} s; its log ends:\n${this.logTail()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      client.close();
    }
  }

  private async waitSnapshot(timeoutMs: number): Promise<DataStatus> {
    const client = new RpcClient(this.uri, { timeoutMs: 2000 });
    try {
      return await pollUntil(
        `the daemon's routing snapshot was not ready`, timeoutMs, 100,
        async () => {
          const data = await pingData(client);
          if (data === undefined) throw new Error('ping carries no data: is this daemon older than the snapshot?');
          return data.source === 'snapshot' && data.full_load_ms !== null ? data : undefined;
        },
        () => (this.child.exitCode !== null || this.child.signalCode !== null ? `the daemon exited (${this.child.exitCode ?? this.child.signalCode})` : undefined),
      );
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}; its log ends:\n${this.logTail()}`);
    } finally {
      client.close();
    }
  }

  /** SIGHUP: the single-environment daemon reloads its snapshot in full. */
  hangUp(): void {
    this.child.kill('SIGHUP');
  }

  /** The daemon's whole log so far. */
  log(): string {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  /** SIGTERM, then SIGKILL after a grace period. Idempotent. */
  async stop(): Promise<DaemonExit> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => {
        this.killed = true;
        this.child.kill('SIGKILL');
      }, STOP_TIMEOUT_MS);
      const exit = await this.exited;
      clearTimeout(timer);
      return exit;
    }
    return this.exited;
  }
}

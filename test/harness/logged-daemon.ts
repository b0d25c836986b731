// A `sippy_routed -e N` daemon for tests of what it does over time: started
// on a UNIX socket in a temp dir with a log file, with a client, and waits
// on its answers, its `ping` data and its log lines (the log file is written
// asynchronously: a test waits for a line, never expects it at once).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RoutingClient } from '../../src/client/routing-client.js';
import type { DataStatus } from '../../src/routing/index.js';
import { DaemonProcess } from './daemon.js';
import { untilTrue } from './rpc.js';

export interface LogLine {
  readonly msg: string;
  readonly [field: string]: unknown;
}

export class LoggedDaemon {
  readonly dir: string;
  readonly logFile: string;
  readonly socket: string;
  readonly process: DaemonProcess;
  readonly client: RoutingClient;

  /** Starts `-e 1` on `dsn` with `args` added (e.g. --data-poll); call ready() before use and close() after. */
  constructor(dsn: string, args: readonly string[] = [], name = 'daemon') {
    this.dir = mkdtempSync(join(tmpdir(), `sr-${name}-`));
    this.logFile = join(this.dir, `${name}.log`);
    this.socket = join(this.dir, `${name}.sock`);
    this.process = new DaemonProcess(['-e', '1', '-s', `unix:${this.socket}`, '-d', dsn, '--log-file', this.logFile, ...args]);
    this.client = new RoutingClient(`unix:${this.socket}`, { timeoutMs: 10_000 });
  }

  /** Serving, and (unless `sql`) answering from its first snapshot. */
  async ready(source: 'snapshot' | 'sql' = 'snapshot'): Promise<this> {
    await this.process.waitUntilServing(`unix:${this.socket}`);
    if (source === 'snapshot') await this.until(async () => (await this.data()).source === 'snapshot', 'the first snapshot');
    return this;
  }

  async close(): Promise<void> {
    this.client.close();
    await this.process.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** `ping`'s data: the snapshot's status. */
  async data(): Promise<DataStatus> {
    return ((await this.client.ping()) as unknown as { data: DataStatus }).data;
  }

  log(): LogLine[] {
    return readFileSync(this.logFile, 'utf8').trim().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as LogLine);
  }

  /** Whether a line of the log (as written) matches. */
  logged(pattern: RegExp): boolean {
    return readFileSync(this.logFile, 'utf8').split('\n').some((line) => pattern.test(line));
  }

  /** Polls `check` until it holds; fails after `timeoutMs` with the log. */
  async until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
    await untilTrue(check, () => `${what}; log: ${readFileSync(this.logFile, 'utf8')}`, timeoutMs, 25);
  }
}

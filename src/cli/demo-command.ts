// `sippy_routed demo`: the newcomer's command. Starts a private MariaDB/MySQL
// server under var/ (no system database needed), migrates, loads the demo
// data, and runs the supervisor in the foreground on a copy of the sample
// econfig (var/econfig) with its sockets under var/run, printing queries to try. Ctrl-C stops
// everything it started; the data stays in var/ for the next run.

import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { parseDsn } from '../db/dsn.js';
import { migrate } from '../db/migrate.js';
import { loadDemo } from '../db/demo.js';
import { Database } from '../db/pool.js';
import { PrivateServer } from '../db/private-server.js';
import { RpcClient } from '../client/rpc-client.js';
import type { SupervisorStatus } from '../supervisor/supervisor.js';
import { parseCommandLine, stringOption } from './args.js';
import type { CliIo } from './io.js';
import { superviseCommand } from './supervise-command.js';
import { refuseWhenDemoRuns } from './demo-running.js';
import { controlSocketIn } from '../supervisor/run-paths.js';

const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DATABASE = 'sippy_routed';
/** Where the demo serves its metrics unless --metrics says otherwise (loopback: only this host may scrape). */
export const DEMO_METRICS = 'http://127.0.0.1:9477/metrics';

export const DEMO_HELP = `Usage:
  sippy_routed demo [--dir DIR] [--econfig FILE] [--metrics URI]

Runs the daemon on the demo setup, in the foreground: a private MariaDB
server in DIR/mysql (default var/ of the checkout), the demo data set,
and the supervisor on DIR/econfig (a copy of etc/econfig.sample, made when
missing) with its sockets in DIR/run. Prints queries to try. Ctrl-C stops everything; the
data stays for the next run (remove DIR to start afresh). Prometheus metrics
are served on --metrics URI (default ${DEMO_METRICS}).
`;

export async function demoCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine('demo', argv, {
    dir: { type: 'string' },
    econfig: { type: 'string' },
    metrics: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (parsed.values.help === true) {
    io.stdout.write(DEMO_HELP);
    return 0;
  }
  const dir = resolve(stringOption(parsed, 'dir') ?? join(PACKAGE_ROOT, 'var'));
  const metrics = stringOption(parsed, 'metrics') ?? DEMO_METRICS;
  refuseWhenDemoRuns(dir);
  const rundir = join(dir, 'run');
  mkdirSync(rundir, { recursive: true });
  // The demo runs on a copy, so that trying edits leaves the checkout clean.
  const econfig = resolve(stringOption(parsed, 'econfig') ?? join(dir, 'econfig'));
  if (stringOption(parsed, 'econfig') === undefined && !existsSync(econfig)) copyFileSync(join(PACKAGE_ROOT, 'etc', 'econfig.sample'), econfig);

  const server = new PrivateServer({ dir: join(dir, 'mysql') });
  io.stderr.write(`demo: starting a private database server in ${join(dir, 'mysql')}\n`);
  await server.start();
  try {
    const admin = await mysql.createConnection({ socketPath: server.socketPath, user: 'root' });
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${DATABASE}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await admin.end();
    const dsn = server.dsn(DATABASE);
    const db = new Database(parseDsn(dsn));
    try {
      await migrate(db);
      const loaded = await loadDemo(db, rundir);
      io.stderr.write(`demo: database ready (${loaded.routesInserted > 0 ? `${loaded.routesInserted} routes loaded` : 'demo data already loaded'})\n`);
    } finally {
      await db.close();
    }

    const control = controlSocketIn(rundir);
    const running = superviseCommand(['-f', econfig, '-d', dsn, '--rundir', rundir, '--metrics', metrics], io);
    await announceWhenServing(control, econfig, metrics, running, io);
    return await running;
  } finally {
    io.stderr.write('demo: stopping the private database server\n');
    await server.stop();
  }
}

/** The status of the supervisor on `control` once it has done its first reload (its listeners are bound by then). */
async function firstReloadDone(control: string): Promise<SupervisorStatus | undefined> {
  if (!existsSync(control)) return undefined;
  const client = new RpcClient(`unix:${control}`, { timeoutMs: 1000 });
  try {
    const status = (await client.call('status')) as SupervisorStatus;
    return status.last_reload !== undefined ? status : undefined;
  } catch {
    return undefined;
  } finally {
    client.close();
  }
}

/**
 * Prints what to try once the supervisor serves (or says nothing if it ended
 * first). Its control socket answers before the listeners are bound: wait
 * for the first reload, so that the printed queries work at once.
 */
async function announceWhenServing(control: string, econfig: string, metrics: string, running: Promise<number>, io: CliIo): Promise<void> {
  let ended = false;
  // Both ways: a supervisor that fails to start rejects `running`, which the
  // caller awaits; a derived promise left rejected would end the process
  // (unhandled rejection) before the database server is stopped.
  const end = (): void => {
    ended = true;
  };
  running.then(end, end);
  let status: SupervisorStatus | undefined;
  while (!ended && (status = await firstReloadDone(control)) === undefined) await new Promise((r) => setTimeout(r, 50));
  if (ended || status === undefined) return;
  const here = relative(process.cwd(), PACKAGE_ROOT) || '.';
  const cli = `node ${join(here, 'dist/src/main.js')}`;
  // The sockets the econfig actually gave each environment, not the
  // defaults: an edited var/econfig may have moved one.
  const queries = [...status.listeners]
    .sort((a, b) => a.i_environment - b.i_environment)
    .map((l, i) => `  ${cli} query ${l.socket} --group 'Group 1' --cld 4420712345678${i === 0 ? ' --explain' : ''}`);
  io.stdout.write(
    [
      '',
      queries.length === 0 ? `sippy_routed demo is running, but ${relative(process.cwd(), econfig)} enables no listener. In another terminal, try:` : 'sippy_routed demo is running. In another terminal, try:',
      '',
      ...queries,
      `  ${cli} status --control ${control}`,
      `  curl -s ${metrics}`,
      '',
      `Edit ${relative(process.cwd(), econfig)} and the listeners follow. Ctrl-C stops everything.`,
      '',
    ].join('\n'),
  );
}

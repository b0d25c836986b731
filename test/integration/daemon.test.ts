// The single-environment daemon `sippy_routed -e N` as a real child process,
// on the demo data, with the real listener and the real SQL resolver, on a
// private database server of its own (stopped, paused and restarted here,
// which the shared test server must never be).

import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { RoutingClient } from '../../src/client/routing-client.js';
import { RpcCallError } from '../../src/client/rpc-client.js';
import { parseDsn } from '../../src/db/dsn.js';
import { Database } from '../../src/db/pool.js';
import { migrate } from '../../src/db/migrate.js';
import { loadDemo } from '../../src/db/demo.js';
import { PrivateServer } from '../../src/db/private-server.js';
import type { RouteResult } from '../../src/routing/contract.js';
import { RECOVERY_QUIET_MS } from '../../src/routing/database-health.js';
import { DaemonProcess } from '../harness/daemon.js';
import { makeTempDir, untilTrue, type TempDir } from '../harness/rpc.js';

// With grant tables off the server accepts any password: the DSN carries one
// so that every test can check it never reaches any output.
const PASSWORD = 'Pw-n0t-f0r-l0gs-7731';
const UK_CALL = { routing_group: 'Group 1', cld: '4420712345678', cli: '15551234567' };

function dsnWithPassword(server: PrivateServer): string {
  return server.dsn('routing').replace('mysql://root@', `mysql://root:${PASSWORD}@`);
}

/** The RPC error code of a failed call, with the time it took. */
async function timedFailure(client: RoutingClient): Promise<{ code: number | undefined; ms: number }> {
  const started = Date.now();
  try {
    await client.getRoutes(UK_CALL);
  } catch (err) {
    if (!(err instanceof RpcCallError)) throw err;
    return { code: err.remote?.code, ms: Date.now() - started };
  }
  throw new Error('getRoutes succeeded while the database was down');
}

/** Waits (bounded) until `file` holds `count` JSON log lines with message `msg`. */
async function waitForLogLines(file: string, msg: string, count: number, timeoutMs = 10_000): Promise<void> {
  await untilTrue(() => {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    // Whole lines only: the last one may be half written.
    return text.split('\n').slice(0, -1).filter((line) => (JSON.parse(line) as { msg: string }).msg === msg).length >= count;
  }, `${file}: ${count} ${JSON.stringify(msg)} lines`, timeoutMs);
}

function expectCheapestFirst(result: RouteResult): void {
  expect(result.routes.length).to.be.greaterThan(1);
  const costs = result.routes.map((r) => Number(r.estimated_cost));
  expect(costs[0]).to.equal(Math.min(...costs));
}

describe('sippy_routed -e N (the single-environment daemon, as a child process)', function () {
  this.timeout(120_000);
  let server: PrivateServer | undefined;
  let tmp: TempDir;
  let dsn: string;

  before(async () => {
    tmp = makeTempDir('sr-daemon-');
    server = new PrivateServer();
    await server.start();
    const admin = await mysql.createConnection({ socketPath: server.socketPath, user: 'root' });
    await admin.query('CREATE DATABASE routing CHARACTER SET utf8mb4 COLLATE utf8mb4_bin');
    await admin.end();
    dsn = dsnWithPassword(server);
    const db = new Database(parseDsn(dsn));
    try {
      await migrate(db);
      await loadDemo(db, tmp.path);
    } finally {
      await db.close();
    }
  });

  afterEach(async () => {
    await DaemonProcess.killAll();
    // A failed test may have left the server paused.
    if (server?.pid !== undefined) process.kill(server.pid, 'SIGCONT');
  });

  after(async () => {
    await server?.destroy();
    tmp?.remove();
  });

  it('serves ping and getRoutes on the demo data, finishes an in-flight request on SIGTERM, removes its socket and exits 0', async () => {
    const socket = join(tmp.path, 'sr.1.sock');
    const logFile = join(tmp.path, 'daemon.log');
    // The SQL path: a paused database is what keeps the request in flight.
    const daemon = new DaemonProcess(['-e', '1', '-s', `unix:${socket}`, '-d', dsn, '--data-source', 'sql', '--log-file', logFile, '--log-level', 'debug']);
    const client = new RoutingClient(`unix:${socket}`, { timeoutMs: 10_000 });
    try {
      await daemon.waitUntilServing(`unix:${socket}`);
      expect((await client.ping()).i_environment).to.equal(1);
      const routes = await client.getRoutes(UK_CALL);
      expect(routes.i_environment).to.equal(1);
      expect(routes.routing_group.name).to.equal('Group 1');
      expectCheapestFirst(routes);

      // Pause the database so the next request is certainly in flight when
      // the signal arrives; it must still be answered, with routes.
      const pid = server!.pid!;
      process.kill(pid, 'SIGSTOP');
      let inFlight: Promise<RouteResult>;
      try {
        inFlight = client.getRoutes(UK_CALL);
        inFlight.catch(() => undefined);
        // The daemon logs each getRoutes at debug as it starts: the second one is in flight.
        await waitForLogLines(logFile, 'getRoutes', 2);
        daemon.child.kill('SIGTERM');
        // The signal taken while the request is in flight; the request then
        // answered with routes (below) proves the daemon waited for it.
        await waitForLogLines(logFile, 'stopping', 1);
        expect(daemon.running, 'the daemon waits for its in-flight request').to.equal(true);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      expect((await inFlight).routes.map((r) => r.connection_name)).to.deep.equal(routes.routes.map((r) => r.connection_name));
      expect(await daemon.exited).to.deep.equal({ code: 0, signal: null });
    } finally {
      client.close();
    }
    expect(existsSync(socket), 'socket removed').to.equal(false);
    const log = readFileSync(logFile, 'utf8');
    const messages = log.trim().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).to.include.members(['listening', 'getRoutes', 'stopping', 'stopped']);
    expect(log + daemon.stdout + daemon.stderr).not.to.include(PASSWORD);
  });

  it('answers -32010 within --db-timeout while the database is stopped or hangs, and serves again when it is back', async () => {
    const socket = join(tmp.path, 'sr.outage.sock');
    // Below the default (2000 ms) by more than the slack, so that the bound
    // also proves --db-timeout reaches the database pool.
    const dbTimeoutMs = 400;
    // A correctness bound from the configuration, not a performance
    // assertion: one connection attempt or statement, plus slack.
    const boundMs = dbTimeoutMs + 1500;
    // The SQL path's outage behaviour (the snapshot's is in snapshot-outage.test.ts).
    const daemon = new DaemonProcess(['-e', '1', '-s', `unix:${socket}`, '-d', dsn, '--data-source', 'sql', '--db-timeout', String(dbTimeoutMs), '--log-level', 'debug']);
    const client = new RoutingClient(`unix:${socket}`, { timeoutMs: 10_000 });
    const messagesLogged = (): string[] => daemon.stderr.trim().split('\n').filter((line) => line !== '').map((line) => (JSON.parse(line) as { msg: string }).msg);
    // The end of an outage is logged once no database failure was seen for
    // RECOVERY_QUIET_MS (no flapping): poll with answered requests until it is.
    const untilRecoveryLogged = (outages: number): Promise<void> =>
      untilTrue(async () => {
        if (messagesLogged().filter((m) => m === 'database available again').length >= outages) return true;
        expectCheapestFirst(await client.getRoutes(UK_CALL));
        return false;
      }, () => `outage ${outages} logged as over; stderr: ${daemon.stderr}`, RECOVERY_QUIET_MS + 15_000, 100);
    try {
      await daemon.waitUntilServing(`unix:${socket}`);
      expectCheapestFirst(await client.getRoutes(UK_CALL));
      await server!.stop();
      try {
        for (let i = 0; i < 3; i++) {
          const failure = await timedFailure(client);
          expect(failure.code).to.equal(-32010);
          expect(failure.ms).to.be.below(boundMs);
        }
        // The listener itself is fine: ping needs no database.
        expect((await client.ping()).i_environment).to.equal(1);
      } finally {
        await server!.start();
      }
      expectCheapestFirst(await client.getRoutes(UK_CALL));
      await untilRecoveryLogged(1);

      // A hung server (paused): the statement or connect timeout answers.
      const pid = server!.pid!;
      process.kill(pid, 'SIGSTOP');
      try {
        for (let i = 0; i < 3; i++) {
          const failure = await timedFailure(client);
          expect(failure.code).to.equal(-32010);
          expect(failure.ms).to.be.below(boundMs);
          expect(failure.ms).to.be.at.least(dbTimeoutMs - 50);
        }
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      expectCheapestFirst(await client.getRoutes(UK_CALL));
      await untilRecoveryLogged(2);
    } finally {
      client.close();
    }
    expect(await daemon.stop()).to.deep.equal({ code: 0, signal: null });
    expect(daemon.stdout + daemon.stderr).not.to.include(PASSWORD);
    // Two outages (stopped, then hung): each logged once as it starts and once as it ends.
    const messages = daemon.stderr.trim().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages.filter((m) => m.startsWith('database failing'))).to.have.length(2);
    expect(messages.filter((m) => m === 'database available again')).to.have.length(2);
    expect(messages.filter((m) => m === 'getRoutes').length).to.be.at.least(9);
  });

  it('a second daemon on the same live socket exits 1 "in use" and leaves the first serving', async () => {
    const socket = join(tmp.path, 'sr.busy.sock');
    const first = new DaemonProcess(['-e', '1', '-s', `unix:${socket}`, '-d', dsn]);
    await first.waitUntilServing(`unix:${socket}`);
    const second = new DaemonProcess(['-e', '1', '-s', `unix:${socket}`, '-d', dsn]);
    expect((await second.exited).code).to.equal(1);
    expect(second.stderr).to.equal(`sippy_routed: cannot listen on unix:${socket}: the socket is in use by a running process. [SOCKET_IN_USE]\n`);
    await first.waitUntilServing(`unix:${socket}`, 2000);
    expect(await first.stop('SIGINT')).to.deep.equal({ code: 0, signal: null });
    expect(existsSync(socket)).to.equal(false);
  });

  it('exits 2 naming each bad option, and 2 without a DSN, without printing the password', async () => {
    const socket = join(tmp.path, 'sr.never.sock');
    const bad = new DaemonProcess(['-e', '1', '-s', 'unix:relative.sock', '--max-batch', '0', '-d', `mysql://root:${PASSWORD}@localhost/routing?sock=/x`]);
    expect((await bad.exited).code).to.equal(2);
    const lines = bad.stderr.trim().split('\n');
    expect(lines.slice(0, 3)).to.deep.equal([
      "sippy_routed: -s: unix socket path must be absolute, got 'relative.sock' [USAGE]",
      "sippy_routed: --max-batch: expected an integer 1..10000, got '0' [USAGE]",
      'sippy_routed: -d: invalid database DSN: unknown parameter "sock" (expected mysql://USER[:PASS]@HOST[:PORT]/DB or mysql://USER@localhost/DB?socket=/path) [USAGE]',
    ]);
    expect(bad.stderr).not.to.include(PASSWORD);

    const noDsn = new DaemonProcess(['-e', '1', '-s', `unix:${socket}`]);
    expect((await noDsn.exited).code).to.equal(2);
    expect(noDsn.stderr).to.equal('sippy_routed: no database DSN: give -d DSN or set SIPPY_ROUTED_DB [DB_DSN_MISSING]\n');
    expect(existsSync(socket)).to.equal(false);
  });

  it('takes the DSN from SIPPY_ROUTED_DB and the default socket from --rundir', async () => {
    const daemon = new DaemonProcess(['-e', '1', '--rundir', tmp.path], { SIPPY_ROUTED_DB: dsn });
    const uri = `unix:${join(tmp.path, 'sippy_routed.1.sock')}`;
    await daemon.waitUntilServing(uri);
    const client = new RoutingClient(uri);
    try {
      expectCheapestFirst(await client.getRoutes(UK_CALL));
    } finally {
      client.close();
    }
    expect(await daemon.stop()).to.deep.equal({ code: 0, signal: null });
    expect(daemon.stdout + daemon.stderr).not.to.include(PASSWORD);
  });
});

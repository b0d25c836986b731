// operations.md, Stop: SIGTERM while requests are in flight. The requests
// are held in flight by freezing the database server (SIGSTOP) — a private
// server of this suite's own, never the shared one — so the signal is sure
// to arrive while every one of them waits for its query. They must all
// complete with full answers; then the sockets and the pidfile are gone and
// the supervisor exits 0.

import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { loadDemo } from '../../src/db/demo.js';
import { parseDsn } from '../../src/db/dsn.js';
import { migrate } from '../../src/db/migrate.js';
import { Database } from '../../src/db/pool.js';
import { PrivateServer } from '../../src/db/private-server.js';
import type { RouteResult } from '../../src/routing/contract.js';
import { DaemonProcess } from '../harness/daemon.js';
import { call, post, type HttpAnswer, type Target } from '../harness/rpc.js';
import { accepts, freePorts, Supervisor, waitClosed } from '../harness/supervisor-process.js';

const DATABASE = 'sr_sigterm';
const CALL_1 = { routing_group: 'Group 1', cld: '442071234567' };
const CALL_2 = { routing_group: 'Local', cld: '12125551234' };

/** Sends SIGSTOP/SIGCONT to the database server; `thaw` is safe to call at any time. */
class Freezer {
  private frozen = false;
  constructor(private readonly server: PrivateServer) {}
  freeze(): void {
    process.kill(this.server.pid!, 'SIGSTOP');
    this.frozen = true;
  }
  thaw(): void {
    if (this.frozen && this.server.pid !== undefined) process.kill(this.server.pid, 'SIGCONT');
    this.frozen = false;
  }
}

describe('supervisor: SIGTERM with requests in flight', function () {
  this.timeout(90_000);
  let server: PrivateServer;
  let freezer: Freezer;
  let dir: string;
  let supervisor: Supervisor | undefined;

  before(async function () {
    this.timeout(90_000);
    dir = mkdtempSync(join(tmpdir(), 'sr-sigterm-'));
    server = new PrivateServer();
    freezer = new Freezer(server);
    await server.start();
    const admin = await mysql.createConnection({ socketPath: server.socketPath, user: 'root' });
    try {
      await admin.query(`CREATE DATABASE ${DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    } finally {
      await admin.end();
    }
    const db = new Database(parseDsn(server.dsn(DATABASE)));
    try {
      await migrate(db);
      await loadDemo(db, dir);
    } finally {
      await db.close();
    }
  });

  after(async function () {
    this.timeout(60_000);
    // A frozen server would ignore the SIGTERM of destroy().
    freezer?.thaw();
    await supervisor?.kill();
    await DaemonProcess.killAll();
    await server?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Starts a supervisor with environment 1 on its default UNIX socket and 2
   * on loopback TCP, freezes the database, opens 12 requests, sends SIGTERM,
   * runs `duringDrain`, thaws the database, and checks the whole stop.
   */
  async function stopWithRequestsInFlight(name: string, duringDrain: (supervisor: Supervisor) => Promise<void>): Promise<void> {
    const run = join(dir, name);
    mkdirSync(run);
    const [port] = await freePorts(1);
    const econfig = join(run, 'econfig');
    const socket1 = join(run, 'sippy_routed.1.sock');
    const pidfile = join(run, 'sippy_routed.pid');
    writeFileSync(econfig, [
      // The SQL path: a frozen database is what holds requests in flight.
      'command_args="/opt/sippy_routed/sippy_routed.${extension} -e %%I_ENVIRONMENT%% --data-source sql"',
      '# environment 1 on its default socket in the rundir; 2 on loopback TCP',
      'if [ %%I_ENVIRONMENT%% -eq 2 ]; then',
      `    command_args="\${command_args} -s http://127.0.0.1:${port} -a 127.0.0.1"`,
      'fi',
      '',
    ].join('\n'));
    supervisor = new Supervisor({ econfig, rundir: run, pidfile, dsn: server.dsn(DATABASE), environments: [1, 2] });
    const status = await supervisor.waitServing();
    expect(status.listeners.map((l) => l.socket)).to.deep.equal([`unix:${socket1}`, `http://127.0.0.1:${port}/`]);
    expect(existsSync(pidfile)).to.equal(true);
    expect(existsSync(supervisor.control)).to.equal(true);

    const targets: [Target, object][] = [
      [{ socketPath: socket1 }, CALL_1],
      [{ host: '127.0.0.1', port: port! }, CALL_2],
    ];
    // Warm the pools, so that frozen queries are the only thing requests wait for.
    for (const [target, params] of targets) {
      const warm = await Promise.all(Array.from({ length: 4 }, () => post(target, call('getRoutes', params))));
      for (const answer of warm) expect(answer.json, answer.text).to.have.property('result');
    }

    /** When each request ended, and how: the assertion messages show it. */
    const settled: { at: number; outcome: string }[] = [];
    let inFlight: Promise<HttpAnswer>[] = [];
    let signalledAt = 0;
    freezer.freeze();
    try {
      // Each on its own connection (no agent): all sent before the signal.
      inFlight = targets.flatMap(([target, params]) =>
        Array.from({ length: 6 }, (_, i) => post(target, call('getRoutes', params, i + 1)).then(
          (answer) => (settled.push({ at: Date.now(), outcome: `${answer.status} ${answer.text.slice(0, 200)}` }), answer),
          (err: Error) => (settled.push({ at: Date.now(), outcome: err.message }), Promise.reject(err)),
        )),
      );
      // Every request has reached its listener, where it waits for the frozen database.
      await supervisor.waitStatus((s) => s.listeners.reduce((n, l) => n + l.in_flight, 0) === inFlight.length, 10_000, `${inFlight.length} requests in flight`);
      expect(settled, 'requests answered while the database was frozen').to.deep.equal([]);
      signalledAt = Date.now();
      supervisor.signal('SIGTERM');
      await supervisor.waitLogged('supervisor stopping');
      // The listeners stop accepting once the stop reaches them.
      await waitClosed({ port: port! }, 10_000);
      await duringDrain(supervisor);
      expect(settled, 'requests answered before the database came back').to.deep.equal([]);
      expect(supervisor.alive, 'supervisor waits for its in-flight requests').to.equal(true);
    } finally {
      freezer.thaw();
    }

    const answers = await Promise.all(inFlight);
    expect(settled.every(({ at }) => at > signalledAt)).to.equal(true);
    answers.forEach((answer, i) => {
      expect(answer.status, answer.text).to.equal(200);
      const result = (answer.json as { result?: RouteResult }).result;
      expect(result, answer.text).to.not.equal(undefined);
      expect(result!.i_environment).to.equal(i < 6 ? 1 : 2);
      expect(result!.routes.length, answer.text).to.be.greaterThan(0);
    });

    const exit = await supervisor.exited;
    expect(exit, supervisor.stderr).to.deep.equal({ code: 0, signal: null });
    expect(existsSync(socket1), 'environment 1 socket').to.equal(false);
    expect(existsSync(supervisor.control), 'control socket').to.equal(false);
    expect(existsSync(pidfile), 'pidfile').to.equal(false);
    expect(await accepts({ port: port! }), 'TCP listener closed').to.equal(false);
    expect(readdirSync(run)).to.deep.equal(['econfig']);
  }

  it('answers every in-flight request in full, removes its sockets and pidfile, exits 0', async () => {
    await stopWithRequestsInFlight('plain', async () => undefined);
  });

  // A SIGHUP (logrotate, an rc.d reload) may arrive while the supervisor
  // drains: its default action would end the process with sockets and the
  // pidfile left behind.
  it('a SIGHUP while it drains does not cut the stop short', async () => {
    await stopWithRequestsInFlight('sighup', async (running) => {
      running.signal('SIGHUP');
      await running.waitLogged('SIGHUP ignored: the supervisor is stopping');
    });
  });
});

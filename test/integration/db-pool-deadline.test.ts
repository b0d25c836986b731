// The wait for a database connection has a deadline (issue 12, item 3): with
// the server hung (SIGSTOP) and 50 clients at once on `--data-source sql`,
// every request is answered -32010 within --db-timeout plus a margin, not in
// waves of --db-connections one connect timeout apart, and no request is
// left in the pool's queue. Runs on a private server of its own: the shared
// test server is never stopped.

import { expect } from 'chai';
import mysql from 'mysql2/promise';
import { join } from 'node:path';
import { PrivateServer } from '../../src/db/private-server.js';
import { migrate } from '../../src/db/migrate.js';
import { startListenerRig, type ListenerRig } from '../harness/listener-rig.js';
import { RoutingFixture } from '../harness/routing-fixture.js';
import { call, makeSpec, makeTempDir, post, type TempDir } from '../harness/rpc.js';

const DB_TIMEOUT_MS = 1000;
// A correctness bound from the configuration, not a performance assertion:
// the deadline, plus slack for a loaded machine. Before the fix the 50th
// answer came after five connect timeouts.
const BOUND_MS = DB_TIMEOUT_MS + 1500;
const CLIENTS = 50;
const PARAMS = { routing_group: 'Group 1', cld: '44207', cli: '1' };

describe('database pool: the wait for a connection has a deadline', function () {
  this.timeout(120_000);
  let server: PrivateServer | undefined;
  let rig: ListenerRig | undefined;
  let dir: TempDir;

  before(async () => {
    server = new PrivateServer();
    await server.start();
    const admin = await mysql.createConnection({ socketPath: server.socketPath, user: 'root' });
    await admin.query('CREATE DATABASE routing CHARACTER SET utf8mb4 COLLATE utf8mb4_bin');
    await admin.end();
    dir = makeTempDir('sr-pool-deadline-');
    const spec = makeSpec({ kind: 'unix', path: join(dir.path, 'sr.sock') }, { limits: { dataSource: 'sql', dbTimeoutMs: DB_TIMEOUT_MS, dbConnections: 10 } });
    // The listener's own pool migrates and fills the database: nothing asks it before the test.
    rig = await startListenerRig({ dsn: server.dsn('routing'), spec });
    await migrate(rig.db);
    const fixture = new RoutingFixture(rig.db, 2);
    await fixture.environmentRow();
    const connection = await fixture.connection({ vendor: await fixture.vendor('Carrier'), name: 'carrier-a' });
    const set = await fixture.destinationSet({ name: 'UK' });
    await fixture.route(set, { prefix: '44' });
    await fixture.entry(await fixture.group({ name: 'Group 1' }), connection, set);
  });

  after(async () => {
    await rig?.close();
    await server?.destroy();
    dir?.remove();
  });

  async function timedCall(): Promise<{ code: number | undefined; ms: number }> {
    const started = Date.now();
    const answer = await post({ socketPath: join(dir.path, 'sr.sock') }, call('getRoutes', PARAMS));
    const body = answer.json as { result?: unknown; error?: { code: number } };
    return { code: body.error?.code, ms: Date.now() - started };
  }

  it(`answers ${CLIENTS} clients -32010 within --db-timeout while the server hangs, leaves none queued, and recovers`, async () => {
    expect((await timedCall()).code).to.equal(undefined);
    const pid = server!.pid!;
    process.kill(pid, 'SIGSTOP');
    let answers: { code: number | undefined; ms: number }[];
    try {
      answers = await Promise.all(Array.from({ length: CLIENTS }, () => timedCall()));
      // Nobody waits for a connection any more: abandoned requests left the queue.
      expect(rig!.db.poolStats().waiting).to.equal(0);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(answers.map((a) => a.code)).to.deep.equal(Array.from({ length: CLIENTS }, () => -32010));
    const slowest = Math.max(...answers.map((a) => a.ms));
    expect(slowest, `slowest answer ${slowest} ms`).to.be.below(BOUND_MS);
    expect((await timedCall()).code).to.equal(undefined);
  });
});

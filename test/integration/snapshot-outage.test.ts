// snapshot.md "Start, outage, status", acceptance item 3: a supervisor that
// answers getRoutes from the in-memory snapshot keeps answering, with no
// failure, while its database hangs (SIGSTOP) for 20 s and is then killed
// and restarted; status shows the snapshot ageing with the sync error, then
// recovering; an edit committed after the restart is in answers within 1 s
// with no daemon restart; a TRUNCATE (no trigger fires) reaches answers by
// `reload --data` at once and by the periodic reconcile without one. The
// database is a private server of this suite's own: the shared one must
// never be frozen or killed.

import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { RoutingClient, type GetRoutesCall } from '../../src/client/routing-client.js';
import { loadDemo } from '../../src/db/demo.js';
import { parseDsn } from '../../src/db/dsn.js';
import { migrate } from '../../src/db/migrate.js';
import { Database } from '../../src/db/pool.js';
import { PrivateServer } from '../../src/db/private-server.js';
import type { DataStatus, RouteResult, SnapshotStatus } from '../../src/routing/contract.js';
import { DaemonProcess } from '../harness/daemon.js';
import { delay, until } from '../harness/rpc.js';
import { runCliProcess, Supervisor } from '../harness/supervisor-process.js';

const DATABASE = 'sr_outage';
// Local groups of environment 1 (demo data): the load rotates over them.
const CALLS: GetRoutesCall[] = [
  { routing_group: 'Group 1', cld: '4420712345678' },
  { routing_group: 'Weighted', cld: '12125551234' },
  { routing_group: 'Failover', cld: '4930123456' },
];
// Policy `order`: a price edit changes the answer without reordering it.
const PROBE: GetRoutesCall = { routing_group: 'Failover', cld: '4420712345678' };
const FREEZE_MS = 20_000;

interface Status {
  readonly listeners: readonly { readonly data: DataStatus | null }[];
  readonly snapshots: readonly SnapshotStatus[];
}

/** 16 clients calling getRoutes back to back until stopped (or a deadline); every failure is kept. */
class Load {
  answers = 0;
  readonly failures: string[] = [];
  private stopping = false;
  private readonly clients: RoutingClient[];
  private readonly loops: Promise<void>[];

  constructor(uri: string, concurrency: number, deadline: number) {
    this.clients = Array.from({ length: concurrency }, () => new RoutingClient(uri, { timeoutMs: 2000 }));
    this.loops = this.clients.map(async (client, i) => {
      for (let n = i; !this.stopping && Date.now() < deadline; n++) {
        const call = CALLS[n % CALLS.length]!;
        try {
          const result = await client.getRoutes(call);
          if (result.routes.length === 0) throw new Error('answered no routes');
          this.answers += 1;
        } catch (err) {
          this.failures.push(`${new Date().toISOString()} ${call.routing_group}: ${(err as Error).message}`);
          await delay(5); // a refused connection would otherwise spin
        }
      }
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    for (const client of this.clients) client.close();
  }
}

/** The supervisor's log lines (JSON on a non-terminal stderr) whose message starts with `prefix`. */
function logged(stderr: string, prefix: string): number {
  return stderr.split('\n').filter((line) => line.startsWith('{') && String((JSON.parse(line) as { msg?: unknown }).msg).startsWith(prefix)).length;
}

describe('snapshot: database outage, restart, freshness and reconcile (supervisor process)', function () {
  this.timeout(180_000);
  let dir: string;
  let server: PrivateServer;
  let frozen = false;
  let supervisor: Supervisor | undefined;
  let load: Load | undefined;
  let probe: RoutingClient | undefined;

  before(async function () {
    this.timeout(90_000);
    dir = mkdtempSync(join(tmpdir(), 'sr-snapshot-outage-'));
    server = new PrivateServer();
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
    // A data directory created by this server's own first start (no
    // install-db) cannot recover from a SIGKILL before its first clean
    // shutdown (MariaDB 10.11: "Header page consists of zero bytes in
    // datafile: ./ibdata1"); a production server has long had one.
    await server.stop();
    await server.start();
  });

  after(async function () {
    this.timeout(60_000);
    await load?.stop();
    probe?.close();
    // A stopped server would ignore the SIGTERM of destroy().
    if (frozen && server?.pid !== undefined) process.kill(server.pid, 'SIGCONT');
    await supervisor?.kill();
    await DaemonProcess.killAll();
    await server?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every request through a 20 s hang and a kill of the database, follows edits within 1 s after it, and catches a TRUNCATE', async () => {
    const econfig = join(dir, 'econfig');
    writeFileSync(econfig, 'command_args="/opt/sippy_routed/sippy_routed.${extension} -e %%I_ENVIRONMENT%% --data-poll 100 --data-reconcile 2"\n');
    supervisor = new Supervisor({ econfig, rundir: dir, pidfile: join(dir, 'sippy_routed.pid'), dsn: server.dsn(DATABASE), environments: [1] });
    const sup = supervisor;
    const status = async (): Promise<Status> => (await sup.status()) as unknown as Status;
    const snap = async (): Promise<SnapshotStatus> => (await status()).snapshots[0]!;
    const log = (): string => `\nsupervisor log:\n${sup.stderr.split('\n').slice(-40).join('\n')}`;
    await sup.waitServing();
    await until(status, (s) => s.listeners[0]?.data?.source === 'snapshot' && s.snapshots.length === 1, 30_000, 'listener on the snapshot');
    const uri = `unix:${join(dir, 'sippy_routed.1.sock')}`;
    probe = new RoutingClient(uri, { timeoutMs: 2000 });
    const initial = await probe.getRoutes(PROBE);
    expect(initial.routes.length, 'probe has routes').to.be.greaterThan(0);

    // 2. Load throughout the outage, the restart and the edit.
    load = new Load(uri, 16, Date.now() + 150_000);

    // 3. The database hangs: the follower's statements time out (5 s), the
    // snapshot keeps answering and ages, and status says why.
    const frozenAt = Date.now();
    process.kill(server.pid!, 'SIGSTOP');
    frozen = true;
    const failing = await until(snap, (s) => s.last_error !== null, 15_000, 'last_error while the database hangs');
    const cliStatus = async (): Promise<SnapshotStatus> => {
      const run = await runCliProcess(['status', '--json', '--control', sup.control]);
      expect(run.code, run.stderr).to.equal(0);
      return (JSON.parse(run.stdout) as Status).snapshots[0]!;
    };
    const first = await cliStatus();
    // Two samples some seconds apart, the second taken by polling for it.
    const second = await until(cliStatus, (s) => s.age_ms! >= first.age_ms! + 3000, 10_000, 'age_ms growing');
    expect(second.last_sync, 'no sync while the database hangs').to.equal(first.last_sync);
    expect(second.last_error, 'last_error stays while the database hangs').to.not.equal(null);
    expect(failing.source).to.equal('snapshot');
    // The rest of the 20 s hang is a duration, not a wait for a condition.
    await delay(Math.max(0, frozenAt + FREEZE_MS - Date.now()));
    expect(load.failures, `failed requests during the hang${log()}`).to.deep.equal([]);

    // Then killed while stopped (SIGKILL needs no SIGCONT) and restarted on its data.
    const pid = server.pid!;
    process.kill(pid, 'SIGKILL');
    await until(async () => { try { process.kill(pid, 0); return false; } catch { return true; } }, (gone) => gone, 10_000, 'killed server gone');
    frozen = false;
    await server.stop();
    await server.start();

    // 4. Recovery, then freshness: COMMIT to first answer that shows it, ≤ 1 s.
    await until(snap, (s) => s.last_error === null, 30_000, () => `last_error null after the restart${log()}`);
    const target = initial.routes[0]!;
    const price = Number(target.price_1) === 0.987654 ? '0.876543' : '0.987654';
    const conn = await mysql.createConnection({ socketPath: server.socketPath, user: 'root', database: DATABASE });
    let committedAt: number;
    try {
      await conn.beginTransaction();
      await conn.query('UPDATE routes SET price_1 = ? WHERE i_route = ?', [price, target.i_route]);
      await conn.commit();
      committedAt = Date.now();
    } finally {
      await conn.end();
    }
    const shows = (r: RouteResult): boolean => r.routes.some((x) => x.i_route === target.i_route && Number(x.price_1) === Number(price));
    await until(() => probe!.getRoutes(PROBE), shows, 5000, () => `edit of route ${target.i_route} in answers${log()}`);
    const freshnessMs = Date.now() - committedAt;
    expect(freshnessMs, `COMMIT to answer, ms${log()}`).to.be.at.most(1000);

    // 5. Not one failed request from the hang through the edit.
    await load.stop();
    const { answers, failures } = load;
    load = undefined;
    expect(failures, `failed getRoutes under load${log()}`).to.deep.equal([]);
    expect(answers, 'the load ran').to.be.greaterThan(1000);
    // The log says once that syncing fails and once that it recovered.
    expect(logged(sup.stderr, 'data sync failing'), log()).to.equal(1);
    expect(logged(sup.stderr, 'data sync recovered'), log()).to.equal(1);

    // 6. TRUNCATE fires no trigger: `reload --data` shows it at once.
    const admin = await mysql.createConnection({ socketPath: server.socketPath, user: 'root', database: DATABASE });
    try {
      await admin.query('CREATE TABLE routes_saved AS SELECT * FROM routes');
      await admin.query('TRUNCATE TABLE routes');
      const reload = await runCliProcess(['reload', '--data', '--json', '--control', sup.control], 60_000);
      expect(reload.code, `${reload.stdout}${reload.stderr}`).to.equal(0);
      const reloaded = JSON.parse(reload.stdout) as SnapshotStatus[];
      expect(reloaded.map((s) => s.last_error)).to.deep.equal([null]);
      expect((await probe.getRoutes(PROBE)).routes, 'answer right after reload --data').to.deep.equal([]);

      // Rows inserted normally come back through the journal.
      await admin.query('INSERT INTO routes SELECT * FROM routes_saved');
      await until(() => probe!.getRoutes(PROBE), (r) => r.routes.length === initial.routes.length, 5000, 'routes back through the journal');

      // A second TRUNCATE and no reload: the reconcile (every 2 s) finds it.
      const generation = (await snap()).generation;
      await admin.query('TRUNCATE TABLE routes');
      const truncatedAt = Date.now();
      await until(() => probe!.getRoutes(PROBE), (r) => r.routes.length === 0, 10_000, () => `TRUNCATE caught by the reconcile${log()}`);
      const caught = await snap();
      expect(caught.generation, 'a new snapshot generation').to.be.greaterThan(generation);
      expect(caught.last_error).to.equal(null);
      expect(logged(sup.stderr, 'reconcile found changes'), log()).to.be.at.least(1);
      console.log(`      freshness after restart ${freshnessMs} ms; ${answers} answers under load; reconcile caught the TRUNCATE in ${Date.now() - truncatedAt} ms`);
    } finally {
      await admin.end();
    }
  });
});

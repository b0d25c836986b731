// Scale-out on MariaDB replication (docs/scale-out.md, snapshot.md "Replicas
// and many daemons"), with real replication between private servers: a
// primary (binary log, ROW) and two read-only replicas. Three daemons
// (`sippy_routed -e 1` processes) serve environment 1: R1 and R2 read the
// replicas and write (--db-write) to the primary, P reads the primary.
// Edits are made on the primary, as an operator would. The journal's rows
// reach the replicas as row events, applied without firing the replicas'
// own triggers: what lets a daemon on a replica follow the primary.

import { expect } from 'chai';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { RoutingClient, type GetRoutesCall } from '../../src/client/routing-client.js';
import { EXTERNAL_VENDOR_NAME, type DataStatus, type RouteResult } from '../../src/routing/index.js';
import { answerOf, CALL_TIME, EditScript, MAIN, routesOf, type Answer } from '../harness/routing-edits.js';
import { writeFileSync } from 'node:fs';
import { DaemonProcess } from '../harness/daemon.js';
import { runCliProcess, Supervisor } from '../harness/supervisor-process.js';
import { ReplicationSet, replicationSkipReason } from '../harness/replication.js';
import { answerJson, fixedUpstreamResult, ScriptedPeer } from '../harness/external.js';
import { delay, makeTempDir, until, type TempDir } from '../harness/rpc.js';

/** Old journal entries seeded before the daemons start: the purge's work. */
const OLD_ENTRIES = 300;
/** Three rounds of the script's ten kinds of edit (each round removes what it added). */
const EDITS = 30;
/** How long replication stays stopped on one replica: a dozen of its daemon's journal polls (250 ms). */
const STOP_MS = 3000;
/** snapshot.md: a change committed is in answers within 1 s (after it reached the database read). */
const FRESHNESS_MS = 1000;

/** A daemon's log lines (JSON lines on a non-terminal stderr) whose message starts with `prefix`. */
function logLines(daemon: DaemonProcess, prefix: string): Record<string, unknown>[] {
  return daemon.stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((record) => String(record.msg).startsWith(prefix));
}

/** getRoutes back to back on each client until stopped; every failure is kept. */
class Load {
  readonly failures: string[] = [];
  answers = 0;
  private stopping = false;
  private readonly loops: Promise<void>[];

  constructor(clients: readonly RoutingClient[], loopsEach: number) {
    this.loops = clients.flatMap((client) =>
      Array.from({ length: loopsEach }, async () => {
        while (!this.stopping) {
          try {
            await client.getRoutes(MAIN);
            this.answers += 1;
          } catch (err) {
            this.failures.push(`${client.uri}: ${(err as Error).message}`);
            await delay(5);
          }
        }
      }),
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }
}

const skipReason = replicationSkipReason();

describe('scale-out: daemons on MariaDB replicas follow the primary', function () {
  this.timeout(180_000);
  let set: ReplicationSet;
  let dir: TempDir;
  let peer: ScriptedPeer;
  let edits: Connection;
  const daemons: { name: string; process: DaemonProcess; client: RoutingClient; uri: string }[] = [];
  const extra: DaemonProcess[] = [];
  let script: EditScript;

  before(async function () {
    if (skipReason !== undefined) {
      console.log(`      skipped: replication cannot run here: ${skipReason}`);
      this.skip();
    }
    dir = makeTempDir('sr-scaleout-');
    set = await ReplicationSet.start(2);
    edits = await set.rootConnection(set.primary);
    peer = await new ScriptedPeer(join(dir.path, 'upstream.sock')).start();
    peer.behaviour = (body, res) => answerJson(res, { jsonrpc: '2.0', id: body.id, result: fixedUpstreamResult(body.params as Record<string, unknown>) });

    // Journal entries from two hours ago: the first purge's work, to be done once.
    await edits.query(
      `INSERT INTO routing_changes (table_name, row_key, changed_at) VALUES ${Array.from({ length: OLD_ENTRIES }, () => "('vendors', 0, NOW(3) - INTERVAL 2 HOUR)").join(', ')}`,
    );
    script = new EditScript(edits);
    await script.setUp();
    await edits.query("INSERT INTO routing_groups (i_environment, name, external, uri) VALUES (1, 'ext', 1, ?)", [peer.uri]);
    await set.waitReplicated();

    const write = ['--db-write', set.dsn(set.primary)];
    for (const [name, server, args] of [['R1', set.replicas[0]!, write], ['R2', set.replicas[1]!, write], ['P', set.primary, []]] as const) {
      const uri = `unix:${join(dir.path, `${name}.sock`)}`;
      const process = new DaemonProcess(['-e', '1', '-s', uri, '-d', set.dsn(server), ...args]);
      daemons.push({ name, process, client: new RoutingClient(uri, { timeoutMs: 5000 }), uri });
    }
    for (const d of daemons) await d.process.waitUntilServing(d.uri, 30_000);
    for (const d of daemons) await until(() => dataOf(d.client), (data) => data?.source === 'snapshot', 30_000, `${d.name} on its snapshot`);
  });

  after(async function () {
    this.timeout(60_000);
    for (const d of daemons) d.client.close();
    await Promise.all([...daemons.map((d) => d.process.stop()), ...extra.map((p) => p.stop())]);
    await edits?.end();
    await peer?.stop();
    await set?.destroy();
    dir?.remove();
  });

  async function dataOf(client: RoutingClient): Promise<(DataStatus & { replica: DataStatus['replica'] }) | undefined> {
    return ((await client.ping()) as { data?: DataStatus }).data;
  }

  /**
   * Commits `edit`, then for each daemon: the time from COMMIT until its
   * database has the edit (the primary at once, a replica once it applied
   * it) and until its answer to `probe` passes `shows`; and whether the
   * answer right after its first sync that started after the edit reached
   * its database showed it (`missed` when not: a change the journal lost).
   */
  async function commitAndFollow(edit: () => Promise<void>, probe: GetRoutesCall, shows: (a: Answer) => boolean, only = daemons): Promise<Map<string, { visibleMs: number; replicatedMs: number; missed: boolean }>> {
    await edit();
    const committed = Date.now();
    const follow = only.map(async (d) => {
      const replica = d.name === 'R1' ? set.replicas[0]! : d.name === 'R2' ? set.replicas[1]! : undefined;
      const visible = until(() => answerOf(d.client, probe), shows, 15_000, `${d.name} shows the edit (${JSON.stringify(probe)})`).then(() => Date.now());
      const reached = replica === undefined ? committed : await set.waitReplicated([replica]).then(() => Date.now());
      // last_sync is when a sync started, before its consistent read: later than `reached`, it read the edit.
      await until(() => dataOf(d.client), (data) => data?.last_sync !== null && Date.parse(data!.last_sync) > reached, 15_000, `${d.name} syncs after the edit reached its database`);
      const missed = !shows(await answerOf(d.client, probe));
      return { name: d.name, visibleMs: (await visible) - committed, replicatedMs: reached - committed, missed };
    });
    return new Map((await Promise.all(follow)).map(({ name, ...times }) => [name, times]));
  }

  it(`${EDITS} edits on the primary (all seven tables, multi-row transactions, cascade deletes) reach all three daemons under load: each at the first sync after it reached their database, within 1 s of that (1% may take up to 2 s on a starved machine); the answers agree after each`, async () => {
    const load = new Load(daemons.map((d) => d.client), 1);
    const late: string[] = [];
    const missed: string[] = [];
    const afterReplicationMs: number[] = [];
    let worst = { ms: 0, what: '' };
    try {
      for (let i = 0; i < EDITS; i++) {
        const { kind, commit, probe, shows } = script.edit(i);
        const times = await commitAndFollow(commit, probe, shows);
        for (const [name, { visibleMs, replicatedMs, missed: lost }] of times) {
          if (lost) missed.push(`edit ${i} (kind ${kind}) on ${name}`);
          const afterReplication = visibleMs - replicatedMs;
          afterReplicationMs.push(afterReplication);
          if (afterReplication > worst.ms) worst = { ms: afterReplication, what: `edit ${i} on ${name}` };
          if (afterReplication > FRESHNESS_MS) late.push(`edit ${i} (kind ${kind}) on ${name}: visible ${visibleMs} ms after COMMIT, replicated after ${replicatedMs} ms`);
        }
        // Every edit has replicated (above): the three daemons answer alike.
        for (const call of [MAIN, probe]) {
          const answers = await Promise.all(daemons.map((d) => answerOf(d.client, call)));
          expect(answers[1], `R2 vs R1 after edit ${i}, ${JSON.stringify(call)}`).to.deep.equal(answers[0]);
          expect(answers[2], `P vs R1 after edit ${i}, ${JSON.stringify(call)}`).to.deep.equal(answers[0]);
        }
      }
    } finally {
      await load.stop();
    }
    // Exact, whatever the machine's load: the first sync after an edit reached a daemon's database brings it.
    expect(missed, 'edits not in the answer after a sync that read them').to.deep.equal([]);
    // The 1 s bound on the wall clock. On this shared 2-core machine other
    // jobs can starve the daemons for a moment (single edits took 1.3-1.6 s
    // at a load average near 10), so 1% of the measurements (at least one)
    // may be late, and none by more than twice the bound.
    expect(late.length, `edits later than ${FRESHNESS_MS} ms after replication: ${late.join('; ')}`).to.be.at.most(Math.ceil(afterReplicationMs.length / 100));
    expect(worst.ms, `the latest edit (${worst.what}); late: ${late.join('; ')}`).to.be.at.most(2 * FRESHNESS_MS);
    expect(load.failures, 'getRoutes under load').to.deep.equal([]);
    expect(load.answers, 'the load ran').to.be.greaterThan(EDITS);
    for (const replica of set.replicas) expect(await set.replicaState(replica), 'replication healthy').to.include({ io: 'Yes', sql: 'Yes', sqlErrno: 0 });
    // The replicas hold the primary's journal, row for row: their own triggers did not run on the row events.
    await set.waitReplicated();
    const journals = await Promise.all([set.primary, ...set.replicas].map(async (server) => {
      const conn = await set.rootConnection(server);
      try {
        return (await conn.query('SELECT seq, table_name, row_key, changed_at FROM routing_changes ORDER BY seq'))[0];
      } finally {
        await conn.end();
      }
    }));
    expect((journals[0] as unknown[]).length).to.be.greaterThan(EDITS);
    expect(journals[1], 'replica 1 journal').to.deep.equal(journals[0]);
    expect(journals[2], 'replica 2 journal').to.deep.equal(journals[0]);
  });

  it('external groups on a daemon reading a replica: 50 concurrent first requests create one vendor and one connection per name on the primary (--db-write), and every snapshot then holds them', async () => {
    const r1 = daemons[0]!;
    const rowsBefore = await Promise.all(daemons.map(async (d) => (await dataOf(d.client))!.rows));
    const call: GetRoutesCall = { routing_group: 'ext', cld: '4420712345678', cli: '15551230000', call_start_time: CALL_TIME };
    const results = await Promise.all(Array.from({ length: 50 }, () => r1.client.getRoutes(call)));
    for (const result of results) expect(result.routes.map((r) => r.connection_name)).to.deep.equal(['up-lon', 'up-nyc']);

    const [vendors] = await edits.query('SELECT i_vendor FROM vendors WHERE i_environment = 1 AND name = ?', [EXTERNAL_VENDOR_NAME]);
    expect(vendors, 'one external vendor on the primary').to.have.length(1);
    const [connections] = await edits.query('SELECT name, COUNT(*) AS n FROM connections WHERE i_vendor = ? GROUP BY name ORDER BY name', [(vendors as { i_vendor: number }[])[0]!.i_vendor]);
    expect(connections).to.deep.equal([{ name: 'up-lon', n: 1 }, { name: 'up-nyc', n: 1 }]);
    // Every answer maps onto those rows, whichever request created them.
    expect(new Set(results.flatMap((r) => r.routes.map((route) => route.i_connection))).size).to.equal(2);

    // The rows reach the replicas, then every snapshot: three rows more (the vendor, two connections).
    await set.waitReplicated();
    for (const [i, d] of daemons.entries()) {
      await until(() => dataOf(d.client), (data) => data!.rows === rowsBefore[i]! + 3, 5000, `${d.name}'s snapshot holds the vendor and its two connections`);
    }
    expect(r1.process.stderr).to.not.include(set.routerPassword);
  });

  it(`replication stopped on one replica for ${STOP_MS / 1000} s: its daemon keeps answering from its snapshot, status shows the replica stopped and its data age; after START it catches up at its first sync once replicated`, async () => {
    const r2 = daemons[1]!;
    const stoppedAt = Date.now();
    await set.setReplicating(set.replicas[1]!, false);
    const load = new Load([r2.client], 2);
    const before = (await answerOf(r2.client, MAIN)) as { routes: RouteResult['routes'] };
    const name = 'carrier-b-during-the-stop';
    try {
      const followers = daemons.filter((d) => d !== r2);
      const times = await commitAndFollow(async () => void (await edits.query('UPDATE vendors SET name = ? WHERE i_vendor = ?', [name, script.ids.v2])), MAIN, (a) => routesOf(a).some((r) => r.vendor_name === name), followers);
      expect([...times.keys()]).to.have.members(['R1', 'P']);

      const stopped = await until(() => dataOf(r2.client), (data) => data?.replica?.io_running === false && data.replica.sql_running === false, 5000, 'R2 status: replica stopped');
      expect(stopped!.replica!.lag_s, 'a stopped replica reports no lag').to.equal(null);
      expect(stopped!.age_ms, 'R2 still syncs with its replica').to.be.a('number').and.to.be.below(5000);
      // Through the stop, R2 answers from its snapshot: the state before the stop.
      while (Date.now() - stoppedAt < STOP_MS) {
        expect(await answerOf(r2.client, MAIN)).to.deep.equal(before);
        await delay(100);
      }
    } finally {
      await load.stop();
    }
    expect(load.failures, 'R2 under load while its replica is stopped').to.deep.equal([]);

    const showsEdit = (a: Answer): boolean => routesOf(a).some((r) => r.vendor_name === name);
    await set.setReplicating(set.replicas[1]!, true);
    const started = Date.now();
    const visible = until(() => answerOf(r2.client, MAIN), showsEdit, 15_000, 'R2 catches up').then(() => Date.now() - started);
    await set.waitReplicated([set.replicas[1]!]);
    const replicated = Date.now();
    // Exact: the answer after R2's first sync that started once its replica had caught up shows the edit.
    await until(() => dataOf(r2.client), (data) => data?.last_sync !== null && Date.parse(data!.last_sync) > replicated, 15_000, 'R2 syncs after catching up');
    expect(showsEdit(await answerOf(r2.client, MAIN)), 'R2 after a sync that read the edit').to.equal(true);
    // The wall clock, with the allowance of the edits test for a starved machine.
    const visibleMs = await visible;
    expect(visibleMs - (replicated - started), `R2 shows the edit ${visibleMs} ms after START, replicated after ${replicated - started} ms`).to.be.at.most(2 * FRESHNESS_MS);
    const running = await until(() => dataOf(r2.client), (data) => data?.replica?.io_running === true && data.replica.sql_running === true && data.replica.lag_s !== null, 5000, 'R2 status: replicating again');
    expect(running!.replica!.last_error).to.equal(null);
  });

  it('a daemon whose --db-write is a read-only replica answers -32010 on autocreate, logs the cause, stays up, and leaves the journal purge alone', async () => {
    const uri = `unix:${join(dir.path, 'ro.sock')}`;
    const replica = set.dsn(set.replicas[1]!);
    const daemon = new DaemonProcess(['-e', '1', '-s', uri, '-d', replica, '--db-write', replica]);
    extra.push(daemon);
    const client = new RoutingClient(uri, { timeoutMs: 5000 });
    try {
      await daemon.waitUntilServing(uri, 30_000);
      await until(() => dataOf(client), (data) => data?.source === 'snapshot', 30_000, 'read-only daemon on its snapshot');
      // An upstream connection name this environment has not seen: a write is needed.
      peer.behaviour = (body, res) => {
        const result = fixedUpstreamResult(body.params as Record<string, unknown>) as { routes: { connection_name: string }[] };
        result.routes[0]!.connection_name = 'up-new';
        answerJson(res, { jsonrpc: '2.0', id: body.id, result });
      };
      const failed = await answerOf(client, { routing_group: 'ext', cld: '4420712345678', call_start_time: CALL_TIME });
      expect(failed).to.deep.equal({ error: -32010 });
      const lines = await until(async () => logLines(daemon, 'database failing'), (l) => l.length > 0, 5000, 'the failure in the log');
      expect(String(lines[0]!.error)).to.match(/read-only/);
      expect(routesOf(await answerOf(client, MAIN)), 'local groups still answer').to.have.length(2);
      expect((await client.ping()).i_environment).to.equal(1);
      await until(async () => logLines(daemon, 'the write database is a replica'), (l) => l.length === 1, 10_000, 'the purge left to the primary');
      expect(logLines(daemon, 'change journal purge failed')).to.deep.equal([]);
      expect(daemon.stderr).to.not.include(set.routerPassword);
      expect(daemon.running).to.equal(true);
    } finally {
      client.close();
      await daemon.stop();
    }
  });

  it('a daemon reading a replica that is not read-only, without --db-write, sees it replicating and leaves the journal purge alone', async () => {
    const replica = set.replicas[1]!;
    const admin = await set.rootConnection(replica, null);
    const uri = `unix:${join(dir.path, 'rw.sock')}`;
    const daemon = new DaemonProcess(['-e', '1', '-s', uri, '-d', set.dsn(replica)]);
    extra.push(daemon);
    const client = new RoutingClient(uri, { timeoutMs: 5000 });
    try {
      await admin.query('SET GLOBAL read_only = 0');
      await daemon.waitUntilServing(uri, 30_000);
      await until(async () => logLines(daemon, 'the write database is a replica'), (l) => l.length === 1, 15_000, 'the purge left to the primary');
      expect((await dataOf(client))!.replica).to.include({ io_running: true, sql_running: true });
      expect(logLines(daemon, 'change journal purged')).to.deep.equal([]);
    } finally {
      client.close();
      await daemon.stop();
      await admin.query('SET GLOBAL read_only = 1');
      await admin.end();
    }
  });

  it('a supervised listener with -d a replica and --db-write the primary in command_args: check and status show both DSNs redacted, status the replica, and its external group autocreates on the primary', async () => {
    const econfig = join(dir.path, 'econfig');
    writeFileSync(econfig, `command_args="/opt/sippy_routed/sippy_routed -e %%I_ENVIRONMENT%% -s unix:${dir.path}/sup.sock -d ${set.dsn(set.replicas[0]!)} --db-write ${set.dsn(set.primary)}"\n`);
    const primary = set.dsn(set.primary).replace(`:${set.routerPassword}@`, ':***@');
    const replica = set.dsn(set.replicas[0]!).replace(`:${set.routerPassword}@`, ':***@');

    const check = await runCliProcess(['check', '-f', econfig, '--environments', '1', '--json']);
    expect(check.code, check.stderr).to.equal(0);
    expect(check.stdout).to.not.include(set.routerPassword);
    const listener = (JSON.parse(check.stdout) as { environments: { listener: { dsn: string; db_write: string } }[] }).environments[0]!.listener;
    expect(listener).to.include({ dsn: replica, db_write: primary });
    const human = await runCliProcess(['check', '-f', econfig, '--environments', '1']);
    expect(human.stdout).to.include(`database: ${replica}`).and.to.include(`writes:   ${primary} (--db-write)`).and.to.not.include(set.routerPassword);

    const supervisor = new Supervisor({ econfig, rundir: dir.path, pidfile: join(dir.path, 'sup.pid'), environments: [1] });
    extra.push(supervisor.process);
    try {
      await supervisor.waitServing(30_000);
      type Snap = { dsn: string; db_write: string | null; source: string; replica: { io_running: boolean; lag_s: number | null } | null };
      const status = await until(async () => (await supervisor.status()) as unknown as { snapshots: Snap[] }, (s) => s.snapshots[0]?.source === 'snapshot' && s.snapshots[0].replica !== null, 30_000, 'supervisor status with the snapshot and its replica');
      expect(status.snapshots[0]).to.include({ dsn: replica, db_write: primary });
      expect(status.snapshots[0]!.replica).to.include({ io_running: true });
      // Its external group autocreates on the primary too.
      peer.behaviour = (body, res) => {
        const result = fixedUpstreamResult(body.params as Record<string, unknown>) as { routes: { connection_name: string }[] };
        result.routes[0]!.connection_name = 'up-supervised';
        answerJson(res, { jsonrpc: '2.0', id: body.id, result });
      };
      const client = new RoutingClient(`unix:${dir.path}/sup.sock`, { timeoutMs: 5000 });
      try {
        const answer = await client.getRoutes({ routing_group: 'ext', cld: '4420712345678', call_start_time: CALL_TIME });
        expect(answer.routes.map((r) => r.connection_name)).to.deep.equal(['up-supervised', 'up-nyc']);
      } finally {
        client.close();
      }
      const [created] = await edits.query("SELECT COUNT(*) AS n FROM connections WHERE name = 'up-supervised'");
      expect(Number((created as { n: unknown }[])[0]!.n), 'the connection, on the primary').to.equal(1);
      const text = await runCliProcess(['status', '--control', supervisor.control]);
      expect(text.stdout).to.include(`${replica}: writes to ${primary}; replica replicating, lag `).and.to.not.include(set.routerPassword);
      expect(supervisor.stderr).to.not.include(set.routerPassword);
    } finally {
      await supervisor.process.stop();
    }
  });

  it('the journal purge ran once, on the primary, for all the daemons; every replica applied it and kept replicating', async () => {
    // Every process of this suite that followed the journal: the three daemons, the read-only one, the supervisor.
    const all = [...daemons.map((d) => ({ name: d.name, process: d.process })), ...extra.map((process, i) => ({ name: `extra ${i}`, process }))];
    const purged = all.flatMap((d) => logLines(d.process, 'change journal purged').map((line) => ({ daemon: d.name, deleted: line.deleted })));
    expect(purged, 'one purge of the old entries, by one daemon').to.have.length(1);
    expect(purged[0]!.deleted).to.equal(OLD_ENTRIES);
    for (const d of all) expect(logLines(d.process, 'change journal purge failed'), d.name).to.deep.equal([]);
    await set.waitReplicated();
    for (const server of [set.primary, ...set.replicas]) {
      const conn = await set.rootConnection(server);
      try {
        const [old] = await conn.query('SELECT COUNT(*) AS n FROM routing_changes WHERE changed_at < NOW(3) - INTERVAL 1 HOUR');
        expect(Number((old as { n: unknown }[])[0]!.n), server.dir).to.equal(0);
        const [horizon] = await conn.query('SELECT purged_through FROM routing_changes_horizon WHERE id = 1');
        expect(Number((horizon as { purged_through: unknown }[])[0]!.purged_through), server.dir).to.equal(OLD_ENTRIES);
      } finally {
        await conn.end();
      }
    }
    for (const replica of set.replicas) expect(await set.replicaState(replica)).to.include({ io: 'Yes', sql: 'Yes', sqlErrno: 0 });
    for (const d of daemons) expect(d.process.stderr, `${d.name}'s log`).to.not.include(set.routerPassword);
  });
});

import { expect } from 'chai';
import { existsSync } from 'node:fs';
import type { Connection } from 'mysql2/promise';
import { ReplicationSet, replicationSkipReason } from '../harness/replication.js';

const skipReason = replicationSkipReason();

// docs/scale-out.md, "Replication formats": what the journal looks like on a
// replica of a primary logging in MIXED, then in STATEMENT format (one set,
// binlog_format changed at run time), with two edits that take their
// journal numbers in one order and commit in the other.
describe('scale-out: the journal on a replica under MIXED and STATEMENT binary logging', function () {
  this.timeout(120_000);
  let set: ReplicationSet;

  before(async function () {
    if (skipReason !== undefined) {
      console.log(`      skipped: replication cannot run here: ${skipReason}`);
      this.skip();
    }
    set = await ReplicationSet.start(1, 'MIXED');
  });

  after(async function () {
    this.timeout(60_000);
    await set?.destroy();
  });

  /** The edits; then the journal entries after `after` on the primary and on the replica, and the first edit's warnings. */
  async function interleavedEdits(environment: number, after: number): Promise<{ primary: { seq: number; row_key: number }[]; replica: { seq: number; row_key: number }[]; warnings: number[] }> {
    const [a, b] = [await set.rootConnection(set.primary), await set.rootConnection(set.primary)];
    const replica = await set.rootConnection(set.replicas[0]!);
    try {
      await a.query('INSERT INTO environments (i_environment, name) VALUES (?, ?)', [environment, `env ${environment}`]);
      const [warnings] = await a.query('SHOW WARNINGS');
      await a.beginTransaction();
      await a.query("INSERT INTO vendors (i_environment, name) VALUES (?, 'first to number')", [environment]);
      await b.beginTransaction();
      await b.query("INSERT INTO vendors (i_environment, name) VALUES (?, 'first to commit')", [environment]);
      await b.commit();
      await a.commit();
      await set.waitReplicated();
      const journal = async (conn: Connection) => (await conn.query('SELECT seq, table_name, row_key FROM routing_changes WHERE seq > ? ORDER BY seq', [after]))[0] as { seq: number; row_key: number }[];
      return { primary: await journal(a), replica: await journal(replica), warnings: (warnings as { Code: number }[]).map((w) => w.Code) };
    } finally {
      await Promise.all([a.end(), b.end(), replica.end()]);
    }
  }

  it("MIXED: statements that fire the journal triggers are logged as rows, so the replica holds the primary's journal", async () => {
    const { primary, replica, warnings } = await interleavedEdits(1, 0);
    expect(warnings).to.deep.equal([]);
    expect(primary).to.have.length(3);
    expect(replica).to.deep.equal(primary);
  });

  it("STATEMENT: the replica's own triggers write its journal, numbered in commit order, unlike the primary's; each edit is an unsafe statement (1592)", async () => {
    const admin = await set.rootConnection(set.primary, null);
    try {
      await admin.query("SET GLOBAL binlog_format = 'STATEMENT'");
    } finally {
      await admin.end();
    }
    const { primary, replica, warnings } = await interleavedEdits(2, 3);
    expect(warnings).to.include(1592);
    expect(primary.map((r) => r.seq)).to.deep.equal([4, 5, 6]);
    expect(replica.map((r) => r.seq)).to.deep.equal([4, 5, 6]);
    // The same entries under other numbers: the second and third swapped
    // places, so the purge's `seq <= N` means something else on the replica.
    expect(replica[0]).to.deep.equal(primary[0]);
    expect(replica.slice(1).map((r) => r.row_key)).to.deep.equal([primary[2]!.row_key, primary[1]!.row_key]);
  });

  it('destroy() stops every server of the set and removes its directory', async () => {
    const servers = [set.primary, ...set.replicas];
    const pids = servers.map((server) => server.pid!);
    await set.destroy();
    for (const server of servers) expect(existsSync(server.dir), server.dir).to.equal(false);
    for (const pid of pids) expect(() => process.kill(pid, 0), `server pid ${pid}`).to.throw();
  });
});

// Autocreating an external group's vendor and connections burns no
// auto-increment ids (issue 20, item 9): concurrent first requests that
// autocreate the same names used to run one INSERT IGNORE each, and every
// ignored row took an id (AUTO_INCREMENT of `connections` went 10 → 141).
// A real daemon, a real upstream daemon, a burst of concurrent requests on
// separate connections; afterwards AUTO_INCREMENT is max(id) + 1.

import { expect } from 'chai';
import { join } from 'node:path';
import { loadDemo } from '../../src/db/demo.js';
import { EXTERNAL_VENDOR_NAME } from '../../src/routing/index.js';
import { useFreshDatabase } from '../harness/database.js';
import { DaemonProcess } from '../harness/daemon.js';
import { RoutingFixture } from '../harness/routing-fixture.js';
import { call, makeTempDir, post, type TempDir } from '../harness/rpc.js';

const CONCURRENT = 100;
const CALL = { routing_group: 'Group 1', cld: '4420712345678', cli: '15551230000' } as const;

interface Answer {
  readonly result?: { routes: { connection_name: string; i_connection: number; i_vendor: number }[] };
  readonly error?: unknown;
}

describe('external groups: concurrent autocreate burns no auto-increment ids', function () {
  this.timeout(120_000);
  const database = useFreshDatabase();
  let dir: TempDir;

  before(async () => {
    dir = makeTempDir('sr-autocreate-ids-');
    await loadDemo(database().db, dir.path);
  });

  after(async () => {
    await DaemonProcess.killAll();
    dir?.remove();
  });

  /** The table's next auto-increment value and its largest id. */
  async function counter(table: 'connections' | 'vendors', key: string): Promise<{ next: number; max: number }> {
    const [row] = await database().db.select(
      `SELECT t.AUTO_INCREMENT AS next, (SELECT MAX(${key}) FROM ${table}) AS max FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = ?`,
      [table],
    );
    return { next: Number(row!.next), max: Number(row!.max) };
  }

  it(`${CONCURRENT} concurrent first requests create the vendor and each connection with one id each: AUTO_INCREMENT stays max(id) + 1`, async () => {
    const upstreamSocket = join(dir.path, 'sippy_routed.1.sock');
    const downstreamSocket = join(dir.path, 'sippy_routed.3.sock');
    const fixture = new RoutingFixture(database().db, 3);
    await fixture.environmentRow('Switch C');
    await fixture.group({ name: 'Group 1', external: true, uri: `unix:${upstreamSocket}` });
    for (const [table, key] of [['connections', 'i_connection'], ['vendors', 'i_vendor']] as const) {
      const before = await counter(table, key);
      expect(before.next, `${table} before`).to.equal(before.max + 1);
    }

    const upstream = new DaemonProcess(['-e', '1', '-s', `unix:${upstreamSocket}`, '-d', database().dsn, '--rundir', dir.path]);
    // Generous deadlines: the burst must be answered on a loaded machine too, and a timeout is not what this test is about.
    const deadlines = ['--upstream-timeout', '30000', '--request-timeout', '30000', '--db-timeout', '30000'];
    const downstream = new DaemonProcess(['-e', '3', '-s', `unix:${downstreamSocket}`, '-d', database().dsn, '--rundir', dir.path, ...deadlines]);
    await upstream.waitUntilServing(`unix:${upstreamSocket}`);
    await downstream.waitUntilServing(`unix:${downstreamSocket}`);

    // One connection each (no agent): nothing queues them behind each other in the client or the listener.
    const answers = await Promise.all(Array.from({ length: CONCURRENT }, () => post({ socketPath: downstreamSocket }, call('getRoutes', CALL))));
    for (const [table, key] of [['connections', 'i_connection'], ['vendors', 'i_vendor']] as const) {
      const after = await counter(table, key);
      expect(after.next, `${table}: AUTO_INCREMENT ${after.next}, largest id ${after.max}`).to.equal(after.max + 1);
    }
    // Each request is answered in full: the --upstream-new-connections budget (100 a minute) counts the
    // connections created, not the ones each of the concurrent requests found missing.
    expect(answers.filter((a) => (a.json as Answer).result === undefined).map((a) => a.text), 'failed requests').to.deep.equal([]);
    const results = answers.map((a) => (a.json as Answer).result);
    const [vendor, ...others] = await database().db.select('SELECT i_vendor FROM vendors WHERE i_environment = 3 AND name = ?', [EXTERNAL_VENDOR_NAME]);
    expect(others).to.deep.equal([]);
    const rows = await database().db.select('SELECT i_connection, name FROM connections WHERE i_vendor = ? ORDER BY name', [vendor!.i_vendor]);
    const names = results[0]!.routes.map((r) => r.connection_name);
    expect(names.length).to.be.greaterThan(1);
    expect(rows.map((r) => String(r.name))).to.deep.equal([...names].sort());
    const ids = new Map(rows.map((r) => [String(r.name), Number(r.i_connection)]));
    for (const result of results) {
      expect(result!.routes.map((r) => [r.connection_name, r.i_connection, r.i_vendor])).to.deep.equal(names.map((name) => [name, ids.get(name), Number(vendor!.i_vendor)]));
    }

  });
});

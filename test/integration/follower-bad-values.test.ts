import { expect } from 'chai';
import type { DataStatus } from '../../src/routing/index.js';
import { RpcClient } from '../../src/client/rpc-client.js';
import { rawConnection, useFreshDatabase } from '../harness/database.js';
import { LoggedDaemon, type LogLine } from '../harness/logged-daemon.js';
import { RoutingFixture } from '../harness/routing-fixture.js';

// Issue: one value the daemon could not parse froze every daemon on the
// database, silently (a throw inside the driver's row callback left the
// refresh unsettled for good): age_ms grew, last_error stayed null, SIGHUP
// and SIGTERM did nothing. Now a row the daemon cannot hold exactly is left
// out of routing as `bad_row` and logged once, everything else keeps
// following, and a refresh that fails for any other reason is rejected whole,
// logged, shown, and retried.

const CALL_TIME = '2026-01-15T12:00:00Z';

describe('the follower and values it cannot hold (real daemon)', function () {
  this.timeout(90_000);
  const database = useFreshDatabase();
  let daemon: LoggedDaemon;
  let routeA: number;
  let setA: number;
  let setB: number;

  before(async () => {
    const fixture = new RoutingFixture(database().db, 1);
    await fixture.environmentRow();
    const vendor = await fixture.vendor('V');
    const a = await fixture.connection({ vendor, name: 'A' });
    const b = await fixture.connection({ vendor, name: 'B' });
    setA = await fixture.destinationSet({ name: 'set A' });
    setB = await fixture.destinationSet({ name: 'set B' });
    const group = await fixture.group({ name: 'G', policy: 'order' });
    await fixture.entry(group, a, setA, { entry_order: 1 });
    await fixture.entry(group, b, setB, { entry_order: 2 });
    await fixture.route(setA, { prefix: '4', price_1: '0.010000' });
    routeA = await fixture.route(setA, { prefix: '44', price_1: '0.100000' });
    await fixture.route(setB, { prefix: '44', price_1: '0.200000' });
    daemon = await new LoggedDaemon(database().dsn, ['--data-poll', '100', '--data-reconcile', '0'], 'bad-values').ready();
  });

  after(() => daemon?.close());

  const ping = async (): Promise<{ data: DataStatus }> => ({ data: await daemon.data() });
  const until = (check: () => Promise<boolean> | boolean, what: string): Promise<void> => daemon.until(check, what);
  const log = (): LogLine[] => daemon.log();

  async function answer(explain = false): Promise<{ routes: string[]; excluded: string[] }> {
    const result = await daemon.client.getRoutes({ routing_group: 'G', cld: '4420', call_start_time: CALL_TIME, explain });
    return {
      routes: result.routes.map((r) => `${r.connection_name}@${r.prefix}:${r.price_1}`),
      excluded: (result.excluded ?? []).map((e) => `${e.connection_name}:${e.reason}`),
    };
  }

  it('leaves a route with 8 decimals out as bad_row (it still blocks its prefix), logs it once, counts it, and keeps following other edits', async () => {
    const { db } = database();
    await db.modify('ALTER TABLE routes MODIFY price_1 DECIMAL(20,8) NOT NULL');
    await db.modify('UPDATE routes SET price_1 = 0.12345678 WHERE i_route = ?', [routeA]);
    await until(async () => (await ping()).data.bad_rows === 1, 'bad_rows 1');
    // The 44 row of set A is bad: A is left out, not routed on its shorter '4' row.
    const withBadRow = await answer(true);
    expect(withBadRow.routes.map((r) => r.split(':')[0])).to.deep.equal(['B@44']);
    expect(withBadRow.excluded).to.deep.equal(['A:bad_row']);
    // The SQL path decides the same, and logs it too.
    const sql = await new LoggedDaemon(database().dsn, ['--data-source', 'sql'], 'bad-values-sql').ready('sql');
    try {
      const viaSql = await sql.client.getRoutes({ routing_group: 'G', cld: '4420', call_start_time: CALL_TIME, explain: true });
      const viaSnapshot = await daemon.client.getRoutes({ routing_group: 'G', cld: '4420', call_start_time: CALL_TIME, explain: true });
      expect(viaSql.excluded).to.deep.equal(viaSnapshot.excluded);
      expect(viaSql.routes.map((r) => r.connection_name)).to.deep.equal(viaSnapshot.routes.map((r) => r.connection_name));
      await sql.until(() => sql.logged(/"column":"price_1","value":"0.12345678"/), 'the SQL path\'s log line');
      // listRoutes marks the row on both sources, and otherwise answers the same.
      const listed = async (d: LoggedDaemon): Promise<unknown[]> => {
        const rpc = new RpcClient(`unix:${d.socket}`, { timeoutMs: 10_000 });
        try {
          const page = (await rpc.call('listRoutes', { routing_group: 'G', cld: '4420' })) as { routes: { i_route: number; bad_row: boolean }[] };
          return page.routes.map((r) => [r.i_route, r.bad_row]);
        } finally {
          rpc.close();
        }
      };
      expect(await listed(daemon)).to.deep.include([routeA, true]);
      expect(await listed(sql)).to.deep.equal(await listed(daemon));
    } finally {
      await sql.close();
    }
    // The log file is written asynchronously: ping can tell before the line is on disk.
    const badLines = (): { msg: string }[] => log().filter((l) => /a value the daemon cannot hold exactly/.test(l.msg));
    await until(async () => badLines().length > 0, 'the bad row logged');
    expect(badLines()[0]).to.include({ table: 'routes', i_route: routeA, column: 'price_1', value: '0.12345678' });
    // Another edit, on another set, still reaches the answers; set A read again does not log its bad row again.
    await db.modify('UPDATE routes SET price_1 = 0.300000 WHERE i_destination_set = ?', [setB]);
    await db.modify('UPDATE routes SET preference = 9 WHERE i_destination_set = ? AND i_route <> ?', [setA, routeA]);
    await until(async () => (await answer()).routes[0] === 'B@44:0.300000', 'the edit of set B');
    expect(badLines()).to.have.length(1);
    const status = (await ping()).data;
    expect(status.last_error).to.equal(null);
    expect(status.age_ms).to.be.below(5000);
    // Put back: the route routes again, and the count goes to 0.
    await db.modify('UPDATE routes SET price_1 = 0.1 WHERE i_route = ?', [routeA]);
    await db.modify('ALTER TABLE routes MODIFY price_1 DECIMAL(16,6) NOT NULL');
    // DDL fires no trigger (the reconcile would catch it): an edit makes every set read again.
    await db.modify('UPDATE routes SET preference = preference + 1');
    await until(async () => (await ping()).data.bad_rows === 0, 'bad_rows 0');
    expect((await answer()).routes).to.deep.equal(['A@44:0.100000', 'B@44:0.300000']);
  });

  it('a refresh that fails whole is logged with its reason, shown in ping, retried, and the old snapshot answers meanwhile', async () => {
    const { db } = database();
    await db.modify('ALTER TABLE routes RENAME COLUMN timeout_1xx TO t1xx');
    await db.modify('UPDATE routes SET price_1 = 0.400000 WHERE i_destination_set = ?', [setB]);
    await until(async () => (await ping()).data.last_error !== null, 'a sync error in ping');
    expect((await ping()).data.last_error).to.match(/timeout_1xx/);
    await until(async () => log().some((l) => l.msg === 'data sync failing: getRoutes answers from the last snapshot'), 'the failure logged');
    expect((await answer()).routes, 'the last snapshot answers').to.deep.equal(['A@44:0.100000', 'B@44:0.300000']);
    await db.modify('ALTER TABLE routes RENAME COLUMN t1xx TO timeout_1xx');
    await until(async () => (await answer()).routes[1] === 'B@44:0.400000', 'the retried refresh');
    expect((await ping()).data.last_error).to.equal(null);
    await until(async () => log().some((l) => l.msg === 'data sync recovered'), 'the recovery logged');
  });

  it('SIGHUP reloads in full and SIGTERM stops the daemon, after a bad value was met', async () => {
    const { db } = database();
    await db.modify('ALTER TABLE routes MODIFY price_n DECIMAL(20,8) NOT NULL');
    await db.modify('UPDATE routes SET price_n = 0.00000001 WHERE i_route = ?', [routeA]);
    await until(async () => (await ping()).data.bad_rows === 1, 'bad_rows 1');
    const loads = log().filter((l) => l.msg === 'routing data loaded').length;
    daemon.process.child.kill('SIGHUP');
    await until(async () => log().filter((l) => l.msg === 'routing data loaded').length === loads + 1, 'the full reload');
    expect((await ping()).data.bad_rows).to.equal(1);
    expect(await daemon.process.stop('SIGTERM')).to.deep.equal({ code: 0, signal: null });
  });

  it('SIGHUP and SIGTERM while a refresh waits on a table lock: the reload starts over at once, the daemon exits 0', async () => {
    const { db } = database();
    const stuck = await new LoggedDaemon(database().dsn, ['--data-poll', '100', '--data-reconcile', '0'], 'stuck').ready();
    const holder = await rawConnection(database().dsn);
    try {
      // A write lock held by another session: the refresh's read of routes waits on it (metadata lock).
      await holder.query('LOCK TABLES routes WRITE, routing_changes WRITE');
      await holder.query('UPDATE routes SET price_1 = 0.500000 WHERE i_route = ?', [routeA]);
      const waiting = async (): Promise<boolean> => {
        const [rows] = await db.withConnection((conn) => conn.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE STATE LIKE 'Waiting for table metadata lock'"));
        return Number((rows as { n: unknown }[])[0]!.n) > 0;
      };
      await stuck.until(waiting, 'a refresh waiting on the lock');
      stuck.process.child.kill('SIGHUP');
      await stuck.until(() => stuck.logged(/SIGHUP: full reload/), 'the SIGHUP');
      // The abandoned refresh is not a database failure; the reload itself now waits on the lock.
      expect(stuck.logged(/data sync failing/)).to.equal(false);
      await stuck.until(waiting, 'the full reload waiting on the lock');
      expect(await stuck.process.stop('SIGTERM')).to.deep.equal({ code: 0, signal: null });
      expect(stuck.logged(/"msg":"stopped"/)).to.equal(true);
    } finally {
      await holder.query('UNLOCK TABLES').catch(() => undefined);
      await holder.end();
      await stuck.close();
    }
  });
});

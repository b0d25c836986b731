import { expect } from 'chai';
import type { DataStatus } from '../../src/routing/index.js';
import { triggerNames } from '../../src/db/migrations.js';
import { useFreshDatabase } from '../harness/database.js';
import { LoggedDaemon } from '../harness/logged-daemon.js';
import { runCli } from '../harness/cli.js';
import { RoutingFixture } from '../harness/routing-fixture.js';

// What schema tools and operators do to the journal, and what a running
// daemon must notice within one poll (reconcile off, so nothing else can
// catch it): TRUNCATE routing_changes (the sequence goes backwards), a table
// swap by an online schema-change tool (the triggers follow the old table),
// a dropped trigger (ping must say so at once); and `db migrate`, which must
// put the triggers back where they belong.

const CALL_TIME = '2026-01-15T12:00:00Z';

describe('the follower under journal operations (real daemon, reconcile off)', function () {
  this.timeout(90_000);
  const database = useFreshDatabase();
  let daemon: LoggedDaemon;
  let set: number;

  before(async () => {
    const fixture = new RoutingFixture(database().db, 1);
    await fixture.environmentRow();
    const vendor = await fixture.vendor('V');
    const connection = await fixture.connection({ vendor, name: 'A' });
    set = await fixture.destinationSet({ name: 'set A' });
    const group = await fixture.group({ name: 'G' });
    await fixture.entry(group, connection, set, { entry_order: 1 });
    await fixture.route(set, { prefix: '44', price_1: '0.100000' });
    daemon = await new LoggedDaemon(database().dsn, ['--data-poll', '100', '--data-reconcile', '0'], 'journal-ops').ready();
  });

  after(() => daemon?.close());

  const data = (): Promise<DataStatus> => daemon.data();
  const until = (check: () => Promise<boolean> | boolean, what: string, timeoutMs?: number): Promise<void> => daemon.until(check, what, timeoutMs);
  const logged = (pattern: RegExp): boolean => daemon.logged(pattern);

  async function price(): Promise<string | undefined> {
    const result = await daemon.client.getRoutes({ routing_group: 'G', cld: '4420', call_start_time: CALL_TIME });
    return result.routes[0]?.price_1;
  }

  /** Sets the route's price and waits until the daemon answers with it (the 1 s bound, with room for a loaded machine). */
  async function edit(to: string, timeoutMs = 5000): Promise<void> {
    await database().db.modify('UPDATE routes SET price_1 = ? WHERE i_destination_set = ?', [to, set]);
    await until(async () => (await price()) === to, `the price ${to} in answers`, timeoutMs);
  }

  it('TRUNCATE routing_changes: noticed at the next poll (full reload, warning), and edits after it are followed', async () => {
    await edit('0.110000');
    await database().db.modify('TRUNCATE TABLE routing_changes');
    await until(async () => logged(/the change journal went backwards/), 'the warning');
    // The sequence restarted at 1, below the cursor: without the check these entries would be skipped.
    await edit('0.120000');
    await edit('0.130000');
    expect((await data()).triggers).to.equal(true);
  });

  it('a dropped trigger shows in ping at the next poll; db migrate re-creates it and says so; the daemon reloads and follows again', async () => {
    await database().db.modify('DROP TRIGGER routing_changes_routes_au');
    await until(async () => (await data()).triggers === false, 'triggers false in ping');
    await until(async () => logged(/routing_changes_routes_au/), 'the error naming the missing trigger');
    const migrated = await runCli(['db', 'migrate'], { SIPPY_ROUTED_DB: database().dsn });
    expect(migrated.code).to.equal(0);
    expect(migrated.stdout).to.match(/re-created 1 change journal trigger\(s\) that were missing or on another table: routing_changes_routes_au/);
    await until(async () => (await data()).triggers === true, 'triggers true in ping');
    await edit('0.140000');
  });

  it('a table swap (CREATE LIKE, copy, RENAME): the triggers left on the old table are noticed; db migrate moves them to the live one', async () => {
    const { db } = database();
    await db.modify('CREATE TABLE routes_new LIKE routes');
    await db.modify('INSERT INTO routes_new SELECT * FROM routes');
    await db.modify('RENAME TABLE routes TO routes_old, routes_new TO routes');
    await until(async () => (await data()).triggers === false, 'triggers false in ping');
    // The log file is written asynchronously: ping can tell before the line is on disk.
    await until(async () => logged(/routing_changes_routes_ai on routes_old/), 'the error naming the misplaced triggers');
    const migrated = await runCli(['db', 'migrate'], { SIPPY_ROUTED_DB: database().dsn });
    expect(migrated.stdout).to.match(/re-created 3 change journal trigger\(s\)/);
    const [placed] = await db.select("SELECT COUNT(*) AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE = 'routes'");
    expect(Number(placed!.n)).to.equal(3);
    await until(async () => (await data()).triggers === true, 'triggers true in ping');
    // Edits of the live table are journaled and followed again.
    await edit('0.150000');
    const [count] = await db.select('SELECT COUNT(*) AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()');
    expect(Number(count!.n)).to.equal(triggerNames().length);
    await db.modify('DROP TABLE routes_old');
  });
});

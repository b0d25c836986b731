// snapshot.md "Consistency" and "Following the database", for the
// transactions a carrier's database really sees (a rate-deck import), with
// a real daemon (`sippy_routed -e 1 --data-source snapshot`) and real
// MariaDB:
//
// - A transaction of more journal rows than one poll reads (20,000) is
//   still applied whole: one transaction updating a price in set 1, every
//   route of a 50,000-route set 7, then a price in set 2; no answer may show
//   the new set-1 price with the old set-2 price (or any other mix), and
//   the whole change reaches answers.
// - A transaction of more than 1,000 journal rows that was open while
//   another committed has its numbers below the daemon's cursor: all of
//   them are watched, so its earliest change (its lowest number) reaches
//   answers within the 1 s bound after its commit, not at the reconcile
//   (off here, so the journal alone is what is tested).

import { expect } from 'chai';
import { join } from 'node:path';
import type mysql from 'mysql2/promise';
import { RoutingClient, type GetRoutesCall } from '../../src/client/routing-client.js';
import type { DataStatus, RouteResult } from '../../src/routing/index.js';
import { AnswerWatch } from '../harness/answer-watch.js';
import { connectTo, insertRoutes } from '../harness/bulk-routes.js';
import { DaemonProcess } from '../harness/daemon.js';
import { useFreshDatabase } from '../harness/database.js';
import { RoutingFixture } from '../harness/routing-fixture.js';
import { makeTempDir, until, type TempDir } from '../harness/rpc.js';

const OLD = '0.100000';
const NEW_PRICE = '0.200000';
/** Routes of set 7: two and a half polls' worth of journal rows (JOURNAL_BATCH is 20,000). */
const SET_7_ROUTES = 50_000;
/** Routes of the open transaction's big set: three times the 1,000 missing numbers the daemon used to watch. */
const OPEN_SET_ROUTES = 3000;
/** Given for the 1 s bound of snapshot.md: a late change is caught, a slow machine is not failed. */
const FRESHNESS_DEADLINE_MS = 5000;
/** Given for the whole 50,000-row transaction: generous, the point is that it arrives whole. */
const BIG_DEADLINE_MS = 30_000;

/** Policy `order`: one route per entry, in entry order; the call matches prefix 44 in every set. */
const CALL_G: GetRoutesCall = { routing_group: 'G', cld: '4420712345678' };
const CALL_H: GetRoutesCall = { routing_group: 'H', cld: '4420712345678' };

describe('snapshot: big transactions reach a daemon whole and on time', function () {
  this.timeout(120_000);
  const database = useFreshDatabase();
  let dir: TempDir;
  let daemon: DaemonProcess;
  let client: RoutingClient;
  let uri: string;
  let writer: mysql.Connection;
  const sets: Record<string, number> = {};
  const names = new Map<number, string>();

  before(async function () {
    this.timeout(90_000);
    writer = await connectTo(database().dsn);
    const fixture = new RoutingFixture(database().db, 1);
    await fixture.environmentRow();
    const vendor = await fixture.vendor('V');
    for (const [group, members] of [['G', ['set 1', 'set 2', 'set 7']], ['H', ['set 3', 'set 4', 'set 5']]] as const) {
      const id = await fixture.group({ name: group, policy: 'order' });
      for (const [order, name] of members.entries()) {
        const set = await fixture.destinationSet({ name });
        sets[name] = set;
        names.set(set, name);
        await fixture.entry(id, await fixture.connection({ vendor, name: `via ${name}` }), set, { entry_order: order + 1 });
        await fixture.route(set, { prefix: '44', price_1: OLD });
      }
    }
    await insertRoutes(writer, sets['set 7']!, SET_7_ROUTES - 1, '99', OLD);
    await insertRoutes(writer, sets['set 4']!, OPEN_SET_ROUTES - 1, '99', OLD);
    dir = makeTempDir('sr-big-txn-');
    uri = `unix:${join(dir.path, 'routed.sock')}`;
    // --data-reconcile 0: only the journal brings edits, as under test.
    daemon = new DaemonProcess(['-e', '1', '-s', uri, '-d', database().dsn, '--data-source', 'snapshot', '--data-reconcile', '0']);
    await daemon.waitUntilServing(uri, 30_000);
    client = new RoutingClient(uri, { timeoutMs: 5000 });
    await until(async () => ((await client.ping()) as { data?: DataStatus }).data, (data) => data?.source === 'snapshot', 30_000, 'the daemon on its snapshot');
  });

  after(async function () {
    this.timeout(30_000);
    client?.close();
    await daemon?.stop();
    await writer?.end();
    dir?.remove();
  });

  /** The price each set's route shows, in entry order: `set 1 0.100000, set 2 0.100000, set 7 0.100000`. */
  function pricesOf(result: RouteResult): string {
    return result.routes.map((r) => `${names.get(r.i_destination_set) ?? r.i_destination_set} ${r.price_1}`).join(', ');
  }

  const viewOf = (members: readonly string[], price: string): string => members.map((name) => `${name} ${price}`).join(', ');

  it(`applies one transaction of ${(SET_7_ROUTES + 2).toLocaleString('en')} journal rows (set 1, all of set 7, set 2) whole: no answer mixes old and new prices`, async () => {
    const members = ['set 1', 'set 2', 'set 7'];
    const before = viewOf(members, OLD);
    const after = viewOf(members, NEW_PRICE);
    expect(pricesOf(await client.getRoutes(CALL_G))).to.equal(before);
    const watch = new AnswerWatch(uri, CALL_G, pricesOf);
    let committedAt = 0;
    try {
      await writer.query('START TRANSACTION');
      await writer.query('UPDATE routes SET price_1 = ? WHERE i_destination_set = ?', [NEW_PRICE, sets['set 1']]);
      const [bulk] = await writer.query<mysql.ResultSetHeader>('UPDATE routes SET price_1 = ? WHERE i_destination_set = ?', [NEW_PRICE, sets['set 7']]);
      expect(bulk.affectedRows).to.equal(SET_7_ROUTES);
      await writer.query('UPDATE routes SET price_1 = ? WHERE i_destination_set = ?', [NEW_PRICE, sets['set 2']]);
      await writer.query('COMMIT');
      committedAt = Date.now();
      await until(() => client.getRoutes(CALL_G).then(pricesOf), (view) => view === after, BIG_DEADLINE_MS, 'the whole transaction in answers');
      console.log(`      ${SET_7_ROUTES + 2}-row transaction: in answers ${Date.now() - committedAt} ms after its commit`);
      // A few more answers each on the final state, from every watching client.
      const answered = watch.answers;
      await until(async () => watch.answers, (n) => n >= answered + 20, 10_000, 'answers after the change');
    } finally {
      await watch.stop();
    }
    expect(watch.failures, 'getRoutes failures').to.deep.equal([]);
    const counts = watch.counts();
    const mixed = [...counts].filter(([view]) => view !== before && view !== after).map(([view, n]) => {
      const first = Math.min(...watch.runs.flat().filter((run) => run.view === view).map((run) => run.at));
      return `${n} answers of ${view} (first ${first - committedAt} ms after the commit)`;
    });
    expect(mixed, `answers that show part of the transaction, among ${watch.answers}`).to.deep.equal([]);
    expect(counts.get(before), 'answers before the change').to.be.above(0);
  });

  it(`watches every number of a ${(OPEN_SET_ROUTES + 1).toLocaleString('en')}-row transaction left open while another commits: its earliest change is in answers within the 1 s bound`, async () => {
    const members = ['set 3', 'set 4', 'set 5'];
    expect(pricesOf(await client.getRoutes(CALL_H))).to.equal(viewOf(members, OLD));
    const big = await connectTo(database().dsn);
    try {
      await big.query('START TRANSACTION');
      // The lowest sequence number of the transaction: its early change.
      await big.query('UPDATE routes SET price_1 = ? WHERE i_destination_set = ?', [NEW_PRICE, sets['set 3']]);
      const [bulk] = await big.query<mysql.ResultSetHeader>('UPDATE routes SET price_1 = ? WHERE i_destination_set = ?', [NEW_PRICE, sets['set 4']]);
      expect(bulk.affectedRows).to.equal(OPEN_SET_ROUTES);
      // Meanwhile another connection commits: its number is above all of the open transaction's.
      await writer.query('UPDATE routes SET price_1 = ? WHERE i_destination_set = ?', [NEW_PRICE, sets['set 5']]);
      const meanwhile = `set 3 ${OLD}, set 4 ${OLD}, set 5 ${NEW_PRICE}`;
      // Once the daemon shows it, its cursor has passed every number of the open transaction.
      await until(() => client.getRoutes(CALL_H).then(pricesOf), (view) => view !== viewOf(members, OLD), FRESHNESS_DEADLINE_MS, 'the commit made meanwhile in answers');
      expect(pricesOf(await client.getRoutes(CALL_H)), 'the open transaction is not in answers').to.equal(meanwhile);
      await big.query('COMMIT');
      const committedAt = Date.now();
      await until(
        () => client.getRoutes(CALL_H).then(pricesOf),
        (view) => view === viewOf(members, NEW_PRICE),
        FRESHNESS_DEADLINE_MS,
        'the open transaction, its earliest change (set 3) included, in answers after its commit',
      );
      console.log(`      ${OPEN_SET_ROUTES + 1}-row transaction committed after a later one: in answers ${Date.now() - committedAt} ms after its commit`);
    } finally {
      await big.end();
    }
  });
});

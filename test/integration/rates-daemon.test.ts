// A daemon on the database while decks are imported (issue 21, acceptance
// 2): a deck dated a few seconds ahead routes on its new rate from that
// instant, not before; a deck that fails leaves the daemon's answers as
// they were. Every wait is on the daemon's answers, with a deadline.

import { expect } from 'chai';
import { join } from 'node:path';
import { RoutingClient } from '../../src/client/routing-client.js';
import { RpcClient } from '../../src/client/rpc-client.js';
import type { RouteResult } from '../../src/routing/index.js';
import { useFreshDatabase } from '../harness/database.js';
import { DaemonProcess } from '../harness/daemon.js';
import { DeckFiles, rates } from '../harness/rate-decks.js';
import { RoutingFixture } from '../harness/routing-fixture.js';
import { makeTempDir, until, type TempDir } from '../harness/rpc.js';

/** Asks until `accept` holds for an answer, at most `timeoutMs`; the accepted answer and when it came. */
async function answerWhen(client: RoutingClient, call: Parameters<RoutingClient['getRoutes']>[0], accept: (answer: RouteResult) => boolean, timeoutMs: number): Promise<{ answer: RouteResult; at: number }> {
  const answer = await until(() => client.getRoutes(call), accept, timeoutMs, 'an accepted answer', 50);
  return { answer, at: Date.now() };
}

const prices = (answer: RouteResult): string[] => answer.routes.map((r) => `${r.prefix}:${r.price_1}`);

describe('rates import under a running daemon', function () {
  this.timeout(120_000);
  const database = useFreshDatabase();
  const files = new DeckFiles();
  let tmp: TempDir;
  let daemon: DaemonProcess;
  let client: RoutingClient;
  let connection: number;
  let markers = 0;

  before(async () => {
    const { db, dsn } = database();
    const fixture = new RoutingFixture(db, 1);
    await fixture.environmentRow();
    const vendor = await fixture.vendor('Carrier A');
    connection = await fixture.connection({ vendor, name: 'carrier-a' });
    const set = await fixture.destinationSet({ name: 'A-World' });
    const group = await fixture.group({ name: 'G' });
    await fixture.entry(group, connection, set, { entry_order: 1 });
    await fixture.route(set, { prefix: '44', price_1: '0.020000' });
    tmp = makeTempDir('sr-rates-');
    const socket = join(tmp.path, 'sr.sock');
    daemon = new DaemonProcess(['-e', '1', '-s', `unix:${socket}`, '-d', dsn]);
    await daemon.waitUntilServing(`unix:${socket}`);
    client = new RoutingClient(`unix:${socket}`, { timeoutMs: 5000 });
    // Until its snapshot is loaded the daemon answers from SQL: the test is about the snapshot following.
    const rpc = new RpcClient(`unix:${socket}`, { timeoutMs: 5000 });
    try {
      await until(() => rpc.call('listGroups', {}) as Promise<{ source: string }>, (answer) => answer.source === 'snapshot', 30_000, 'the daemon loading its snapshot', 50);
    } finally {
      rpc.close();
    }
  });

  after(async () => {
    client?.close();
    await daemon?.stop();
    tmp?.remove();
    files.remove();
  });

  /** Changes the connection's destination and waits until answers show it: everything committed before has reached the daemon. */
  async function caughtUp(): Promise<void> {
    const destination = `marker-${++markers}.example:5060`;
    await database().db.modify('UPDATE connections SET destination = ? WHERE i_connection = ?', [destination, connection]);
    await answerWhen(client, { routing_group: 'G', cld: '4420' }, (a) => a.routes[0]?.destination === destination, 10_000);
  }

  it('routes on a deck dated a few seconds ahead from that instant on, and on the old rate until then', async () => {
    const { dsn } = database();
    // Whole seconds: dates are kept to the second.
    const at = Math.ceil((Date.now() + 6000) / 1000) * 1000;
    const effective = new Date(at).toISOString().slice(0, 19).replace('T', ' ');
    const deck = files.write(`prefix,destination,rate\n44,United Kingdom,0.05\n4420,London,0.03\n`);
    const result = await rates(dsn, 'import', deck, '--set', 'A-World', '--effective', effective, '--notice', '0');
    expect(result.code, result.stderr).to.equal(0);
    // The daemon has the new rows: asked for a call at that instant, it answers with them...
    const future = await answerWhen(client, { routing_group: 'G', cld: '4420', call_start_time: at / 1000 }, (a) => prices(a)[0] === '4420:0.030000', 10_000);
    expect(prices(future.answer)).to.deep.equal(['4420:0.030000']);
    // ...and for a call a second before it, with the old rate.
    expect(prices(await client.getRoutes({ routing_group: 'G', cld: '4420', call_start_time: at / 1000 - 1 }))).to.deep.equal(['44:0.020000']);
    const switched = await answerWhen(client, { routing_group: 'G', cld: '4420' }, (a) => prices(a)[0] !== '44:0.020000', 20_000);
    expect(prices(switched.answer)).to.deep.equal(['4420:0.030000']);
    // A call's instant is the request's arrival: a switch seen before `at` would be a bug.
    expect(switched.at).to.be.at.least(at);
    expect(prices(await client.getRoutes({ routing_group: 'G', cld: '4477' }))).to.deep.equal(['44:0.050000']);
  });

  it('a deck that fails (a bad row, a write refused half-way) leaves the answers as they were', async () => {
    const { db, dsn } = database();
    await caughtUp();
    const before = [prices(await client.getRoutes({ routing_group: 'G', cld: '4420' })), prices(await client.getRoutes({ routing_group: 'G', cld: '4477' }))];

    const bad = await rates(dsn, 'import', files.write('prefix,rate\n44,0.09\n4420,0.09\n33,zero\n'), '--set', 'A-World');
    expect(bad.code).to.equal(2);

    await db.withConnection((conn) => conn.query(`CREATE TRIGGER test_refuse_33 BEFORE INSERT ON routes FOR EACH ROW
      BEGIN IF NEW.prefix = '33' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused'; END IF; END`));
    try {
      const refused = await rates(dsn, 'import', files.write('prefix,rate\n44,0.09\n4420,0.09\n33,0.09\n'), '--set', 'A-World');
      expect(refused.code).to.equal(1);
    } finally {
      await db.withConnection((conn) => conn.query('DROP TRIGGER test_refuse_33'));
    }

    await caughtUp();
    expect([prices(await client.getRoutes({ routing_group: 'G', cld: '4420' })), prices(await client.getRoutes({ routing_group: 'G', cld: '4477' }))]).to.deep.equal(before);
    expect(prices(await client.getRoutes({ routing_group: 'G', cld: '33' }))).to.deep.equal([]);
  });
});

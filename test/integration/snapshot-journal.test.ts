import { expect } from 'chai';
import mysql from 'mysql2/promise';
import { parseDsn } from '../../src/db/dsn.js';
import { silentLogger } from '../../src/log.js';
import { SippyError } from '../../src/errors.js';
import { createResolver, SnapshotFollower, type RouteRequest, type RouteResult } from '../../src/routing/index.js';
import { SnapshotReader } from '../../src/routing/follow/snapshot-sql.js';
import { useFreshDatabase } from '../harness/database.js';
import { RoutingFixture } from '../harness/routing-fixture.js';

// snapshot.md "Consistency" and "Following the database": sequence numbers
// are taken before commit, so a lower one can commit after a higher one and
// must not be skipped; a transaction is seen whole or not at all; a journal
// purged past the cursor means a full reload.

const CALL: RouteRequest = { routing_group: 'G', cld: '4420', cli: '1', time: new Date(), hops: 0 };

function connect(dsn: string): Promise<mysql.Connection> {
  const d = parseDsn(dsn);
  return mysql.createConnection({ user: d.user, password: d.password, database: d.database, socketPath: d.socketPath, host: d.host, port: d.port });
}

describe('the snapshot follows the change journal', function () {
  this.timeout(60_000);
  const database = useFreshDatabase();
  let follower: SnapshotFollower;
  let setA: number;
  let setB: number;
  const connections: mysql.Connection[] = [];
  /** The follower's 'routing data refreshed' lines: where each applied poll's time went. */
  const refreshed: { level: string; fields: Record<string, unknown> }[] = [];
  const logger = {
    ...silentLogger,
    info: (message: string, fields?: Record<string, unknown>) => void (message === 'routing data refreshed' && refreshed.push({ level: 'info', fields: fields ?? {} })),
    debug: (message: string, fields?: Record<string, unknown>) => void (message === 'routing data refreshed' && refreshed.push({ level: 'debug', fields: fields ?? {} })),
  };

  before(async () => {
    const fixture = new RoutingFixture(database().db, 1);
    await fixture.environmentRow();
    const vendor = await fixture.vendor('V');
    const a = await fixture.connection({ vendor, name: 'A' });
    const b = await fixture.connection({ vendor, name: 'B' });
    setA = await fixture.destinationSet({ name: 'set A' });
    setB = await fixture.destinationSet({ name: 'set B' });
    const group = await fixture.group({ name: 'G' });
    await fixture.entry(group, a, setA, { entry_order: 1 });
    await fixture.entry(group, b, setB, { entry_order: 2 });
    await fixture.route(setA, { prefix: '44', price_1: '0.100000' });
    await fixture.route(setB, { prefix: '44', price_1: '0.100000' });
    // Polls only when told (syncNow), so the test decides what each refresh sees.
    follower = new SnapshotFollower({ dsn: parseDsn(database().dsn), settings: { pollMs: 60_000, reconcileS: 0 }, logger });
    follower.start();
    await follower.syncNow();
    expect(follower.status().triggers).to.equal(true);
  });

  after(async () => {
    await follower?.stop();
    for (const conn of connections) await conn.end().catch(() => undefined);
  });

  async function open(): Promise<mysql.Connection> {
    const conn = await connect(database().dsn);
    connections.push(conn);
    return conn;
  }

  async function prices(): Promise<string[]> {
    const resolver = createResolver(database().db, { logger: silentLogger, snapshot: { follower } });
    const result = await resolver.resolve(1, CALL);
    return result.routes.map((r) => `${r.connection_name}:${r.price_1}`).sort();
  }

  it('does not skip a change whose lower sequence number commits after a higher one', async () => {
    const slow = await open();
    const fast = await open();
    await slow.query('START TRANSACTION');
    // Takes its journal sequence number now, commits last.
    await slow.query('UPDATE routes SET price_1 = 0.200000 WHERE i_destination_set = ?', [setA]);
    await fast.query('UPDATE routes SET price_1 = 0.300000 WHERE i_destination_set = ?', [setB]);
    await follower.syncNow();
    expect(await prices()).to.deep.equal(['A:0.100000', 'B:0.300000']);
    await slow.query('COMMIT');
    await follower.syncNow();
    expect(await prices(), 'the late commit is picked up').to.deep.equal(['A:0.200000', 'B:0.300000']);
  });

  it('never shows a two-row transaction half-applied to 1,000 concurrent requests', async () => {
    const writer = await open();
    // The two prices always move together; every answer must show them equal.
    await writer.query('UPDATE routes SET price_1 = 0.100000 WHERE i_destination_set IN (?, ?)', [setA, setB]);
    await follower.syncNow();
    let stop = false;
    const polling = (async () => {
      while (!stop) await follower.syncNow();
    })();
    const seen = new Set<string>();
    let writesDone = false;
    const writes = (async () => {
      for (let i = 1; i <= 20; i++) {
        const price = `0.${String(i).padStart(6, '0')}`;
        await writer.query('START TRANSACTION');
        await writer.query('UPDATE routes SET price_1 = ? WHERE i_destination_set = ?', [price, setA]);
        await writer.query('UPDATE routes SET price_1 = ? WHERE i_destination_set = ?', [price, setB]);
        await writer.query('COMMIT');
        await new Promise((resolve) => setImmediate(resolve));
      }
      writesDone = true;
    })();
    const resolver = createResolver(database().db, { logger: silentLogger, snapshot: { follower } });
    // Fifty concurrent callers ask for as long as the writes go on, and at least 1,000 times in all.
    const answers: RouteResult[] = [];
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (!writesDone || answers.length < 1000) {
          answers.push(await resolver.resolve(1, CALL));
          await new Promise((resolve) => setImmediate(resolve));
        }
      }),
    );
    await writes;
    stop = true;
    await polling;
    // The last state for certain: the check below then needs no luck with timing.
    await follower.syncNow();
    answers.push(await resolver.resolve(1, CALL));
    for (const answer of answers) {
      const [a, b] = answer.routes.map((r) => r.price_1);
      expect(a, 'both routes of one transaction').to.equal(b);
      seen.add(a!);
    }
    expect(seen.size, 'the requests saw more than one state').to.be.above(1);
  });

  it('reads a bulk edit of 45,000 journal rows at one poll, all of it reaching the snapshot in one generation', async () => {
    const conn = await open();
    const before = follower.current!.counts.routes;
    const digits = '(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';
    // One statement, one journal row per route (the triggers).
    await conn.query(
      `INSERT INTO routes (i_destination_set, prefix, price_1, price_n)
       SELECT IF(n < 22500, ?, ?), CONCAT('99', n), 0.010000, 0.010000
         FROM (SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d AS n FROM ${digits} a, ${digits} b, ${digits} c, ${digits} e, ${digits} f) seq
        WHERE n < 45000`,
      [setA, setB],
    );
    const generation = follower.status().generation;
    refreshed.length = 0;
    await follower.syncNow();
    expect(follower.current!.counts.routes).to.equal(before + 45_000);
    expect(follower.status().generation, 'one swap for the whole statement').to.equal(generation + 1);
    // A deck-sized refresh says at info what it read and where its time went.
    expect(refreshed).to.have.length(1);
    expect(refreshed[0]!.level).to.equal('info');
    expect(refreshed[0]!.fields).to.include({ generation: generation + 1, entries: 45_000, sets: 2, by_row_sets: 0, rows: before + 45_000 });
    for (const phase of ['journal', 'keys', 'tables', 'ids', 'read', 'build']) expect(refreshed[0]!.fields[`${phase}_ms`], phase).to.be.a('number');
    // The cursor went past the whole backlog: the next edit needs one poll.
    await conn.query('UPDATE routes SET price_1 = 0.700000 WHERE i_destination_set = ? AND prefix = ?', [setA, '44']);
    await follower.syncNow();
    expect(await prices()).to.include('A:0.700000');
  });

  it('refreshes a set by its changed routes (inserted, updated, moved, deleted), and its checksum stays the database\'s: the reconcile has nothing to re-read', async () => {
    const conn = await open();
    const generation = follower.status().generation;
    const routesOfA = follower.current!.sets.get(setA)!.size;
    await conn.query('START TRANSACTION');
    await conn.query('UPDATE routes SET price_1 = 0.910000 WHERE i_destination_set = ? AND prefix = ?', [setA, '44']);
    await conn.query('INSERT INTO routes (i_destination_set, prefix, price_1, price_n) VALUES (?, ?, 0.1, 0.1), (?, ?, 0.1, 0.1)', [setA, '4471', setB, '4472']);
    await conn.query('UPDATE routes SET i_destination_set = ? WHERE i_destination_set = ? AND prefix = ?', [setB, setA, '4471']);
    await conn.query('DELETE FROM routes WHERE i_destination_set = ? AND prefix = ?', [setA, '990']);
    await conn.query('COMMIT');
    refreshed.length = 0;
    await follower.syncNow();
    expect(follower.status().generation).to.equal(generation + 1);
    // An operator's edit: logged at debug, the two sets refreshed by their changed routes.
    expect(refreshed.map((r) => [r.level, r.fields.by_row_sets, r.fields.sets])).to.deep.equal([['debug', 2, 0]]);
    expect(follower.current!.sets.get(setA)!.size, 'one route deleted, one moved away').to.equal(routesOfA - 1);
    expect(await prices()).to.include('A:0.910000');
    const held = new Map([...follower.current!.sets].map(([id, set]) => [id, set.checksum]));
    const inDatabase = await database().db.withConnection((c) => new SnapshotReader(c, 5000, 60_000).checksums());
    expect(held).to.deep.equal(inDatabase);
  });

  it('reloads in full when the journal was purged past its cursor, letting go of the prepared answer bytes before it reads', async () => {
    const conn = await open();
    const before = follower.status().generation;
    // Asked four times: kept from the second request, its routes' bytes prepared at the third.
    for (let n = 0; n < 4; n++) await prices();
    const serving = follower.choices!;
    expect(serving.preparedBytes.bytes, 'prepared bytes of the serving snapshot').to.be.above(0);
    await conn.query('UPDATE routes SET price_1 = 0.500000 WHERE i_destination_set = ?', [setA]);
    // As a purge by another process would leave it: the entry is gone, the horizon says so.
    await conn.query('UPDATE routing_changes_horizon SET purged_through = (SELECT MAX(seq) FROM routing_changes) WHERE id = 1');
    await conn.query('DELETE FROM routing_changes');
    await follower.syncNow();
    expect(follower.status().generation).to.be.above(before);
    expect(await prices()).to.include('A:0.500000');
    expect(follower.status().full_load_ms).to.be.a('number');
    expect(serving.preparedBytes.bytes, 'prepared bytes of the snapshot served during the reload').to.equal(0);
  });
});

describe('--max-staleness, and answers before the first load', function () {
  this.timeout(30_000);
  const database = useFreshDatabase();

  it('answers from SQL until the first snapshot is loaded (ping shows source sql), then from the snapshot', async () => {
    const fixture = new RoutingFixture(database().db, 1);
    await fixture.environmentRow();
    const vendor = await fixture.vendor('SQL first');
    const connection = await fixture.connection({ vendor, name: 'S' });
    const set = await fixture.destinationSet({ name: 'set S' });
    await fixture.entry(await fixture.group({ name: 'S' }), connection, set);
    await fixture.route(set, { prefix: '4' });
    const follower = new SnapshotFollower({ dsn: parseDsn(database().dsn), settings: { pollMs: 60_000, reconcileS: 0 }, logger: silentLogger });
    try {
      const resolver = createResolver(database().db, { logger: silentLogger, snapshot: { follower } });
      const call = { ...CALL, routing_group: 'S' };
      expect(resolver.dataStatus()).to.deep.include({ source: 'sql', generation: 0 });
      const fromSql = await resolver.resolve(1, call);
      expect(fromSql.routes.map((r) => r.connection_name)).to.deep.equal(['S']);
      follower.start();
      await follower.syncNow();
      expect(resolver.dataStatus()).to.deep.include({ source: 'snapshot', generation: 1 });
      expect(await resolver.resolve(1, call)).to.deep.equal(fromSql);
    } finally {
      await follower.stop();
    }
  });

  it('answers DATA_STALE (-32010) once the snapshot is older than the bound, and routes again once it is fresh', async () => {
    const fixture = new RoutingFixture(database().db, 1);
    await fixture.environmentRow();
    const vendor = await fixture.vendor('V');
    const connection = await fixture.connection({ vendor, name: 'A' });
    const set = await fixture.destinationSet({ name: 'set A' });
    await fixture.entry(await fixture.group({ name: 'G' }), connection, set);
    await fixture.route(set, { prefix: '44' });
    // The follower's own clock: the snapshot ages without waiting.
    let now = Date.now();
    const follower = new SnapshotFollower({ dsn: parseDsn(database().dsn), settings: { pollMs: 60_000, reconcileS: 0 }, logger: silentLogger, now: () => now });
    follower.start();
    try {
      await follower.syncNow();
      const resolver = createResolver(database().db, { logger: silentLogger, snapshot: { follower, maxStalenessMs: 5000 } });
      expect((await resolver.resolve(1, CALL)).routes).to.have.length(1);
      now += 5001;
      const stale = await resolver.resolve(1, CALL).then(() => undefined, (err: unknown) => err);
      expect(stale).to.be.instanceOf(SippyError);
      expect((stale as SippyError).code).to.equal('DATA_STALE');
      expect((stale as SippyError).rpcCode).to.equal(-32010);
      expect(follower.status().age_ms).to.be.at.least(5001);
      await follower.syncNow();
      expect((await resolver.resolve(1, CALL)).routes).to.have.length(1);
      // Without a bound, an old snapshot still answers.
      now += 3_600_000;
      const unbounded = createResolver(database().db, { logger: silentLogger, snapshot: { follower } });
      expect((await unbounded.resolve(1, CALL)).routes).to.have.length(1);
    } finally {
      await follower.stop();
    }
  });
});


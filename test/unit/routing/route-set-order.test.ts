import { expect } from 'chai';
import { MoneyTable, PrefixPool, TimeTable } from '../../../src/routing/snapshot/interned.js';
import { RECORD } from '../../../src/routing/snapshot/route-record.js';
import { RouteSetBuilder } from '../../../src/routing/snapshot/route-set-builder.js';
import type { RouteInput } from '../../../src/routing/rules/route-values.js';
import { seededRandom } from '../../../src/seeded-random.js';

// A built set lies in one order whatever sort the builder took (a
// comparison sort for few rows, counting by prefix id for many): prefix id,
// then activation, then i_route. Lookups find a prefix's rows together, and
// listRoutes reads them as they lie.

const T = [0, Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1)];

function rows(random: () => number, count: number, prefixes: number): RouteInput[] {
  return Array.from({ length: count }, (_, k) => ({
    i_route: 1 + ((k * 7919) % 1_000_003), prefix: String(1000 + Math.floor(random() * prefixes)), preference: 0, huntstop: false,
    timeout: null, timeout_1xx: null, price_1: '0.010000', price_n: '0.010000', interval_1: 60, interval_n: 6, forbidden: false,
    activation: T[Math.floor(random() * 3)]!, expiration: null,
  }));
}

describe('a route set\'s order, whichever sort built it (pure)', () => {
  const cases = [
    { name: 'few rows (comparison)', count: 500, prefixes: 100, pooled: 0 },
    { name: 'many rows, few prefixes: long runs of a prefix (counting, then Array sort per prefix)', count: 20_000, prefixes: 50, pooled: 0 },
    { name: 'many rows, many prefixes: short runs (counting, then insertion per prefix)', count: 20_000, prefixes: 15_000, pooled: 0 },
    { name: 'many rows against a far larger pool (comparison)', count: 2000, prefixes: 1000, pooled: 100_000 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const random = seededRandom(c.count + c.prefixes);
      const pool = new PrefixPool();
      // Prefix ids in another order than the rows bring them (another set's, read before).
      for (let i = 0; i < c.pooled; i++) pool.intern(`9${i}`);
      for (let i = c.prefixes - 1; i >= 0; i -= 2) pool.intern(String(1000 + i));
      const times = new TimeTable();
      const builder = new RouteSetBuilder(new MoneyTable(), pool, times);
      builder.begin(1);
      const input = rows(random, c.count, c.prefixes);
      for (const row of input) builder.add(row);
      const set = builder.build()!;
      const key = (i: number): [number, number, number] => [set.int(i, RECORD.PREFIX_ID), times.ms[set.int(i, RECORD.ACTIVATION)]!, set.int(i, RECORD.I_ROUTE) >>> 0];
      const expected = input
        .map((r) => [pool.intern(r.prefix), r.activation, r.i_route])
        .sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!);
      expect(Array.from({ length: set.size }, (_, i) => key(i))).to.deep.equal(expected);
    });
  }

  it('a yielding build makes the same set, and gives up when its builder begins another set meanwhile', async () => {
    const make = (): RouteSetBuilder => {
      const builder = new RouteSetBuilder(new MoneyTable(), new PrefixPool(), new TimeTable());
      builder.begin(1);
      for (const row of rows(seededRandom(7), 150_000, 40_000)) builder.add(row);
      return builder;
    };
    const whole = make().build()!;
    const yielded = (await make().buildYielding())!;
    expect(yielded.size).to.equal(whole.size);
    expect(yielded.checksum).to.equal(whole.checksum);
    const record = (set: typeof whole, i: number): number[] => Array.from({ length: RECORD.INTS }, (_, field) => set.int(i, field));
    for (let i = 0; i < whole.size; i += 97) expect(record(yielded, i)).to.deep.equal(record(whole, i));
    const abandoned = make();
    const building = abandoned.buildYielding();
    abandoned.begin(2);
    const failure = await building.then(() => undefined, (err: unknown) => err);
    expect(failure).to.be.instanceOf(Error);
    expect((failure as Error).message).to.match(/began another set/);
  });

  it('rows that come in order (beginFrom\'s kept ones too) are taken as they are: the same set', () => {
    const pool = new PrefixPool();
    const times = new TimeTable();
    const money = new MoneyTable();
    const builder = new RouteSetBuilder(money, pool, times);
    const input = rows(seededRandom(11), 5000, 3000);
    builder.begin(1);
    for (const row of input) builder.add(row);
    const shuffled = builder.build()!;
    const byId = new Map(input.map((row) => [row.i_route, row]));
    const rowAt = (i: number): RouteInput => byId.get(shuffled.int(i, RECORD.I_ROUTE) >>> 0)!;
    builder.begin(1);
    for (let i = 0; i < shuffled.size; i++) builder.add(rowAt(i));
    const inOrder = builder.build()!;
    const record = (set: typeof shuffled, i: number): number[] => Array.from({ length: RECORD.INTS }, (_, field) => set.int(i, field));
    const records = (set: typeof shuffled): number[][] => Array.from({ length: set.size }, (_, i) => record(set, i));
    expect(records(inOrder)).to.deep.equal(records(shuffled));
    expect(inOrder.checksum).to.equal(shuffled.checksum);
    // Refreshed by row: the kept records and one route added after them, then one before them.
    builder.beginFrom(inOrder, new Set());
    builder.add({ ...rowAt(shuffled.size - 1), i_route: 2_000_000, prefix: '999999' });
    const appended = builder.build()!;
    expect(appended.size).to.equal(shuffled.size + 1);
    expect(appended.int(appended.size - 1, RECORD.I_ROUTE)).to.equal(2_000_000);
    builder.beginFrom(inOrder, new Set());
    builder.add({ ...rowAt(0), i_route: 2_000_001, activation: -1 });
    const first = builder.build()!;
    expect(first.int(0, RECORD.I_ROUTE)).to.equal(2_000_001);
    expect(records(first).slice(1)).to.deep.equal(records(shuffled));
  });
});

import { expect } from 'chai';
import { chosenRoutes, ChosenRoutesMemo, CHOICE_CHUNK_BYTES, FIRST_CHOICE_CHUNK_BYTES, TYPICAL_CHOICE_BYTES } from '../../../src/routing/snapshot/chosen-routes.js';
import { MoneyTable, PrefixPool, TimeTable } from '../../../src/routing/snapshot/interned.js';
import type { PolicyKey } from '../../../src/routing/rules/policy.js';
import { BUILDER_SCRATCH_KEPT_ROUTES, RouteSetBuilder } from '../../../src/routing/snapshot/route-set-builder.js';
import type { RouteInput } from '../../../src/routing/rules/route-values.js';
import { RoutingSnapshot, type SmallTables, type SnapshotGroup } from '../../../src/routing/snapshot/snapshot.js';
import { RuleCache } from '../../../src/routing/rules/translation.js';

// What the snapshot holds beyond its rows is bounded (docs/operations.md,
// "Memory"): the builder's scratch, one map per prefix, and chosen routes
// kept only for prefixes asked more than once, in shared chunks.

/** A kept choice's bytes per route: its cost, entry and row, and its record (chosen-routes.ts). */
/** A kept choice's arrays per route: its cost, its entry and row. */
const ROUTE_BYTES = 16;

function route(i: number, prefix: string): RouteInput {
  return {
    i_route: i, prefix, preference: 1, huntstop: false, timeout: null, timeout_1xx: null, price_1: '0.010000', price_n: '0.020000',
    interval_1: 1, interval_n: 1, forbidden: false, activation: 0, expiration: null,
  };
}

/** One set of `routes` routes with prefixes 100000, 100001, ..., one `lcr` group `g` of two entries on it. */
function prefixSnapshot(routes: number, memoBytes: number, groupCount = 1): { snapshot: RoutingSnapshot; group: SnapshotGroup; memo: ChosenRoutesMemo; cld: (n: number) => string } {
  const prefixes = new PrefixPool();
  const builder = new RouteSetBuilder(new MoneyTable(), prefixes, new TimeTable());
  builder.begin(1);
  for (let n = 0; n < routes; n++) builder.add(route(n + 1, String(100_000 + n)));
  const set = builder.build()!;
  const tables: SmallTables = {
    environments: 1,
    vendors: new Map([[1, { name: 'v' }]]),
    connections: new Map([1, 2].map((c) => [c, { i_connection: c, i_vendor: 1, name: `c${c}`, destination: `d${c}`, cli_translation_rule: null, cld_translation_rule: null, capacity: 1, enabled: true }])),
    destinationSets: new Map([[1, { i_destination_set: 1, name: 's', currency: 'USD', connect_fee: '0.000000', free_seconds: 0, grace_period: 0, post_call_surcharge: '0.000000' }]]),
    groups: Array.from({ length: groupCount }, (_, g) => ({ i_environment: 1, i_routing_group: g + 1, name: g === 0 ? 'g' : `g${g + 1}`, policy: 'lcr', average_duration: 60, external: false, uri: null })),
    entries: Array.from({ length: groupCount }, (_, g) => [1, 2].map((c) => ({ i_routing_group_entry: 10 * g + c, i_routing_group: g + 1, i_connection: c, i_destination_set: 1, entry_order: c, weight: null }))).flat(),
  };
  const snapshot = new RoutingSnapshot(1, tables, new Map([[1, set]]), prefixes);
  return { snapshot, group: snapshot.group(1, 'g')!, memo: new ChosenRoutesMemo(memoBytes), cld: (n) => `${100_000 + n}5550123` };
}

describe('what the snapshot holds beyond its rows (bounded)', () => {
  const rules = new RuleCache();
  const ask = (s: ReturnType<typeof prefixSnapshot>, n: number) => chosenRoutes(s.memo, s.group, s.group.policy as PolicyKey[], s.snapshot.prefixes, s.cld(n), 0, rules);

  it('keeps a choice from the second request of its prefix; the first takes the full path and is kept nowhere', () => {
    const s = prefixSnapshot(100, 64 * 1024);
    expect(ask(s, 7)).to.equal(undefined);
    expect(s.memo.size).to.equal(0);
    const second = ask(s, 7)!;
    expect(second.length).to.equal(2);
    expect(s.memo.size).to.equal(1);
    expect(ask(s, 7)).to.equal(second);
  });

  it('keeps nothing when no prefix is asked twice (traffic spread over more prefixes than the memo holds)', () => {
    const s = prefixSnapshot(20_000, 64 * 1024);
    let chosen = 0;
    for (let n = 0; n < 20_000; n++) if (ask(s, n) !== undefined) chosen++;
    expect([s.memo.size, s.memo.bytes, chosen]).to.deep.equal([0, 0, 0]);
  });

  it('keeps nothing when each (group, prefix) is asked once, though every prefix is asked in many groups', () => {
    const s = prefixSnapshot(200, 1024 * 1024, 50);
    const groups = Array.from({ length: 50 }, (_, g) => s.snapshot.group(1, g === 0 ? 'g' : `g${g + 1}`)!);
    let chosen = 0;
    for (let n = 0; n < 200; n++) {
      for (const group of groups) if (chosenRoutes(s.memo, group, group.policy as PolicyKey[], s.snapshot.prefixes, s.cld(n), 0, rules) !== undefined) chosen++;
    }
    // A hash: now and then a first request passes as a second one.
    expect(chosen).to.be.below(100);
    expect(s.memo.size).to.equal(chosen);
    // Asked again (before the doorkeeper forgets), each pair is kept.
    for (const group of groups.slice(45)) expect(chosenRoutes(s.memo, group, group.policy as PolicyKey[], s.snapshot.prefixes, s.cld(199), 0, rules)).not.to.equal(undefined);
  });

  it('forgets a first request after as many others as the memo holds choices', () => {
    const s = prefixSnapshot(1000, 64 * 1024);
    const held = (64 * 1024) / TYPICAL_CHOICE_BYTES;
    expect(ask(s, 0)).to.equal(undefined);
    for (let n = 1; n <= held; n++) ask(s, n);
    // Prefix 0 was forgotten: asking it again is a first request again.
    expect(ask(s, 0)).to.equal(undefined);
    expect(ask(s, 0)).not.to.equal(undefined);
  });

  it('cuts the arrays of choices from shared chunks, and never writes a chunk again once the memo started again', () => {
    const memo = new ChosenRoutesMemo(4 * (200 + 10 * ROUTE_BYTES));
    const first = memo.arrays(10);
    const second = memo.arrays(10);
    expect(second.rows.buffer).to.equal(first.rows.buffer);
    expect(first.rows.buffer.byteLength).to.equal(FIRST_CHOICE_CHUNK_BYTES);
    // Each next chunk twice the last, up to CHOICE_CHUNK_BYTES.
    const sizes = new Set<number>();
    for (let n = 0; n < 40_000; n++) sizes.add(memo.arrays(1).rows.buffer.byteLength);
    expect(Math.max(...sizes)).to.equal(CHOICE_CHUNK_BYTES);
    expect(sizes.size).to.equal(Math.log2(CHOICE_CHUNK_BYTES / FIRST_CHOICE_CHUNK_BYTES) + 1);
    expect(second.costs.buffer).to.equal(first.costs.buffer);
    first.costs.fill(1.5);
    first.rows.fill(3);
    expect([...second.costs, ...second.rows].every((v) => v === 0), 'choices do not overlap').to.equal(true);
    // Choices being answered from may outlive a restart of the memo: theirs is not cut again.
    const s = prefixSnapshot(100, 4 * (200 + 2 * ROUTE_BYTES));
    const askTwice = (n: number) => ask(s, n) ?? ask(s, n);
    for (let n = 0; n < 4; n++) askTwice(n);
    const before = ask(s, 0)!;
    const shown = [0, 1].map((k) => `${before.entryIndex(k)}:${before.row(k)}:${before.cost(k)}`);
    for (let n = 4; n < 40; n++) askTwice(n);
    expect(s.memo.bytes).to.be.at.most(4 * (200 + 2 * ROUTE_BYTES));
    expect([0, 1].map((k) => `${before.entryIndex(k)}:${before.row(k)}:${before.cost(k)}`)).to.deep.equal(shown);
    expect(shown.map((text) => text.split(':')[1])).to.deep.equal(['0', '0']);
  });

  it("lets go of a large set's scratch once it is built, and of an abandoned one's at the next set", () => {
    const builder = new RouteSetBuilder(new MoneyTable(), new PrefixPool(), new TimeTable());
    builder.begin(1);
    for (let n = 0; n < 3 * BUILDER_SCRATCH_KEPT_ROUTES; n++) builder.add(route(n + 1, String(1000 + (n % 5000))));
    expect(builder.scratchRoutes).to.be.above(BUILDER_SCRATCH_KEPT_ROUTES);
    expect(builder.build()!.size).to.equal(3 * BUILDER_SCRATCH_KEPT_ROUTES);
    expect(builder.scratchRoutes).to.be.at.most(BUILDER_SCRATCH_KEPT_ROUTES);
    builder.begin(2);
    for (let n = 0; n < 2 * BUILDER_SCRATCH_KEPT_ROUTES; n++) builder.add(route(n + 1, '44'));
    builder.begin(3);
    expect(builder.scratchRoutes).to.be.at.most(BUILDER_SCRATCH_KEPT_ROUTES);
    // Scratch up to the bound is kept: a load of many small sets grows it once.
    for (let n = 0; n < BUILDER_SCRATCH_KEPT_ROUTES; n++) builder.add(route(n + 1, '44'));
    builder.build();
    expect(builder.scratchRoutes).to.equal(BUILDER_SCRATCH_KEPT_ROUTES);
  });

  it('finds every prefix of a pool that mixes digit prefixes with others, each interned once', () => {
    const pool = new PrefixPool();
    const texts = ['', '44', '4420', '+44', '+4420', '123456789012345', '12345678901234', 'x'];
    const ids = texts.map((t) => pool.intern(t));
    expect(texts.map((t) => pool.intern(t))).to.deep.equal(ids);
    expect(new Set(ids).size).to.equal(texts.length);
    const id = (t: string): number => ids[texts.indexOf(t)]!;
    expect(pool.prefixIdsOf('442071')).to.deep.equal([id('4420'), id('44'), id('')]);
    expect(pool.prefixIdsOf('+442071')).to.deep.equal([id('+4420'), id('+44'), id('')]);
    expect(pool.prefixIdsOf('1234567890123456')).to.deep.equal([id('123456789012345'), id('12345678901234'), id('')]);
    expect(pool.longestIdOf('+4499')).to.equal(id('+44'));
    expect(pool.longestIdOf('x1')).to.equal(id('x'));
    expect(pool.longestIdOf('9')).to.equal(id(''));
  });
});

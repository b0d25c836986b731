import { expect } from 'chai';
import { Ajv } from 'ajv';
import { routeSchema } from '../../../src/client/route-result-schema.js';
import { ROUTE_FIELD_NAMES, ROUTE_FIELDS, routeFrom, type Route } from '../../../src/route-wire.js';
import { AnswerWriter, withEntryJson, withGroupJson, type PreparedChoice } from '../../../src/routing/answer/answer-json.js';
import { formatMicrosAny } from '../../../src/routing/rules/cost.js';
import { parseDestination } from '../../../src/routing/rules/destination.js';
import { mapUpstreamRoutes } from '../../../src/routing/external/external-map.js';
import { answerBytesOf, createResolver } from '../../../src/routing/index.js';
import { MoneyTable, PrefixPool, TimeTable } from '../../../src/routing/snapshot/interned.js';
import type { EntryRow, GroupRow, RouteRow } from '../../../src/routing/rules/model.js';
import { RouteSetBuilder } from '../../../src/routing/snapshot/route-set-builder.js';
import { RuleCache } from '../../../src/routing/rules/translation.js';

// Every place that writes a route writes the fields ROUTE_FIELDS declares,
// in its order (route-wire.ts): the answer bytes of both writers (route()
// and recordRoute(), the snapshot's), the route objects (resolver, external
// groups) and the client's schema. Values are all distinct, so a field
// written under another's name shows too.

const GROUP: GroupRow = { i_routing_group: 7, name: 'G', policy: 'lcr', average_duration: 90, external: false, uri: null };

function entryRow(n: number): EntryRow {
  return {
    i_routing_group_entry: 900 + n, entry_order: 1, weight: null, i_connection: 10 + n, connection_name: `conn ${n}`, destination: `gw${n}.example:5060`,
    sipDestination: parseDestination(`gw${n}.example:5060`), cli_translation_rule: null, cld_translation_rule: 's/^/9/', capacity: 20 + n, enabled: true,
    i_vendor: 30 + n, vendor_name: `vendor ${n}`, i_destination_set: 40 + n, destination_set_name: `set ${n}`, currency: 'EUR',
    connect_fee: `0.0${n}0000`, free_seconds: 50 + n, grace_period: 60 + n, post_call_surcharge: `1.${n}00000`,
  };
}

/** Prices held in the record (short) and in the money table (past 2^31 micro-units): both of recordRoute's ways. */
function routeRow(n: number): RouteRow {
  return {
    i_route: 70 + n, i_destination_set: 40 + n, prefix: `44${n}`, preference: 80 + n, huntstop: n % 2 === 0, timeout: n % 3 === 0 ? null : 90 + n,
    timeout_1xx: n % 2 === 0 ? null : 100 + n, price_1: n % 2 === 0 ? `0.1${n}0000` : `9999.00000${n}`, price_n: `0.2${n}0000`,
    interval_1: 110 + n, interval_n: 120 + n, forbidden: false, activation: 0, expiration: null,
  };
}

/** What the route must be: each field from the source the declaration names, in its order. */
function expected(entry: EntryRow, route: RouteRow, cost: number, cli: string, cld: string): Route {
  return routeFrom(entry, route, { estimated_cost: formatMicrosAny(cost), cli, cld });
}

describe('route fields: one declaration, every writer held to it', () => {
  it('the declaration lists each field once, and its order is the answer\'s', () => {
    expect(new Set(ROUTE_FIELD_NAMES).size).to.equal(ROUTE_FIELD_NAMES.length);
    expect(Object.keys(ROUTE_FIELDS)).to.deep.equal(ROUTE_FIELD_NAMES);
    expect(Object.keys(routeFrom(entryRow(1), routeRow(1), { estimated_cost: '1.000000', cli: 'a', cld: 'b' }))).to.deep.equal(ROUTE_FIELD_NAMES);
  });

  it('route(): the bytes are JSON.stringify of the declared route, members in order (rows with kept bytes and without)', () => {
    const writer = new AnswerWriter();
    for (let n = 0; n < 6; n++) {
      const entry = n % 2 === 0 ? withEntryJson(entryRow(n)) : entryRow(n);
      writer.begin(1, GROUP, 'cli', 'cld');
      writer.route(entry, routeRow(n), 1234567 + n, `cli${n}`, `cld${n}`);
      const text = writer.finish(undefined).toString();
      const routes = (JSON.parse(text) as { routes: object[] }).routes;
      expect(Object.keys(routes[0]!)).to.deep.equal(ROUTE_FIELD_NAMES);
      expect(JSON.stringify(routes[0])).to.equal(JSON.stringify(expected(entryRow(n), routeRow(n), 1234567 + n, `cli${n}`, `cld${n}`)));
    }
  });

  it('preparedRoute(): from the own fields route() wrote of a route set\'s row, the same bytes', () => {
    const builder = new RouteSetBuilder(new MoneyTable(), new PrefixPool(), new TimeTable());
    const writer = new AnswerWriter();
    for (let n = 0; n < 6; n++) {
      builder.begin(40 + n);
      builder.add(routeRow(n));
      const set = builder.build()!;
      writer.begin(1, GROUP, 'cli', 'cld');
      writer.route(withEntryJson(entryRow(n)), set.route(0), 7654321 + n, `cli${n}`, `cld${n}`);
      const ends = new Int32Array(1);
      const prepared = new Uint8Array(writer.segmentBytes(1));
      writer.routeSegments(1, prepared, ends);
      const written = writer.finish(undefined).toString();
      writer.begin(1, GROUP, 'cli', 'cld');
      writer.preparedRoute(withEntryJson(entryRow(n)), prepared, 0, ends[0]!, 7654321 + n, `cli${n}`, `cld${n}`);
      const text = writer.finish(undefined).toString();
      expect(text).to.equal(written);
      const routes = (JSON.parse(text) as { routes: object[] }).routes;
      expect(Object.keys(routes[0]!)).to.deep.equal(ROUTE_FIELD_NAMES);
      expect(JSON.stringify(routes[0])).to.equal(JSON.stringify(expected(entryRow(n), routeRow(n), 7654321 + n, `cli${n}`, `cld${n}`)));
    }
  });

  it("preparedRoutes(): from a group's entry pieces and the prepared own fields, route()'s bytes, for entries in any order and any count", () => {
    const builder = new RouteSetBuilder(new MoneyTable(), new PrefixPool(), new TimeTable());
    const entries = [0, 1, 2, 3, 4, 5].map(entryRow);
    const group = withGroupJson({ ...GROUP }, entries);
    const sets = entries.map((_, n) => {
      builder.begin(40 + n);
      builder.add(routeRow(n));
      return builder.build()!;
    });
    // Entries repeated and out of order, costs of both putCost branches and a negative one.
    const order = [3, 0, 5, 5, 1, 2, 4, 0];
    const costs = [1234567, 0, 2 ** 40 + 123, 999_999, 5_000_000_000, 1, 42, -2_500_000];
    const cli = 'c"li \u260E';
    const cld = '4420';
    const writer = new AnswerWriter();
    writer.begin(1, group, cli, cld);
    order.forEach((e, k) => writer.route(entries[e]!, sets[e]!.route(0), costs[k]!, cli, cld));
    const ends = new Int32Array(order.length);
    const prepared = new Uint8Array(writer.segmentBytes(order.length));
    writer.routeSegments(order.length, prepared, ends);
    const written = writer.finish(undefined).toString();
    const choice: PreparedChoice = { prepared, preparedEnds: ends, entryIndex: (k) => order[k]!, cost: (k) => costs[k]! };
    for (const count of [order.length, 3, 1, 0]) {
      writer.begin(1, group, cli, cld);
      order.slice(0, count).forEach((e, k) => writer.route(entries[e]!, sets[e]!.route(0), costs[k]!, cli, cld));
      const routeByRoute = writer.finish(undefined).toString();
      writer.begin(1, group, cli, cld);
      expect(writer.preparedRoutes(group, choice, count, cli, cld)).to.equal(true);
      expect(writer.finish(undefined).toString(), `${count} routes`).to.equal(routeByRoute);
    }
    expect(JSON.parse(written)).to.have.property('routes').with.length(order.length);
    // A group whose rows keep no pieces: refused, nothing written, the caller writes route by route.
    const bare = withGroupJson({ ...GROUP });
    writer.begin(1, bare, cli, cld);
    expect(writer.preparedRoutes(bare, choice, order.length, cli, cld)).to.equal(false);
    expect((JSON.parse(writer.finish(undefined).toString()) as { routes: unknown[] }).routes).to.deep.equal([]);
  });

  it('the resolver\'s route objects (made when read) and its bytes: the declared members, in order', async () => {
    const rules = new RuleCache();
    // No huntstop: all three are answered.
    const row = (n: number): RouteRow => ({ ...routeRow(n), huntstop: false });
    const candidates = [0, 1, 2].map((n) => ({ entry: entryRow(n), route: row(n), cliRule: rules.get(null), cldRule: rules.get('s/^/9/'), costMicros: 1000 * (n + 1), prefixLength: 3 }));
    const resolver = createResolver(() => {
      throw new Error('no database here');
    });
    const source = { lookup: () => ({ group: GROUP, external: false as const, policy: ['lcr' as const], candidates, excluded: [], badRules: [] }), status: () => undefined };
    (resolver as unknown as { source: typeof source }).source = source;
    const result = await resolver.resolve(1, { routing_group: 'G', cld: '4412', cli: '555', time: new Date(), hops: 0 });
    const bytes = answerBytesOf(result)!.toString();
    expect(result.routes.map((r) => Object.keys(r))).to.deep.equal([ROUTE_FIELD_NAMES, ROUTE_FIELD_NAMES, ROUTE_FIELD_NAMES]);
    expect(JSON.stringify(result.routes)).to.equal(JSON.stringify([0, 1, 2].map((n) => expected(entryRow(n), row(n), 1000 * (n + 1), '555', '94412'))));
    expect(JSON.stringify(result)).to.equal(bytes);
  });

  it('external groups: a mapped upstream route has the declared members, in order, whatever order the upstream sent', () => {
    const upstream = expected(entryRow(1), routeRow(1), 5000, '555', '4412');
    const reversed = Object.fromEntries(Object.entries(upstream).reverse()) as unknown as Route;
    const connection = { i_connection: 501, name: 'conn 1', destination: 'local.example', capacity: 3, cli_translation_rule: null, cld_translation_rule: null, enabled: true };
    const mapped = mapUpstreamRoutes({ routes: [reversed] }, { i_vendor: 9, vendor_name: 'External', byName: new Map([['conn 1', connection]]) }, new RuleCache(), undefined);
    expect(Object.keys(mapped.routes[0]!)).to.deep.equal(ROUTE_FIELD_NAMES);
    expect(mapped.routes[0]).to.deep.equal({ ...upstream, i_connection: 501, destination: 'local.example', i_vendor: 9, vendor_name: 'External', capacity: 3 });
  });

  it('the client\'s schema requires exactly the declared fields, in order, and accepts a declared route', () => {
    expect(routeSchema.required).to.deep.equal(ROUTE_FIELD_NAMES);
    expect(Object.keys(routeSchema.properties)).to.deep.equal(ROUTE_FIELD_NAMES);
    const validate = new Ajv({ strict: true }).compile(routeSchema);
    const route = expected(entryRow(1), routeRow(1), 5000, '555', '4412');
    expect(validate(route), JSON.stringify(validate.errors)).to.equal(true);
    expect(validate({ ...route, i_route: 0 })).to.equal(false);
    expect(validate({ ...route, currency: 'EURO' })).to.equal(false);
  });
});

// The selection rules of routing.md, one table row (or more) per rule, each
// resolved by the SQL resolver against rows written with plain SQL.

import { expect } from 'chai';
import { useFreshDatabase } from '../harness/database.js';
import { RoutingFixture, type RouteSpec } from '../harness/routing-fixture.js';
import { seededRandom } from '../../src/seeded-random.js';
import { silentLogger } from '../../src/log.js';
import { createResolver, type RouteResult } from '../../src/routing/index.js';

const T = '2026-01-15 12:00:00';
const T_DATE = new Date('2026-01-15T12:00:00Z');

interface CaseEntry {
  /** Connection label; entries sharing one share the connection. */
  conn: string;
  order?: number;
  weight?: number | null;
  routes: RouteSpec[];
  connect_fee?: string;
  free_seconds?: number;
}

interface Case {
  title: string;
  policy?: string;
  average_duration?: number;
  /** Per-connection settings by label. */
  connections?: Record<string, { enabled?: boolean; cli_translation_rule?: string | null; cld_translation_rule?: string | null }>;
  entries: CaseEntry[];
  cld: string;
  cli?: string;
  time?: Date;
  max_routes?: number;
  /** Routes as `label@prefix`, in order. */
  routes: string[];
  /** Exclusions as `label:reason`, in the resolver's order. */
  excluded?: string[];
  check?: (result: RouteResult) => void;
}

const cases: Case[] = [
  // Longest prefix, catch-all, forbidden
  { title: 'the longest matching prefix carries the call', entries: [{ conn: 'a', routes: [{ prefix: '4' }, { prefix: '44' }, { prefix: '442' }, { prefix: '4421' }, { prefix: '45' }] }], cld: '4420712345678', routes: ['a@442'] },
  { title: 'the empty prefix is a catch-all', entries: [{ conn: 'a', routes: [{ prefix: '' }, { prefix: '1' }] }], cld: '4420', routes: ['a@'] },
  { title: 'a longer forbidden prefix blocks a shorter allowed one', entries: [{ conn: 'a', routes: [{ prefix: '44' }, { prefix: '4420', forbidden: true }] }, { conn: 'b', routes: [{ prefix: '44' }] }], cld: '44207', routes: ['b@44'], excluded: ['a:forbidden'] },
  { title: 'a shorter forbidden prefix does not block a longer allowed one', entries: [{ conn: 'a', routes: [{ prefix: '44', forbidden: true }, { prefix: '4420' }] }], cld: '44207', routes: ['a@4420'] },
  { title: 'no prefix of the CLD → no_match', entries: [{ conn: 'a', routes: [{ prefix: '1' }, { prefix: '4421' }] }], cld: '44207', routes: [], excluded: ['a:no_match'] },
  { title: 'an entry whose destination set has no routes → no_match', entries: [{ conn: 'a', routes: [] }, { conn: 'b', routes: [{ prefix: '4' }] }], cld: '44207', routes: ['b@4'], excluded: ['a:no_match'] },
  { title: 'prefixes compare exactly: a trailing space does not match', entries: [{ conn: 'a', routes: [{ prefix: '44 ' }] }], cld: '44', routes: [], excluded: ['a:no_match'] },

  // Activation and expiration
  { title: 'activation_date == t is active', entries: [{ conn: 'a', routes: [{ prefix: '4', activation_date: T }] }], cld: '44', routes: ['a@4'] },
  { title: 'activation_date one second after t is not active', entries: [{ conn: 'a', routes: [{ prefix: '4', activation_date: '2026-01-15 12:00:01' }] }], cld: '44', routes: [], excluded: ['a:not_active'] },
  { title: 'expiration_date == t is not active', entries: [{ conn: 'a', routes: [{ prefix: '4', expiration_date: T }] }], cld: '44', routes: [], excluded: ['a:not_active'] },
  { title: 'expiration_date one second after t is active', entries: [{ conn: 'a', routes: [{ prefix: '4', expiration_date: '2026-01-15 12:00:01' }] }], cld: '44', routes: ['a@4'] },
  { title: 'sub-second t: active from the activation second, expired at the expiration second', entries: [{ conn: 'a', routes: [{ prefix: '4', activation_date: T }] }, { conn: 'b', routes: [{ prefix: '4', expiration_date: T }] }], cld: '44', time: new Date('2026-01-15T12:00:00.500Z'), policy: 'order', routes: ['a@4'], excluded: ['b:not_active'] },
  {
    title: 'a newer activation supersedes an older row of the same prefix',
    entries: [{ conn: 'a', routes: [{ prefix: '44', price_1: '0.010000', activation_date: '2025-01-01 00:00:00' }, { prefix: '44', price_1: '0.020000', activation_date: '2026-01-01 00:00:00' }, { prefix: '44', price_1: '0.030000', activation_date: '2026-02-01 00:00:00' }] }],
    cld: '44207', routes: ['a@44'],
    check: (r) => expect(r.routes[0]!.price_1).to.equal('0.020000'),
  },
  { title: 'an inactive longer prefix does not hide an active shorter one', entries: [{ conn: 'a', routes: [{ prefix: '4' }, { prefix: '442', expiration_date: '2026-01-01 00:00:00' }] }], cld: '44207', routes: ['a@4'] },
  { title: 'only inactive rows match → not_active; none at all → no_match', entries: [{ conn: 'a', routes: [{ prefix: '44', activation_date: '2027-01-01 00:00:00' }, { prefix: '1' }] }, { conn: 'b', routes: [{ prefix: '1' }] }], cld: '44207', routes: [], excluded: ['a:not_active', 'b:no_match'] },

  // Policy keys alone
  { title: 'lcr: cheapest first', policy: 'lcr', entries: [{ conn: 'a', routes: [{ prefix: '4', price_1: '0.030000' }] }, { conn: 'b', routes: [{ prefix: '4', price_1: '0.010000' }] }, { conn: 'c', routes: [{ prefix: '4', price_1: '0.020000' }] }], cld: '44', routes: ['b@4', 'c@4', 'a@4'] },
  { title: 'lcr counts connect fee and free seconds', policy: 'lcr', average_duration: 60, entries: [{ conn: 'a', routes: [{ prefix: '4', price_1: '0.060000' }], connect_fee: '0.100000' }, { conn: 'b', routes: [{ prefix: '4', price_1: '0.120000' }], free_seconds: 30 }, { conn: 'c', routes: [{ prefix: '4', price_1: '0.100000' }] }], cld: '44', routes: ['b@4', 'c@4', 'a@4'], check: (r) => expect(r.routes.map((x) => x.estimated_cost)).to.deep.equal(['0.060000', '0.100000', '0.160000']) },
  { title: 'prefix: longest matched prefix first', policy: 'prefix', entries: [{ conn: 'a', routes: [{ prefix: '4' }] }, { conn: 'b', routes: [{ prefix: '442' }] }, { conn: 'c', routes: [{ prefix: '' }] }], cld: '44207', routes: ['b@442', 'a@4', 'c@'] },
  { title: 'preference: highest preference first', policy: 'preference', entries: [{ conn: 'a', routes: [{ prefix: '4', preference: 1 }] }, { conn: 'b', routes: [{ prefix: '4', preference: 9 }] }, { conn: 'c', routes: [{ prefix: '4', preference: 5 }] }], cld: '44', routes: ['b@4', 'c@4', 'a@4'] },
  { title: 'order: lowest entry_order first', policy: 'order', entries: [{ conn: 'a', order: 30, routes: [{ prefix: '4' }] }, { conn: 'b', order: 10, routes: [{ prefix: '4' }] }, { conn: 'c', order: 20, routes: [{ prefix: '4' }] }], cld: '44', routes: ['b@4', 'c@4', 'a@4'] },
  { title: 'weight: an unweighted entry comes after the weighted ones', policy: 'weight', entries: [{ conn: 'a', order: 1, routes: [{ prefix: '4' }] }, { conn: 'b', order: 2, weight: 1, routes: [{ prefix: '4' }] }, { conn: 'c', order: 3, weight: 1, routes: [{ prefix: '4' }] }], cld: '44', routes: ['?', '?', 'a@4'] },

  // Chains and ties
  { title: 'prefix,lcr: longest prefix, then cost', policy: 'prefix,lcr', entries: [{ conn: 'a', routes: [{ prefix: '44', price_1: '0.001000' }] }, { conn: 'b', routes: [{ prefix: '442', price_1: '0.050000' }] }, { conn: 'c', routes: [{ prefix: '442', price_1: '0.020000' }] }], cld: '44207', routes: ['c@442', 'b@442', 'a@44'] },
  { title: 'preference,lcr,order', policy: 'preference,lcr,order', entries: [{ conn: 'a', order: 2, routes: [{ prefix: '4', price_1: '0.020000' }] }, { conn: 'b', order: 1, routes: [{ prefix: '4', price_1: '0.020000' }] }, { conn: 'c', order: 3, routes: [{ prefix: '4', price_1: '0.090000', preference: 9 }] }, { conn: 'd', order: 4, routes: [{ prefix: '4', price_1: '0.010000' }] }], cld: '44', routes: ['c@4', 'd@4', 'b@4', 'a@4'] },
  { title: 'lcr,weight: weight only splits equal costs', policy: 'lcr,weight', entries: [{ conn: 'a', weight: 100, routes: [{ prefix: '4', price_1: '0.020000' }] }, { conn: 'b', routes: [{ prefix: '4', price_1: '0.010000' }] }], cld: '44', routes: ['b@4', 'a@4'] },
  { title: 'ties: entry_order, then i_routing_group_entry', policy: 'lcr', entries: [{ conn: 'a', order: 2, routes: [{ prefix: '4' }] }, { conn: 'b', order: 2, routes: [{ prefix: '4' }] }, { conn: 'c', order: 1, routes: [{ prefix: '4' }] }], cld: '44', routes: ['c@4', 'a@4', 'b@4'] },
  { title: 'policy with spaces around the keys', policy: ' preference , order ', entries: [{ conn: 'a', order: 1, routes: [{ prefix: '4', preference: 1 }] }, { conn: 'b', order: 2, routes: [{ prefix: '4', preference: 2 }] }], cld: '44', routes: ['b@4', 'a@4'] },

  // Dedupe, huntstop, max_routes
  { title: 'a connection listed twice keeps its best position', policy: 'lcr', entries: [{ conn: 'a', routes: [{ prefix: '4', price_1: '0.030000' }] }, { conn: 'b', routes: [{ prefix: '4', price_1: '0.020000' }] }, { conn: 'a', routes: [{ prefix: '4', price_1: '0.010000' }] }], cld: '44', routes: ['a@4', 'b@4'], excluded: ['a:duplicate'], check: (r) => expect(r.routes[0]!.price_1).to.equal('0.010000') },
  { title: 'routes after the first huntstop are dropped', policy: 'order', entries: [{ conn: 'a', order: 1, routes: [{ prefix: '4' }] }, { conn: 'b', order: 2, routes: [{ prefix: '4', huntstop: true }] }, { conn: 'c', order: 3, routes: [{ prefix: '4' }] }], cld: '44', routes: ['a@4', 'b@4'], excluded: ['c:after_huntstop'], check: (r) => expect(r.routes.map((x) => x.huntstop)).to.deep.equal([false, true]) },
  { title: 'max_routes caps the answer', policy: 'order', max_routes: 2, entries: [{ conn: 'a', order: 1, routes: [{ prefix: '4' }] }, { conn: 'b', order: 2, routes: [{ prefix: '4' }] }, { conn: 'c', order: 3, routes: [{ prefix: '4' }] }], cld: '44', routes: ['a@4', 'b@4'], excluded: ['c:over_max_routes'] },

  // Disabled connections and translation rules
  { title: 'a disabled connection is left out', connections: { a: { enabled: false } }, entries: [{ conn: 'a', routes: [{ prefix: '4' }] }, { conn: 'b', routes: [{ prefix: '4' }] }], cld: '44', routes: ['b@4'], excluded: ['a:disabled'] },
  {
    title: 'translation rules rewrite the route cli and cld', cli: '0044123', cld: '0207946',
    connections: { a: { cli_translation_rule: 's/^00/+/', cld_translation_rule: 's/^00//;s/^0/44/' } },
    entries: [{ conn: 'a', routes: [{ prefix: '0' }] }, { conn: 'b', routes: [{ prefix: '0' }] }], policy: 'order', routes: ['a@0', 'b@0'],
    check: (r) => {
      expect([r.cli, r.cld]).to.deep.equal(['0044123', '0207946']);
      expect(r.routes.map((x) => [x.cli, x.cld])).to.deep.equal([['+44123', '44207946'], ['0044123', '0207946']]);
    },
  },
  { title: 'a rule that does not parse excludes that connection only', connections: { a: { cld_translation_rule: 's/(/x/' }, b: { cli_translation_rule: 's/^0/44' } }, entries: [{ conn: 'a', routes: [{ prefix: '4' }] }, { conn: 'b', routes: [{ prefix: '4' }] }, { conn: 'c', routes: [{ prefix: '4' }] }], cld: '44', routes: ['c@4'], excluded: ['a:bad_translation_rule', 'b:bad_translation_rule'] },

  // Every reason in one answer, in the resolver's order
  {
    title: 'explain lists every reason', policy: 'order', max_routes: 1,
    connections: { dis: { enabled: false }, bad: { cld_translation_rule: 'nonsense' } },
    entries: [
      { conn: 'dis', order: 1, routes: [{ prefix: '4' }] },
      { conn: 'nom', order: 2, routes: [{ prefix: '5' }] },
      { conn: 'forb', order: 3, routes: [{ prefix: '4', forbidden: true }] },
      { conn: 'old', order: 4, routes: [{ prefix: '4', expiration_date: '2020-01-01 00:00:00' }] },
      { conn: 'bad', order: 5, routes: [{ prefix: '4' }] },
      { conn: 'ok', order: 6, routes: [{ prefix: '4' }] },
      { conn: 'ok', order: 7, routes: [{ prefix: '4' }] },
      { conn: 'cap', order: 8, routes: [{ prefix: '4', huntstop: true }] },
      { conn: 'late', order: 9, routes: [{ prefix: '4' }] },
    ],
    cld: '44', routes: ['ok@4'],
    excluded: ['dis:disabled', 'nom:no_match', 'forb:forbidden', 'old:not_active', 'bad:bad_translation_rule', 'ok:duplicate', 'cap:over_max_routes', 'late:after_huntstop'],
  },
];

describe('route resolver: the selection rules of routing.md', function () {
  const database = useFreshDatabase();
  let vendor = 0;

  before(async () => {
    const fixture = new RoutingFixture(database().db);
    await fixture.environmentRow();
    vendor = await fixture.vendor('Carrier');
  });

  cases.forEach((c, index) => {
    it(c.title, async () => {
      const fixture = new RoutingFixture(database().db);
      const groupName = `case ${index}`;
      const group = await fixture.group({ name: groupName, policy: c.policy ?? 'lcr', average_duration: c.average_duration ?? 200 });
      const connections = new Map<string, number>();
      const labels = new Map<string, string>();
      for (const [n, e] of c.entries.entries()) {
        let connection = connections.get(e.conn);
        if (connection === undefined) {
          const name = `${index}-${e.conn}`;
          connection = await fixture.connection({ vendor, name, ...c.connections?.[e.conn] });
          connections.set(e.conn, connection);
          labels.set(name, e.conn);
        }
        const set = await fixture.destinationSet({ name: `${index}-${n}`, connect_fee: e.connect_fee, free_seconds: e.free_seconds });
        for (const route of e.routes) await fixture.route(set, route);
        await fixture.entry(group, connection, set, { entry_order: e.order ?? n, weight: e.weight ?? null });
      }
      const resolver = createResolver(database().db, { logger: silentLogger, random: seededRandom(index) });
      const result = await resolver.resolve(1, {
        routing_group: groupName, cld: c.cld, cli: c.cli ?? '15551230000', time: c.time ?? T_DATE, hops: 0, explain: true, max_routes: c.max_routes,
      });
      const got = result.routes.map((r) => `${labels.get(r.connection_name)}@${r.prefix}`);
      expect(got.map((g, i) => (c.routes[i] === '?' ? '?' : g)), 'routes').to.deep.equal(c.routes);
      expect(result.excluded?.map((x) => `${labels.get(x.connection_name)}:${x.reason}`), 'excluded').to.deep.equal(c.excluded ?? []);
      c.check?.(result);
      await resolver.close();
    });
  });
});

import { expect } from 'chai';
import { costCandidates, rank, selectRoutes, weightedDraw, type CostedCandidate, type SelectionOptions } from '../../../src/routing/rules/select.js';
import { parsePolicy } from '../../../src/routing/rules/policy.js';
import { parseRule } from '../../../src/routing/rules/translation.js';
import type { Candidate } from '../../../src/routing/rules/candidates.js';
import type { EntryRow, RouteRow } from '../../../src/routing/rules/model.js';
import { parseDestination } from '../../../src/routing/rules/destination.js';
import { seededRandom } from '../../../src/seeded-random.js';

interface Spec {
  entry?: number;
  order?: number;
  conn?: number;
  weight?: number | null;
  price?: string;
  prefix?: string;
  preference?: number;
  huntstop?: boolean;
}

const identity = parseRule(null);

/** A candidate; `entry` (i_routing_group_entry) doubles as its label. */
function candidate(spec: Spec): CostedCandidate {
  const id = spec.entry ?? 1;
  const entry: EntryRow = {
    i_routing_group_entry: id, entry_order: spec.order ?? 0, weight: spec.weight ?? null,
    i_connection: spec.conn ?? id, connection_name: `c${spec.conn ?? id}`, destination: 'x', sipDestination: parseDestination('x'), cli_translation_rule: null, cld_translation_rule: null,
    capacity: -1, enabled: true, i_vendor: 1, vendor_name: 'V', i_destination_set: id, destination_set_name: `s${id}`,
    currency: 'USD', connect_fee: '0.000000', free_seconds: 0, grace_period: 0, post_call_surcharge: '0.000000',
  };
  const route: RouteRow = {
    i_route: id, i_destination_set: id, prefix: spec.prefix ?? '', preference: spec.preference ?? 5, huntstop: spec.huntstop ?? false,
    timeout: null, timeout_1xx: null, price_1: spec.price ?? '0.010000', price_n: spec.price ?? '0.010000', interval_1: 1, interval_n: 1,
    forbidden: false, activation: 0, expiration: null,
  };
  const plain: Candidate = { entry, route, cliRule: identity, cldRule: identity };
  // Costed as the SQL path does, for a group of average duration 60 s.
  return costCandidates([plain], 60)[0]!;
}

function options(policy: string, extra: Partial<SelectionOptions> = {}): SelectionOptions {
  return { keys: parsePolicy(policy, 'G'), random: seededRandom(1), ...extra };
}

const ids = (list: readonly { entry: EntryRow }[]): number[] => list.map((c) => c.entry.i_routing_group_entry);

describe('route selection (pure)', () => {
  describe('each policy key alone', () => {
    it('lcr: lower estimated cost first', () => {
      const list = [candidate({ entry: 1, price: '0.030000' }), candidate({ entry: 2, price: '0.010000' }), candidate({ entry: 3, price: '0.020000' })];
      const ranked = rank(list, options('lcr'));
      expect(ids(ranked)).to.deep.equal([2, 3, 1]);
      expect(ranked.map((r) => r.costMicros)).to.deep.equal([10_000n, 20_000n, 30_000n]);
    });
    it('lcr tells apart costs one micro-unit apart', () => {
      const list = [candidate({ entry: 1, price: '0.300001' }), candidate({ entry: 2, price: '0.300000' })];
      expect(ids(rank(list, options('lcr')))).to.deep.equal([2, 1]);
    });
    it('prefix: longer matched prefix first', () => {
      const list = [candidate({ entry: 1, prefix: '4' }), candidate({ entry: 2, prefix: '442' }), candidate({ entry: 3, prefix: '' })];
      expect(ids(rank(list, options('prefix')))).to.deep.equal([2, 1, 3]);
    });
    it('preference: higher preference first', () => {
      const list = [candidate({ entry: 1, preference: 1 }), candidate({ entry: 2, preference: 9 }), candidate({ entry: 3, preference: 5 })];
      expect(ids(rank(list, options('preference')))).to.deep.equal([2, 3, 1]);
    });
    it('order: lower entry_order first', () => {
      const list = [candidate({ entry: 1, order: 30 }), candidate({ entry: 2, order: 10 }), candidate({ entry: 3, order: 20 })];
      expect(ids(rank(list, options('order')))).to.deep.equal([2, 3, 1]);
    });
    it('weight: weighted entries before unweighted ones, which keep the tie order', () => {
      const list = [candidate({ entry: 1, order: 1 }), candidate({ entry: 2, order: 2, weight: 1 }), candidate({ entry: 3, order: 3 }), candidate({ entry: 4, order: 4, weight: 5 })];
      const ranked = ids(rank(list, options('weight')));
      expect(ranked.slice(2)).to.deep.equal([1, 3]);
      expect(ranked.slice(0, 2)).to.have.members([2, 4]);
    });
  });

  describe('chains and ties', () => {
    it('prefix,lcr: the longest prefix first, cost among equal prefixes', () => {
      const list = [
        candidate({ entry: 1, prefix: '44', price: '0.010000' }),
        candidate({ entry: 2, prefix: '442', price: '0.050000' }),
        candidate({ entry: 3, prefix: '442', price: '0.020000' }),
      ];
      expect(ids(rank(list, options('prefix,lcr')))).to.deep.equal([3, 2, 1]);
    });
    it('preference,lcr,order', () => {
      const list = [
        candidate({ entry: 1, preference: 5, price: '0.020000', order: 2 }),
        candidate({ entry: 2, preference: 5, price: '0.020000', order: 1 }),
        candidate({ entry: 3, preference: 9, price: '0.090000', order: 3 }),
        candidate({ entry: 4, preference: 5, price: '0.010000', order: 4 }),
      ];
      expect(ids(rank(list, options('preference,lcr,order')))).to.deep.equal([3, 4, 2, 1]);
    });
    it('ties after the whole chain: entry_order, then i_routing_group_entry', () => {
      const list = [candidate({ entry: 7, order: 2 }), candidate({ entry: 5, order: 2 }), candidate({ entry: 9, order: 1 })];
      expect(ids(rank(list, options('lcr')))).to.deep.equal([9, 5, 7]);
    });
    it('lcr,weight: the weighted draw splits only a tier of equal cost', () => {
      const random = seededRandom(42);
      for (let i = 0; i < 200; i++) {
        const list = [
          candidate({ entry: 1, price: '0.020000', weight: 100 }),
          candidate({ entry: 2, price: '0.010000', weight: 1 }),
          candidate({ entry: 3, price: '0.010000', weight: 1 }),
          candidate({ entry: 4, price: '0.010000' }),
        ];
        const ranked = ids(rank(list, options('lcr,weight', { random })));
        expect(ranked.slice(0, 2)).to.have.members([2, 3]);
        expect(ranked.slice(2)).to.deep.equal([4, 1]);
      }
    });
  });

  describe('weight statistics', () => {
    it('puts weight 3 first against weight 1 in 75% ± 3% of 20,000 seeded draws', () => {
      const random = seededRandom(20_260_115);
      const list = [candidate({ entry: 1, weight: 1 }), candidate({ entry: 2, weight: 3 })];
      let heavyFirst = 0;
      for (let i = 0; i < 20_000; i++) {
        if (ids(rank(list, options('weight', { random })))[0] === 2) heavyFirst++;
      }
      expect(heavyFirst / 20_000).to.be.within(0.72, 0.78);
    });
    it('never puts an unweighted entry before a weighted one of its tier', () => {
      const random = seededRandom(7);
      const list = [candidate({ entry: 1, order: 0 }), candidate({ entry: 2, order: 1, weight: 1 }), candidate({ entry: 3, order: 2, weight: 1000 })];
      for (let i = 0; i < 2000; i++) expect(ids(rank(list, options('weight', { random })))[2]).to.equal(1);
    });
    it('leaves a weight of 0 or less out of the split', () => {
      expect(weightedDraw(null, () => 0.5)).to.equal(Infinity);
      expect(weightedDraw(0, () => 0.5)).to.equal(Infinity);
      expect(weightedDraw(-2, () => 0.5)).to.equal(Infinity);
      expect(weightedDraw(1, () => 0)).to.equal(0);
      expect(weightedDraw(2, () => 1 - Math.exp(-1))).to.be.closeTo(0.5, 1e-12);
    });
    it('draws nothing when the policy has no weight key', () => {
      let calls = 0;
      rank([candidate({ entry: 1, weight: 1 })], options('lcr', { random: () => (calls++, 0.5) }));
      expect(calls).to.equal(0);
    });
  });

  describe('dedupe, huntstop, max_routes', () => {
    it('keeps the best position of a connection and marks the rest duplicate', () => {
      const list = [candidate({ entry: 1, conn: 10, price: '0.030000' }), candidate({ entry: 2, conn: 10, price: '0.010000' }), candidate({ entry: 3, conn: 11, price: '0.020000' })];
      const { routes, excluded } = selectRoutes(list, options('lcr'));
      expect(ids(routes)).to.deep.equal([2, 3]);
      expect(excluded.map((e) => [e.entry.i_routing_group_entry, e.reason])).to.deep.equal([[1, 'duplicate']]);
    });
    it('drops everything after the first huntstop route', () => {
      const list = [candidate({ entry: 1, order: 1 }), candidate({ entry: 2, order: 2, huntstop: true }), candidate({ entry: 3, order: 3 }), candidate({ entry: 4, order: 4, huntstop: true })];
      const { routes, excluded } = selectRoutes(list, options('order'));
      expect(ids(routes)).to.deep.equal([1, 2]);
      expect(excluded.map((e) => [e.entry.i_routing_group_entry, e.reason])).to.deep.equal([[3, 'after_huntstop'], [4, 'after_huntstop']]);
    });
    it('caps at max_routes', () => {
      const list = [candidate({ entry: 1, order: 1 }), candidate({ entry: 2, order: 2 }), candidate({ entry: 3, order: 3 })];
      const { routes, excluded } = selectRoutes(list, options('order', { maxRoutes: 2 }));
      expect(ids(routes)).to.deep.equal([1, 2]);
      expect(excluded.map((e) => [e.entry.i_routing_group_entry, e.reason])).to.deep.equal([[3, 'over_max_routes']]);
    });
    it('applies dedupe before huntstop before the cap', () => {
      const list = [
        candidate({ entry: 1, order: 1, conn: 1 }),
        candidate({ entry: 2, order: 2, conn: 1, huntstop: true }),
        candidate({ entry: 3, order: 3, conn: 3 }),
        candidate({ entry: 4, order: 4, conn: 4, huntstop: true }),
        candidate({ entry: 5, order: 5, conn: 5 }),
        candidate({ entry: 6, order: 6, conn: 3 }),
      ];
      const { routes, excluded } = selectRoutes(list, options('order', { maxRoutes: 1 }));
      expect(ids(routes)).to.deep.equal([1]);
      expect(excluded.map((e) => [e.entry.i_routing_group_entry, e.reason])).to.deep.equal([
        [2, 'duplicate'], [3, 'over_max_routes'], [4, 'over_max_routes'], [5, 'after_huntstop'], [6, 'duplicate'],
      ]);
    });
    it('answers no routes for no candidates', () => {
      expect(selectRoutes([], options('lcr'))).to.deep.equal({ routes: [], excluded: [] });
    });
  });
});

import { expect } from 'chai';
import { MoneyTable, PrefixPool, TimeTable } from '../../../src/routing/snapshot/interned.js';
import type { RouteSet } from '../../../src/routing/snapshot/route-set.js';
import { RouteSetBuilder } from '../../../src/routing/snapshot/route-set-builder.js';
import type { RouteInput } from '../../../src/routing/rules/route-values.js';
import { seededRandom } from '../../../src/seeded-random.js';

// A set refreshed by its changed routes (RouteSetBuilder.beginFrom: its own
// records less the changed ones, plus their rows as they are now) must be the
// set a whole re-read builds from the same rows: same records, same order,
// same answers.

const T = [0, Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1)];

function randomRows(random: () => number, from: number, count: number): RouteInput[] {
  return Array.from({ length: count }, (_, k) => ({
    i_route: from + k, prefix: String(Math.floor(random() * 400)), preference: Math.floor(random() * 10), huntstop: random() < 0.1,
    timeout: random() < 0.5 ? null : 30, timeout_1xx: null, price_1: `0.${String(Math.floor(random() * 999999)).padStart(6, '0')}`, price_n: '0.010000',
    interval_1: 60, interval_n: 6, forbidden: random() < 0.1, activation: T[Math.floor(random() * 3)]!, expiration: random() < 0.7 ? null : T[2]!,
    ...(random() < 0.05 ? { bad: { column: 'price_1', value: 'x', reason: 'test' } } : {}),
  }));
}

/** A description for some routes (a rate deck's name), by id. */
const descriptionOf = (i_route: number): string | null => (i_route % 3 === 0 ? null : `dest ${i_route % 7}`);

/** Every record of the set, field by field, in order. */
function rowsOf(set: RouteSet | undefined): unknown[] {
  if (set === undefined) return [];
  return Array.from({ length: set.size }, (_, i) => {
    const r = set.route(i);
    return [r.i_route, r.prefix, r.preference, r.huntstop, r.timeout, r.price_1, r.forbidden, r.activation, r.expiration, r.bad !== undefined, set.description(i)];
  });
}

describe('a route set refreshed by its changed routes (pure)', () => {
  for (let seed = 1; seed <= 25; seed++) {
    it(`equals the set built whole from the same rows (seed ${seed})`, () => {
      const random = seededRandom(seed);
      const builder = new RouteSetBuilder(new MoneyTable(), new PrefixPool(), new TimeTable());
      const before = randomRows(random, 1, 1 + Math.floor(random() * 3000));
      builder.begin(7);
      for (const row of before) builder.add(row, 0, descriptionOf(row.i_route));
      const set = builder.build()!;
      // Some routes changed (new values), some deleted, some added.
      const changed = new Set<number>();
      const now: RouteInput[] = [];
      for (const row of before) {
        const roll = random();
        if (roll < 0.05) changed.add(row.i_route);
        else if (roll < 0.1) {
          changed.add(row.i_route);
          now.push({ ...randomRows(random, row.i_route, 1)[0]! });
        }
      }
      const added = randomRows(random, 100_000, Math.floor(random() * 50));
      for (const row of added) changed.add(row.i_route);
      now.push(...added);
      builder.beginFrom(set, changed);
      for (const row of now) builder.add(row, 0, descriptionOf(row.i_route));
      const patched = builder.build();
      const whole = [...before.filter((row) => !changed.has(row.i_route)), ...now];
      builder.begin(7);
      for (const row of whole) builder.add(row, 0, descriptionOf(row.i_route));
      const expected = builder.build();
      expect(rowsOf(patched)).to.deep.equal(rowsOf(expected));
      expect(patched?.badRows).to.equal(expected?.badRows);
      const prefixes = builder.prefixes;
      for (let k = 0; k < 200; k++) {
        const cld = String(Math.floor(random() * 400)) + String(Math.floor(random() * 100));
        const t = T[Math.floor(random() * 3)]! + 1;
        const ids = prefixes.prefixIdsOf(cld);
        expect(patched?.matchIndex(ids, t), cld).to.equal(expected?.matchIndex(ids, t));
      }
    });
  }

  it('a set whose every route was deleted is gone', () => {
    const builder = new RouteSetBuilder(new MoneyTable(), new PrefixPool(), new TimeTable());
    builder.begin(3);
    for (const row of randomRows(seededRandom(3), 1, 10)) builder.add(row);
    const set = builder.build()!;
    builder.beginFrom(set, new Set(Array.from({ length: 10 }, (_, i) => i + 1)));
    expect(builder.build()).to.equal(undefined);
  });
});

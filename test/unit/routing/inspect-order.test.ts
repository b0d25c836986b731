import { expect } from 'chai';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { MoneyTable, PrefixPool, TimeTable } from '../../../src/routing/snapshot/interned.js';
import { compareCodePoints, listingOrder, matchingRows, Pieces, rowCount, sortInPieces, visitRows, type RowRuns } from '../../../src/routing/inspect/listing-order.js';
import type { RouteSet } from '../../../src/routing/snapshot/route-set.js';
import { RouteSetBuilder } from '../../../src/routing/snapshot/route-set-builder.js';
import { seededRandom } from '../../../src/seeded-random.js';

// listRoutes orders prefixes as the SQL source does (BINARY on utf8mb4: the
// UTF-8 bytes, which is code point order), also across the surrogate range.
describe('listRoutes prefix order: code points, as utf8mb4 bytes', () => {
  it('agrees with comparing the UTF-8 bytes on 20,000 random pairs of digits, spaces, BMP-high and astral characters', () => {
    const random = seededRandom(7);
    const alphabet = ['0', '1', '4', '9', ' ', '#', 'é', '\uE000', '\uFFFD', '\u{1F600}', '\u{10000}', '\uD7FF'];
    const text = () => Array.from({ length: Math.floor(random() * 5) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    for (let i = 0; i < 20_000; i++) {
      const a = text();
      const b = text();
      expect(Math.sign(compareCodePoints(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).to.equal(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
    }
  });
});

/** Counts the turns of the event loop a computation gave back. */
class CountedPieces extends Pieces {
  pauses = 0;

  override pause(): Promise<void> {
    this.pauses++;
    return super.pause();
  }
}

describe('sortInPieces: a merge sort that gives the event loop back', () => {
  for (const n of [0, 1, 1023, 1024, 1025, 5000, 70_001]) {
    it(`sorts ${n} numbers as the native sort does, pausing once per piece`, async () => {
      const random = seededRandom(n + 1);
      const items = Int32Array.from({ length: n }, () => Math.floor(random() * 1000) - 500);
      const expected = Int32Array.from(items).sort();
      const pieces = new CountedPieces(4096);
      const sorted = await sortInPieces(items, (a, b) => a - b, pieces);
      expect(Array.from(sorted)).to.deep.equal(Array.from(expected));
      if (n >= 5000) expect(pieces.pauses).to.be.above(n / 4096);
    });
  }
});

const DATES = [-Infinity, 0, Date.UTC(2020, 0, 1), Date.UTC(2030, 0, 1)];

/** A set of `n` random routes on prefixes of digits and a few other characters, several rows to some prefixes. */
function randomSet(n: number, seed: number): RouteSet {
  const random = seededRandom(seed);
  const alphabet = ['0', '1', '4', '4', '9', ' ', '\uE000', '\u{1F600}'];
  const builder = new RouteSetBuilder(new MoneyTable(), new PrefixPool(), new TimeTable());
  builder.begin(1);
  const ids = new Set<number>();
  for (let i = 0; i < n; i++) {
    let i_route: number;
    do i_route = 1 + Math.floor(random() * 4_000_000_000);
    while (ids.has(i_route));
    ids.add(i_route);
    builder.add({
      i_route, prefix: Array.from({ length: Math.floor(random() * 6) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''),
      preference: 5, huntstop: false, forbidden: false, timeout: null, timeout_1xx: null, price_1: '0.010000', price_n: '0.010000',
      interval_1: 1, interval_n: 1, activation: DATES[Math.floor(random() * DATES.length)]!, expiration: null,
    });
  }
  return builder.build()!;
}

/** The rows of the runs, in order. */
function rowsOf(runs: RowRuns, from = 0, to = rowCount(runs)): number[] {
  const rows: number[] = [];
  visitRows(runs, from, to, (row) => rows.push(row));
  return rows;
}

/** listRoutes's order by brute force: prefix in code points, activation, i_route. */
function bruteOrder(set: RouteSet): number[] {
  return Array.from({ length: set.size }, (_, i) => i).sort((a, b) => {
    const x = set.route(a);
    const y = set.route(b);
    return compareCodePoints(x.prefix, y.prefix) || (x.activation === y.activation ? 0 : x.activation < y.activation ? -1 : 1) || x.i_route - y.i_route;
  });
}

describe('a set in listing order, computed once in pieces', () => {
  const set = randomSet(60_000, 3);

  it('is the brute-force order, computed once, while the event loop turns', async () => {
    let turned = false;
    void nextTurn().then(() => (turned = true));
    const pending = listingOrder(set);
    expect(pending).to.be.an.instanceOf(Promise);
    expect(listingOrder(set), 'one computation for concurrent listings').to.equal(pending);
    const order = await pending;
    expect(turned, 'the event loop turned during the computation').to.equal(true);
    expect(listingOrder(set), 'kept with the set').to.equal(order);
    expect(rowsOf(order)).to.deep.equal(bruteOrder(set));
  });

  it('pages anywhere: the rows from..to of the order', async () => {
    const order = await listingOrder(set);
    const whole = rowsOf(order);
    for (const [from, to] of [[0, 1], [1, 1], [59_999, 60_000], [12_345, 13_345], [100, 99]]) {
      expect(rowsOf(order, from!, to!), `${from}..${to}`).to.deep.equal(whole.slice(from, Math.max(from!, to!)));
    }
  });

  it('a CLD reads only the rows of its prefixes, in the same order as the whole listing filtered', async () => {
    const whole = rowsOf(await listingOrder(set)).map((row) => ({ row, prefix: set.route(row).prefix }));
    const random = seededRandom(11);
    const alphabet = ['0', '1', '4', '9', ' ', '\uE000', '\u{1F600}'];
    let matched = 0;
    for (let i = 0; i < 100; i++) {
      const cld = Array.from({ length: 1 + Math.floor(random() * 8) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      const rows = rowsOf(matchingRows(set, set.prefixes.prefixIdsOf(cld)));
      expect(rows, JSON.stringify(cld)).to.deep.equal(whole.filter((r) => cld.startsWith(r.prefix)).map((r) => r.row));
      matched += rows.length;
    }
    expect(matched).to.be.above(300);
  });
});

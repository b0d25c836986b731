import { expect } from 'chai';
import { estimateCostMicros, estimateCostMicrosNumber, formatMicros, formatMicrosAny, parseMicros, parseMicrosNumber } from '../../../src/routing/cost.js';
import { matchRoute } from '../../../src/routing/match.js';
import type { RouteRow } from '../../../src/routing/model.js';
import { MoneyTable, PrefixPool, TimeTable } from '../../../src/routing/interned.js';
import { NO_MATCH, NOT_ACTIVE, RouteSetBuilder } from '../../../src/routing/route-set.js';
import { seededRandom } from '../../../src/seeded-random.js';

// The snapshot's pure parts against the SQL path's: money on numbers against
// BigInt, and the columnar longest-prefix match against matchRoute.

describe('money as exact numbers (the snapshot)', () => {
  it('parses up to 2^53 - 1 micro-units exactly and refuses beyond (NaN: the caller uses BigInt)', () => {
    expect(parseMicrosNumber('9007199254.740991')).to.equal(2 ** 53 - 1);
    expect(parseMicrosNumber('-9007199254.740991')).to.equal(-(2 ** 53 - 1));
    expect(parseMicrosNumber('9007199254.740992')).to.be.NaN;
    expect(parseMicrosNumber('9999999999.999999')).to.be.NaN;
    expect(parseMicrosNumber('0.000001')).to.equal(1);
    expect(parseMicrosNumber('12.5')).to.equal(12_500_000);
  });

  it('formats numbers as formatMicros formats BigInts', () => {
    for (const micros of [0, 1, -1, 999_999, 1_000_000, -1_500_000, 2 ** 53 - 1, -(2 ** 53 - 1)]) {
      expect(formatMicrosAny(micros)).to.equal(formatMicros(BigInt(micros)));
    }
  });

  it('computes the cost equal to the BigInt formula, or NaN when a term leaves exact range (10,000 random tariffs)', () => {
    const random = seededRandom(7);
    const amount = (): string => {
      const scale = [1, 100, 1e4, 1e8, 9_007_199_254, 9_999_999_999][Math.floor(random() * 6)]!;
      const whole = Math.floor(random() * scale);
      return `${random() < 0.1 ? '-' : ''}${whole}.${String(Math.floor(random() * 1e6)).padStart(6, '0')}`;
    };
    let fallbacks = 0;
    for (let i = 0; i < 10_000; i++) {
      const tariff = {
        price_1: amount(), price_n: amount(), connect_fee: amount(),
        interval_1: Math.floor(random() * 200) - 5, interval_n: Math.floor(random() * 200) - 5, free_seconds: Math.floor(random() * 100),
      };
      const duration = Math.floor(random() * 100_000);
      const exact = estimateCostMicros(tariff, duration);
      const fast = estimateCostMicrosNumber(
        {
          price1: parseMicrosNumber(tariff.price_1), priceN: parseMicrosNumber(tariff.price_n), connectFee: parseMicrosNumber(tariff.connect_fee),
          interval1: tariff.interval_1, intervalN: tariff.interval_n, freeSeconds: tariff.free_seconds,
        },
        duration,
      );
      if (Number.isNaN(fast)) fallbacks += 1;
      else expect(BigInt(fast), JSON.stringify({ tariff, duration })).to.equal(exact);
    }
    // Both sides of the edge were exercised.
    expect(fallbacks).to.be.within(100, 9_900);
  });

  it('keeps the connect fee alone exact past 2^53 only through BigInt', () => {
    const fee = '9999999999.999999';
    expect(estimateCostMicrosNumber({ price1: 0, priceN: 0, connectFee: parseMicrosNumber(fee), interval1: 1, intervalN: 1, freeSeconds: 0 }, 60)).to.be.NaN;
    expect(estimateCostMicros({ price_1: '0', price_n: '0', connect_fee: fee, interval_1: 1, interval_n: 1, free_seconds: 0 }, 60)).to.equal(parseMicros(fee));
  });
});

describe('RouteSet.matchIndex against matchRoute', () => {
  const T = [Date.UTC(2019, 0, 1), Date.UTC(2026, 0, 1), Date.UTC(2031, 0, 1)];
  const ALPHABET = ['1', '2', '3', '\u{1F4DE}', ' '];

  function word(random: () => number, max: number): string {
    let text = '';
    for (let n = Math.floor(random() * (max + 1)); n > 0; n--) text += ALPHABET[Math.floor(random() * ALPHABET.length)]!;
    return text;
  }

  it('finds the same route (or no_match / not_active) for 20,000 random CLDs over random sets', () => {
    const random = seededRandom(3);
    const prefixes = new PrefixPool();
    const builder = new RouteSetBuilder(new MoneyTable(), prefixes, new TimeTable());
    for (let s = 0; s < 40; s++) {
      const rows: RouteRow[] = [];
      builder.begin(s + 1);
      for (let r = Math.floor(random() * 60); r > 0; r--) {
        const activation = random() < 0.6 ? 0 : T[Math.floor(random() * 3)]!;
        const expiration = random() < 0.7 ? null : T[Math.floor(random() * 3)]!;
        const row: RouteRow = {
          i_route: rows.length + 1 + s * 1000, i_destination_set: s + 1, prefix: word(random, 3), preference: 5, huntstop: false,
          timeout: null, timeout_1xx: null, price_1: '0.010000', price_n: '0.010000', interval_1: 1, interval_n: 1,
          forbidden: false, activation, expiration,
        };
        rows.push(row);
        builder.add(row);
      }
      const set = builder.build(`set ${s}`);
      for (let q = 0; q < 500; q++) {
        const cld = word(random, 6) || '1';
        const t = T[Math.floor(random() * 3)]! + 1;
        const expected = matchRoute(rows, cld, t);
        const index = set === undefined ? NO_MATCH : set.matchIndex(prefixes.prefixIdsOf(cld), t);
        if (expected.kind === 'route') expect(set!.route(index).i_route, `${JSON.stringify(cld)} at ${t}`).to.equal(expected.route.i_route);
        else expect(index, `${JSON.stringify(cld)} at ${t}`).to.equal(expected.kind === 'not_active' ? NOT_ACTIVE : NO_MATCH);
      }
    }
  });
});

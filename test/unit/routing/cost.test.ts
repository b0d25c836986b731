import { expect } from 'chai';
import { divideRoundHalfUp, estimateCost, formatMicros, parseMicros, type Tariff } from '../../../src/routing/rules/cost.js';

const base: Tariff = { price_1: '0.012000', price_n: '0.012000', interval_1: 1, interval_n: 1, connect_fee: '0.000000', free_seconds: 0 };

describe('routing cost (exact decimals)', () => {
  describe('parseMicros / formatMicros', () => {
    const good: [string, bigint, string][] = [
      ['0.012000', 12_000n, '0.012000'],
      ['3', 3_000_000n, '3.000000'],
      ['-1.5', -1_500_000n, '-1.500000'],
      ['0.1234560', 123_456n, '0.123456'],
      ['9999999999.999999', 9_999_999_999_999_999n, '9999999999.999999'],
      ['-0.000001', -1n, '-0.000001'],
    ];
    for (const [text, micros, formatted] of good) {
      it(`${text} is ${micros} micro-units, formatted ${formatted}`, () => {
        expect(parseMicros(text)).to.equal(micros);
        expect(formatMicros(micros)).to.equal(formatted);
      });
    }
    for (const bad of ['', 'abc', '1e5', '0.1234567', '1.2.3', '.5', 'NaN']) {
      it(`refuses ${JSON.stringify(bad)}`, () => {
        expect(() => parseMicros(bad)).to.throw(RangeError);
      });
    }
  });

  describe('divideRoundHalfUp', () => {
    const cases: [bigint, bigint, bigint][] = [[29n, 60n, 0n], [30n, 60n, 1n], [31n, 60n, 1n], [89n, 60n, 1n], [90n, 60n, 2n], [-30n, 60n, -1n], [-29n, 60n, 0n], [0n, 60n, 0n]];
    for (const [n, d, q] of cases) it(`${n}/${d} → ${q} (half away from zero)`, () => expect(divideRoundHalfUp(n, d)).to.equal(q));
    it('refuses a zero denominator', () => expect(() => divideRoundHalfUp(1n, 0n)).to.throw(RangeError));
  });

  // Each expectation computed by hand; the comment shows the arithmetic.
  const cases: [string, Partial<Tariff>, number, string][] = [
    // 0.012 * 1/60 + 0.012 * 1 * 199/60 = 0.012 * 200/60 = 0.04 (rpc.md's example)
    ['per-second rate over the average duration', {}, 200, '0.040000'],
    // D = 200 - 30 = 170: 0.012 * 170 / 60 = 0.034
    ['free seconds reduce the billable time', { free_seconds: 30 }, 200, '0.034000'],
    // D = max(0, 200 - 300) = 0: only the connect fee
    ['free seconds beyond the duration leave the connect fee', { free_seconds: 300, connect_fee: '0.050000' }, 200, '0.050000'],
    // D = 0 with no fee: 0
    ['zero duration costs nothing', {}, 0, '0.000000'],
    // 0.6*30/60 = 0.3; rest 31 s in 6 s intervals = ceil(31/6) = 6 → 0.6*6*6/60 = 0.36; 0.66
    ['next intervals round up', { price_1: '0.600000', price_n: '0.600000', interval_1: 30, interval_n: 6 }, 61, '0.660000'],
    // rest 30 s = exactly 5 intervals → 0.3 + 0.3
    ['an exact number of intervals does not round up', { price_1: '0.600000', price_n: '0.600000', interval_1: 30, interval_n: 6 }, 60, '0.600000'],
    // D = 10 < interval_1 = 60: the whole first interval, 1.5 * 60/60; no next interval
    ['a call shorter than the first interval pays all of it', { price_1: '1.500000', price_n: '0.500000', interval_1: 60, interval_n: 60 }, 10, '1.500000'],
    // 0.25 + 0.01*60/60 + 0.02*60*ceil(61/60)/60 = 0.25 + 0.01 + 0.04
    ['connect fee plus first and next intervals', { connect_fee: '0.250000', price_1: '0.010000', price_n: '0.020000', interval_1: 60, interval_n: 60 }, 121, '0.300000'],
    // 0.1 + 0.2*60/60 = 0.3 exactly (0.1 + 0.2 is 0.30000000000000004 in binary floating point)
    ['0.1 + 0.2 is 0.3', { connect_fee: '0.100000', price_1: '0.200000', interval_1: 60, interval_n: 60 }, 60, '0.300000'],
    // 0.1*60/60 + 0.1*60*2/60 = 0.3
    ['three intervals of 0.1 are 0.3', { price_1: '0.100000', price_n: '0.100000', interval_1: 60, interval_n: 60 }, 180, '0.300000'],
    // 0.1/60 + 0.2*60/60 = 0.0016666… + 0.2 = 0.2016666… → 0.201667
    ['thirds of a micro-unit round half-up', { price_1: '0.100000', price_n: '0.200000' }, 61, '0.201667'],
    // 30 micro * 1 / 60 = 0.5 micro → 1 micro (a float gives 4.9999e-7 → 0.000000)
    ['exactly half a micro-unit rounds up', { price_1: '0.000030', price_n: '0.000000' }, 1, '0.000001'],
    // 29 micro / 60 = 0.4833 micro → 0
    ['just under half a micro-unit rounds down', { price_1: '0.000029', price_n: '0.000000' }, 1, '0.000000'],
    // (-60 + 30)/60 micro = -0.5 micro → -1 micro (half away from zero, one rounding of the whole sum)
    ['a negative half rounds away from zero', { connect_fee: '-0.000001', price_1: '0.000030', price_n: '0.000000' }, 1, '-0.000001'],
    // 9999999999.999999 * 86400 / 60 = 9999999999.999999 * 1440 = 14399999999999.998560
    ['the largest DECIMAL(16,6) over a day stays exact', { price_1: '9999999999.999999', price_n: '9999999999.999999' }, 86_400, '14399999999999.998560'],
    // interval_n 0 counts as 1: 0.06*1/60 + 0.06*1*9/60 = 0.01
    ['interval_n 0 is billed per second', { price_1: '0.060000', price_n: '0.060000', interval_n: 0 }, 10, '0.010000'],
    // interval_1 -5 counts as 0: no first interval, 0.06 * 10 / 60 = 0.01
    ['a negative interval_1 counts as no first interval', { price_1: '9.000000', price_n: '0.060000', interval_1: -5 }, 10, '0.010000'],
  ];
  for (const [title, overrides, duration, expected] of cases) {
    it(`${title}: ${expected}`, () => {
      expect(estimateCost({ ...base, ...overrides }, duration)).to.equal(expected);
    });
  }
});

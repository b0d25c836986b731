import { expect } from 'chai';
import { destinationSetAmount, destinationSetProblem, exactAmount, routeFromValues, ROUTE_COLUMN_NAMES } from '../../../src/routing/rules/route-values.js';
import { parseUtcDatetime } from '../../../src/db/datetime.js';

// Which values of a row the daemon holds exactly, and what a row with one it
// cannot hold becomes (docs/routing.md, "Rows the daemon cannot represent").

/** The values of a good row, in ROUTE_COLUMN_NAMES order, with `changes` applied. */
function values(changes: Partial<Record<(typeof ROUTE_COLUMN_NAMES)[number], unknown>> = {}): unknown[] {
  const row: Record<string, unknown> = {
    i_route: '7', prefix: '44', preference: '5', huntstop: 0, timeout: null, timeout_1xx: '30', price_1: '0.120000', price_n: '0.060000',
    interval_1: '60', interval_n: '6', forbidden: 0, activation_date: '2026-01-01 00:00:00', expiration_date: null, ...changes,
  };
  return ROUTE_COLUMN_NAMES.map((column) => row[column]);
}

describe('route values (pure)', () => {
  describe('amounts', () => {
    const cases: [string, string | undefined, RegExp?][] = [
      ['0.120000', '0.120000'],
      ['0.12000000', '0.120000'],
      ['-1.5', '-1.500000'],
      ['9999999999.999999', '9999999999.999999'],
      ['0.12345678', undefined, /more than 6 decimals/],
      ['10000000000.000000', undefined, /more than 10 integer digits/],
      ['1e3', undefined, /not a decimal number/],
    ];
    for (const [text, canonical, reason] of cases) {
      it(`${text} → ${canonical ?? 'cannot be held'}`, () => {
        const exact = exactAmount(text);
        if (canonical === undefined) expect(exact.bad).to.match(reason!);
        else expect(exact).to.deep.equal({ text: canonical });
      });
    }
  });

  it('a good row: numbers as numbers, amounts canonical, no `bad`', () => {
    const route = routeFromValues(values({ price_1: '0.12000000' }));
    expect(route).to.deep.include({ i_route: 7, prefix: '44', preference: 5, timeout: null, timeout_1xx: 30, price_1: '0.120000', interval_1: 60, activation: Date.UTC(2026, 0, 1), expiration: null });
    expect(route.bad).to.equal(undefined);
  });

  it('row after row, amounts and dates are what exactAmount and parseUtcDatetime make of them (the shortcuts for canonical amounts and a repeated date change nothing)', () => {
    const amounts = ['0.120000', '2147.483647', '2147.483648', '-2147.483647', '-0.000000', '00.100000', '0.1', '-1.500000', '0.000000', '9999999999.999999'];
    const dates = ['2026-01-01 00:00:00', '2026-01-01 00:00:00', 'yesterday', '2026-01-01 00:00:00', '2026-01-01 00:00:00.5', '0000-00-00 00:00:00', '2026-01-01 00:00:00'];
    for (let i = 0; i < 40; i++) {
      const price = amounts[i % amounts.length]!;
      const date = dates[i % dates.length]!;
      const route = routeFromValues(values({ price_1: price, price_n: price, activation_date: date }));
      const exact = exactAmount(price);
      expect(route.price_1, price).to.equal(exact.bad === undefined ? exact.text : '0.000000');
      expect(route.activation, date).to.equal(date === 'yesterday' ? -Infinity : parseUtcDatetime(date));
      expect(route.bad?.column, `${price} ${date}`).to.equal(date === 'yesterday' ? 'activation_date' : undefined);
    }
  });

  const bad: [string, Partial<Record<(typeof ROUTE_COLUMN_NAMES)[number], unknown>>, string][] = [
    ['price_1 with 8 decimals', { price_1: '0.12345678' }, 'price_1'],
    ['price_n past 10 integer digits', { price_n: '12345678901.000000' }, 'price_n'],
    ['preference past 32 bits', { preference: '2147483648' }, 'preference'],
    ['a fractional interval', { interval_n: '1.5' }, 'interval_n'],
    ['i_route past 32 bits unsigned', { i_route: '4294967296' }, 'i_route'],
    ['a timeout that is not a number', { timeout: 'soon' }, 'timeout'],
    ['an activation date that does not parse', { activation_date: 'yesterday' }, 'activation_date'],
    ['an expiration date that does not parse', { expiration_date: '31/12/2026' }, 'expiration_date'],
  ];
  for (const [name, changes, column] of bad) {
    it(`${name}: bad, naming ${column} and its value; still matching its prefix, always active`, () => {
      const route = routeFromValues(values(changes));
      expect(route.bad).to.include({ column, value: String(changes[column as keyof typeof changes]) });
      expect(route.prefix).to.equal('44');
      expect(route.expiration).to.equal(null);
      if (column === 'activation_date') expect(route.activation).to.equal(-Infinity);
    });
  }

  it('the first bad value is the one named', () => {
    expect(routeFromValues(values({ preference: 'x', price_1: '0.1234567' })).bad?.column).to.equal('preference');
  });

  it('destination sets: amounts canonical, a bad one named (connect fee first)', () => {
    expect(destinationSetAmount('0.50000000')).to.equal('0.500000');
    expect(destinationSetAmount('0.12345678')).to.equal('0.12345678');
    expect(destinationSetProblem({ connect_fee: '0.100000', post_call_surcharge: '0.000000' })).to.equal(undefined);
    expect(destinationSetProblem({ connect_fee: '0.12345678', post_call_surcharge: '0.1234567' })).to.include({ column: 'connect_fee', value: '0.12345678' });
    expect(destinationSetProblem({ connect_fee: '0.100000', post_call_surcharge: '0.1234567' })).to.include({ column: 'post_call_surcharge' });
  });
});

import { expect } from 'chai';
import { isActive, matchRoute, prefixesOf } from '../../../src/routing/rules/match.js';
import type { RouteRow } from '../../../src/routing/rules/model.js';
import { parseUtcDatetime } from '../../../src/db/datetime.js';

const T = Date.UTC(2026, 0, 15, 12, 0, 0);
let nextId = 1;

function route(prefix: string, options: Partial<RouteRow> = {}): RouteRow {
  return {
    i_route: nextId++, i_destination_set: 1, prefix, preference: 5, huntstop: false, timeout: null, timeout_1xx: null,
    price_1: '0.010000', price_n: '0.010000', interval_1: 1, interval_n: 1, forbidden: false,
    activation: 0, expiration: null, ...options,
  };
}

describe('route match (longest active prefix)', () => {
  it('takes the longest prefix the CLD starts with', () => {
    const rows = [route(''), route('4'), route('44'), route('442'), route('4421'), route('45')];
    const m = matchRoute(rows, '44207', T);
    expect(m.kind === 'route' && m.route.prefix).to.equal('442');
  });

  it('lets the empty prefix match every CLD', () => {
    const m = matchRoute([route(''), route('1')], '44207', T);
    expect(m.kind === 'route' && m.route.prefix).to.equal('');
  });

  it('activation_date == t is active, expiration_date == t is not', () => {
    expect(isActive(route('4', { activation: T }), T)).to.equal(true);
    expect(isActive(route('4', { activation: T + 1 }), T)).to.equal(false);
    expect(isActive(route('4', { expiration: T }), T)).to.equal(false);
    expect(isActive(route('4', { expiration: T + 1 }), T)).to.equal(true);
    expect(isActive(route('4', { activation: -Infinity, expiration: null }), T)).to.equal(true);
    expect(isActive(route('4', { expiration: -Infinity }), T)).to.equal(false);
  });

  it('lets the latest activation supersede an older row of the same prefix', () => {
    const old = route('44', { activation: T - 1000 });
    const newer = route('44', { activation: T - 10 });
    const future = route('44', { activation: T + 10 });
    const m = matchRoute([old, newer, future], '44207', T);
    expect(m.kind === 'route' && m.route.i_route).to.equal(newer.i_route);
  });

  it('breaks a tie of prefix and activation by the highest i_route', () => {
    const a = route('44', { i_route: 900 });
    const b = route('44', { i_route: 901 });
    const m = matchRoute([b, a], '44207', T);
    expect(m.kind === 'route' && m.route.i_route).to.equal(901);
  });

  it('does not let a longer inactive prefix hide a shorter active one', () => {
    const m = matchRoute([route('4'), route('442', { expiration: T })], '44207', T);
    expect(m.kind === 'route' && m.route.prefix).to.equal('4');
  });

  it('answers not_active when only inactive rows match, no_match when none does', () => {
    expect(matchRoute([route('44', { activation: T + 1 }), route('1')], '44207', T).kind).to.equal('not_active');
    expect(matchRoute([route('44', { expiration: T - 1 })], '44207', T).kind).to.equal('not_active');
    expect(matchRoute([route('1'), route('445')], '44207', T).kind).to.equal('no_match');
    expect(matchRoute([], '44207', T).kind).to.equal('no_match');
  });

  it('compares prefixes exactly (no padded spaces, case-sensitive)', () => {
    expect(matchRoute([route('44 ')], '44', T).kind).to.equal('no_match');
    expect(matchRoute([route('a')], 'A1', T).kind).to.equal('no_match');
  });

  it('returns a forbidden route as the match: the caller blocks on it', () => {
    const m = matchRoute([route('44'), route('442', { forbidden: true })], '44207', T);
    expect(m.kind === 'route' && m.route.forbidden).to.equal(true);
  });

  describe('prefixesOf', () => {
    it('lists every prefix, the empty one first', () => {
      expect(prefixesOf('442', 32)).to.deep.equal(['', '4', '44', '442']);
    });
    it('stops at the longest prefix the schema holds', () => {
      const prefixes = prefixesOf('1'.repeat(64), 32);
      expect(prefixes).to.have.length(33);
      expect(prefixes[32]).to.equal('1'.repeat(32));
    });
    it('never splits a character made of two UTF-16 units', () => {
      expect(prefixesOf('1😀', 32)).to.deep.equal(['', '1', '1😀']);
    });
  });
});

describe('DATETIME strings from the driver', () => {
  it('reads them as UTC, zero dates as the earliest instant', () => {
    expect(parseUtcDatetime('2026-01-15 12:00:00')).to.equal(T);
    expect(parseUtcDatetime('2026-01-15 12:00:00.5')).to.equal(T + 500);
    expect(parseUtcDatetime('1970-01-01 00:00:00')).to.equal(0);
    expect(new Date(parseUtcDatetime('0050-03-01 00:00:00')).toISOString()).to.equal('0050-03-01T00:00:00.000Z');
    expect(parseUtcDatetime('0000-00-00 00:00:00')).to.equal(-Infinity);
    expect(() => parseUtcDatetime('15/01/2026')).to.throw(RangeError);
  });
});

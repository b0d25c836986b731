import { expect } from 'chai';
import { estimateCostMicros, estimateCostMicrosNumber, formatMicros, formatMicrosAny, int32Micros, parseMicros, parseMicrosNumber } from '../../../src/routing/rules/cost.js';
import { AnswerWriter } from '../../../src/routing/answer/answer-json.js';
import type { EntryRow } from '../../../src/routing/rules/model.js';
import { parseDestination } from '../../../src/routing/rules/destination.js';
import { matchRoute } from '../../../src/routing/rules/match.js';
import type { RouteRow } from '../../../src/routing/rules/model.js';
import { DescriptionPool, MoneyTable, PrefixPool, TimeTable } from '../../../src/routing/snapshot/interned.js';
import { NO_MATCH, NOT_ACTIVE } from '../../../src/routing/snapshot/route-set.js';
import { RouteSetBuilder } from '../../../src/routing/snapshot/route-set-builder.js';
import { seededRandom } from '../../../src/seeded-random.js';

// The snapshot's pure parts against the SQL path's: money on numbers against
// BigInt, and the columnar longest-prefix match against matchRoute.

const ENTRY: EntryRow = {
  i_routing_group_entry: 1, entry_order: 1, weight: null, i_connection: 1, connection_name: 'c', destination: 'd', sipDestination: parseDestination('d'), cli_translation_rule: null,
  cld_translation_rule: null, capacity: 1, enabled: true, i_vendor: 1, vendor_name: 'v', i_destination_set: 1, destination_set_name: 's',
  currency: 'USD', connect_fee: '0.000000', free_seconds: 0, grace_period: 0, post_call_surcharge: '0.000000',
};

describe('money as exact numbers (the snapshot)', () => {
  it('parses up to 2^53 - 1 micro-units exactly and refuses beyond (NaN: the caller uses BigInt)', () => {
    expect(parseMicrosNumber('9007199254.740991')).to.equal(2 ** 53 - 1);
    expect(parseMicrosNumber('-9007199254.740991')).to.equal(-(2 ** 53 - 1));
    expect(parseMicrosNumber('9007199254.740992')).to.be.NaN;
    expect(parseMicrosNumber('9999999999.999999')).to.be.NaN;
    expect(parseMicrosNumber('0.000001')).to.equal(1);
    expect(parseMicrosNumber('12.5')).to.equal(12_500_000);
  });

  it('holds an amount in a route record only in the canonical text that formats back to itself, and within 32 bits', () => {
    const held: [string, number][] = [['0.000000', 0], ['0.000001', 1], ['12.345678', 12_345_678], ['-0.500000', -500_000], ['2147.483647', 2_147_483_647], ['-2147.483647', -2_147_483_647]];
    for (const [text, micros] of held) {
      expect(int32Micros(text), text).to.equal(micros);
      expect(formatMicrosAny(micros), text).to.equal(text);
    }
    // Past 32 bits, or not the database's canonical form: NaN, and the route keeps the text in the MoneyTable.
    for (const text of ['2147.483648', '-2147.483648', '9999999999.999999', '-0.000000', '1.5', '1.5000000', '01.000000', '+1.000000', '1.00000a', '.000000', '1000000', '', '-', ' 1.000000']) {
      expect(int32Micros(text), JSON.stringify(text)).to.be.NaN;
    }
  });

  it('gives back every price as the database sent it and writes the answer JSON.stringify writes (prices held in the record or in the table)', () => {
    const random = seededRandom(11);
    const texts = ['0.000000', '0.012345', '-1.000000', '2147.483647', '2147.483648', '9999999999.999999', '-0.000000', '1.5'];
    const money = new MoneyTable();
    const builder = new RouteSetBuilder(money, new PrefixPool(), new TimeTable());
    builder.begin(1);
    const rows = Array.from({ length: 200 }, (_, i) => ({
      i_route: i + 1, prefix: String(i), preference: 1, huntstop: false, timeout: null, timeout_1xx: null,
      price_1: texts[Math.floor(random() * texts.length)]!, price_n: texts[Math.floor(random() * texts.length)]!,
      interval_1: 60, interval_n: 60, forbidden: false, activation: 0, expiration: null,
    }));
    for (const row of rows) builder.add(row);
    const set = builder.build()!;
    const writer = new AnswerWriter();
    for (let i = 0; i < set.size; i++) {
      const view = set.route(i);
      const row = rows[view.i_route - 1]!;
      expect([view.price_1, view.price_n]).to.deep.equal([row.price_1, row.price_n]);
      expect(set.price1Micros(i)).to.deep.equal(parseMicrosNumber(row.price_1));
      writer.begin(1, { i_routing_group: 1, name: 'g', policy: 'lcr', average_duration: 60, external: false, uri: null }, '1', '2');
      writer.route(ENTRY, view, 0, '1', '2');
      const written = JSON.parse(writer.finish(undefined).toString()) as { routes: { price_1: string; price_n: string }[] };
      expect([written.routes[0]!.price_1, written.routes[0]!.price_n]).to.deep.equal([row.price_1, row.price_n]);
    }
    // Only the amounts a record cannot hold went into the table.
    expect(money.text.slice().sort()).to.deep.equal(['-0.000000', '1.5', '2147.483648', '9999999999.999999']);
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
      const set = builder.build();
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

describe('RouteSet descriptions', () => {
  it('gives each row its own description (or null) after the rows are grouped by prefix, and holds none for a set without', () => {
    const descriptions = new DescriptionPool();
    const builder = new RouteSetBuilder(new MoneyTable(), new PrefixPool(), new TimeTable(), descriptions);
    const names = ['United Kingdom', null, 'Germany - Mobile', 'United Kingdom'];
    // Rows arrive out of prefix order, with more than the builder's first capacity (256): the ids follow the records when they grow and are sorted.
    const rows = Array.from({ length: 600 }, (_, i) => ({
      i_route: i + 1, prefix: String((i * 7919) % 97), preference: 5, huntstop: false, timeout: null, timeout_1xx: null,
      price_1: '0.010000', price_n: '0.010000', interval_1: 1, interval_n: 1, forbidden: false, activation: 0, expiration: null,
    }));
    builder.begin(1);
    rows.forEach((row, i) => builder.add(row, 0, names[i % names.length]!));
    const set = builder.build()!;
    for (let i = 0; i < set.size; i++) expect(set.description(i), `row ${i}`).to.equal(names[(set.route(i).i_route - 1) % names.length]);
    // Interned: each distinct name once.
    expect(descriptions.text.slice().sort()).to.deep.equal(['Germany - Mobile', 'United Kingdom']);

    builder.begin(2);
    for (const row of rows.slice(0, 10)) builder.add(row);
    const bare = builder.build()!;
    for (let i = 0; i < bare.size; i++) expect(bare.description(i)).to.equal(null);
  });
});

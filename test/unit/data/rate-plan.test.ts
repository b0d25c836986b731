import { expect } from 'chai';
import { planPrefix, type PlanContext, type SetRow, type StagedRow } from '../../../src/data/rate-plan.js';
import { DiffCollector, ratioOf } from '../../../src/data/rate-diff.js';

// rates.md's table "What a deck means", row by row, for full and partial
// decks, on one prefix at a time (rate-plan.ts is pure).

const DAY = 86_400_000;
const E = Date.UTC(2026, 1, 1);

function setRow(i_route: number, price: string, extra: Partial<SetRow> = {}): SetRow {
  return {
    i_route, price1: price, priceN: price, interval1: 1, intervalN: 1, forbidden: false, activation: -Infinity, expiration: null,
    description: 'United Kingdom', preference: 5, huntstop: false, timeout: null, timeout1xx: null, ...extra,
  };
}

function deckRow(line: number, price: number | null, extra: Partial<StagedRow> = {}): StagedRow {
  return { line, prefix: '44', description: null, price1: price, priceN: null, interval1: null, intervalN: null, effective: E, forbidden: false, ...extra };
}

const NOW = E - 3 * DAY;
const FULL: PlanContext = { mode: 'full', effective: E, now: NOW };
const PARTIAL: PlanContext = { mode: 'partial', effective: E, now: NOW };

describe('rate plan: the spec table, per prefix', () => {
  for (const context of [FULL, PARTIAL]) {
    describe(`${context.mode} deck`, () => {
      it('prefix not in the set: a new row from E, its missing price_n and intervals as price_1 and 1/1', () => {
        const plan = planPrefix('44', [], [deckRow(3, 20_000, { description: 'UK' })], context);
        expect(plan.inserts).to.deep.equal([{
          prefix: '44', description: 'UK', activation: E, price1: '0.020000', priceN: '0.020000', interval1: 1, intervalN: 1, forbidden: false,
          preference: 5, huntstop: false, timeout: null, timeout1xx: null,
        }]);
        expect(plan.changes.map((c) => c.kind)).to.deep.equal(['new']);
        expect([plan.expire, plan.remove]).to.deep.equal([[], []]);
      });

      it('same price and intervals as the row active at E: nothing written', () => {
        const plan = planPrefix('44', [setRow(1, '0.020000')], [deckRow(3, 20_000)], context);
        expect([plan.inserts, plan.expire, plan.remove]).to.deep.equal([[], [], []]);
        expect(plan.changes.map((c) => c.kind)).to.deep.equal(['unchanged']);
      });

      it('another price: a new row from E; the row active before E stays; the replaced row\'s preference and timeouts carry over', () => {
        const plan = planPrefix('44', [setRow(1, '0.020000', { preference: 9, timeout: 20, interval1: 60, intervalN: 60 })], [deckRow(3, 25_000)], context);
        expect(plan.inserts).to.have.length(1);
        expect(plan.inserts[0]).to.deep.include({ price1: '0.025000', interval1: 60, intervalN: 60, preference: 9, timeout: 20, description: 'United Kingdom', activation: E });
        expect(plan.changes.map((c) => c.kind)).to.deep.equal(['increased']);
        expect([plan.expire, plan.remove]).to.deep.equal([[], []]);
        expect(planPrefix('44', [setRow(1, '0.020000')], [deckRow(3, 15_000)], context).changes.map((c) => c.kind)).to.deep.equal(['decreased']);
      });

      it('other intervals at the same price: a new row (a longer interval counts as an increase)', () => {
        const plan = planPrefix('44', [setRow(1, '0.020000')], [deckRow(3, 20_000, { interval1: 60, intervalN: 60 })], context);
        expect(plan.inserts).to.have.length(1);
        expect(plan.changes.map((c) => c.kind)).to.deep.equal(['increased']);
      });

      it('rows of the prefix dated at or after E: replaced by the deck (deleted), unless the deck gives that very row again', () => {
        const rows = [setRow(1, '0.020000'), setRow(2, '0.030000', { activation: E }), setRow(3, '0.040000', { activation: E + 30 * DAY })];
        const corrected = planPrefix('44', rows, [deckRow(3, 35_000)], context);
        expect(corrected.remove).to.deep.equal([2, 3]);
        // Compared with what a call at E got before: the earlier deck's row for that date.
        expect(corrected.changes.map((c) => [c.kind, c.old?.price1])).to.deep.equal([['increased', '0.030000']]);
        expect(corrected.inserts.map((r) => r.price1)).to.deep.equal(['0.035000']);
        // The same deck again: the row at E is kept, the later one still goes.
        const again = planPrefix('44', rows, [deckRow(3, 30_000)], context);
        expect(again.remove).to.deep.equal([3]);
        expect(again.inserts).to.deep.equal([]);
        expect(again.changes.map((c) => c.kind)).to.deep.equal(['unchanged']);
        // Back to the price before E: no new row, the scheduled ones go.
        const back = planPrefix('44', rows, [deckRow(3, 20_000)], context);
        expect([back.inserts, back.remove]).to.deep.equal([[], [2, 3]]);
        expect(back.changes.map((c) => c.kind)).to.deep.equal(['decreased']);
      });

      it('a row that is over (expired before the import) is history: a backdated deck leaves it alone', () => {
        const rows = [setRow(1, '0.020000'), setRow(2, '0.090000', { activation: E - 30 * DAY, expiration: E - 20 * DAY })];
        const plan = planPrefix('44', rows, [deckRow(3, 20_000, { effective: E - 40 * DAY })], context);
        expect([plan.inserts, plan.remove, plan.expire]).to.deep.equal([[], [], []]);
      });

      it('deck row marked forbidden: a new row with forbidden = 1 from E (price 0 when it has none)', () => {
        const plan = planPrefix('44', [setRow(1, '0.020000')], [deckRow(3, null, { forbidden: true })], context);
        expect(plan.inserts[0]).to.deep.include({ forbidden: true, price1: '0.000000', activation: E });
        expect(plan.changes.map((c) => c.kind)).to.deep.equal(['forbidden']);
        expect(planPrefix('44', [setRow(1, '0.000000', { forbidden: true })], [deckRow(3, null, { forbidden: true })], context).inserts).to.deep.equal([]);
      });

      it('a deck with two dates for the prefix: a row per date; imported again, nothing', () => {
        const deck = [deckRow(3, 20_000), deckRow(4, 30_000, { effective: E + 10 * DAY })];
        const first = planPrefix('44', [setRow(1, '0.010000')], deck, context);
        expect(first.inserts.map((r) => [r.price1, r.activation])).to.deep.equal([['0.020000', E], ['0.030000', E + 10 * DAY]]);
        expect(first.changes.map((c) => c.kind)).to.deep.equal(['increased', 'increased']);
        const after = [setRow(1, '0.010000'), setRow(2, '0.020000', { activation: E }), setRow(3, '0.030000', { activation: E + 10 * DAY })];
        const second = planPrefix('44', after, deck, context);
        expect([second.inserts, second.remove, second.expire]).to.deep.equal([[], [], []]);
        expect(second.changes.map((c) => c.kind)).to.deep.equal(['unchanged', 'unchanged']);
      });

      it('takes the row active at E by routing\'s rule: an expired or a later row is not it', () => {
        const rows = [setRow(1, '0.020000'), setRow(2, '0.030000', { activation: E - DAY, expiration: E })];
        expect(planPrefix('44', rows, [deckRow(3, 20_000)], context).changes.map((c) => c.kind)).to.deep.equal(['unchanged']);
        expect(planPrefix('44', [setRow(2, '0.030000', { expiration: E - DAY })], [deckRow(3, 30_000)], context).changes.map((c) => c.kind)).to.deep.equal(['new']);
      });

      it('a repeated row with the same rate is a duplicate (kept once); with another rate a conflict', () => {
        const duplicate = planPrefix('44', [], [deckRow(3, 20_000), deckRow(9, 20_000, { description: 'other name' })], context);
        expect(duplicate.inserts).to.have.length(1);
        expect(duplicate.duplicates).to.deep.equal([{ line: 9, first: 3 }]);
        const conflict = planPrefix('44', [], [deckRow(3, 20_000), deckRow(9, 20_000, { interval1: 60 })], context);
        expect(conflict.conflicts).to.deep.equal([{ line: 9, first: 3, field: 'interval_1' }]);
      });
    });
  }

  it('full deck, prefix in the set but not in the deck: its active rows expire at E, its rows dated at or after E go', () => {
    const rows = [setRow(1, '0.020000'), setRow(2, '0.010000', { expiration: E - DAY }), setRow(3, '0.030000', { activation: E + DAY }), setRow(4, '0.050000', { activation: E - DAY, expiration: E + 5 * DAY })];
    const plan = planPrefix('44', rows, [], FULL);
    expect(plan.expire).to.deep.equal([{ i_route: 1, at: E }, { i_route: 4, at: E }]);
    expect(plan.remove).to.deep.equal([3]);
    expect(plan.changes.map((c) => [c.kind, c.old?.price1])).to.deep.equal([['removed', '0.050000']]);
    // Done once: the rows no longer active at E are left alone.
    const after = [setRow(1, '0.020000', { expiration: E }), setRow(2, '0.010000', { expiration: E - DAY }), setRow(4, '0.050000', { activation: E - DAY, expiration: E })];
    expect(planPrefix('44', after, [], FULL)).to.deep.include({ expire: [], remove: [], changes: [] });
    // History is not touched: a row over before the import, even one dated after E.
    expect(planPrefix('44', [setRow(7, '0.010000', { activation: E - 40 * DAY, expiration: NOW - DAY })], [], { mode: 'full', effective: E - 50 * DAY, now: NOW })).to.deep.include({ expire: [], remove: [], changes: [] });
  });

  it('partial deck, prefix in the set but not in the deck: untouched', () => {
    expect(planPrefix('44', [setRow(1, '0.020000')], [], PARTIAL)).to.deep.include({ expire: [], remove: [], changes: [], inserts: [] });
  });
});

describe('rate diff: counts, the largest changes, warnings', () => {
  const collector = (noticeDays = 7) => new DiffCollector({ now: NOW, noticeDays, columnOf: (field) => (field === 'price_1' ? 3 : 9), maxErrors: 20 });

  it('counts each kind, and replaced rows', () => {
    const diff = collector();
    diff.add(planPrefix('1', [], [deckRow(1, 10_000, { prefix: '1' })], FULL));
    diff.add(planPrefix('2', [setRow(1, '0.010000')], [deckRow(2, 20_000, { prefix: '2' })], FULL));
    diff.add(planPrefix('3', [setRow(2, '0.010000')], [deckRow(3, 5_000, { prefix: '3' })], FULL));
    diff.add(planPrefix('4', [setRow(3, '0.010000')], [deckRow(4, 10_000, { prefix: '4' })], FULL));
    diff.add(planPrefix('5', [setRow(4, '0.010000'), setRow(5, '0.020000', { activation: E + DAY })], [], FULL));
    diff.add(planPrefix('6', [setRow(6, '0.010000')], [deckRow(6, null, { prefix: '6', forbidden: true })], FULL));
    expect(diff.result().counts).to.deep.equal({ new: 1, increased: 1, decreased: 1, unchanged: 1, removed: 1, forbidden: 1, replaced: 1 });
  });

  it('keeps the ten largest increases and decreases by ratio, from 0 first', () => {
    const diff = collector(0);
    for (let i = 1; i <= 30; i++) diff.add(planPrefix(String(100 + i), [setRow(i, '0.010000')], [deckRow(i, 10_000 + i * 1000, { prefix: String(100 + i) })], FULL));
    diff.add(planPrefix('999', [setRow(99, '0.000000')], [deckRow(99, 1000, { prefix: '999' })], FULL));
    for (let i = 1; i <= 12; i++) diff.add(planPrefix(String(200 + i), [setRow(100 + i, '1.000000')], [deckRow(100 + i, 1_000_000 - i * 10_000, { prefix: String(200 + i) })], FULL));
    const result = diff.result();
    expect(result.increases.map((c) => c.prefix)).to.deep.equal(['999', '130', '129', '128', '127', '126', '125', '124', '123', '122']);
    expect(result.increases[0]!.ratio).to.equal(Infinity);
    expect(result.increases[1]!.ratio).to.equal(4);
    expect(result.decreases.map((c) => c.prefix)).to.deep.equal(['212', '211', '210', '209', '208', '207', '206', '205', '204', '203']);
  });

  it('warns: increase within the notice period, a price of 0, a change over 10x either way, a duplicate; a conflict is an error with its column', () => {
    const diff = collector();
    diff.add(planPrefix('1', [setRow(1, '0.010000')], [deckRow(1, 20_000, { prefix: '1' })], FULL));
    diff.add(planPrefix('2', [setRow(2, '0.010000')], [deckRow(2, 20_000, { prefix: '2', effective: NOW + 8 * DAY })], FULL));
    diff.add(planPrefix('3', [], [deckRow(3, 0, { prefix: '3' })], FULL));
    diff.add(planPrefix('4', [setRow(4, '0.010000')], [deckRow(4, 100_000, { prefix: '4', effective: NOW + 30 * DAY })], FULL));
    diff.add(planPrefix('5', [setRow(5, '1.000000')], [deckRow(5, 100_000, { prefix: '5' })], FULL));
    diff.add(planPrefix('6', [], [deckRow(6, 1000, { prefix: '6' }), deckRow(7, 1000, { prefix: '6' }), deckRow(8, 2000, { prefix: '6' })], FULL));
    const { warnings, conflicts } = diff.result();
    expect(warnings.notice.examples.map((w) => w.line)).to.deep.equal([1]);
    expect(warnings.notice.examples[0]!.message).to.equal("prefix 1 goes up 0.010000 -> 0.020000 effective 2026-02-01 00:00:00, less than 7 days' notice");
    expect(warnings.zero.examples.map((w) => w.line)).to.deep.equal([3]);
    expect(warnings.jump.examples.map((w) => [w.line, w.message])).to.deep.equal([[4, 'prefix 4 changes 10.00x: 0.010000 -> 0.100000'], [5, 'prefix 5 changes 0.100x: 1.000000 -> 0.100000']]);
    expect(warnings.duplicate.examples.map((w) => w.line)).to.deep.equal([7]);
    expect(conflicts).to.deep.equal({ count: 1, first: [{ line: 8, column: 3, problem: 'prefix 6 has another rate for the same date on line 6' }] });
  });

  it('gives the ratio of the first price that changed', () => {
    const rate = (price1: string, priceN = price1, interval1 = 1) => ({ price1, priceN, interval1, intervalN: 1, forbidden: false });
    expect(ratioOf(rate('0.010000'), rate('0.020000'))).to.equal(2);
    expect(ratioOf(rate('0.010000', '0.010000'), rate('0.010000', '0.030000'))).to.equal(3);
    expect(ratioOf(rate('0.010000'), rate('0.010000', '0.010000', 60))).to.equal(null);
  });
});

import { expect } from 'chai';
import { MergeOrderError, prefixGroups } from '../../../src/data/rate-merge.js';
import type { PrefixedSetRow } from '../../../src/data/rate-sql.js';
import type { StagedRow } from '../../../src/data/rate-plan.js';

// The merge of the staged deck and the set's rows, both by prefix, into
// one group per prefix (rate-merge.ts), on streams made here.

async function* stream<T>(rows: readonly T[]): AsyncGenerator<T> {
  for (const row of rows) yield row;
}

const deck = (prefix: string, line: number): StagedRow => ({
  line, prefix, description: null, price1: 1, priceN: null, interval1: null, intervalN: null, effective: 0, forbidden: false,
});

const set = (prefix: string, i_route: number): PrefixedSetRow => ({
  i_route, prefix, price1: '0.010000', priceN: '0.010000', interval1: 1, intervalN: 1, forbidden: false, activation: 0, expiration: null,
  description: null, preference: 5, huntstop: false, timeout: null, timeout1xx: null,
});

async function groups(deckRows: StagedRow[], setRows: PrefixedSetRow[]): Promise<string[]> {
  const out: string[] = [];
  for await (const g of prefixGroups(stream(deckRows), stream(setRows))) {
    out.push(`${JSON.stringify(g.prefix)} deck ${g.deck.map((r) => r.line).join(',') || '-'} set ${g.set.map((r) => r.i_route).join(',') || '-'}`);
  }
  return out;
}

describe('rate merge: one group per prefix', () => {
  it('pairs the deck\'s and the set\'s rows of each prefix, each side alone where the other has none', async () => {
    expect(await groups([deck('1', 2), deck('1', 3), deck('33', 4), deck('44', 5)], [set('1', 10), set('4', 11), set('44', 12), set('44', 13), set('49', 14)])).to.deep.equal([
      '"1" deck 2,3 set 10',
      '"33" deck 4 set -',
      '"4" deck - set 11',
      '"44" deck 5 set 12,13',
      '"49" deck - set 14',
    ]);
    expect(await groups([], [])).to.deep.equal([]);
    expect(await groups([deck('1', 2)], [])).to.deep.equal(['"1" deck 2 set -']);
  });

  it('hands on prefixes that are not digits as groups of their own, wherever the collation puts them ("44 " among "44")', async () => {
    expect(await groups([deck('44', 2)], [set('', 1), set('44', 10), set('44 ', 11), set('44', 12), set('44 ', 13), set('4a', 14), set('45', 15)])).to.deep.equal([
      '"" deck - set 1',
      '"44" deck 2 set 10,12',
      '"44 " deck - set 11,13',
      '"4a" deck - set 14',
      '"45" deck - set 15',
    ]);
  });

  it('refuses a stream out of order instead of pairing rows wrongly', async () => {
    const failure = await groups([deck('44', 1), deck('33', 2)], []).then(() => undefined, (err: unknown) => err);
    expect(failure).to.be.instanceOf(MergeOrderError);
    const setFailure = await groups([], [set('5', 1), set('44', 2)]).then(() => undefined, (err: unknown) => err);
    expect(setFailure).to.be.instanceOf(MergeOrderError);
  });
});

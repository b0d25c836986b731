// The deck's rows and the set's rows, both sorted by prefix, merged into
// one group per prefix: what rate-plan.ts plans from. Memory holds one
// prefix's rows, whatever the sizes. Pure over its two streams.
//
// Deck prefixes are digits, whose order is the same in JavaScript and in
// the database's binary collation. A set may also hold prefixes that are
// not digits (the catch-all '', a typo with a space): no deck row can have
// them, and the collation pads spaces ('44 ' sorts with '44'), so they are
// handed on as groups of their own, without a deck row, wherever they come.

import type { PrefixedSetRow } from './rate-sql.js';
import type { SetRow, StagedRow } from './rate-plan.js';

export interface PrefixGroup {
  readonly prefix: string;
  readonly set: readonly SetRow[];
  /** In (effective, line) order. */
  readonly deck: readonly StagedRow[];
}

const DIGITS = /^\d+$/;

/** Thrown when a stream is not in the order the merge needs: a bug, never a deck's fault. */
export class MergeOrderError extends Error {}

class Cursor<T extends { prefix: string }> {
  current: T | undefined;
  private last = '';

  constructor(private readonly source: AsyncIterator<T>, private readonly what: string) {}

  async advance(): Promise<void> {
    const next = await this.source.next();
    this.current = next.done === true ? undefined : next.value;
  }

  /** Checks that digit prefixes never go back. */
  ordered(prefix: string): void {
    if (prefix < this.last) throw new MergeOrderError(`${this.what} came out of order: ${JSON.stringify(prefix)} after ${JSON.stringify(this.last)}`);
    this.last = prefix;
  }
}

export async function* prefixGroups(deckRows: AsyncIterable<StagedRow>, setRows: AsyncIterable<PrefixedSetRow>): AsyncGenerator<PrefixGroup> {
  const deck = new Cursor(deckRows[Symbol.asyncIterator](), 'the staged deck');
  const set = new Cursor(setRows[Symbol.asyncIterator](), "the set's rows");
  await deck.advance();
  await set.advance();
  let odd: PrefixedSetRow[] = [];
  for (;;) {
    while (set.current !== undefined && !DIGITS.test(set.current.prefix)) {
      odd.push(set.current);
      await set.advance();
    }
    if (odd.length > 0) {
      yield* byPrefix(odd);
      odd = [];
    }
    const d = deck.current;
    const s = set.current;
    if (d === undefined && s === undefined) return;
    const prefix = d === undefined ? s!.prefix : s === undefined || d.prefix < s.prefix ? d.prefix : s.prefix;
    const group: { prefix: string; set: SetRow[]; deck: StagedRow[] } = { prefix, set: [], deck: [] };
    while (deck.current !== undefined && deck.current.prefix === prefix) {
      deck.ordered(prefix);
      group.deck.push(deck.current);
      await deck.advance();
    }
    if (deck.current !== undefined) deck.ordered(deck.current.prefix);
    for (;;) {
      const row = set.current;
      if (row === undefined) break;
      if (row.prefix === prefix) {
        set.ordered(prefix);
        group.set.push(row);
      } else if (!DIGITS.test(row.prefix)) {
        odd.push(row);
      } else {
        set.ordered(row.prefix);
        break;
      }
      await set.advance();
    }
    yield group;
  }
}

/** Rows of prefixes that are not digits, a group per prefix. */
function* byPrefix(rows: readonly PrefixedSetRow[]): Generator<PrefixGroup> {
  const groups = new Map<string, SetRow[]>();
  for (const row of rows) {
    let group = groups.get(row.prefix);
    if (group === undefined) groups.set(row.prefix, (group = []));
    group.push(row);
  }
  for (const [prefix, set] of groups) yield { prefix, set, deck: [] };
}

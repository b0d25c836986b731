import { expect } from 'chai';
import { JournalCursor, WATCH_MAX, WATCH_MS } from '../../../src/routing/journal-cursor.js';
import type { JournalEntry } from '../../../src/routing/snapshot-sql.js';

// The journal cursor's rules, one table row each: what a batch changes, where
// the cursor goes, which missing numbers are awaited.
const route = (seq: number, set: number): JournalEntry => ({ seq, table: 'routes', key: set });
const row = (seq: number, table: string, key: number): JournalEntry => ({ seq, table, key });

describe('the journal cursor (pure)', () => {
  const cases: { name: string; entries: JournalEntry[]; position: number; watched: number[]; sets: number[]; small: boolean }[] = [
    { name: 'nothing new: nothing changes', entries: [], position: 0, watched: [], sets: [], small: false },
    { name: 'routes name their sets, once each', entries: [route(1, 7), route(2, 7), route(3, 8)], position: 3, watched: [], sets: [7, 8], small: false },
    { name: 'a small table re-reads the small tables', entries: [row(1, 'connections', 4)], position: 1, watched: [], sets: [], small: true },
    { name: 'a destination set also re-reads its routes (a cascade fires no trigger)', entries: [row(1, 'destination_sets', 9)], position: 1, watched: [], sets: [9], small: true },
    { name: 'a gap (a transaction still open) is watched, the cursor goes past it', entries: [route(1, 1), route(4, 2)], position: 4, watched: [2, 3], sets: [1, 2], small: false },
    { name: 'entries come in any order', entries: [route(3, 3), route(1, 1)], position: 3, watched: [2], sets: [1, 3], small: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { changes, next } = JournalCursor.start.advance(c.entries, 0);
      expect(next.position).to.equal(c.position);
      expect(next.watchedSeqs()).to.deep.equal(c.watched);
      expect([...changes.sets].sort()).to.deep.equal(c.sets);
      expect(changes.small).to.equal(c.small);
    });
  }

  it('a watched number that commits later is applied and no longer watched; the cursor it gave back is unchanged', () => {
    const first = JournalCursor.start.advance([route(1, 1), route(3, 3)], 0).next;
    const { changes, next } = first.advance([route(2, 2)], 10);
    expect([...changes.sets]).to.deep.equal([2]);
    expect(next.position).to.equal(3);
    expect(next.watchedSeqs()).to.deep.equal([]);
    // Immutable: a failed refresh keeps the old cursor, which still watches 2.
    expect(first.watchedSeqs()).to.deep.equal([2]);
  });

  it('a number missing longer than the watch period is given up (a rollback), more than WATCH_MAX keeps the newest', () => {
    const gapped = JournalCursor.start.advance([route(1, 1), route(3, 1)], 0).next;
    expect(gapped.advance([], WATCH_MS + 1).next.watchedSeqs()).to.deep.equal([]);
    const wide = JournalCursor.start.advance([route(WATCH_MAX * 3, 1)], 0).next;
    expect(wide.watchedSeqs()).to.have.length(WATCH_MAX);
    expect(wide.watchedSeqs().at(-1)).to.equal(WATCH_MAX * 3 - 1);
  });

  it('after a full load: positioned at the head, watching the numbers that read could not see, not those purged', () => {
    const cursor = JournalCursor.afterFullLoad({ last: 10, purgedThrough: 5 }, [6, 7, 9, 10], 0);
    expect(cursor.position).to.equal(10);
    expect(cursor.watchedSeqs()).to.deep.equal([8]);
    const emptied = JournalCursor.afterFullLoad({ last: 0, purgedThrough: 42 }, [], 0);
    expect(emptied.position, 'an emptied journal: the horizon').to.equal(42);
    expect(emptied.isBehind({ last: 0, purgedThrough: 42 })).to.equal(false);
    expect(emptied.isBehind({ last: 50, purgedThrough: 43 })).to.equal(true);
  });
});

import { expect } from 'chai';
import {
  changesOf, complement, idsToCount, JournalCursor, MAX_GAPS, ROW_REFRESH_MAX, WATCH_MS,
  type ChangedKey, type JournalEntryId, type JournalHead, type SeqRange,
} from '../../../src/routing/follow/journal-cursor.js';

// The journal cursor's rules, one table row each: which numbers a poll reads,
// which stay watched, where the cursor goes, and what the journal's state at
// a poll says of it (ok, purged past it, gone backwards).

const entry = (seq: number, at = 't'): JournalEntryId => ({ seq, table: 'routes', key: 1, at });
const head = (last: number, purgedThrough = 0, at = 't'): JournalHead => ({ last, purgedThrough, newest: last === 0 ? null : entry(last, at) });
const r = (from: number, to: number): SeqRange => ({ from, to });

/** A cursor at `position` (with its anchor) after reading (0, position] with `present`. */
function at(position: number, present: SeqRange[] = [r(1, position)], now = 0): JournalCursor {
  return JournalCursor.start.advance(head(position), present, null, now)!;
}

describe('the journal cursor (pure)', () => {
  describe('complement: the missing parts of a range', () => {
    const cases: { range: SeqRange; present: SeqRange[]; missing: SeqRange[] }[] = [
      { range: r(1, 10), present: [], missing: [r(1, 10)] },
      { range: r(1, 10), present: [r(1, 10)], missing: [] },
      { range: r(1, 10), present: [r(0, 3), r(5, 5), r(9, 12)], missing: [r(4, 4), r(6, 8)] },
      { range: r(5, 6), present: [r(1, 2), r(8, 9)], missing: [r(5, 6)] },
      { range: r(1, 3), present: [r(2, 2)], missing: [r(1, 1), r(3, 3)] },
    ];
    for (const c of cases) {
      it(`${JSON.stringify(c.range)} less ${JSON.stringify(c.present)}`, () => expect(complement(c.range, c.present)).to.deep.equal(c.missing));
    }
  });

  describe('what a poll reads and watches', () => {
    const cases: { name: string; present: SeqRange[]; last: number; position: number; window: SeqRange[] }[] = [
      { name: 'nothing new: nothing to read', present: [], last: 0, position: 0, window: [] },
      { name: 'all present: no gap', present: [r(1, 5)], last: 5, position: 5, window: [] },
      { name: 'a gap (a transaction still open) is watched as a range, the cursor goes past it', present: [r(1, 1), r(200_001, 200_003)], last: 200_003, position: 200_003, window: [r(2, 200_000)] },
      { name: 'several gaps', present: [r(2, 2), r(5, 5)], last: 5, position: 5, window: [r(1, 1), r(3, 4)] },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const next = JournalCursor.start.advance(head(c.last), c.present, null, 0)!;
        expect(next.position).to.equal(c.position);
        // window() at an unchanged head lists exactly the watched gaps.
        expect(next.window(head(c.last))).to.deep.equal(c.window);
      });
    }

    it('reads the gaps and everything after the position, up to the head', () => {
      const cursor = JournalCursor.start.advance(head(10), [r(1, 3), r(8, 10)], null, 0)!;
      expect(cursor.window(head(25))).to.deep.equal([r(4, 7), r(11, 25)]);
      expect(cursor.backlog(head(25))).to.equal(15);
    });

    it('a gap filled later (its transaction committed) is no longer watched; a part still missing is; the old cursor is unchanged', () => {
      const first = JournalCursor.start.advance(head(10), [r(1, 1), r(10, 10)], null, 0)!;
      const next = first.advance(head(12), [r(2, 5), r(7, 9), r(11, 12)], entry(10), 5)!;
      expect(next.window(head(12))).to.deep.equal([r(6, 6)]);
      expect(next.position).to.equal(12);
      // Immutable: a failed refresh keeps the old cursor, which still watches 2..9.
      expect(first.window(head(10))).to.deep.equal([r(2, 9)]);
    });

    it('a gap missing longer than the watch period is given up (a rollback)', () => {
      const gapped = JournalCursor.start.advance(head(3), [r(1, 1), r(3, 3)], null, 0)!;
      expect(gapped.advance(head(3), [], entry(3), WATCH_MS)!.window(head(3))).to.deep.equal([r(2, 2)]);
      expect(gapped.advance(head(3), [], entry(3), WATCH_MS + 1)!.window(head(3))).to.deep.equal([]);
    });

    it('more than MAX_GAPS gaps cannot be watched: undefined (a full reload)', () => {
      const islands = Array.from({ length: MAX_GAPS }, (_, i) => r(2 * i + 2, 2 * i + 2));
      const last = 2 * MAX_GAPS;
      expect(JournalCursor.start.advance(head(last), islands, null, 0)!.gapCount).to.equal(MAX_GAPS);
      expect(JournalCursor.start.advance(head(last + 2), [...islands, r(last + 2, last + 2)], null, 0)).to.equal(undefined);
    });
  });

  describe('what a changed key makes a refresh re-read', () => {
    const key = (table: string, k: number, entries = 1, withIds = 0, ids = 0): ChangedKey => ({ table, key: k, entries, withIds, ids });
    /** Set 7 holds 1,000 routes, set 8 1,000,000; set 9 is not held. */
    const held = (set: number): number | undefined => (set === 7 ? 1000 : set === 8 ? 1_000_000 : undefined);
    const cases: { name: string; keys: ChangedKey[]; sets: number[]; byRow: number[]; small: boolean }[] = [
      { name: 'nothing', keys: [], sets: [], byRow: [], small: false },
      { name: 'a few routes of a held set: re-read by id', keys: [key('routes', 7, 3, 3, 2)], sets: [], byRow: [7], small: false },
      { name: 'more than a quarter of a set: re-read whole', keys: [key('routes', 7, 300, 300, 251)], sets: [7], byRow: [], small: false },
      { name: 'more than ROW_REFRESH_MAX routes of a huge set: re-read whole', keys: [key('routes', 8, ROW_REFRESH_MAX + 1, ROW_REFRESH_MAX + 1, ROW_REFRESH_MAX + 1)], sets: [8], byRow: [], small: false },
      { name: 'entries without route ids (journaled before schema 4): re-read whole', keys: [key('routes', 7, 3, 2, 2)], sets: [7], byRow: [], small: false },
      { name: 'a set not held: read whole', keys: [key('routes', 9, 1, 1, 1)], sets: [9], byRow: [], small: false },
      { name: 'a small table re-reads the small tables', keys: [key('connections', 4)], sets: [], byRow: [], small: true },
      { name: 'a destination set also re-reads its routes whole (a cascade fires no trigger)', keys: [key('destination_sets', 7), key('routes', 7, 1, 1, 1)], sets: [7], byRow: [], small: true },
      { name: 'routes not counted, few entries: re-read by id (they name at most as many routes)', keys: [{ table: 'routes', key: 7, entries: 250, withIds: 250 }], sets: [], byRow: [7], small: false },
      { name: 'routes not counted, many entries: re-read whole', keys: [{ table: 'routes', key: 7, entries: 251, withIds: 251 }], sets: [7], byRow: [], small: false },
      { name: 'many entries naming few routes (counted): re-read by id', keys: [key('routes', 7, 5000, 5000, 250)], sets: [], byRow: [7], small: false },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const changes = changesOf(c.keys, held);
        expect([...changes.sets].sort()).to.deep.equal(c.sets);
        expect([...changes.byRow].sort()).to.deep.equal(c.byRow);
        expect(changes.small).to.equal(c.small);
      });
    }
  });

  describe('when the distinct routes a key names are counted, and up to what', () => {
    const routes = (entries: number, withIds = entries): ChangedKey => ({ table: 'routes', key: 7, entries, withIds });
    it('not when the entries are few enough to refresh by id whatever they name', () => {
      expect(idsToCount(routes(250), 1000)).to.equal(undefined);
      expect(idsToCount(routes(ROW_REFRESH_MAX), 1_000_000)).to.equal(undefined);
    });
    it('not when the set is re-read whole whatever they name (not held, entries without ids, another table)', () => {
      expect(idsToCount(routes(5000), undefined)).to.equal(undefined);
      expect(idsToCount(routes(5000, 4999), 1000)).to.equal(undefined);
      expect(idsToCount({ table: 'connections', key: 7, entries: 5000, withIds: 0 }, 1000)).to.equal(undefined);
    });
    it('otherwise up to one past the limit: a deck of new routes is counted no further than what decides', () => {
      expect(idsToCount(routes(900_000), 100_000)).to.equal(25_001);
      expect(idsToCount(routes(900_000), 1_000_000)).to.equal(ROW_REFRESH_MAX + 1);
      expect(idsToCount(routes(3), 2)).to.equal(1);
    });
  });

  describe('the journal at a poll: ok, purged past the cursor, or gone backwards', () => {
    const cases: { name: string; cursor: () => JournalCursor; head: JournalHead; atPosition: JournalEntryId | null; verdict: string }[] = [
      { name: 'the anchor is there, the same entry', cursor: () => at(10), head: head(12), atPosition: entry(10), verdict: 'ok' },
      { name: 'another entry at the anchor\'s number: the journal was refilled (TRUNCATE, restore)', cursor: () => at(10), head: head(12), atPosition: entry(10, 'later'), verdict: 'reset' },
      { name: 'the anchor is gone and the horizon is below it: not purged, deleted (TRUNCATE)', cursor: () => at(10), head: head(3, 0), atPosition: null, verdict: 'reset' },
      { name: 'the anchor is gone, purged exactly up to it', cursor: () => at(10), head: head(0, 10), atPosition: null, verdict: 'ok' },
      { name: 'the anchor is gone, purged past it: entries this cursor did not read may be gone', cursor: () => at(10), head: head(20, 15), atPosition: null, verdict: 'behind' },
      { name: 'no anchor (empty at load), entries come', cursor: () => JournalCursor.afterFullLoad(head(0), [], 0).cursor, head: head(5), atPosition: null, verdict: 'ok' },
      { name: 'no anchor, the head below the position: the sequence went backwards', cursor: () => at(10).advance(head(10, 10), [], null, 0)!, head: head(4, 10), atPosition: null, verdict: 'reset' },
      { name: 'a stale horizon left by a TRUNCATE is not a purge past the cursor', cursor: () => JournalCursor.afterFullLoad(head(0, 5000), [], 0).cursor, head: head(0, 5000), atPosition: null, verdict: 'ok' },
      { name: 'a purge past an anchorless cursor beyond the horizon it loaded at', cursor: () => JournalCursor.afterFullLoad(head(0, 50), [], 0).cursor, head: head(80, 60), atPosition: null, verdict: 'behind' },
    ];
    for (const c of cases) it(c.name, () => expect(c.cursor().check(c.head, c.atPosition)).to.equal(c.verdict));
  });

  describe('after a full load', () => {
    it('is positioned at the head with it as anchor, watching the numbers that read could not see, not those purged', () => {
      const { cursor, dropped } = JournalCursor.afterFullLoad(head(10, 5), [r(6, 7), r(9, 10)], 0);
      expect(cursor.position).to.equal(10);
      expect(cursor.anchor).to.deep.equal(entry(10));
      expect(cursor.window(head(10, 5))).to.deep.equal([r(8, 8)]);
      expect(dropped).to.equal(0);
      expect(JournalCursor.scanFrom(head(10, 5))).to.equal(6);
    });

    it('an emptied journal: position 0 and no anchor, so every entry that comes is read', () => {
      const { cursor } = JournalCursor.afterFullLoad(head(0, 42), [], 0);
      expect(cursor.position).to.equal(0);
      expect(cursor.anchor).to.equal(null);
      expect(cursor.window(head(43, 42))).to.deep.equal([r(1, 43)]);
    });

    it('keeps the newest MAX_GAPS gaps and counts the others', () => {
      const last = 2 * (MAX_GAPS + 3);
      const islands = Array.from({ length: MAX_GAPS + 3 }, (_, i) => r(2 * i + 2, 2 * i + 2));
      const { cursor, dropped } = JournalCursor.afterFullLoad(head(last), islands, 0);
      expect(dropped).to.equal(3);
      expect(cursor.gapCount).to.equal(MAX_GAPS);
      expect(cursor.window(head(last))[0]).to.deep.equal(r(7, 7));
    });
  });
});

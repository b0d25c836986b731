// Where a follower stands in the change journal (snapshot.md "Following the
// database"), and what a batch of journal entries changes. Pure and
// immutable: a poll computes the next cursor from the entries it read and
// the follower keeps it only once the refresh built on it succeeded, so a
// failed refresh never loses an entry.
//
// Sequence numbers are taken before commit: a number missing below the
// highest one read belongs to a transaction still open (or rolled back). It
// is *watched* (asked for by number at each poll) for WATCH_MS, so a lower
// number that commits after a higher one is still applied; at most
// WATCH_MAX are watched, past that the oldest are dropped and the reconcile
// covers them.

import type { JournalEntry } from './snapshot-sql.js';

/** A missing number is awaited this long (ms): its transaction may still commit. */
export const WATCH_MS = 600_000;
/** Missing numbers awaited at most. */
export const WATCH_MAX = 1000;
/** At a full load, how far below the journal's head to look for entries of transactions still open. */
export const FULL_LOAD_GAP_SCAN = 10_000;

/** What a refresh must re-read. */
export interface Changes {
  /** Any of the six small tables changed: they are re-read whole. */
  readonly small: boolean;
  /** Destination sets whose routes are re-read. */
  readonly sets: ReadonlySet<number>;
}

export interface JournalHead {
  /** Highest sequence number in the journal, 0 when empty. */
  readonly last: number;
  /** Every entry up to this may have been purged. */
  readonly purgedThrough: number;
}

export class JournalCursor {
  private constructor(
    /** Every entry with seq <= position has been applied or is watched. */
    readonly position: number,
    /** Watched numbers, with when they were first missed (ms); oldest first. */
    private readonly watched: ReadonlyMap<number, number>,
  ) {}

  /** The cursor of a full load that read the journal at `head`, seeing the numbers `present` (from lowestGapScanned). */
  static afterFullLoad(head: JournalHead, present: readonly number[], now: number): JournalCursor {
    const seen = new Set(present);
    const watched = new Map<number, number>();
    for (let seq = JournalCursor.lowestGapScanned(head) + 1; seq <= head.last; seq++) if (!seen.has(seq)) watch(watched, seq, now);
    // An emptied journal (all purged) has no head: the horizon is the position then.
    return new JournalCursor(Math.max(head.last, head.purgedThrough), watched);
  }

  /** Below this a missing number is purged or long settled: a full load does not await it. */
  static lowestGapScanned(head: JournalHead): number {
    return Math.max(0, head.last - FULL_LOAD_GAP_SCAN, head.purgedThrough);
  }

  /** The numbers to ask for besides those after the position. */
  watchedSeqs(): number[] {
    return [...this.watched.keys()];
  }

  /** Whether the purge went past entries this cursor still needs: only a full reload can catch up. */
  isBehind(head: JournalHead): boolean {
    return head.purgedThrough > this.position;
  }

  /** What `entries` (after the position, and watched ones) change, and the cursor after them. */
  advance(entries: readonly JournalEntry[], now: number): { changes: Changes; next: JournalCursor } {
    const sets = new Set<number>();
    let small = false;
    const mark = (entry: JournalEntry): void => {
      if (entry.table === 'routes') {
        sets.add(entry.key);
        return;
      }
      small = true;
      // A destination set deleted takes its routes with it (a cascade fires no trigger).
      if (entry.table === 'destination_sets') sets.add(entry.key);
    };
    const watched = new Map(this.watched);
    let position = this.position;
    for (const entry of [...entries].sort((a, b) => a.seq - b.seq)) {
      if (watched.delete(entry.seq)) {
        mark(entry);
        continue;
      }
      if (entry.seq <= position) continue;
      // Past WATCH_MAX missing numbers only the newest can be watched anyway.
      for (let seq = Math.max(position + 1, entry.seq - WATCH_MAX); seq < entry.seq; seq++) watch(watched, seq, now);
      position = entry.seq;
      mark(entry);
    }
    for (const [seq, since] of watched) if (now - since > WATCH_MS) watched.delete(seq);
    return { changes: { small, sets }, next: new JournalCursor(position, watched) };
  }

  static readonly start = new JournalCursor(0, new Map());
}

function watch(watched: Map<number, number>, seq: number, now: number): void {
  if (watched.size >= WATCH_MAX) {
    const oldest = watched.keys().next().value;
    if (oldest !== undefined) watched.delete(oldest);
  }
  watched.set(seq, now);
}

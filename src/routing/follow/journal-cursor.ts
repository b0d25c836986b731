// Where a follower stands in the change journal (snapshot.md "Following the
// database"). Pure and immutable: a poll computes the next cursor from what
// it read, and the follower keeps it only once the refresh built on it
// succeeded, so a failed refresh never loses an entry.
//
// A poll reads, inside one consistent-read transaction, every journal entry
// it has not applied yet: those after `position` up to the journal's head,
// and those of the *gaps*. Sequence numbers are taken before commit, so a
// number missing below the head belongs to a transaction still open (or
// rolled back): it is watched, as part of a range, until it appears or for
// WATCH_MS. Because the read is one consistent snapshot and covers every
// number not yet applied, a transaction is applied whole or not at all,
// however many entries it wrote: the refresh re-reads each changed
// destination set once, at the state the snapshot saw.
//
// The cursor also keeps the entry at its position (the anchor) to notice a
// journal that went backwards: emptied by TRUNCATE, or restored from a dump.
// The purge removes entries in sequence order and moves the horizon first, so
// an anchor that vanished while the horizon stayed below it was not purged.

/** A gap is watched this long (ms): its transaction may still commit. Longer-open transactions are left to the reconcile. */
export const WATCH_MS = 600_000;
/** Gaps (ranges of missing numbers) watched at most; more means a full reload (logged). */
export const MAX_GAPS = 10_000;
/** At a full load, how far below the journal's head to look for the entries of transactions still open. */
export const FULL_LOAD_GAP_SCAN = 100_000;

/** Inclusive range of sequence numbers. */
export interface SeqRange {
  readonly from: number;
  readonly to: number;
}

/** One journal entry, as much as identifies it. */
export interface JournalEntryId {
  readonly seq: number;
  readonly table: string;
  readonly key: number;
  /** changed_at as the server sent it. */
  readonly at: string;
}

export interface JournalHead {
  /** Highest sequence number in the journal, 0 when empty. */
  readonly last: number;
  /** Every entry up to this may have been purged. */
  readonly purgedThrough: number;
  /** The entry at `last`; null when the journal is empty. */
  readonly newest: JournalEntryId | null;
}

/**
 * A set held with this many routes is refreshed by re-reading its changed
 * routes (by primary key) when they are at most a quarter of it, and at
 * most this many; otherwise it is re-read whole, which is then cheaper.
 */
export const ROW_REFRESH_MAX = 50_000;

/** What a refresh must re-read. */
export interface Changes {
  /** Any of the six small tables changed: they are re-read whole. */
  readonly small: boolean;
  /** Destination sets whose routes are re-read whole. */
  readonly sets: ReadonlySet<number>;
  /** Destination sets held whose changed routes are re-read, by id (the journal names them). */
  readonly byRow: ReadonlySet<number>;
}

/** A (table, key) the journal names, once however many entries name it. */
export interface ChangedKey {
  readonly table: string;
  readonly key: number;
  /** Entries naming it. */
  readonly entries: number;
  /** Of those, entries that also name a route (row_id; a routes entry from schema version 4 on). */
  readonly withIds: number;
  /**
   * Distinct routes they name, counted only where that decides how the set
   * is refreshed (idsToCount), and then up to the count that decides;
   * undefined where `entries` alone decides.
   */
  readonly ids?: number;
}

/** The most changed routes a set holding `held` routes is refreshed by: more, and it is re-read whole. */
function rowRefreshLimit(held: number): number {
  return Math.min(ROW_REFRESH_MAX, held / 4);
}

/**
 * Whether the distinct routes a key's entries name decide how its set is
 * refreshed, given the routes it holds (undefined: not held): the count to
 * count them up to (one past the limit: reaching it means "re-read whole"),
 * or undefined when the entries alone decide. They decide when the set is
 * not held, when an entry names no route, or when the entries are few
 * enough (they name at most as many routes): counting distinct routes over
 * a deck's million entries would cost a second pass over them for nothing.
 */
export function idsToCount(key: ChangedKey, held: number | undefined): number | undefined {
  if (key.table !== 'routes' || held === undefined || key.withIds !== key.entries) return undefined;
  const limit = rowRefreshLimit(held);
  return key.entries <= limit ? undefined : Math.floor(limit) + 1;
}

/**
 * What the journal at a poll says of the cursor:
 * - `ok`: follow it;
 * - `behind`: the purge removed entries this cursor had not read;
 * - `reset`: the journal went backwards (TRUNCATE, a restore): its entries no longer describe the snapshot.
 */
export type JournalVerdict = 'ok' | 'behind' | 'reset';

interface Gap extends SeqRange {
  /** When it was first missed (ms). */
  readonly since: number;
}

export class JournalCursor {
  private constructor(
    /** Every entry with seq <= position has been applied or lies in a gap. */
    readonly position: number,
    /** The entry at `position` when it was read; null when position is 0 or it was purged since. */
    readonly anchor: JournalEntryId | null,
    /** Missing ranges below position, ascending and disjoint. */
    private readonly gaps: readonly Gap[],
    /** The purge horizon at the full load: purges up to it removed nothing this cursor needs. */
    private readonly floor: number,
  ) {}

  static readonly start = new JournalCursor(0, null, [], 0);

  /**
   * The cursor of a full load that read the journal at `head`, seeing the
   * numbers in `present` (islands, within scanFrom(head)..head.last). The
   * newest MAX_GAPS gaps are watched; `dropped` counts the others (left to
   * the reconcile, for the log).
   */
  static afterFullLoad(head: JournalHead, present: readonly SeqRange[], now: number): { cursor: JournalCursor; dropped: number } {
    const gaps = complement({ from: JournalCursor.scanFrom(head), to: head.last }, present).map((r) => ({ ...r, since: now }));
    const dropped = Math.max(0, gaps.length - MAX_GAPS);
    return { cursor: new JournalCursor(head.last, head.newest, gaps.slice(dropped), head.purgedThrough), dropped };
  }

  /** The lowest number a full load looks at for gaps. */
  static scanFrom(head: JournalHead): number {
    return Math.max(1, head.last - FULL_LOAD_GAP_SCAN + 1, head.purgedThrough + 1);
  }

  /** Number of gaps watched. */
  get gapCount(): number {
    return this.gaps.length;
  }

  /**
   * Checks the journal against this cursor, given the entry now at
   * `position` (null when there is none).
   */
  check(head: JournalHead, atPosition: JournalEntryId | null): JournalVerdict {
    if (this.anchor !== null) {
      if (atPosition !== null) return sameEntry(atPosition, this.anchor) ? 'ok' : 'reset';
      // The anchor is gone: purged (the horizon reached it first), or not.
      if (head.purgedThrough < this.position) return 'reset';
      return this.purgedPast(head) ? 'behind' : 'ok';
    }
    if (head.last > 0 && head.last < this.position) return 'reset';
    return this.purgedPast(head) ? 'behind' : 'ok';
  }

  /** What the next poll reads: the gaps, then everything after the position up to the head. */
  window(head: JournalHead): SeqRange[] {
    const ranges: SeqRange[] = this.gaps.map(({ from, to }) => ({ from, to }));
    if (head.last > this.position) ranges.push({ from: this.position + 1, to: head.last });
    return ranges;
  }

  /** Entries after the position: how much a poll would read (the gaps hold little, or they would be filled). */
  backlog(head: JournalHead): number {
    return Math.max(0, head.last - this.position);
  }

  /**
   * The cursor after a poll that read window(head) and found the numbers in
   * `present` (islands). Undefined when more than MAX_GAPS gaps would be
   * watched: only a full reload can continue then.
   */
  advance(head: JournalHead, present: readonly SeqRange[], atPosition: JournalEntryId | null, now: number): JournalCursor | undefined {
    const gaps: Gap[] = [];
    for (const gap of this.gaps) {
      if (now - gap.since > WATCH_MS) continue;
      for (const missing of complement(gap, present)) gaps.push({ ...missing, since: gap.since });
    }
    let position = this.position;
    let anchor = atPosition;
    if (head.last > this.position) {
      for (const missing of complement({ from: this.position + 1, to: head.last }, present)) gaps.push({ ...missing, since: now });
      position = head.last;
      anchor = head.newest;
    }
    if (gaps.length > MAX_GAPS) return undefined;
    return new JournalCursor(position, anchor, gaps, this.floor);
  }

  private purgedPast(head: JournalHead): boolean {
    return head.purgedThrough > this.position && head.purgedThrough > this.floor;
  }
}

/**
 * What the changed keys of a poll make a refresh re-read. `heldRoutes`: the
 * routes a set has in the snapshot (undefined when it is not held).
 */
export function changesOf(keys: readonly ChangedKey[], heldRoutes: (set: number) => number | undefined): Changes {
  const sets = new Set<number>();
  const byRow = new Set<number>();
  let small = false;
  for (const { table, key, entries, withIds, ids } of keys) {
    if (table === 'routes') {
      const held = heldRoutes(key);
      // Entries journaled before route ids (schema version 3 and older) say only the set.
      // Uncounted, the routes named are at most the entries (idsToCount).
      if (withIds === entries && held !== undefined && (ids ?? entries) <= rowRefreshLimit(held)) byRow.add(key);
      else sets.add(key);
      continue;
    }
    small = true;
    // A destination set deleted takes its routes with it (a cascade fires no trigger).
    if (table === 'destination_sets') sets.add(key);
  }
  for (const set of sets) byRow.delete(set);
  return { small, sets, byRow };
}

/** The parts of `range` that no range of `present` (ascending, disjoint) covers, ascending. */
export function complement(range: SeqRange, present: readonly SeqRange[]): SeqRange[] {
  const missing: SeqRange[] = [];
  let next = range.from;
  for (const island of present) {
    if (island.to < next) continue;
    if (island.from > range.to) break;
    if (island.from > next) missing.push({ from: next, to: island.from - 1 });
    next = Math.max(next, island.to + 1);
    if (next > range.to) break;
  }
  if (next <= range.to) missing.push({ from: next, to: range.to });
  return missing;
}

function sameEntry(a: JournalEntryId, b: JournalEntryId): boolean {
  return a.seq === b.seq && a.table === b.table && a.key === b.key && a.at === b.at;
}

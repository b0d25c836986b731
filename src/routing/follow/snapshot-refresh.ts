// The three ways a follower refreshes its snapshot (snapshot.md "Following
// the database"), each a function of one consistent read: a full load, a
// poll of the change journal, and a reconcile by per-set checksums. Each
// returns what it read and decided; nothing here keeps state or swaps a
// snapshot, so a read that fails or is abandoned changes nothing (the
// follower applies a result only once its read has succeeded).

import { RoutingSnapshot, type SmallTables } from '../snapshot/snapshot.js';
import { MoneyTable, PrefixPool, TimeTable } from '../snapshot/interned.js';
import type { RouteSet } from '../snapshot/route-set.js';
import { RouteSetBuilder } from '../snapshot/route-set-builder.js';
import type { RouteById, SnapshotReader } from './snapshot-sql.js';
import { changesOf, idsToCount, JournalCursor, type ChangedKey, type Changes, type SeqRange } from './journal-cursor.js';
import { triggersInPlace, type TriggerProblems } from '../../db/migrations.js';
import { RefreshTimings } from './refresh-timings.js';

/** The journal as a refresh found it. */
export interface JournalState {
  /** The journal's tables exist (schema version 2 or later). */
  readonly journal: boolean;
  readonly triggers: TriggerProblems;
}

/** Whether edits reach the journal: its tables, and every trigger on its live table. */
export function journalFollowable(state: JournalState): boolean {
  return state.journal && triggersInPlace(state.triggers);
}

/** A whole new data set: pools, cursor, tables and sets. */
export interface FullLoad {
  readonly state: JournalState;
  readonly cursor: JournalCursor;
  /** Gaps found below the head that were not watched (MAX_GAPS): left to the reconcile. */
  readonly droppedGaps: number;
  readonly builder: RouteSetBuilder;
  readonly prefixes: PrefixPool;
  readonly tables: SmallTables;
  readonly sets: Map<number, RouteSet>;
}

export async function readFull(reader: SnapshotReader, now: number): Promise<FullLoad> {
  const builder = new RouteSetBuilder(new MoneyTable(), new PrefixPool(), new TimeTable());
  const state = await reader.journalState();
  let cursor = JournalCursor.start;
  let droppedGaps = 0;
  if (state.journal) {
    const head = await reader.journalHead();
    const present = await reader.journalIslands(head.last === 0 ? [] : [{ from: JournalCursor.scanFrom(head), to: head.last }]);
    // Numbers missing below the head belong to transactions still open: watched.
    ({ cursor, dropped: droppedGaps } = JournalCursor.afterFullLoad(head, present, now));
  }
  const tables = await reader.smallTables();
  const sets = new Map<number, RouteSet>();
  // Every route belongs to a destination set (a foreign key): reading each set reads them all.
  for (const id of tables.destinationSets.keys()) {
    const set = await reader.routeSet(id, builder);
    if (set !== undefined) sets.set(id, set);
  }
  return { state, cursor, droppedGaps, builder, prefixes: builder.prefixes, tables, sets };
}

/** What a poll found. */
export type PollResult =
  /** The triggers are missing or misplaced (or there is no journal): the journal cannot be followed. */
  | { readonly kind: 'unfollowable'; readonly state: JournalState }
  /** Only a full reload can continue, for `reason` (logged at `level`). */
  | { readonly kind: 'full'; readonly state: JournalState; readonly level: 'info' | 'warn'; readonly reason: string; readonly fields: Record<string, unknown> }
  /** Applied: the new cursor, and the tables and sets when anything changed; where the time went (the follower logs it). */
  | {
      readonly kind: 'applied'; readonly state: JournalState; readonly cursor: JournalCursor;
      readonly next: { tables: SmallTables; sets: Map<number, RouteSet> } | undefined; readonly timings: RefreshTimings;
    };

/**
 * Reads every journal entry the cursor has not applied (gaps included) and
 * re-reads what they changed, all in the reader's one consistent snapshot:
 * whatever number of entries a transaction wrote, it is applied whole.
 * `fullAbove`: a backlog of more entries than this is cheaper as a full load.
 */
export async function readPoll(
  reader: SnapshotReader,
  current: RoutingSnapshot,
  from: JournalCursor,
  builder: RouteSetBuilder,
  now: number,
  fullAbove: number,
  timings = new RefreshTimings(),
): Promise<PollResult> {
  const state = await timings.time('journal', () => reader.journalState());
  if (!journalFollowable(state)) return { kind: 'unfollowable', state };
  const head = await timings.time('journal', () => reader.journalHead());
  const atPosition = from.anchor === null ? null : await timings.time('journal', () => reader.journalEntry(from.position));
  const verdict = from.check(head, atPosition);
  if (verdict === 'behind') {
    return { kind: 'full', state, level: 'warn', reason: 'the change journal was purged past this snapshot: full reload', fields: { cursor: from.position, purged_through: head.purgedThrough } };
  }
  if (verdict === 'reset') {
    return {
      kind: 'full', state, level: 'warn',
      reason: 'the change journal went backwards (TRUNCATE routing_changes, or a restore): full reload',
      fields: { cursor: from.position, head: head.last },
    };
  }
  const backlog = from.backlog(head);
  if (backlog > fullAbove) {
    return { kind: 'full', state, level: 'info', reason: 'the change journal holds more new entries than a full reload reads: full reload', fields: { entries: backlog } };
  }
  const window = from.window(head);
  const { keys, entries } = await timings.time('keys', () => reader.journalKeys(window));
  timings.entries = entries;
  // Every number of the window present (the usual case, a big transaction too): no second read for the gaps.
  const present = entries === sizeOf(window) ? window : await timings.time('journal', () => reader.journalIslands(window));
  const cursor = from.advance(head, present, atPosition, now);
  if (cursor === undefined) {
    return { kind: 'full', state, level: 'warn', reason: 'too many gaps in the change journal to watch (transactions open or rolled back): full reload', fields: { cursor: from.position } };
  }
  const held = (set: number): number | undefined => current.sets.get(set)?.size;
  const counted = await timings.time('keys', () => countRoutes(reader, window, keys, held));
  const changes = changesOf(counted, held);
  return { kind: 'applied', state, cursor, next: await reread(reader, current, changes, window, builder, timings), timings };
}

/** `keys` with their distinct routes counted where that decides how their set is refreshed (idsToCount). */
async function countRoutes(reader: SnapshotReader, window: readonly SeqRange[], keys: readonly ChangedKey[], held: (set: number) => number | undefined): Promise<ChangedKey[]> {
  const counted: ChangedKey[] = [];
  for (const key of keys) {
    const upTo = idsToCount(key, held(key.key));
    counted.push(upTo === undefined ? key : { ...key, ids: await reader.journalRouteCount(window, key.key, upTo) });
  }
  return counted;
}

function sizeOf(ranges: readonly SeqRange[]): number {
  let size = 0;
  for (const range of ranges) size += range.to - range.from + 1;
  return size;
}

/** Re-reads what changed (the journal's entries in `window` name it); undefined when nothing did. */
async function reread(
  reader: SnapshotReader,
  current: RoutingSnapshot,
  changes: Changes,
  window: readonly SeqRange[],
  builder: RouteSetBuilder,
  timings: RefreshTimings,
): Promise<{ tables: SmallTables; sets: Map<number, RouteSet> } | undefined> {
  if (!changes.small && changes.sets.size === 0 && changes.byRow.size === 0) return undefined;
  const tables = changes.small ? await timings.time('tables', () => reader.smallTables()) : current.tables;
  const sets = await rereadSets(reader, current, [...changes.sets], builder, timings);
  if (changes.byRow.size > 0) await rereadRoutes(reader, current, [...changes.byRow], window, builder, sets, timings);
  return { tables, sets };
}

/**
 * The sets `ids` (held) with their changed routes read again by id: each
 * set's own records but those routes, plus the routes' rows as they are now
 * (a route moved to another set leaves this one; one deleted is gone).
 */
async function rereadRoutes(
  reader: SnapshotReader,
  current: RoutingSnapshot,
  ids: readonly number[],
  window: readonly SeqRange[],
  builder: RouteSetBuilder,
  into: Map<number, RouteSet>,
  timings: RefreshTimings,
): Promise<void> {
  timings.byRowSets += ids.length;
  const changed = new Set(await timings.time('ids', () => reader.journalRouteIds(window, ids)));
  const rowsBySet = new Map<number, RouteById[]>();
  const read = await timings.time('read', () => reader.routesById([...changed]));
  timings.rows += read.length;
  for (const row of read) {
    let rows = rowsBySet.get(row.set);
    if (rows === undefined) rowsBySet.set(row.set, (rows = []));
    rows.push(row);
  }
  for (const id of ids) {
    const set = await timings.time('build', () => {
      builder.beginFrom(current.sets.get(id)!, changed);
      for (const { route, crc, description } of rowsBySet.get(id) ?? []) builder.add(route, crc, description);
      return builder.buildYielding();
    });
    if (set === undefined) into.delete(id);
    else into.set(id, set);
  }
}

/** `current`'s sets with `ids` read again whole (a set with no routes left is dropped). */
async function rereadSets(
  reader: SnapshotReader,
  current: RoutingSnapshot,
  ids: readonly number[],
  builder: RouteSetBuilder,
  timings = new RefreshTimings(),
): Promise<Map<number, RouteSet>> {
  const sets = new Map(current.sets);
  timings.sets += ids.length;
  for (const id of ids) {
    timings.rows += await timings.time('read', () => reader.streamSet(id, builder));
    const set = await timings.time('build', () => builder.buildYielding());
    if (set === undefined) sets.delete(id);
    else sets.set(id, set);
  }
  return sets;
}

export interface Reconciled {
  readonly state: JournalState;
  /** Sets whose checksum differed from the one held. */
  readonly differing: number;
  readonly smallChanged: boolean;
  readonly tables: SmallTables;
  readonly sets: Map<number, RouteSet>;
}

/**
 * Compares every set's checksum with the one held and re-reads the sets
 * that differ, and the small tables: what TRUNCATE, dropped triggers or a
 * restore changed without a journal entry.
 */
export async function readReconcile(reader: SnapshotReader, current: RoutingSnapshot, builder: RouteSetBuilder): Promise<Reconciled> {
  const state = await reader.journalState();
  const checksums = await reader.checksums();
  const differing = new Set<number>();
  for (const [id, checksum] of checksums) if (current.sets.get(id)?.checksum !== checksum) differing.add(id);
  for (const id of current.sets.keys()) if (!checksums.has(id)) differing.add(id);
  const tables = await reader.smallTables();
  const sets = await rereadSets(reader, current, [...differing], builder);
  return { state, differing: differing.size, smallChanged: fingerprint(tables) !== fingerprint(current.tables), tables, sets };
}

function fingerprint(tables: SmallTables): string {
  return JSON.stringify([tables.environments, [...tables.vendors], [...tables.connections], [...tables.destinationSets], tables.groups, tables.entries]);
}

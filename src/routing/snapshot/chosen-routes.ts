// The routes a snapshot group's policy chooses, kept per longest matching
// prefix: the hot path of most requests once a snapshot is warm.
//
// Why this is exact: on a snapshot, a lookup depends on the CLD only through
// the prefixes of the pool that start it, and those are the longest one and
// its own prefixes (PrefixPool.longestIdOf); entries, rules, costs and the
// policy's order are fixed for the snapshot's life; a policy without
// `weight` draws nothing. What remains is the request's time: a kept choice
// carries the window [from, until) over which every row its match looked at
// is active or not as it was (RouteSet.matchIndex), and outside it the
// choice is made again. `max_routes` keeps the first routes of the choice
// (selectRoutes caps the same list), and `explain` takes the full path,
// which lists exclusions.
//
// A memo belongs to one snapshot generation, and is not the snapshot's: the
// follower that builds a snapshot makes its memo with it, and a refresh's new
// snapshot gets an empty one, so nothing kept outlives the data it came
// from. A group's choices are kept at its index (SnapshotGroup.index). Bounded
// in bytes: past CHOSEN_ROUTES_BYTES_PER_SNAPSHOT the snapshot's memo starts
// again empty.
//
// Kept from the second request only (the doorkeeper, ChosenRoutesMemo.admits):
// a choice pays when its prefix is asked again before the memo fills and
// starts again, and a prefix asked once in that time is answered by the full
// path and kept nowhere. Without it, traffic spread over more prefixes than
// the memo holds (a rate deck of a million prefixes, CLDs that seldom
// repeat) made a choice per request that was dropped unused when the memo
// filled: megabytes a second of objects that live long enough to reach
// V8's old generation, which then grows by a share of the heap between
// full collections (docs/operations.md, "Memory").

import { CHOSEN_ROUTES_BYTES_PER_SNAPSHOT, PREPARED_ROUTE_BYTES_PER_SNAPSHOT } from '../../limits.js';
import type { BadRule } from '../rules/candidates.js';
import type { PrefixPool } from './interned.js';
import type { PolicyKey } from '../rules/policy.js';
import { rowIndexOf } from './route-view.js';
import { selectRoutes } from '../rules/select.js';
import { snapshotCandidates } from './snapshot-candidates.js';
import type { SnapshotEntry, SnapshotGroup } from './snapshot.js';
import type { RuleCache } from '../rules/translation.js';

/** What a policy chose for one (group, longest prefix), valid for request times in [from, until). */
export class ChosenRoutes {
  constructor(
    readonly from: number,
    readonly until: number,
    /** The group's entries, which entryIndex() indexes. */
    readonly entries: readonly SnapshotEntry[],
    /** Route k: [2k] its entry's index in the group's entries, [2k+1] its row in that entry's set. */
    private readonly rows: Int32Array,
    /** Route k's estimated cost in exact micro-units. */
    private readonly costs: Float64Array,
    /** Rules of the group's entries that did not parse (the resolver logs them once). */
    readonly badRules: readonly BadRule[],
    /** The memo that keeps this choice, whose prepared bytes it may hold; none: never prepared. */
    private readonly memo?: ChosenRoutesMemo,
    /**
     * No route's entry translates the CLI or the CLD: every route is
     * answered with the request's own numbers, and its answer needs none of
     * the entries' rules (AnswerWriter.preparedRoutes).
     */
    readonly sameNumbers = false,
  ) {}

  /**
   * The answer bytes of each route's own fields, written once
   * (AnswerWriter.preparedRoute): route k's are [k === 0 ? 0 :
   * preparedEnds[k - 1], preparedEnds[k]). Set by prepare() at the choice's
   * PREPARE_AT_ANSWER-th answer of all its routes; undefined again when the
   * memo's prepared bytes start again.
   */
  prepared: Uint8Array | undefined = undefined;
  preparedEnds: Int32Array | undefined = undefined;
  /** Answers of all its routes written field by field (prepare() counts them). */
  private written = 0;

  /**
   * Keeps `bytes` bytes of route text for this choice's routes, which
   * `fill` writes (into the bytes and the routes' end offsets) before it
   * returns; nothing when the choice is not kept, is prepared already, or
   * has not been answered PREPARE_AT_ANSWER times yet.
   */
  prepare(bytes: number, fill: (into: Uint8Array, ends: Int32Array) => void): void {
    const memo = this.memo;
    if (memo === undefined || this.prepared !== undefined || ++this.written < PREPARE_AT_ANSWER) return;
    const taken = memo.preparedBytes.take(this.length, bytes);
    fill(taken.bytes, taken.ends);
    this.preparedEnds = taken.ends;
    this.prepared = taken.bytes;
  }

  get length(): number {
    return this.costs.length;
  }

  /** About what this choice holds in memory: its arrays and the objects around them. */
  get bytes(): number {
    return CHOICE_OVERHEAD_BYTES + this.rows.byteLength + this.costs.byteLength;
  }

  entryIndex(k: number): number {
    return this.rows[2 * k]!;
  }

  row(k: number): number {
    return this.rows[2 * k + 1]!;
  }

  cost(k: number): number {
    return this.costs[k]!;
  }
}

/**
 * The answer of a kept choice at which its routes' bytes are kept: its
 * second (the pair's third request). Not its first: under skewed traffic
 * most kept choices of the long tail are answered once and dropped, and
 * preparing those made the prepared bytes start again every few seconds,
 * their dead chunks waiting for a full collection (the memo-cold and Zipf
 * benchmarks' peak RSS 20 to 30 MiB higher).
 */
export const PREPARE_AT_ANSWER = 2;

/** A choice's object, its typed arrays and its map entry, beyond their contents. */
const CHOICE_OVERHEAD_BYTES = 200;

/**
 * Bytes of a choice's arrays per route: its cost (8), its entry and row (8).
 * (A copy of each route's record was kept too, for its answers to read side
 * by side; they read the prepared bytes now, and the first answer the
 * sets' rows.)
 */
const BYTES_PER_ROUTE = 8 + 8;

/**
 * The memory choices' arrays are cut from (views, no allocation of their
 * own): a choice of twenty routes would otherwise be three ArrayBuffers,
 * each a malloc() of its own freed only by a full collection, which under
 * traffic that seldom repeats a prefix is most of the allocations and the
 * heap's fragments.
 */
export const CHOICE_CHUNK_BYTES = 256 * 1024;
/** A memo's first chunk: a snapshot that a refresh replaces within a poll keeps few choices. Each next chunk is twice the last, up to CHOICE_CHUNK_BYTES. */
export const FIRST_CHOICE_CHUNK_BYTES = 16 * 1024;

/** The doorkeeper's bits, each set by the first request of the prefixes that hash to it. */
const SEEN_BITS_LOG2 = 20;
/** Its memory per snapshot (128 KiB). */
export const DOORKEEPER_BYTES = (1 << SEEN_BITS_LOG2) / 8;
/**
 * A choice of twenty routes takes about half a kilobyte: the memo holds
 * about capacity / this of them, and the doorkeeper forgets after as many
 * first requests (a pair asked less often would not be found kept anyway).
 */
export const TYPICAL_CHOICE_BYTES = 512;

/**
 * The memory of kept choices' prepared route bytes, bounded apart from the
 * choices (PREPARED_ROUTE_BYTES_PER_SNAPSHOT): cut from shared chunks as the
 * choices' arrays are. Past the bound, or when let go, it starts again: every
 * choice of the memo drops its prepared bytes (onStartAgain) and a chunk is
 * never written again, so an answer being written from a choice's bytes of
 * the previous round is unaffected (answers are written in one turn anyway).
 */
export class PreparedRouteBytes {
  private held = 0;
  private chunk: ArrayBuffer | undefined;
  private taken = 0;
  private chunkBytes = FIRST_CHOICE_CHUNK_BYTES / 2;

  constructor(
    readonly capacityBytes: number,
    private readonly onStartAgain: () => void,
  ) {}

  /** Room for `routes` end offsets and `bytes` bytes of text. */
  take(routes: number, bytes: number): { ends: Int32Array; bytes: Uint8Array } {
    const total = ((4 * routes + bytes + 7) & ~7);
    if (this.held + total > this.capacityBytes) this.startAgain();
    if (this.chunk === undefined || this.taken + total > this.chunk.byteLength) {
      this.chunkBytes = Math.min(CHOICE_CHUNK_BYTES, 2 * this.chunkBytes);
      this.chunk = new ArrayBuffer(Math.max(this.chunkBytes, total));
      this.taken = 0;
    }
    const at = this.taken;
    this.taken += total;
    this.held += total;
    return { ends: new Int32Array(this.chunk, at, routes), bytes: new Uint8Array(this.chunk, at + 4 * routes, bytes) };
  }

  /** Every choice's prepared bytes dropped; their memory goes once no answer holds it. */
  startAgain(): void {
    if (this.held === 0 && this.chunk === undefined) return;
    this.onStartAgain();
    this.held = 0;
    this.chunk = undefined;
  }

  /** Bytes held now (tests, the memory docs). */
  get bytes(): number {
    return this.held;
  }
}

/** The bound shared by every group of one snapshot, in bytes. */
export class ChosenRoutesMemo {
  private kept = 0;
  private held = 0;
  private readonly maps: Map<number, ChosenRoutes>[] = [];
  /** The maps by SnapshotGroup.index, made at a group's first choice. */
  private readonly byGroup: (Map<number, ChosenRoutes> | undefined)[] = [];
  /** Where the next choice's arrays are cut from, and how much of it is taken. */
  private chunk: ArrayBuffer | undefined;
  private taken = 0;
  private chunkBytes = FIRST_CHOICE_CHUNK_BYTES / 2;
  /** The doorkeeper: a bit per prefix hash, set at its first request; all cleared after `forgetAfter` first requests. */
  private readonly seen = new Int32Array(DOORKEEPER_BYTES / 4);
  private firstRequests = 0;
  private readonly forgetAfter: number;

  /** The kept choices' prepared route bytes (ChosenRoutes.prepare), in a bound of their own. */
  readonly preparedBytes: PreparedRouteBytes;

  constructor(private readonly capacityBytes = CHOSEN_ROUTES_BYTES_PER_SNAPSHOT, preparedCapacityBytes = PREPARED_ROUTE_BYTES_PER_SNAPSHOT) {
    this.forgetAfter = Math.max(1, Math.floor(capacityBytes / TYPICAL_CHOICE_BYTES));
    this.preparedBytes = new PreparedRouteBytes(preparedCapacityBytes, () => this.dropPrepared());
  }

  /** Every kept choice without its prepared bytes (PreparedRouteBytes starting again). */
  private dropPrepared(): void {
    for (const map of this.maps) {
      for (const chosen of map.values()) {
        chosen.prepared = undefined;
        chosen.preparedEnds = undefined;
      }
    }
  }

  /**
   * Whether a choice for longest prefix `key` in the group at `group`
   * (SnapshotGroup.index) is worth keeping: true when that pair was asked
   * since the doorkeeper last forgot (a hash, so now and then a first
   * request passes too). The pair and not the prefix alone: a prefix asked
   * once in each of many groups is as many first requests, each answered by
   * the full path, none kept (keeping them cost the memo-cold bench a copy
   * and a memo entry per request, never read).
   */
  admits(group: number, key: number): boolean {
    const hash = Math.imul((key + 1) ^ Math.imul(group + 1, 0x85ebca6b), 0x9e3779b1) >>> (32 - SEEN_BITS_LOG2);
    const bit = 1 << (hash & 31);
    if ((this.seen[hash >>> 5]! & bit) !== 0) return true;
    if (++this.firstRequests > this.forgetAfter) {
      this.seen.fill(0);
      this.firstRequests = 1;
    }
    this.seen[hash >>> 5]! |= bit;
    return false;
  }

  /** A map of its own, counted against this memo's bound. */
  groupMap(): Map<number, ChosenRoutes> {
    const map = new Map<number, ChosenRoutes>();
    this.maps.push(map);
    return map;
  }

  /** The map of the snapshot's group at `index` (SnapshotGroup.index). */
  mapOf(index: number): Map<number, ChosenRoutes> {
    return this.byGroup[index] ?? (this.byGroup[index] = this.groupMap());
  }

  keep(map: Map<number, ChosenRoutes>, key: number, chosen: ChosenRoutes): void {
    const replaced = map.get(key);
    if (replaced !== undefined) {
      this.kept--;
      this.held -= replaced.bytes;
    }
    this.makeRoom(chosen.bytes);
    map.set(key, chosen);
    this.kept++;
    this.held += chosen.bytes;
  }

  /** Starts again empty when `bytes` more would not fit. */
  private makeRoom(bytes: number): void {
    if (this.held + bytes <= this.capacityBytes) return;
    // The choices go, and with them every prepared byte: start those again too (before the maps are emptied).
    this.preparedBytes.startAgain();
    for (const each of this.maps) each.clear();
    this.kept = 0;
    this.held = 0;
    // Never cut again: a choice being answered from keeps its arrays until it is collected.
    this.chunk = undefined;
  }

  /**
   * Arrays for a choice of `routes` routes about to be kept, cut from the
   * current chunk (a new one when it is full). Room is made first, so that
   * the choice is not the only one left in a chunk of those let go.
   */
  arrays(routes: number): { rows: Int32Array; costs: Float64Array } {
    const bytes = routes * BYTES_PER_ROUTE;
    this.makeRoom(CHOICE_OVERHEAD_BYTES + bytes);
    if (this.chunk === undefined || this.taken + bytes > this.chunk.byteLength) {
      this.chunkBytes = Math.min(CHOICE_CHUNK_BYTES, 2 * this.chunkBytes);
      this.chunk = new ArrayBuffer(Math.max(this.chunkBytes, bytes));
      this.taken = 0;
    }
    const at = this.taken;
    // Costs first, and the next choice at a multiple of 8 bytes: its Float64Array stays aligned.
    this.taken += (bytes + 7) & ~7;
    return {
      costs: new Float64Array(this.chunk, at, routes),
      rows: new Int32Array(this.chunk, at + 8 * routes, 2 * routes),
    };
  }

  /** Choices kept now (tests). */
  get size(): number {
    return this.kept;
  }

  /** Their bytes (ChosenRoutes.bytes), at most the capacity. */
  get bytes(): number {
    return this.held;
  }
}

const NO_DRAW = (): number => {
  throw new Error('a policy without weight drew a random number');
};

/**
 * The routes `keys` (a policy without `weight`) chooses in `group` for
 * `cld` at `tMs`: kept, or chosen now and kept. Undefined when the caller
 * takes the full path: the prefix's first request (the doorkeeper), or a
 * cost beyond 2^53 micro-units (a BigInt, not kept).
 */
export function chosenRoutes(memo: ChosenRoutesMemo, group: SnapshotGroup, keys: readonly PolicyKey[], prefixes: PrefixPool, cld: string, tMs: number, rules: RuleCache): ChosenRoutes | undefined {
  const key = prefixes.longestIdOf(cld);
  const map = memo.mapOf(group.index);
  const kept = map.get(key);
  if (kept !== undefined) {
    if (kept.from <= tMs && tMs < kept.until) return kept;
  } else if (!memo.admits(group.index, key)) {
    return undefined;
  }
  const window = new Float64Array([-Infinity, Infinity]);
  const found = snapshotCandidates(group, prefixes, cld, tMs, rules, false, window);
  const routes = selectRoutes(found.candidates, { keys, random: NO_DRAW, maxRoutes: undefined }).routes;
  for (const route of routes) if (typeof route.costMicros === 'bigint') return undefined;
  const { rows, costs } = memo.arrays(routes.length);
  for (let k = 0; k < routes.length; k++) {
    const { entry, route, costMicros } = routes[k]!;
    const entryIndex = group.entries.findIndex((e) => e.row === entry);
    rows[2 * k] = entryIndex;
    rows[2 * k + 1] = rowIndexOf(route)!;
    costs[k] = costMicros as number;
  }
  const sameNumbers = routes.every((route) => route.cliRule.substitutions.length === 0 && route.cldRule.substitutions.length === 0);
  const chosen = new ChosenRoutes(window[0]!, window[1]!, group.entries, rows, costs, found.badRules, memo, sameNumbers);
  memo.keep(map, key, chosen);
  return chosen;
}

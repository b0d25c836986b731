// The order listRoutes lists a destination set in (inspect.ts): its
// prefixes in code point order, each prefix's rows as they lie in the set
// (route-set.ts keeps them by activation, then i_route). Computed once per
// set, on its first listing without a CLD, and kept with it: a set is
// immutable and replaced whole by a refresh.
//
// A set may hold a million prefixes, and sorting them takes a second: the
// work is cut into pieces of at most LISTING_PIECE units (rows looked at or
// comparisons), and the event loop is given back between two pieces, so
// that every other request of the process (getRoutes, ping on another
// listener, the supervisor's own work) is served meanwhile. Concurrent
// listings of one set wait for the same computation.

import { setImmediate as nextTurn } from 'node:timers/promises';
import { LISTING_PIECE } from '../../limits.js';
import type { RouteSet } from '../snapshot/route-set.js';

/**
 * Rows of a set in listing order, as runs of consecutive rows: run b starts
 * at row firsts[b], and ends[b] rows lie in runs 0..b.
 */
export interface RowRuns {
  readonly firsts: ArrayLike<number>;
  readonly ends: ArrayLike<number>;
}

/** Every row of a set: a run per prefix, prefixes in code point order. */
export interface ListingOrder extends RowRuns {
  readonly firsts: Int32Array;
  readonly ends: Int32Array;
}

const orders = new WeakMap<RouteSet, ListingOrder | Promise<ListingOrder>>();

/** The set's listing order: at once when it is known, else once computed (in pieces). */
export function listingOrder(set: RouteSet): ListingOrder | Promise<ListingOrder> {
  let order = orders.get(set);
  if (order === undefined) {
    const computing = computeOrder(set).then((done) => {
      orders.set(set, done);
      return done;
    });
    // A failure (none is expected: pure computation) must not stay cached.
    computing.catch(() => orders.delete(set));
    orders.set(set, computing);
    order = computing;
  }
  return order;
}

/**
 * The rows of a prefix and of its own prefixes that the set holds: those an
 * entry considers for a CLD whose prefix ids (PrefixPool.prefixIdsOf,
 * longest first) are `longestFirst`. In listing order, as a prefix sorts
 * before every longer string it starts. At most one run per character of
 * the CLD: no row of the set is looked at but these.
 */
export function matchingRows(set: RouteSet, longestFirst: readonly number[]): RowRuns {
  const firsts: number[] = [];
  const ends: number[] = [];
  let rows = 0;
  for (let k = longestFirst.length - 1; k >= 0; k--) {
    const first = set.firstRow(longestFirst[k]!);
    if (first < 0) continue;
    rows += set.prefixEnd(first) - first;
    firsts.push(first);
    ends.push(rows);
  }
  return { firsts, ends };
}

/** How many rows the runs hold. */
export function rowCount(runs: RowRuns): number {
  return runs.ends.length === 0 ? 0 : runs.ends[runs.ends.length - 1]!;
}

/** Calls `visit` with the rows at positions from..to-1 of the runs (0 ≤ from, to ≤ rowCount). */
export function visitRows(runs: RowRuns, from: number, to: number, visit: (row: number) => void): void {
  if (from >= to) return;
  const { firsts, ends } = runs;
  // The first run whose end is past `from`.
  let low = 0;
  let high = ends.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (ends[middle]! > from) high = middle;
    else low = middle + 1;
  }
  let row = firsts[low]! + from - (low === 0 ? 0 : ends[low - 1]!);
  for (let k = from; k < to; k++) {
    if (k === ends[low]) row = firsts[++low]!;
    visit(row++);
  }
}

/** Counts units of work; the worker gives the event loop back once a piece is full. */
export class Pieces {
  private done = 0;

  constructor(private readonly piece = LISTING_PIECE) {}

  /** Counts `units` more; true once the piece is full: then `await pause()`. (No await per unit: each would cost a turn of the microtask queue.) */
  full(units: number): boolean {
    this.done += units;
    return this.done >= this.piece;
  }

  /** The next turn of the event loop; a new piece starts. */
  pause(): Promise<void> {
    this.done = 0;
    return nextTurn();
  }
}

async function computeOrder(set: RouteSet): Promise<ListingOrder> {
  const pieces = new Pieces();
  const text = set.prefixes.text;
  // The first row of each prefix, in the set's order (by prefix id).
  const starts = new Int32Array(set.size);
  let count = 0;
  for (let i = 0; i < set.size; i++) {
    if (i === 0 || set.prefixIdOf(i) !== set.prefixIdOf(i - 1)) starts[count++] = i;
    if (pieces.full(1)) await pieces.pause();
  }
  const firsts = await sortInPieces(starts.slice(0, count), (a, b) => compareCodePoints(text[set.prefixIdOf(a)]!, text[set.prefixIdOf(b)]!), pieces);
  const ends = new Int32Array(count);
  let rows = 0;
  for (let b = 0; b < count; b++) {
    const first = firsts[b]!;
    rows += set.prefixEnd(first) - first;
    ends[b] = rows;
    if (pieces.full(1)) await pieces.pause();
  }
  return { firsts, ends };
}

/** Rows sorted by the native sort at once: about ten comparisons each, a fraction of a piece. */
const RUN = 1024;

/**
 * `items` sorted by `compare` (a bottom-up merge sort: runs of RUN sorted at
 * once, then merged pairwise), giving the event loop back between pieces.
 * Sorts `items` in place or returns a sorted copy.
 */
export async function sortInPieces(items: Int32Array, compare: (a: number, b: number) => number, pieces = new Pieces()): Promise<Int32Array> {
  const n = items.length;
  for (let start = 0; start < n; start += RUN) {
    items.subarray(start, Math.min(n, start + RUN)).sort(compare);
    if (pieces.full(RUN * 10)) await pieces.pause();
  }
  let from: Int32Array = items;
  let to: Int32Array = new Int32Array(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let left = 0; left < n; left += 2 * width) {
      const middle = Math.min(n, left + width);
      const right = Math.min(n, left + 2 * width);
      let i = left;
      let j = middle;
      for (let k = left; k < right; k++) {
        to[k] = j >= right || (i < middle && compare(from[i]!, from[j]!) <= 0) ? from[i++]! : from[j++]!;
        if (pieces.full(1)) await pieces.pause();
      }
    }
    [from, to] = [to, from];
  }
  return from;
}

/**
 * Code point order (utf8mb4's binary order, which the SQL source sorts by).
 * UTF-16 units order the same except that surrogates (U+D800-DFFF, the
 * halves of code points past U+FFFF) must sort after U+E000-FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

// One destination set's routes, held compactly (snapshot.md "What is
// held"): a typed record per route, grouped by prefix, prefixes, amounts and
// instants interned (interned.ts), so that a million routes take tens of
// megabytes and no object per route. Immutable once built; a changed set is
// rebuilt whole and swapped in a new snapshot. Pure: rows in, lookups out.
//
// Longest-prefix match without string comparisons per set: every distinct
// prefix of the database gets an integer id (PrefixPool); a request finds
// once which ids start its CLD (at most one hash lookup per CLD length), and
// each destination set then answers "do I hold id X" with a probe of its
// own hash table. A group of twenty entries costs one CLD walk and twenty
// probes. The record layout is route-record.ts's; a route read from a
// record is a RouteView (route-view.ts); sets are built by
// route-set-builder.ts.

import type { RouteRow } from '../rules/model.js';
import type { DescriptionPool, MoneyTable, PrefixPool, TimeTable } from './interned.js';
import { formatMicrosAny } from '../rules/cost.js';
import { NO_DESCRIPTION, RECORD, type Records } from './route-record.js';
import { RouteView } from './route-view.js';

const { INTS, I_ROUTE, FLAGS, PRICE_1, PRICE_N, INTERVAL_1, INTERVAL_N, PREFIX_ID, ACTIVATION, EXPIRATION, FORBIDDEN, PRICE_1_MICROS, PRICE_N_MICROS, BAD } = RECORD;

/** matchIndex result: no row's prefix starts the CLD. */
export const NO_MATCH = -1;
/** matchIndex result: some rows' prefixes start the CLD, none is active at t. */
export const NOT_ACTIVE = -2;


/** The prefix hash table is at most this full: one or two probes, each in one cache line, about 11 bytes per distinct prefix. */
const MAX_LOAD = 0.7;

export class RouteSet {
  private readonly ints: Int32Array;
  /** TimeTable.ms: the instants the records index. */
  private readonly instants: number[];
  /**
   * Prefix id -> its first row, open addressing with linear probing: slot k
   * holds (id + 1, row) at 2k, 2k+1; 0 is empty. A probe is one cache line
   * where a binary search over a set's prefixes is a dozen; the rows of a
   * prefix are consecutive, so the first row leads to the others.
   */
  private readonly table: Int32Array;
  /** Slots of the table: any size (no power of two), so that it stays at MAX_LOAD. */
  private readonly slots: number;

  /** Use RouteSetBuilder: it groups the rows by prefix id, which the search relies on. */
  constructor(
    readonly i_destination_set: number,
    records: Records,
    readonly size: number,
    readonly money: MoneyTable,
    readonly prefixes: PrefixPool,
    times: TimeTable,
    /** The database's checksum of these rows when they were read (reconcile compares it). */
    readonly checksum: string,
    /** Rows left out of routing because a value could not be held (route-values.ts). */
    readonly badRows = 0,
    /** Each row's description id + 1 (0 = NULL); undefined when no row has one. */
    private readonly descriptions?: { readonly ids: Int32Array; readonly pool: DescriptionPool },
  ) {
    this.ints = records.ints;
    this.instants = times.ms;
    const prefixOf = (i: number): number => this.ints[i * INTS + PREFIX_ID]!;
    let blocks = 0;
    for (let i = 0; i < size; i++) if (i === 0 || prefixOf(i) !== prefixOf(i - 1)) blocks++;
    this.slots = Math.ceil(blocks / MAX_LOAD) + 1;
    this.table = new Int32Array(this.slots * 2);
    for (let i = 0; i < size; i++) {
      if (i === 0 || prefixOf(i) !== prefixOf(i - 1)) {
        let slot = slotOf(prefixOf(i), this.slots);
        while (this.table[slot * 2] !== 0) slot = slot + 1 === this.slots ? 0 : slot + 1;
        this.table[slot * 2] = prefixOf(i) + 1;
        this.table[slot * 2 + 1] = i;
      }
    }
  }

  /** Row i's description (routes.description), or null. */
  description(i: number): string | null {
    const id = this.descriptionId(i);
    return id === NO_DESCRIPTION ? null : this.descriptions!.pool.text[id - 1]!;
  }

  /** Row i's description as its pool id + 1, 0 for NULL (a builder copying the row keeps it). */
  descriptionId(i: number): number {
    return this.descriptions === undefined ? NO_DESCRIPTION : this.descriptions.ids[i]!;
  }

  /** Row i had a value the daemon cannot hold: its entry is left out (`bad_row`). */
  isBad(i: number): boolean {
    return (this.ints[i * INTS + FLAGS]! & BAD) !== 0;
  }

  isForbidden(i: number): boolean {
    return (this.ints[i * INTS + FLAGS]! & FORBIDDEN) !== 0;
  }

  isActive(i: number, tMs: number): boolean {
    const at = i * INTS;
    const expiration = this.instants[this.ints[at + EXPIRATION]!]!;
    return this.instants[this.ints[at + ACTIVATION]!]! <= tMs && (expiration !== expiration || tMs < expiration);
  }

  /** Code points of the prefix of row i. */
  prefixLength(i: number): number {
    return this.prefixes.codePoints[this.ints[i * INTS + PREFIX_ID]!]!;
  }

  /** Row i's price_1 in exact micro-units (NaN beyond 2^53: cost.ts then takes the text). */
  price1Micros(i: number): number {
    const at = i * INTS;
    return (this.ints[at + FLAGS]! & PRICE_1_MICROS) !== 0 ? this.ints[at + PRICE_1]! : this.money.micros[this.ints[at + PRICE_1]!]!;
  }

  priceNMicros(i: number): number {
    const at = i * INTS;
    return (this.ints[at + FLAGS]! & PRICE_N_MICROS) !== 0 ? this.ints[at + PRICE_N]! : this.money.micros[this.ints[at + PRICE_N]!]!;
  }

  /** Row i's price_1 as the database sent it. */
  price1Text(i: number): string {
    const at = i * INTS;
    return (this.ints[at + FLAGS]! & PRICE_1_MICROS) !== 0 ? formatMicrosAny(this.ints[at + PRICE_1]!) : this.money.text[this.ints[at + PRICE_1]!]!;
  }

  priceNText(i: number): string {
    const at = i * INTS;
    return (this.ints[at + FLAGS]! & PRICE_N_MICROS) !== 0 ? formatMicrosAny(this.ints[at + PRICE_N]!) : this.money.text[this.ints[at + PRICE_N]!]!;
  }

  /** Row i's price_1 when the record holds it (the answer writes it from the number, no string), else NaN. */
  price1InRecord(i: number): number {
    const at = i * INTS;
    return (this.ints[at + FLAGS]! & PRICE_1_MICROS) !== 0 ? this.ints[at + PRICE_1]! : NaN;
  }

  priceNInRecord(i: number): number {
    const at = i * INTS;
    return (this.ints[at + FLAGS]! & PRICE_N_MICROS) !== 0 ? this.ints[at + PRICE_N]! : NaN;
  }

  interval1(i: number): number {
    return this.ints[i * INTS + INTERVAL_1]!;
  }

  intervalN(i: number): number {
    return this.ints[i * INTS + INTERVAL_N]!;
  }

  /**
   * The route of this set at `tMs` for a CLD whose prefixes in the pool are
   * `prefixIds` (PrefixPool.prefixIdsOf, longest first): match.ts's
   * matchRoute on the records. The longest prefix with an active row; among
   * its rows the latest activation, then the highest i_route. A longer prefix
   * with no active row does not hide a shorter active one. Returns the row
   * index, or NO_MATCH / NOT_ACTIVE.
   *
   * With `window` ([from, until) in epoch ms), narrows it to the instants
   * at which every row this match looked at is active or not as at `tMs`:
   * over that window the result is the same (chosen-routes.ts keeps it).
   */
  matchIndex(prefixIds: readonly number[], tMs: number, window?: Float64Array): number {
    let matchedInactive = false;
    const ints = this.ints;
    for (let k = 0; k < prefixIds.length; k++) {
      const id = prefixIds[k]!;
      const first = this.firstRow(id);
      if (first < 0) continue;
      let best = -1;
      for (let i = first; i < this.size && ints[i * INTS + PREFIX_ID] === id; i++) {
        if (window !== undefined) this.narrow(i, tMs, window);
        if (!this.isActive(i, tMs)) {
          matchedInactive = true;
          continue;
        }
        if (best < 0 || this.supersedes(i, best)) best = i;
      }
      if (best >= 0) return best;
    }
    return matchedInactive ? NOT_ACTIVE : NO_MATCH;
  }

  /** Narrows [window[0], window[1]) to the instants at which row i is active exactly when it is at tMs. */
  private narrow(i: number, tMs: number, window: Float64Array): void {
    const at = i * INTS;
    const activation = this.instants[this.ints[at + ACTIVATION]!]!;
    const expiration = this.instants[this.ints[at + EXPIRATION]!]!;
    if (tMs < activation) {
      if (activation < window[1]!) window[1] = activation;
    } else if (expiration === expiration && expiration <= tMs) {
      if (expiration > window[0]!) window[0] = expiration;
    } else {
      if (activation > window[0]!) window[0] = activation;
      if (expiration === expiration && expiration < window[1]!) window[1] = expiration;
    }
  }

  /**
   * The route at index i as the pure steps see a row: a view that reads the
   * record when a field is asked for. A request makes one per candidate,
   * and most fields are read once (by the answer's JSON) or never.
   */
  route(i: number): RouteRow {
    return new RouteView(this, i);
  }

  /** Copies row i's record (RECORD.INTS integers) to `into` at `at`. */
  copyRecord(i: number, into: Int32Array, at: number): void {
    into.set(this.ints.subarray(i * INTS, (i + 1) * INTS), at);
  }

  /** A price of a copied record that is not held in it (RECORD flags): the amount's text. */
  moneyText(index: number): string {
    return this.money.text[index]!;
  }

  /** Field readers for RouteView. */
  int(i: number, field: number): number {
    return this.ints[i * INTS + field]!;
  }

  instant(index: number): number {
    return this.instants[index]!;
  }

  /** The prefix id of row i. */
  prefixIdOf(i: number): number {
    return this.ints[i * INTS + PREFIX_ID]!;
  }

  /** The row after the last one of the prefix whose rows start at `first` (a prefix's rows lie together). */
  prefixEnd(first: number): number {
    const id = this.ints[first * INTS + PREFIX_ID]!;
    let end = first + 1;
    while (end < this.size && this.ints[end * INTS + PREFIX_ID] === id) end++;
    return end;
  }

  /** The first row of prefix id `id`, or -1. */
  firstRow(id: number): number {
    const table = this.table;
    const key = id + 1;
    for (let slot = slotOf(id, this.slots); ; slot = slot + 1 === this.slots ? 0 : slot + 1) {
      const at = table[slot * 2]!;
      if (at === key) return table[slot * 2 + 1]!;
      if (at === 0) return -1;
    }
  }

  private supersedes(a: number, b: number): boolean {
    // Same prefix here: latest activation, then the row inserted last.
    const activationA = this.instants[this.ints[a * INTS + ACTIVATION]!]!;
    const activationB = this.instants[this.ints[b * INTS + ACTIVATION]!]!;
    if (activationA !== activationB) return activationA > activationB;
    return this.ints[a * INTS + I_ROUTE]! >>> 0 > this.ints[b * INTS + I_ROUTE]! >>> 0;
  }
}

/** Fibonacci hashing (id * 2^32/phi, scaled to the table): consecutive ids, the interning order, spread over it. */
function slotOf(id: number, slots: number): number {
  return Math.floor(((Math.imul(id, 0x9e3779b1) >>> 0) * slots) / 4294967296);
}

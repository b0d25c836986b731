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
// probes.

import type { RouteRow } from '../rules/model.js';
import { DescriptionPool, type MoneyTable, type PrefixPool, type TimeTable } from './interned.js';
import { formatMicrosAny } from '../rules/cost.js';
import type { BadValue } from '../rules/model.js';

const HUNTSTOP = 1;
const FORBIDDEN = 2;
const TIMEOUT_NULL = 4;
const TIMEOUT_1XX_NULL = 8;
/** PRICE_1 / PRICE_N hold the amount's micro-units themselves, not a MoneyTable index. */
const PRICE_1_MICROS = 16;
const PRICE_N_MICROS = 32;
/** A value of the row could not be held (route-values.ts): it matches, and its entry is left out. */
const BAD = 64;

/** matchIndex result: no row's prefix starts the CLD. */
export const NO_MATCH = -1;
/** matchIndex result: some rows' prefixes start the CLD, none is active at t. */
export const NOT_ACTIVE = -2;


// A route is one record of INTS 32-bit integers, row by row: a lookup reads
// a row's fields from one or two cache lines, where a column per field
// would cost a cache miss per field (measured: a third of the lookup time at
// a million routes). Amounts, prefixes and instants are indexes into their
// tables: 52 bytes a route with the row's CRC32. An amount in canonical DECIMAL(16,6) text
// that fits 32 bits as micro-units (below 2,147 units, nearly every rate)
// is held in the record itself: no table entry, and no cache miss on a
// string when a request costs the route and writes its price.
const I_ROUTE = 0;
const PREFERENCE = 1;
const FLAGS = 2;
const TIMEOUT = 3;
const TIMEOUT_1XX = 4;
const PRICE_1 = 5;
const PRICE_N = 6;
const INTERVAL_1 = 7;
const INTERVAL_N = 8;
const PREFIX_ID = 9;
/** TimeTable indexes: activation, expiration (NaN = never). */
const ACTIVATION = 10;
const EXPIRATION = 11;
/** The server's CRC32 of the row (snapshot-sql.ts ROW_CRC): a set's checksum is its count and their sum, kept exact however the set was refreshed. */
const CRC = 12;
const INTS = 13;

/**
 * The record layout, for readers of a copy of a record (copyRecord): a
 * snapshot's chosen routes keep their records side by side, and the answer
 * is written from them (answer-json.ts); and for the builder that writes
 * records (route-set-builder.ts).
 */
export const RECORD = Object.freeze({
  INTS, I_ROUTE, PREFERENCE, FLAGS, TIMEOUT, TIMEOUT_1XX, PRICE_1, PRICE_N, INTERVAL_1, INTERVAL_N, PREFIX_ID, ACTIVATION, EXPIRATION, CRC,
  HUNTSTOP, FORBIDDEN, TIMEOUT_NULL, TIMEOUT_1XX_NULL, PRICE_1_MICROS, PRICE_N_MICROS, BAD,
});

/** What a record says of its bad value: that there was one (the value itself was logged at load). */
const HELD_AS_BAD: BadValue = Object.freeze({ column: '?', value: '?', reason: 'a value the daemon cannot hold exactly (logged when the row was read)' });

/** The records of a RouteSet (a builder's, or the set's own). */
export interface Records {
  readonly ints: Int32Array;
}

export function allocate(n: number): Records {
  return { ints: new Int32Array(n * INTS) };
}

// Descriptions (listRoutes shows them, routing never reads them) are kept
// out of the records: an Int32Array beside them, DescriptionPool id + 1 per
// row (0 = NULL), and none at all for a set without descriptions. So the
// records a lookup reads stay as they are, and data that never came from a
// rate deck costs nothing (docs/benchmark.md, "Route descriptions").
export const NO_DESCRIPTION = 0;

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

/**
 * What a route read from a record offers beyond RouteRow: its prices as
 * micro-units when the record holds them (NaN when not), for writers that
 * can write a number without making its text (answer-json.ts).
 */
export interface PricesInRecord {
  readonly price_1_micros: number;
  readonly price_n_micros: number;
}

/** The row index of a route read from a RouteSet (RouteSet.route), undefined for any other RouteRow. */
export function rowIndexOf(route: RouteRow): number | undefined {
  return route instanceof RouteView ? route.i : undefined;
}

/** A RouteRow read from a RouteSet's record (RouteSet.route). */
class RouteView implements RouteRow, PricesInRecord {
  constructor(
    private readonly set: RouteSet,
    /** The row in `set` (rowIndexOf). */
    readonly i: number,
  ) {}

  get i_route(): number {
    return this.set.int(this.i, I_ROUTE) >>> 0;
  }

  get i_destination_set(): number {
    return this.set.i_destination_set;
  }

  get prefix(): string {
    return this.set.prefixes.text[this.set.int(this.i, PREFIX_ID)]!;
  }

  get preference(): number {
    return this.set.int(this.i, PREFERENCE);
  }

  get huntstop(): boolean {
    return (this.set.int(this.i, FLAGS) & HUNTSTOP) !== 0;
  }

  get timeout(): number | null {
    return (this.set.int(this.i, FLAGS) & TIMEOUT_NULL) !== 0 ? null : this.set.int(this.i, TIMEOUT);
  }

  get timeout_1xx(): number | null {
    return (this.set.int(this.i, FLAGS) & TIMEOUT_1XX_NULL) !== 0 ? null : this.set.int(this.i, TIMEOUT_1XX);
  }

  get price_1(): string {
    return this.set.price1Text(this.i);
  }

  get price_n(): string {
    return this.set.priceNText(this.i);
  }

  /** The prices' micro-units when the record holds them, else NaN (see PricesInRecord). */
  get price_1_micros(): number {
    return this.set.price1InRecord(this.i);
  }

  get price_n_micros(): number {
    return this.set.priceNInRecord(this.i);
  }

  get interval_1(): number {
    return this.set.int(this.i, INTERVAL_1);
  }

  get interval_n(): number {
    return this.set.int(this.i, INTERVAL_N);
  }

  get forbidden(): boolean {
    return (this.set.int(this.i, FLAGS) & FORBIDDEN) !== 0;
  }

  /** The record keeps only that a value could not be held; the log named it when the row was read. */
  get bad(): BadValue | undefined {
    return (this.set.int(this.i, FLAGS) & BAD) !== 0 ? HELD_AS_BAD : undefined;
  }

  get activation(): number {
    return this.set.instant(this.set.int(this.i, ACTIVATION));
  }

  get expiration(): number | null {
    const expiration = this.set.instant(this.set.int(this.i, EXPIRATION));
    return expiration !== expiration ? null : expiration;
  }
}

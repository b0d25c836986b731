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
import { formatMicrosAny, int32Micros } from '../rules/cost.js';
import type { RouteInput } from '../rules/route-values.js';
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
 * is written from them (answer-json.ts).
 */
export const RECORD = Object.freeze({
  INTS, I_ROUTE, PREFERENCE, FLAGS, TIMEOUT, TIMEOUT_1XX, PRICE_1, PRICE_N, INTERVAL_1, INTERVAL_N, PREFIX_ID,
  HUNTSTOP, TIMEOUT_NULL, TIMEOUT_1XX_NULL, PRICE_1_MICROS, PRICE_N_MICROS, BAD,
});

/** A row left out of routing because a value of it could not be held (for the log: one line per row). */
export interface BadRouteReport extends BadValue {
  readonly i_destination_set: number;
  readonly i_route: number;
}

/** What a record says of its bad value: that there was one (the value itself was logged at load). */
const HELD_AS_BAD: BadValue = Object.freeze({ column: '?', value: '?', reason: 'a value the daemon cannot hold exactly (logged when the row was read)' });

/** Bad rows a builder keeps for the log between two takeBadRows(); more are counted, not kept. */
const BAD_ROWS_KEPT = 1000;

/** The records of a RouteSet (a builder's, or the set's own). */
interface Records {
  readonly ints: Int32Array;
}

function allocate(n: number): Records {
  return { ints: new Int32Array(n * INTS) };
}

// Descriptions (listRoutes shows them, routing never reads them) are kept
// out of the records: an Int32Array beside them, DescriptionPool id + 1 per
// row (0 = NULL), and none at all for a set without descriptions. So the
// records a lookup reads stay as they are, and data that never came from a
// rate deck costs nothing (docs/benchmark.md, "Route descriptions").
const NO_DESCRIPTION = 0;

/**
 * Gives the memory of records no one will read again back at once. A
 * builder's scratch lives through a whole set's rows, so V8 has moved it to
 * the old generation, and dropped it would wait for the next full
 * collection: after a load that is tens of megabytes for as long as traffic
 * makes no old garbage (docs/operations.md, "Memory"). Transferred, the
 * memory belongs to a new, unreferenced ArrayBuffer, which the next young
 * collection frees; `records` is detached (length 0).
 */
function release(records: Records): void {
  structuredClone(records.ints.buffer, { transfer: [records.ints.buffer] });
}

/** Scratch records a builder keeps between sets (3 MiB); a larger set's scratch is let go once it is built. */
export const BUILDER_SCRATCH_KEPT_ROUTES = 65_536;
const BUILDER_SCRATCH_FIRST_ROUTES = 256;

/**
 * Collects a set's rows as they stream in, straight into typed records: no
 * object per row survives the row. One builder serves set after set (begin,
 * add..., build): its scratch records grow to the largest set and are
 * reused, so a full load allocates each set's records once, exactly sized,
 * and leaves no growing buffers behind (the peak-RSS bound of snapshot.md).
 * The follower keeps its builder for the daemon's life (refreshes use it),
 * so scratch beyond BUILDER_SCRATCH_KEPT_ROUTES is dropped after each build:
 * a set of a million routes would otherwise hold 50 MiB of scratch forever.
 */
export class RouteSetBuilder {
  private records = allocate(BUILDER_SCRATCH_FIRST_ROUTES);
  private descriptionIds = new Int32Array(BUILDER_SCRATCH_FIRST_ROUTES);
  /** Whether a row of the set being built has a description. */
  private described = false;
  private capacity = BUILDER_SCRATCH_FIRST_ROUTES;
  private size = 0;
  private i_destination_set = 0;
  /** Bad rows of the set being built. */
  private bad = 0;
  /** The first records are in the set's order (beginFrom): build() merges the others in. */
  private sorted = 0;
  private badReports: BadRouteReport[] = [];
  private badSeen = 0;

  constructor(
    /** The pools its sets intern into: shared by every set of one full load and the refreshes after it. */
    readonly money: MoneyTable,
    readonly prefixes: PrefixPool,
    private readonly times: TimeTable,
    /** Shared like the other tables; by default the builder's own, which lives as long as the full load that made it. */
    private readonly descriptions: DescriptionPool = new DescriptionPool(),
  ) {}

  /** Starts the rows of another set (what was added and not built is dropped). */
  begin(i_destination_set: number): void {
    this.i_destination_set = i_destination_set;
    this.size = 0;
    this.bad = 0;
    this.sorted = 0;
    this.described = false;
    // A read abandoned half-way (a failed refresh) built nothing.
    this.shrink();
  }

  /** The bad rows met since the last call (at most BAD_ROWS_KEPT of them) and how many there were in all. */
  takeBadRows(): { reports: BadRouteReport[]; total: number } {
    const taken = { reports: this.badReports, total: this.badSeen };
    this.badReports = [];
    this.badSeen = 0;
    return taken;
  }

  /**
   * One row, with the server's CRC32 of it (ROW_CRC; 0 where no server
   * computed one: pure tests) and its description (routes.description,
   * NULL by default).
   */
  add(row: RouteInput, crc = 0, description: string | null = null): void {
    if (this.size === this.capacity) this.grow();
    const { ints } = this.records;
    const i = this.size++;
    if (description === null) {
      this.descriptionIds[i] = NO_DESCRIPTION;
    } else {
      this.descriptionIds[i] = this.descriptions.intern(description) + 1;
      this.described = true;
    }
    const at = i * INTS;
    ints[at + I_ROUTE] = row.i_route;
    ints[at + PREFERENCE] = row.preference;
    const price1 = int32Micros(row.price_1);
    const priceN = int32Micros(row.price_n);
    ints[at + FLAGS] =
      (row.huntstop ? HUNTSTOP : 0) | (row.forbidden ? FORBIDDEN : 0) | (row.timeout === null ? TIMEOUT_NULL : 0) | (row.timeout_1xx === null ? TIMEOUT_1XX_NULL : 0) |
      (price1 === price1 ? PRICE_1_MICROS : 0) | (priceN === priceN ? PRICE_N_MICROS : 0) | (row.bad !== undefined ? BAD : 0);
    if (row.bad !== undefined) {
      this.bad += 1;
      this.badSeen += 1;
      if (this.badReports.length < BAD_ROWS_KEPT) this.badReports.push({ i_destination_set: this.i_destination_set, i_route: row.i_route, ...row.bad });
    }
    ints[at + TIMEOUT] = row.timeout ?? 0;
    ints[at + TIMEOUT_1XX] = row.timeout_1xx ?? 0;
    ints[at + PRICE_1] = price1 === price1 ? price1 : this.money.intern(row.price_1);
    ints[at + PRICE_N] = priceN === priceN ? priceN : this.money.intern(row.price_n);
    ints[at + INTERVAL_1] = row.interval_1;
    ints[at + INTERVAL_N] = row.interval_n;
    ints[at + PREFIX_ID] = this.prefixes.intern(row.prefix);
    ints[at + ACTIVATION] = this.times.intern(row.activation);
    ints[at + EXPIRATION] = this.times.intern(row.expiration ?? NaN);
    ints[at + CRC] = crc;
  }

  /**
   * Starts `set` again from its own records, less those of the routes in
   * `drop` (changed or deleted): add() then brings their rows as they are
   * now, and build() makes the new set. The records are copied as they are:
   * the set was built on this builder's pools.
   */
  beginFrom(set: RouteSet, drop: ReadonlySet<number>): void {
    this.begin(set.i_destination_set);
    for (let i = 0; i < set.size; i++) {
      if (drop.has(set.int(i, I_ROUTE) >>> 0)) continue;
      if (this.size === this.capacity) this.grow();
      set.copyRecord(i, this.records.ints, this.size * INTS);
      const description = set.descriptionId(i);
      this.descriptionIds[this.size] = description;
      if (description !== NO_DESCRIPTION) this.described = true;
      if (set.isBad(i)) this.bad += 1;
      this.size += 1;
    }
    this.sorted = this.size;
  }

  /**
   * The set, its rows grouped by prefix id in ascending order, and a
   * prefix's rows in listing order (activation, then i_route: listRoutes
   * reads them as they lie, inspect.ts); undefined when no row came.
   */
  build(): RouteSet | undefined {
    if (this.size === 0) return undefined;
    const ints = this.records.ints;
    const instants = this.times.ms;
    const compare = (a: number, b: number): number => {
      const byPrefix = ints[a * INTS + PREFIX_ID]! - ints[b * INTS + PREFIX_ID]!;
      if (byPrefix !== 0) return byPrefix;
      const activationA = instants[ints[a * INTS + ACTIVATION]!]!;
      const activationB = instants[ints[b * INTS + ACTIVATION]!]!;
      if (activationA !== activationB) return activationA < activationB ? -1 : 1;
      return (ints[a * INTS + I_ROUTE]! >>> 0) - (ints[b * INTS + I_ROUTE]! >>> 0);
    };
    // After beginFrom the kept records are in order already: only the rows added since are sorted, then merged in.
    const sorted = this.sorted;
    this.sorted = 0;
    const added = Array.from({ length: this.size - sorted }, (_, i) => sorted + i).sort(compare);
    const order = sorted === 0 ? added : mergeOrdered(sorted, added, compare);
    const from = this.records;
    const to = allocate(this.size);
    const descriptionIds = this.described ? new Int32Array(this.size) : undefined;
    for (let i = 0; i < order.length; i++) {
      const j = order[i]!;
      to.ints.set(from.ints.subarray(j * INTS, (j + 1) * INTS), i * INTS);
      if (descriptionIds !== undefined) descriptionIds[i] = this.descriptionIds[j]!;
    }
    const described = descriptionIds === undefined ? undefined : { ids: descriptionIds, pool: this.descriptions };
    const set = new RouteSet(this.i_destination_set, to, this.size, this.money, this.prefixes, this.times, checksumOf(to.ints, this.size), this.bad, described);
    this.size = 0;
    this.shrink();
    return set;
  }

  /** Lets go of scratch beyond BUILDER_SCRATCH_KEPT_ROUTES (its rows are built or dropped). */
  private shrink(): void {
    if (this.capacity <= BUILDER_SCRATCH_KEPT_ROUTES) return;
    release(this.records);
    this.records = allocate(BUILDER_SCRATCH_FIRST_ROUTES);
    this.descriptionIds = new Int32Array(BUILDER_SCRATCH_FIRST_ROUTES);
    this.capacity = BUILDER_SCRATCH_FIRST_ROUTES;
  }

  /** Routes the scratch records hold room for now (tests). */
  get scratchRoutes(): number {
    return this.capacity;
  }

  private grow(): void {
    const bigger = allocate(this.capacity * 2);
    bigger.ints.set(this.records.ints.subarray(0, this.size * INTS));
    release(this.records);
    this.records = bigger;
    const biggerIds = new Int32Array(this.capacity * 2);
    biggerIds.set(this.descriptionIds.subarray(0, this.size));
    this.descriptionIds = biggerIds;
    this.capacity *= 2;
  }
}

/**
 * The checksum the database gives for these rows (snapshot-sql.ts,
 * checksums): their count and the sum of their CRC32s, in decimal. Exact:
 * a Number holds the sum of 2,097,152 CRCs, BigInt beyond.
 */
function checksumOf(ints: Int32Array, size: number): string {
  if (size <= 2_097_152) {
    let sum = 0;
    for (let i = 0; i < size; i++) sum += ints[i * INTS + CRC]! >>> 0;
    return `${size}:${sum}`;
  }
  let sum = 0n;
  for (let i = 0; i < size; i++) sum += BigInt(ints[i * INTS + CRC]! >>> 0);
  return `${size}:${sum}`;
}

/** The indexes 0..sorted-1 (in order) and `added` (sorted) merged by `compare`. */
function mergeOrdered(sorted: number, added: readonly number[], compare: (a: number, b: number) => number): number[] {
  const order = new Array<number>(sorted + added.length);
  let i = 0;
  let j = 0;
  for (let k = 0; k < order.length; k++) {
    order[k] = j >= added.length || (i < sorted && compare(i, added[j]!) <= 0) ? i++ : added[j++]!;
  }
  return order;
}

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

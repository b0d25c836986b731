// Builds RouteSets (route-set.ts) from rows as they stream in from the
// database (snapshot-sql.ts) or from a set and its changed rows (a
// refresh): records written straight into reused scratch, then sorted into
// the set's order and copied out exactly sized. The record layout is
// route-record.ts's (RECORD).

import { setImmediate as nextTurn } from 'node:timers/promises';
import { int32Micros } from '../rules/cost.js';
import type { BadValue } from '../rules/model.js';
import type { RouteInput } from '../rules/route-values.js';
import { DescriptionPool, type MoneyTable, type PrefixPool, type TimeTable } from './interned.js';
import { allocate, NO_DESCRIPTION, RECORD, type Records } from './route-record.js';
import { RouteSet } from './route-set.js';

const {
  INTS, I_ROUTE, PREFERENCE, FLAGS, TIMEOUT, TIMEOUT_1XX, PRICE_1, PRICE_N, INTERVAL_1, INTERVAL_N, PREFIX_ID, ACTIVATION, EXPIRATION, CRC,
  HUNTSTOP, FORBIDDEN, TIMEOUT_NULL, TIMEOUT_1XX_NULL, PRICE_1_MICROS, PRICE_N_MICROS, BAD,
} = RECORD;

/** A row left out of routing because a value of it could not be held (for the log: one line per row). */
export interface BadRouteReport extends BadValue {
  readonly i_destination_set: number;
  readonly i_route: number;
}

/** Bad rows a builder keeps for the log between two takeBadRows(); more are counted, not kept. */
const BAD_ROWS_KEPT = 1000;

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
  /** Counts begin(): a yielding build whose set was begun again since gives up (buildYielding). */
  private epoch = 0;

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
    this.epoch += 1;
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
    const steps = this.building();
    for (;;) {
      const step = steps.next();
      if (step.done === true) return step.value;
    }
  }

  /**
   * build(), giving the event loop a turn after the sort and every
   * YIELD_ROWS rows copied: a set of a million routes is a few hundred ms
   * of work, which requests served by the same process would otherwise wait
   * for. The builder is not to be used meanwhile; a read abandoned mid-way
   * (the follower begins another set on it) stops at its next turn, and
   * rejects.
   */
  async buildYielding(): Promise<RouteSet | undefined> {
    const epoch = this.epoch;
    const steps = this.building();
    for (;;) {
      const step = steps.next();
      if (step.done === true) return step.value;
      await nextTurn();
      if (this.epoch !== epoch) throw new Error('route set build given up: the builder began another set');
    }
  }

  /** build()'s work, paused (yield) where a yielding build gives the event loop a turn. */
  private *building(): Generator<void, RouteSet | undefined> {
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
    const from = this.records.ints;
    // Rows that came in order (a set read whose prefixes were interned as they came, a rate deck into its set):
    // the records are copied out whole, no sort, no copy row by row.
    if (isOrdered(sorted, this.size, compare)) {
      const to = { ints: from.slice(0, this.size * INTS) };
      const described = this.described ? { ids: this.descriptionIds.slice(0, this.size), pool: this.descriptions } : undefined;
      return this.finish(to, described);
    }
    const added = sortAdded(ints, sorted, this.size, this.prefixes.text.length, compare);
    const order = sorted === 0 ? added : mergeOrdered(sorted, added, compare);
    if (this.size >= YIELD_ROWS) yield;
    const to = allocate(this.size);
    const into = to.ints;
    const descriptionIds = this.described ? new Int32Array(this.size) : undefined;
    for (let i = 0; i < order.length; i++) {
      const j = order[i]!;
      // Field by field: a subarray per row would be a million objects for a million routes.
      for (let k = 0, at = i * INTS, was = j * INTS; k < INTS; k++) into[at + k] = from[was + k]!;
      if (descriptionIds !== undefined) descriptionIds[i] = this.descriptionIds[j]!;
      if ((i + 1) % YIELD_ROWS === 0) yield;
    }
    return this.finish(to, descriptionIds === undefined ? undefined : { ids: descriptionIds, pool: this.descriptions });
  }

  /** The set of the records `to` (in order, exactly sized); the scratch is free again. */
  private finish(to: Records, described: { ids: Int32Array; pool: DescriptionPool } | undefined): RouteSet {
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

/** A yielding build gives the event loop a turn every this many rows (a few ms of work). */
const YIELD_ROWS = 65_536;

/** Rows added at least this many at once, and against a prefix pool at most COUNTING_POOL_RATIO times as many, are sorted by counting (sortAdded). */
const COUNTING_SORT_MIN = 1024;
const COUNTING_POOL_RATIO = 8;
/** A prefix's rows at most this many are put in order by insertion; more by Array sort. */
const INSERTION_RUN_MAX = 16;

/**
 * The indexes from..to-1 in the set's order (`compare`: prefix id, then
 * activation, then i_route). Many rows are sorted by counting them by
 * prefix id, then ordering each prefix's few rows: linear, where a
 * comparison sort of a million rows (a rate deck re-read whole) costs a
 * second of the event loop that requests share. Few rows, or few next to a
 * pool of many prefixes (the counts would cost more than the rows), are
 * sorted by comparison.
 */
function sortAdded(ints: Int32Array, from: number, to: number, prefixCount: number, compare: (a: number, b: number) => number): Int32Array {
  const n = to - from;
  if (n < COUNTING_SORT_MIN || prefixCount > n * COUNTING_POOL_RATIO) return Int32Array.from(Array.from({ length: n }, (_, i) => from + i).sort(compare));
  // next[p]: where prefix p's next row goes (counts, then running starts).
  const next = new Int32Array(prefixCount + 1);
  for (let i = from; i < to; i++) next[ints[i * INTS + PREFIX_ID]! + 1]! += 1;
  for (let p = 0; p < prefixCount; p++) next[p + 1]! += next[p]!;
  const order = new Int32Array(n);
  for (let i = from; i < to; i++) order[next[ints[i * INTS + PREFIX_ID]!]!++] = i;
  // Each prefix's rows are together now, in index order: put each run of them in order.
  for (let start = 0; start < n; ) {
    const prefix = ints[order[start]! * INTS + PREFIX_ID]!;
    let end = start + 1;
    while (end < n && ints[order[end]! * INTS + PREFIX_ID]! === prefix) end++;
    if (end - start > INSERTION_RUN_MAX) order.set(Array.from(order.subarray(start, end)).sort(compare), start);
    else for (let i = start + 1; i < end; i++) {
      const row = order[i]!;
      let j = i - 1;
      for (; j >= start && compare(order[j]!, row) > 0; j--) order[j + 1] = order[j]!;
      order[j + 1] = row;
    }
    start = end;
  }
  return order;
}

/** Whether the rows sorted..size-1 are in order, and follow the rows before them (in order already): one pass of `compare`. */
function isOrdered(sorted: number, size: number, compare: (a: number, b: number) => number): boolean {
  for (let i = Math.max(1, sorted); i < size; i++) if (compare(i - 1, i) > 0) return false;
  return true;
}

/** The indexes 0..sorted-1 (in order) and `added` (sorted) merged by `compare`. */
function mergeOrdered(sorted: number, added: Int32Array, compare: (a: number, b: number) => number): Int32Array {
  const order = new Int32Array(sorted + added.length);
  let i = 0;
  let j = 0;
  for (let k = 0; k < order.length; k++) {
    order[k] = j >= added.length || (i < sorted && compare(i, added[j]!) <= 0) ? i++ : added[j++]!;
  }
  return order;
}

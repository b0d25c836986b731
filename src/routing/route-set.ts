// One destination set's routes, held columnar (snapshot.md "What is held"):
// typed arrays sorted by prefix, prefixes and amounts interned, so that a
// million routes take tens of megabytes and no object per route. Immutable
// once built; a changed set is rebuilt whole and swapped in a new snapshot.
// Pure: rows in, lookups out.

import type { RouteRow } from './model.js';
import { parseMicrosNumber } from './cost.js';

const HUNTSTOP = 1;
const FORBIDDEN = 2;
const TIMEOUT_NULL = 4;
const TIMEOUT_1XX_NULL = 8;

/** matchIndex result: no row's prefix starts the CLD. */
export const NO_MATCH = -1;
/** matchIndex result: some rows' prefixes start the CLD, none is active at t. */
export const NOT_ACTIVE = -2;

/**
 * Amounts (DECIMAL text as the database sends it) interned: each distinct
 * text once, with its micro-units parsed once. Append-only, so snapshots of
 * several generations can share one table; a full load starts a new one.
 */
export class MoneyTable {
  readonly text: string[] = [];
  /** Exact micro-units, or NaN beyond 2^53 (cost.ts then uses the text). */
  readonly micros: number[] = [];
  private readonly index = new Map<string, number>();

  intern(text: string): number {
    let i = this.index.get(text);
    if (i === undefined) {
      i = this.text.length;
      this.text.push(text);
      this.micros.push(parseMicrosNumber(text));
      this.index.set(text, i);
    }
    return i;
  }
}

/** Prefix strings interned across sets: sets share most of their prefixes. */
export class StringPool {
  private readonly strings = new Map<string, string>();
  intern(text: string): string {
    const known = this.strings.get(text);
    if (known !== undefined) return known;
    this.strings.set(text, text);
    return text;
  }
}

/** One route as the loader reads it, amounts as text. */
export interface RouteInput {
  readonly i_route: number;
  readonly prefix: string;
  readonly preference: number;
  readonly huntstop: boolean;
  readonly timeout: number | null;
  readonly timeout_1xx: number | null;
  readonly price_1: string;
  readonly price_n: string;
  readonly interval_1: number;
  readonly interval_n: number;
  readonly forbidden: boolean;
  readonly activation: number;
  readonly expiration: number | null;
}

/** The columns of a RouteSet, one typed array each (a builder's, or the set's own). */
interface Columns {
  iRoute: Uint32Array;
  preference: Int32Array;
  flags: Uint8Array;
  timeout: Int32Array;
  timeout1xx: Int32Array;
  price1: Uint32Array;
  priceN: Uint32Array;
  interval1: Int32Array;
  intervalN: Int32Array;
  activation: Float64Array;
  expiration: Float64Array;
  prefixLength: Uint8Array;
}

function allocate(n: number): Columns {
  return {
    iRoute: new Uint32Array(n), preference: new Int32Array(n), flags: new Uint8Array(n), timeout: new Int32Array(n),
    timeout1xx: new Int32Array(n), price1: new Uint32Array(n), priceN: new Uint32Array(n), interval1: new Int32Array(n),
    intervalN: new Int32Array(n), activation: new Float64Array(n), expiration: new Float64Array(n), prefixLength: new Uint8Array(n),
  };
}

/**
 * Collects one set's rows as they stream in, straight into growable typed
 * columns: no object per row survives the row, so a full load of a million
 * routes leaves no garbage in the old generation (the peak-RSS bound).
 */
export class RouteSetBuilder {
  private columns = allocate(256);
  private prefixes: string[] = [];
  private size = 0;

  constructor(
    readonly i_destination_set: number,
    private readonly money: MoneyTable,
    private readonly strings: StringPool,
  ) {}

  add(row: RouteInput): void {
    if (this.size === this.columns.iRoute.length) this.grow();
    const c = this.columns;
    const i = this.size++;
    this.prefixes.push(this.strings.intern(row.prefix));
    c.iRoute[i] = row.i_route;
    c.preference[i] = row.preference;
    c.flags[i] =
      (row.huntstop ? HUNTSTOP : 0) | (row.forbidden ? FORBIDDEN : 0) | (row.timeout === null ? TIMEOUT_NULL : 0) | (row.timeout_1xx === null ? TIMEOUT_1XX_NULL : 0);
    c.timeout[i] = row.timeout ?? 0;
    c.timeout1xx[i] = row.timeout_1xx ?? 0;
    c.price1[i] = this.money.intern(row.price_1);
    c.priceN[i] = this.money.intern(row.price_n);
    c.interval1[i] = row.interval_1;
    c.intervalN[i] = row.interval_n;
    c.activation[i] = row.activation;
    c.expiration[i] = row.expiration ?? NaN;
    // routes.prefix is VARCHAR(32): at most 32 code points.
    c.prefixLength[i] = codePoints(row.prefix);
  }

  /** The set, its rows sorted by prefix; undefined when no row came. */
  build(checksum: string): RouteSet | undefined {
    if (this.size === 0) return undefined;
    const prefixes = this.prefixes;
    const order = Array.from({ length: this.size }, (_, i) => i).sort((a, b) => compareStrings(prefixes[a]!, prefixes[b]!));
    const from = this.columns;
    const to = allocate(this.size);
    const sorted: string[] = new Array(this.size);
    for (let i = 0; i < order.length; i++) {
      const j = order[i]!;
      sorted[i] = prefixes[j]!;
      for (const key of COLUMN_KEYS) (to[key] as Float64Array)[i] = (from[key] as Float64Array)[j]!;
    }
    return new RouteSet(this.i_destination_set, sorted, to, this.money, checksum);
  }

  private grow(): void {
    const bigger = allocate(this.columns.iRoute.length * 2);
    for (const key of COLUMN_KEYS) (bigger[key] as Float64Array).set(this.columns[key] as Float64Array);
    this.columns = bigger;
  }
}

const COLUMN_KEYS = Object.keys(allocate(0)) as (keyof Columns)[];

export class RouteSet {
  readonly size: number;
  /** Sorted by UTF-16 code units (JavaScript's own string order), as the searches compare. */
  readonly prefix: readonly string[];
  readonly iRoute: Uint32Array;
  readonly preference: Int32Array;
  readonly flags: Uint8Array;
  readonly timeout: Int32Array;
  readonly timeout1xx: Int32Array;
  readonly price1: Uint32Array;
  readonly priceN: Uint32Array;
  readonly interval1: Int32Array;
  readonly intervalN: Int32Array;
  readonly activation: Float64Array;
  /** NaN = never expires. */
  readonly expiration: Float64Array;
  /** Code points of each prefix (the `prefix` policy key compares these). */
  readonly prefixLength: Uint8Array;

  /** Use RouteSetBuilder: it sorts the rows by prefix, which the searches rely on. */
  constructor(
    readonly i_destination_set: number,
    prefix: readonly string[],
    columns: Columns,
    readonly money: MoneyTable,
    /** The database's checksum of these rows when they were read (reconcile compares it). */
    readonly checksum: string,
  ) {
    this.size = prefix.length;
    this.prefix = prefix;
    this.iRoute = columns.iRoute;
    this.preference = columns.preference;
    this.flags = columns.flags;
    this.timeout = columns.timeout;
    this.timeout1xx = columns.timeout1xx;
    this.price1 = columns.price1;
    this.priceN = columns.priceN;
    this.interval1 = columns.interval1;
    this.intervalN = columns.intervalN;
    this.activation = columns.activation;
    this.expiration = columns.expiration;
    this.prefixLength = columns.prefixLength;
  }

  isForbidden(i: number): boolean {
    return (this.flags[i]! & FORBIDDEN) !== 0;
  }

  isActive(i: number, tMs: number): boolean {
    const expiration = this.expiration[i]!;
    return this.activation[i]! <= tMs && (expiration !== expiration || tMs < expiration);
  }

  /**
   * The route of this set for `cld` at `tMs` (match.ts's matchRoute on the
   * columns): the longest prefix with an active row; among its rows the
   * latest activation, then the highest i_route. A longer prefix with no
   * active row does not hide a shorter active one. Returns the index, or
   * NO_MATCH / NOT_ACTIVE.
   *
   * Longest-prefix search on the sorted prefixes: the last prefix <= key is
   * either a prefix of key, or every prefix of key in the set is a prefix of
   * their common part, so the key shrinks to that and the search goes on
   * below. A few binary searches, whatever the CLD's length.
   */
  matchIndex(cld: string, tMs: number): number {
    const prefix = this.prefix;
    let key = cld;
    let hi = upperBound(prefix, key, 0, this.size) - 1;
    let matchedInactive = false;
    while (hi >= 0) {
      const p = prefix[hi]!;
      if (key.startsWith(p)) {
        let best = -1;
        let lo = hi;
        for (; lo >= 0 && prefix[lo] === p; lo--) {
          if (!this.isActive(lo, tMs)) {
            matchedInactive = true;
            continue;
          }
          if (best < 0 || this.supersedes(lo, best)) best = lo;
        }
        if (best >= 0) return best;
        if (p.length === 0) break;
        key = p.slice(0, -1);
        hi = upperBound(prefix, key, 0, lo + 1) - 1;
      } else {
        key = key.slice(0, commonPrefixLength(key, p));
        hi = upperBound(prefix, key, 0, hi) - 1;
      }
    }
    return matchedInactive ? NOT_ACTIVE : NO_MATCH;
  }

  /** The route at index i as the pure steps see a row. */
  routeRow(i: number): RouteRow {
    const flags = this.flags[i]!;
    const expiration = this.expiration[i]!;
    return {
      i_route: this.iRoute[i]!,
      i_destination_set: this.i_destination_set,
      prefix: this.prefix[i]!,
      preference: this.preference[i]!,
      huntstop: (flags & HUNTSTOP) !== 0,
      timeout: (flags & TIMEOUT_NULL) !== 0 ? null : this.timeout[i]!,
      timeout_1xx: (flags & TIMEOUT_1XX_NULL) !== 0 ? null : this.timeout1xx[i]!,
      price_1: this.money.text[this.price1[i]!]!,
      price_n: this.money.text[this.priceN[i]!]!,
      interval_1: this.interval1[i]!,
      interval_n: this.intervalN[i]!,
      forbidden: (flags & FORBIDDEN) !== 0,
      activation: this.activation[i]!,
      expiration: expiration !== expiration ? null : expiration,
    };
  }

  /** Bytes held by the columns (for status and the benchmark), prefixes counted as pointers. */
  get columnBytes(): number {
    return this.size * (8 + 4 * 9 + 8 * 2 + 2);
  }

  private supersedes(a: number, b: number): boolean {
    // Same prefix here: latest activation, then the row inserted last.
    const activationA = this.activation[a]!;
    const activationB = this.activation[b]!;
    if (activationA !== activationB) return activationA > activationB;
    return this.iRoute[a]! > this.iRoute[b]!;
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** First index in [lo, hi) whose value is > key. */
function upperBound(values: readonly string[], key: string, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

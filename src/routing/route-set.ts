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
  /**
   * Costs by (average duration, connect fee, free seconds): one array per
   * combination, filled on first use per route (NaN = not computed yet). The
   * only mutable part, a memo of a pure function of the immutable columns.
   */
  private readonly costTables = new Map<string, Float64Array>();

  constructor(
    readonly i_destination_set: number,
    rows: readonly RouteInput[],
    readonly money: MoneyTable,
    strings: StringPool,
    /** The database's checksum of these rows when they were read (reconcile compares it). */
    readonly checksum: string,
  ) {
    const order = rows.map((_, i) => i).sort((a, b) => compareStrings(rows[a]!.prefix, rows[b]!.prefix));
    const n = (this.size = rows.length);
    const prefix: string[] = new Array(n);
    this.iRoute = new Uint32Array(n);
    this.preference = new Int32Array(n);
    this.flags = new Uint8Array(n);
    this.timeout = new Int32Array(n);
    this.timeout1xx = new Int32Array(n);
    this.price1 = new Uint32Array(n);
    this.priceN = new Uint32Array(n);
    this.interval1 = new Int32Array(n);
    this.intervalN = new Int32Array(n);
    this.activation = new Float64Array(n);
    this.expiration = new Float64Array(n);
    this.prefixLength = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const row = rows[order[i]!]!;
      prefix[i] = strings.intern(row.prefix);
      this.iRoute[i] = row.i_route;
      this.preference[i] = row.preference;
      this.flags[i] =
        (row.huntstop ? HUNTSTOP : 0) | (row.forbidden ? FORBIDDEN : 0) | (row.timeout === null ? TIMEOUT_NULL : 0) | (row.timeout_1xx === null ? TIMEOUT_1XX_NULL : 0);
      this.timeout[i] = row.timeout ?? 0;
      this.timeout1xx[i] = row.timeout_1xx ?? 0;
      this.price1[i] = money.intern(row.price_1);
      this.priceN[i] = money.intern(row.price_n);
      this.interval1[i] = row.interval_1;
      this.intervalN[i] = row.interval_n;
      this.activation[i] = row.activation;
      this.expiration[i] = row.expiration ?? NaN;
      // routes.prefix is VARCHAR(32): at most 32 code points.
      this.prefixLength[i] = codePoints(row.prefix);
    }
    this.prefix = prefix;
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

  /** The memo of costs for one (average duration, connect fee, free seconds); see costTables. */
  costTable(averageDuration: number, connectFee: string, freeSeconds: number): Float64Array {
    const key = `${averageDuration}:${connectFee}:${freeSeconds}`;
    let table = this.costTables.get(key);
    if (table === undefined) this.costTables.set(key, (table = new Float64Array(this.size).fill(NaN)));
    return table;
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

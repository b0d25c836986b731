// A route read from a RouteSet's record (RouteSet.route): a view that reads
// a field from the record when it is asked for, as the pure steps see a row.

import type { BadValue, RouteRow } from '../rules/model.js';
import type { PrefixPool } from './interned.js';
import { RECORD } from './route-record.js';

const { I_ROUTE, PREFERENCE, FLAGS, TIMEOUT, TIMEOUT_1XX, INTERVAL_1, INTERVAL_N, PREFIX_ID, ACTIVATION, EXPIRATION, HUNTSTOP, FORBIDDEN, TIMEOUT_NULL, TIMEOUT_1XX_NULL, BAD } = RECORD;

/** What a RouteView reads its record through (RouteSet). */
export interface RecordReader {
  readonly i_destination_set: number;
  readonly prefixes: PrefixPool;
  int(i: number, field: number): number;
  instant(index: number): number;
  price1Text(i: number): string;
  priceNText(i: number): string;
  price1InRecord(i: number): number;
  priceNInRecord(i: number): number;
}

/** What a record says of its bad value: that there was one (the value itself was logged at load). */
const HELD_AS_BAD: BadValue = Object.freeze({ column: '?', value: '?', reason: 'a value the daemon cannot hold exactly (logged when the row was read)' });

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
export class RouteView implements RouteRow, PricesInRecord {
  constructor(
    private readonly set: RecordReader,
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

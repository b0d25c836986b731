// A routes row from the values the driver sent, for the snapshot and the SQL
// path alike, and which values the daemon cannot hold exactly. The schema's
// types never produce such a value, but operators alter tables: `price_1
// DECIMAL(20,8)` holding 0.12345678, a BIGINT preference, a DATETIME made
// VARCHAR. Such a row is never routed on at a value it does not have: it
// keeps its place in the prefix match (a longer bad prefix blocks a shorter
// good one, as `forbidden` does) and leaves its entry out with `bad_row`
// (docs/routing.md "Rows the daemon cannot represent"). Pure.

import type { BadValue, RouteRow } from './model.js';
import { formatMicros, int32Micros, parseMicros } from './cost.js';
import { parseUtcDatetime } from '../../db/datetime.js';

/** The routes columns routing reads, in the order routeFromValues takes them. */
export const ROUTE_COLUMN_NAMES = Object.freeze([
  'i_route', 'prefix', 'preference', 'huntstop', 'timeout', 'timeout_1xx', 'price_1', 'price_n',
  'interval_1', 'interval_n', 'forbidden', 'activation_date', 'expiration_date',
] as const);

export type RouteColumn = (typeof ROUTE_COLUMN_NAMES)[number];

/** ROUTE_COLUMN_NAMES as a SELECT list. */
export const ROUTE_SELECT_LIST = ROUTE_COLUMN_NAMES.join(', ');

/** A route as the loader reads it (its set is the caller's); `bad` when a value could not be held. */
export type RouteInput = Omit<RouteRow, 'i_destination_set'>;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
/** i_route is INT UNSIGNED, held as an unsigned 32-bit integer. */
const UINT32_MAX = 4294967295;

/** The last DATETIME text parsed and its instant: parseUtcDatetime is pure, so this only saves the parse. */
let lastInstant = { text: '', ms: 0 };

/**
 * The route of one row's values (in ROUTE_COLUMN_NAMES order). A value that
 * cannot be held is replaced by a neutral one (0, '0.000000', always active,
 * never expiring) and named in `bad`: the row still matches its prefix, and
 * its entry is left out.
 */
export function routeFromValues(v: readonly unknown[]): RouteInput {
  let bad: BadValue | undefined;
  const note = (column: RouteColumn, value: unknown, reason: string): void => {
    bad ??= { column, value: String(value), reason };
  };
  const int = (column: RouteColumn, value: unknown, min = INT32_MIN, max = INT32_MAX): number => {
    const n = Number(value);
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    note(column, value, `not an integer from ${min} to ${max}`);
    return 0;
  };
  const nullableInt = (column: RouteColumn, value: unknown): number | null => (value === null ? null : int(column, value));
  const amount = (column: RouteColumn, value: unknown): string => {
    const text = String(value);
    // Canonical DECIMAL(16,6) text within 32 bits (nearly every rate): exactAmount would give it back as it is, after a BigInt round trip.
    if (!Number.isNaN(int32Micros(text))) return text;
    const exact = exactAmount(text);
    if (exact.bad === undefined) return exact.text;
    note(column, value, exact.bad);
    return '0.000000';
  };
  const instant = (column: RouteColumn, value: unknown, otherwise: number): number => {
    const text = String(value);
    // A deck's rows share their activation date: the same text parses to the same instant.
    if (text === lastInstant.text) return lastInstant.ms;
    try {
      const ms = parseUtcDatetime(text);
      lastInstant = { text, ms };
      return ms;
    } catch (err) {
      note(column, value, (err as Error).message);
      return otherwise;
    }
  };
  const route: RouteInput = {
    i_route: int('i_route', v[0], 0, UINT32_MAX),
    prefix: String(v[1]),
    preference: int('preference', v[2]),
    huntstop: Number(v[3]) !== 0,
    timeout: nullableInt('timeout', v[4]),
    timeout_1xx: nullableInt('timeout_1xx', v[5]),
    price_1: amount('price_1', v[6]),
    price_n: amount('price_n', v[7]),
    interval_1: int('interval_1', v[8]),
    interval_n: int('interval_n', v[9]),
    forbidden: Number(v[10]) !== 0,
    activation: instant('activation_date', v[11], -Infinity),
    expiration: v[12] === null ? null : instant('expiration_date', v[12], NaN),
  };
  if (bad === undefined) return route;
  // A bad date counts as "always active": the row blocks its prefix rather than let a shorter one route.
  return { ...route, expiration: route.expiration !== null && Number.isNaN(route.expiration) ? null : route.expiration, bad };
}

/** Amounts on the wire (rpc.md): at most 10 integer digits and 6 decimals, DECIMAL(16,6)'s range. */
const AMOUNT_LIMIT = 10n ** 16n;

/**
 * An amount as the answer writes it: the canonical DECIMAL(16,6) text
 * ("0.120000"), whatever scale the column has now (a DECIMAL(20,8) sends
 * "0.12000000"); or why it cannot be (more than 6 decimals that are not
 * zeros, more than 10 integer digits, not a number).
 */
export function exactAmount(text: string): { readonly text: string; readonly bad?: undefined } | { readonly bad: string } {
  let micros: bigint;
  try {
    micros = parseMicros(text);
  } catch (err) {
    return { bad: (err as Error).message };
  }
  if (micros >= AMOUNT_LIMIT || micros <= -AMOUNT_LIMIT) return { bad: `more than 10 integer digits: ${JSON.stringify(text)}` };
  return { text: formatMicros(micros) };
}

/** A destination set's amount for routing: its canonical text, or the text as sent when it cannot be held (destinationSetProblem says why). */
export function destinationSetAmount(value: unknown): string {
  const exact = exactAmount(String(value));
  return exact.bad === undefined ? exact.text : String(value);
}

/**
 * The first amount of a destination set the daemon cannot hold exactly (its
 * connect fee is costed, its surcharge written in every answer), or
 * undefined: its entries are left out (`bad_row`) otherwise.
 */
export function destinationSetProblem(set: { readonly connect_fee: string; readonly post_call_surcharge: string }): BadValue | undefined {
  for (const column of ['connect_fee', 'post_call_surcharge'] as const) {
    const exact = exactAmount(set[column]);
    if (exact.bad !== undefined) return { column, value: set[column], reason: exact.bad };
  }
  return undefined;
}

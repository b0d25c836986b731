// The record a route is held as in a RouteSet (route-set.ts), written by
// RouteSetBuilder (route-set-builder.ts) and read by RouteSet and RouteView
// (route-view.ts), and copied into a snapshot's chosen routes, from which
// the answer is written (answer-json.ts). Each of them takes the fields it
// reads from RECORD into constants of its own module.

const HUNTSTOP = 1;
const FORBIDDEN = 2;
const TIMEOUT_NULL = 4;
const TIMEOUT_1XX_NULL = 8;
/** PRICE_1 / PRICE_N hold the amount's micro-units themselves, not a MoneyTable index. */
const PRICE_1_MICROS = 16;
const PRICE_N_MICROS = 32;
/** A value of the row could not be held (route-values.ts): it matches, and its entry is left out. */
const BAD = 64;

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
 * The record layout, for readers of a copy of a record (copyRecord: the
 * builder copies the unchanged rows of a set it patches), and for the
 * builder that writes records (route-set-builder.ts).
 */
export const RECORD = Object.freeze({
  INTS, I_ROUTE, PREFERENCE, FLAGS, TIMEOUT, TIMEOUT_1XX, PRICE_1, PRICE_N, INTERVAL_1, INTERVAL_N, PREFIX_ID, ACTIVATION, EXPIRATION, CRC,
  HUNTSTOP, FORBIDDEN, TIMEOUT_NULL, TIMEOUT_1XX_NULL, PRICE_1_MICROS, PRICE_N_MICROS, BAD,
});

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

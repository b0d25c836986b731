// The getRoutes answer as JSON bytes, written with the answer: what the RPC
// layer sends (rpc/reply-json.ts), so that the largest part of every answer
// is never walked by JSON.stringify nor encoded to UTF-8 per request. An
// entry's fixed fields (its connection, vendor and destination set) are
// encoded once per entry row and kept while the row lives (a snapshot's rows
// live as long as the snapshot); per route only the route's own fields, the
// cost and the translated numbers are written. The bytes parse to exactly
// the answer object and equal JSON.stringify of it (tests compare).

import type { EntryRow, GroupRow, RouteRow } from '../rules/model.js';
import { ROUTE_FIELD_NAMES, ROUTE_FIELDS, type RouteField, type RouteFieldFrom } from '../../route-wire.js';
import type { PricesInRecord } from '../snapshot/route-view.js';
import type { RowKeeping } from '../snapshot/snapshot.js';
import { formatMicrosAny } from '../rules/cost.js';
import { withRtjsonJson } from './rtjson-json.js';
import { asciiBytes, jsonStringBound, putAscii, putBytes, putLongBytes, putInt, putPadded, putString, ScratchBytes, type RoomyBytes } from './json-bytes.js';

// Kept on the objects themselves, under symbols and not enumerable: invisible
// to JSON.stringify and to deep comparisons. (A WeakMap keyed by every
// answer was measured: its ephemeron bookkeeping cost more in garbage
// collection than the JSON it saved.)
const ENTRY_BYTES = Symbol('sippy_routed.entryBytes');
const GROUP_BYTES = Symbol('sippy_routed.groupBytes');
const GROUP_PIECES = Symbol('sippy_routed.groupPieces');

/** The fields of a route that come from its entry, in the answer's order, with the names around them. */
interface EntryBytes {
  /** `{"i_connection":…,"destination_set_name":…,"i_route":` */
  readonly head: Uint8Array;
  /** `,"connect_fee":…,"currency":…,"estimated_cost":"` */
  readonly fees: Uint8Array;
  /** `","capacity":…,"cli":` */
  readonly capacity: Uint8Array;
}

/**
 * The entry bytes of every entry of a group, one entry after another in the
 * group's order, in one piece of memory: entry i's head starts at at[3i],
 * its fees at at[3i + 1], its capacity at at[3i + 2], and it ends where the
 * next begins, at[3i + 3]. Why: a kept choice's answer (preparedRoutes)
 * then reads a group's entries from a few pages, not from three objects and
 * three buffers of each entry's own, scattered over the heap: on a machine
 * whose TLB every system call empties, pages touched per request are what a
 * warm answer costs (docs/benchmark.md, "At the limit, fifth round").
 */
interface GroupPieces {
  readonly bytes: Uint8Array;
  readonly at: Int32Array;
  /** The most bytes one entry's pieces take. */
  readonly maxEntryBytes: number;
}

/** What preparedRoutes reads of a kept choice (ChosenRoutes, snapshot/chosen-routes.ts). */
export interface PreparedChoice {
  /** Each route's own fields as route() wrote them, route k's ending at preparedEnds[k]. */
  readonly prepared: Uint8Array | undefined;
  readonly preparedEnds: Int32Array | undefined;
  /** Route k's entry, as an index into the group's entries (the order GroupPieces keeps). */
  entryIndex(k: number): number;
  /** Route k's estimated cost in exact micro-units. */
  cost(k: number): number;
}

const json = JSON.stringify;
const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const concatBytes = (...parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);

/** An entry row that keeps its bytes, in memory of their own (a group's entries keep theirs together: withGroupJson). */
export function withEntryJson(entry: EntryRow): EntryRow {
  Object.defineProperty(entry, ENTRY_BYTES, { value: entryBytes(entry) });
  return entry;
}

/**
 * A group row that keeps the bytes of its `routing_group` member and, given
 * its entries' rows (in the group's order, none keeping bytes yet), their
 * bytes side by side (GroupPieces), which each entry row then keeps as views.
 */
export function withGroupJson(group: GroupRow, entries: readonly EntryRow[] = []): GroupRow {
  Object.defineProperty(group, GROUP_BYTES, { value: groupBytes(group) });
  if (entries.length > 0) Object.defineProperty(group, GROUP_PIECES, { value: groupPieces(entries) });
  return group;
}

function groupPieces(entries: readonly EntryRow[]): GroupPieces {
  const each = entries.map(entryBytes);
  const at = new Int32Array(3 * each.length + 1);
  let total = 0;
  let maxEntryBytes = 0;
  each.forEach((e, i) => {
    at[3 * i] = total;
    at[3 * i + 1] = total + e.head.length;
    at[3 * i + 2] = total + e.head.length + e.fees.length;
    const length = e.head.length + e.fees.length + e.capacity.length;
    total += length;
    if (length > maxEntryBytes) maxEntryBytes = length;
  });
  at[3 * each.length] = total;
  // A plain Uint8Array, not a Buffer: its subarray() is V8's own, not Buffer's, on preparedRoutes' path.
  const bytes = new Uint8Array(total);
  each.forEach((e, i) => {
    bytes.set(e.head, at[3 * i]!);
    bytes.set(e.fees, at[3 * i + 1]!);
    bytes.set(e.capacity, at[3 * i + 2]!);
  });
  entries.forEach((entry, i) => {
    const view: EntryBytes = { head: bytes.subarray(at[3 * i], at[3 * i + 1]), fees: bytes.subarray(at[3 * i + 1], at[3 * i + 2]), capacity: bytes.subarray(at[3 * i + 2], at[3 * i + 3]) };
    Object.defineProperty(entry, ENTRY_BYTES, { value: view });
  });
  return { bytes, at, maxEntryBytes };
}

/** What the follower has a snapshot's rows made into (snapshot.ts, RowKeeping): rows that keep their bytes, getRoutes' and rtjson's. */
export const answerRows: RowKeeping = { entry: withRtjsonJson, group: withGroupJson };

/**
 * The entry's fields of a route, as runs of ROUTE_FIELDS (route-wire.ts)
 * found at module load: the head runs from the first field up to i_route,
 * the fees from connect_fee up to estimated_cost. A declaration that moved
 * a route's or a request's field into a run would be refused here, at load.
 */
const HEAD_FIELDS = entryRun('i_connection', 'i_route');
const FEES_FIELDS = entryRun('connect_fee', 'estimated_cost');

function entryRun(first: RouteField, end: RouteField): readonly { name: string; field: RouteFieldFrom<'entry'> }[] {
  const run = ROUTE_FIELD_NAMES.slice(ROUTE_FIELD_NAMES.indexOf(first), ROUTE_FIELD_NAMES.indexOf(end));
  for (const field of run) if (ROUTE_FIELDS[field].from !== 'entry') throw new Error(`answer-json: ${field} is not an entry's field, yet lies between ${first} and ${end}`);
  return run.map((field) => ({ name: `${json(field)}:`, field: field as RouteFieldFrom<'entry'> }));
}

/** `"a":…,"b":…` of the entry's values of `run`. */
function members(entry: EntryRow, run: readonly { name: string; field: RouteFieldFrom<'entry'> }[]): string {
  let text = '';
  for (let i = 0; i < run.length; i++) text += `${i === 0 ? '' : ','}${run[i]!.name}${json(entry[run[i]!.field])}`;
  return text;
}

/** `,"name":` of a route's field. */
function member(field: RouteField): Uint8Array {
  return asciiBytes(`,${json(field)}:`);
}

function entryBytes(entry: EntryRow): EntryBytes {
  return {
    head: utf8(`{${members(entry, HEAD_FIELDS)},"i_route":`),
    fees: utf8(`,${members(entry, FEES_FIELDS)},"estimated_cost":"`),
    capacity: utf8(`","capacity":${json(entry.capacity)},"cli":`),
  };
}

function groupBytes(group: GroupRow): Uint8Array {
  return utf8(`,"routing_group":{"i_routing_group":${group.i_routing_group},"name":${json(group.name)},"policy":${json(group.policy)}},"cli":`);
}

const PREFIX = member('prefix');
const PREFERENCE = member('preference');
const HUNTSTOP_TRUE = concatBytes(member('huntstop'), asciiBytes('true'), member('timeout'));
const HUNTSTOP_FALSE = concatBytes(member('huntstop'), asciiBytes('false'), member('timeout'));
const TIMEOUT_1XX = member('timeout_1xx');
const PRICE_1 = concatBytes(member('price_1'), asciiBytes('"'));
/** The usual case in one piece: no 1xx timeout. */
const TIMEOUT_1XX_NULL_PRICE_1 = concatBytes(TIMEOUT_1XX, asciiBytes('null'), PRICE_1);
const PRICE_N = concatBytes(asciiBytes('"'), member('price_n'), asciiBytes('"'));
const INTERVAL_1 = concatBytes(asciiBytes('"'), member('interval_1'));
const INTERVAL_N = member('interval_n');
const CLD = member('cld');
const NULL = asciiBytes('null');
const ANSWER_START = asciiBytes('{"i_environment":');
const ROUTES_START = asciiBytes(',"routes":[');
const EXCLUDED = asciiBytes(',"excluded":');
const COMMA = 0x2c;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const POINT = 0x2e;

/** Bytes a route writes beyond its entry's pieces and its strings: the names, six integers, a cost. */
const ROUTE_FIXED_BOUND = 512;

/**
 * One answer at a time (see ScratchBytes): begin, the routes in order,
 * finish; or abandon() when an error cuts the answer short. A begin() before
 * the previous answer's finish() or abandon() throws.
 */
export class AnswerWriter {
  private readonly scratch = new ScratchBytes();
  private pos = 0;
  private routes = 0;
  /** Where the last route's `"cli":…,"cld":…}` was written, and for which numbers: most routes repeat them. */
  private numbersStart = -1;
  private numbersEnd = -1;
  private cli = '';
  private cld = '';
  /** Where route k's own fields were written by route(): [2k] start, [2k + 1] end (routeSegments reads them). */
  private segments = new Int32Array(64);

  begin(environment: number, group: GroupRow, cli: string, cld: string): void {
    const groupJson = (group as { [GROUP_BYTES]?: Uint8Array })[GROUP_BYTES] ?? groupBytes(group);
    this.scratch.claim();
    const buf = this.scratch.reserve(0, ROUTE_FIXED_BOUND + groupJson.length + jsonStringBound(cli) + jsonStringBound(cld));
    let pos = putBytes(buf, 0, ANSWER_START);
    pos = putInt(buf, pos, environment);
    pos = putLongBytes(buf, pos, groupJson);
    pos = putString(buf, pos, cli);
    pos = putBytes(buf, pos, CLD);
    pos = putString(buf, pos, cld);
    this.pos = putBytes(buf, pos, ROUTES_START);
    this.routes = 0;
    this.numbersStart = -1;
  }

  /**
   * One route; `route` was found through `entry`. Amounts are written
   * without escaping: DECIMAL text from the database and a cost formatted
   * here are digits, a point and a sign.
   */
  route(entry: EntryRow, route: RouteRow, costMicros: number | bigint, cli: string, cld: string): void {
    const e = (entry as { [ENTRY_BYTES]?: EntryBytes })[ENTRY_BYTES] ?? entryBytes(entry);
    const prefix = route.prefix;
    // A snapshot's route may hold its prices as numbers: written from them, no text made.
    const price1Micros = (route as Partial<PricesInRecord>).price_1_micros;
    const priceNMicros = (route as Partial<PricesInRecord>).price_n_micros;
    const price1 = price1Micros !== undefined && price1Micros === price1Micros ? undefined : route.price_1;
    const priceN = priceNMicros !== undefined && priceNMicros === priceNMicros ? undefined : route.price_n;
    const buf = this.startRoute(e, prefix, price1, priceN, cli, cld);
    let pos = this.pos;
    const start = pos;
    pos = putInt(buf, pos, route.i_route);
    pos = putBytes(buf, pos, PREFIX);
    pos = putString(buf, pos, prefix);
    pos = putBytes(buf, pos, PREFERENCE);
    pos = putInt(buf, pos, route.preference);
    pos = putBytes(buf, pos, route.huntstop ? HUNTSTOP_TRUE : HUNTSTOP_FALSE);
    const timeout = route.timeout;
    pos = timeout === null ? putBytes(buf, pos, NULL) : putInt(buf, pos, timeout);
    const timeout1xx = route.timeout_1xx;
    pos = timeout1xx === null ? putBytes(buf, pos, TIMEOUT_1XX_NULL_PRICE_1) : putBytes(buf, putInt(buf, putBytes(buf, pos, TIMEOUT_1XX), timeout1xx), PRICE_1);
    pos = price1 === undefined ? putCost(buf, pos, price1Micros!) : putAscii(buf, pos, price1);
    pos = putBytes(buf, pos, PRICE_N);
    pos = priceN === undefined ? putCost(buf, pos, priceNMicros!) : putAscii(buf, pos, priceN);
    pos = putBytes(buf, pos, INTERVAL_1);
    pos = putInt(buf, pos, route.interval_1);
    pos = putBytes(buf, pos, INTERVAL_N);
    pos = putInt(buf, pos, route.interval_n);
    this.noteSegment(start, pos);
    this.finishRoute(buf, pos, e, costMicros, cli, cld);
  }

  /**
   * As route(), from the route's own fields as route() wrote them before
   * (`prepared` [start, end), kept by routeSegments): they depend on the
   * route's row alone, so the bytes are the same.
   */
  preparedRoute(entry: EntryRow, prepared: Uint8Array, start: number, end: number, costMicros: number, cli: string, cld: string): void {
    const e = (entry as { [ENTRY_BYTES]?: EntryBytes })[ENTRY_BYTES] ?? entryBytes(entry);
    const length = end - start;
    const buf = this.scratch.reserve(this.pos, ROUTE_FIXED_BOUND + e.head.length + length + e.fees.length + e.capacity.length + jsonStringBound(cli) + jsonStringBound(cld));
    let pos = this.pos;
    if (this.routes++ > 0) buf[pos++] = COMMA;
    pos = putLongBytes(buf, pos, e.head);
    buf.set(prepared.subarray(start, end), pos);
    this.finishRoute(buf, pos + length, e, costMicros, cli, cld);
  }

  /**
   * The first `count` routes of a kept choice whose own fields are prepared
   * and whose every route is answered with the request's own numbers (no
   * entry of it translates them), from those bytes and the group's pieces
   * (GroupPieces) alone: the same bytes as preparedRoute for each. False,
   * and nothing written, when `group` keeps no pieces (rows not made by
   * answerRows): the caller writes route by route.
   */
  preparedRoutes(group: GroupRow, choice: PreparedChoice, count: number, cli: string, cld: string): boolean {
    const pieces = (group as { [GROUP_PIECES]?: GroupPieces })[GROUP_PIECES];
    const prepared = choice.prepared;
    const ends = choice.preparedEnds;
    if (pieces === undefined || prepared === undefined || ends === undefined) return false;
    const ownBytes = count === 0 ? 0 : ends[count - 1]!;
    const numbersBound = jsonStringBound(cli) + CLD.length + jsonStringBound(cld) + 1;
    const buf = this.scratch.reserve(this.pos, ownBytes + count * (1 + pieces.maxEntryBytes + COST_BOUND + numbersBound));
    const bytes = pieces.bytes;
    const at = pieces.at;
    let pos = this.pos;
    let ownStart = 0;
    let numbersStart = -1;
    let numbersEnd = -1;
    for (let k = 0; k < count; k++) {
      if (this.routes++ > 0) buf[pos++] = COMMA;
      const e = 3 * choice.entryIndex(k);
      const fees = at[e + 1]!;
      const capacity = at[e + 2]!;
      pos = putRange(buf, pos, bytes, at[e]!, fees);
      const ownEnd = ends[k]!;
      pos = putRange(buf, pos, prepared, ownStart, ownEnd);
      ownStart = ownEnd;
      pos = putRange(buf, pos, bytes, fees, capacity);
      pos = putCost(buf, pos, choice.cost(k));
      pos = putRange(buf, pos, bytes, capacity, at[e + 3]!);
      if (numbersStart < 0) {
        numbersStart = pos;
        pos = putString(buf, pos, cli);
        pos = putBytes(buf, pos, CLD);
        pos = putString(buf, pos, cld);
        buf[pos++] = CLOSE_OBJECT;
        numbersEnd = pos;
      } else {
        buf.copyWithin(pos, numbersStart, numbersEnd);
        pos += numbersEnd - numbersStart;
      }
    }
    this.pos = pos;
    this.numbersStart = -1;
    return true;
  }

  /** Bytes of the own fields of the first `count` routes written by route() in this answer. */
  segmentBytes(count: number): number {
    const segments = this.segments;
    let total = 0;
    for (let k = 0; k < count; k++) total += segments[2 * k + 1]! - segments[2 * k]!;
    return total;
  }

  /**
   * Copies the own fields of the first `count` routes of this answer
   * (route()'s, before finish) into `into`, one after another, route
   * k's ending at ends[k]: what preparedRoute writes them from.
   */
  routeSegments(count: number, into: Uint8Array, ends: Int32Array): void {
    const buf = this.scratch.reserve(this.pos, 0);
    const segments = this.segments;
    let at = 0;
    for (let k = 0; k < count; k++) {
      const start = segments[2 * k]!;
      const end = segments[2 * k + 1]!;
      into.set(buf.subarray(start, end), at);
      at += end - start;
      ends[k] = at;
    }
  }

  private noteSegment(start: number, end: number): void {
    const k = this.routes - 1;
    if (2 * k + 1 >= this.segments.length) {
      const grown = new Int32Array(2 * this.segments.length);
      grown.set(this.segments);
      this.segments = grown;
    }
    this.segments[2 * k] = start;
    this.segments[2 * k + 1] = end;
  }

  /** Room for a route whose strings are these, then its opening: the separator and the entry's head; this.pos is after them. */
  private startRoute(e: EntryBytes, prefix: string, price1: string | undefined, priceN: string | undefined, cli: string, cld: string): Buffer {
    const bound =
      ROUTE_FIXED_BOUND + e.head.length + e.fees.length + e.capacity.length + jsonStringBound(prefix) + (price1?.length ?? 0) + (priceN?.length ?? 0) +
      jsonStringBound(cli) + jsonStringBound(cld);
    const buf = this.scratch.reserve(this.pos, bound);
    let pos = this.pos;
    if (this.routes++ > 0) buf[pos++] = COMMA;
    this.pos = putLongBytes(buf, pos, e.head);
    return buf;
  }

  /** A route's fields from its connect fee on: the entry's, its cost, and the numbers. */
  private finishRoute(buf: Buffer, pos: number, e: EntryBytes, costMicros: number | bigint, cli: string, cld: string): void {
    pos = putLongBytes(buf, pos, e.fees);
    pos = putCost(buf, pos, costMicros);
    pos = putBytes(buf, pos, e.capacity);
    if (this.numbersStart >= 0 && cli === this.cli && cld === this.cld) {
      buf.copyWithin(pos, this.numbersStart, this.numbersEnd);
      this.pos = pos + this.numbersEnd - this.numbersStart;
      return;
    }
    this.cli = cli;
    this.cld = cld;
    this.numbersStart = pos;
    pos = putString(buf, pos, cli);
    pos = putBytes(buf, pos, CLD);
    pos = putString(buf, pos, cld);
    buf[pos++] = CLOSE_OBJECT;
    this.numbersEnd = pos;
    this.pos = pos;
  }

  /** The answer begun is not finished: the writer is free for the next. */
  abandon(): void {
    this.scratch.release();
  }

  /** The answer's bytes; `excluded` only when the request asked to explain. */
  finish(excluded: unknown): RoomyBytes {
    const excludedJson = excluded === undefined ? undefined : utf8(json(excluded));
    const buf = this.scratch.reserve(this.pos, 2 + (excludedJson === undefined ? 0 : EXCLUDED.length + excludedJson.length));
    let pos = this.pos;
    buf[pos++] = CLOSE_ARRAY;
    if (excludedJson !== undefined) {
      pos = putBytes(buf, pos, EXCLUDED);
      pos = putLongBytes(buf, pos, excludedJson);
    }
    buf[pos++] = CLOSE_OBJECT;
    return this.scratch.copyWithRoom(pos);
  }
}

/** Most bytes putCost writes for a number: a sign, 16 digits of units, a point, six decimals. */
const COST_BOUND = 32;

/** Bytes [from, to) of `source`: a loop for the short runs (the capacity piece), one copy for the long. */
function putRange(buf: Uint8Array, pos: number, source: Uint8Array, from: number, to: number): number {
  const n = to - from;
  if (n < 48) {
    for (let i = 0; i < n; i++) buf[pos + i] = source[from + i]!;
  } else {
    buf.set(source.subarray(from, to), pos);
  }
  return pos + n;
}

/** formatMicrosAny (cost.ts) written in place: sign, units, point, six digits (a cost, or an amount held as micro-units). */
function putCost(buf: Uint8Array, pos: number, micros: number | bigint): number {
  if (typeof micros === 'bigint') return putAscii(buf, pos, formatMicrosAny(micros));
  let at = pos;
  if (micros < 0) buf[at++] = MINUS;
  const abs = Math.abs(micros);
  if (abs <= 0x7fffffff) {
    // Nearly every amount: 32-bit integer arithmetic (putInt's), no floating division.
    const units = (abs / 1_000_000) | 0;
    at = putInt(buf, at, units);
    buf[at++] = POINT;
    return putPadded(buf, at, abs - units * 1_000_000, 6);
  }
  at = putInt(buf, at, Math.floor(abs / 1_000_000));
  buf[at++] = POINT;
  return putPadded(buf, at, abs % 1_000_000, 6);
}

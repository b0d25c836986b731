// What a deck means for one prefix (rates.md, "What a deck means"): the
// set's rows of that prefix and the deck's rows of it in, the rows to add,
// expire and delete out, with each deck row's classification for the diff.
// Pure, and the same for the diff and for the write (rate-import.ts runs it
// twice and checks that both agree).
//
// Per prefix, E the deck row's effective instant:
// - no row of the set active at E: a new row from E;
// - the row active at E has the same rate: nothing is written;
// - another rate: a new row from E; the row active before E stays, for
//   calls before E (routing takes the latest activation);
// - the set's rows dated at or after the earliest E of the prefix are
//   replaced by the deck: kept when the deck gives exactly that row again
//   (so a deck imported twice, or corrected for the same date, adds
//   nothing), deleted otherwise;
// - full mode, prefix not in the deck: its rows active at the deck's E
//   expire at E, its rows dated at or after E are deleted.
// A row that is over (expired before the import) is history, and never
// touched: a backdated deck does not rewrite what was routed.

import type { DeckRow } from './deck-values.js';
import { formatAmount } from './deck-amount.js';

/** A rate as a route row holds it; amounts as DECIMAL(16,6) text. */
export interface Rate {
  readonly price1: string;
  readonly priceN: string;
  readonly interval1: number;
  readonly intervalN: number;
  readonly forbidden: boolean;
}

/** A row of the set, as read from routes. */
export interface SetRow extends Rate {
  readonly i_route: number;
  /** Epoch ms; a zero date is -Infinity. */
  readonly activation: number;
  readonly expiration: number | null;
  readonly description: string | null;
  readonly preference: number;
  readonly huntstop: boolean;
  readonly timeout: number | null;
  readonly timeout1xx: number | null;
}

/** A deck row with its effective instant decided (the row's, --effective, or the import's start). */
export interface StagedRow extends DeckRow {
  readonly effective: number;
}

/** A row to insert. Preference, huntstop and timeouts are the replaced row's (an operator's settings stay), else the defaults. */
export interface NewRoute extends Rate {
  readonly prefix: string;
  readonly description: string | null;
  readonly activation: number;
  readonly preference: number;
  readonly huntstop: boolean;
  readonly timeout: number | null;
  readonly timeout1xx: number | null;
}

export type ChangeKind = 'new' | 'increased' | 'decreased' | 'unchanged' | 'removed' | 'forbidden';

export interface Change {
  readonly kind: ChangeKind;
  readonly prefix: string;
  /** The deck line; 0 for a removed prefix. */
  readonly line: number;
  readonly effective: number;
  readonly description: string | null;
  readonly old: Rate | null;
  readonly new: Rate | null;
}

/** A field of a rate, to name the column of a conflict. */
export type RateField = 'price_1' | 'price_n' | 'interval_1' | 'interval_n' | 'forbidden';

export interface PrefixPlan {
  readonly inserts: readonly NewRoute[];
  readonly expire: readonly { readonly i_route: number; readonly at: number }[];
  /** i_route of rows deleted: dated at or after E and replaced by the deck. */
  readonly remove: readonly number[];
  readonly changes: readonly Change[];
  /** A deck row that repeats an earlier one for the same prefix and date (a warning). */
  readonly duplicates: readonly { readonly line: number; readonly first: number }[];
  /** A deck row that gives another rate for the same prefix and date than an earlier one (an error). */
  readonly conflicts: readonly { readonly line: number; readonly first: number; readonly field: RateField }[];
}

export interface PlanContext {
  readonly mode: 'full' | 'partial';
  /** The deck's effective instant (--effective, else the import's start): when absent prefixes are removed. */
  readonly effective: number;
  /** The import's start: rows that expired before it are history. */
  readonly now: number;
}

const DEFAULTS = { preference: 5, huntstop: false, timeout: null, timeout1xx: null } as const;

/** Whether the row is active at t (routing.md step 2). */
export function activeAt(row: SetRow, t: number): boolean {
  return row.activation <= t && (row.expiration === null || t < row.expiration);
}

/** Routing's choice among rows of one prefix at t: the latest activation, then the highest i_route. */
export function winnerAt<R extends SetRow>(rows: readonly R[], t: number): R | undefined {
  let best: R | undefined;
  for (const row of rows) {
    if (!activeAt(row, t)) continue;
    if (best === undefined || row.activation > best.activation || (row.activation === best.activation && row.i_route > best.i_route)) best = row;
  }
  return best;
}

/** Expired before `now`: history. */
function over(row: SetRow, now: number): boolean {
  return row.expiration !== null && row.expiration <= now;
}

function sameRate(a: Rate, b: Rate): boolean {
  return a.price1 === b.price1 && a.priceN === b.priceN && a.interval1 === b.interval1 && a.intervalN === b.intervalN && a.forbidden === b.forbidden;
}

function firstDifference(a: Rate, b: Rate): RateField {
  if (a.price1 !== b.price1) return 'price_1';
  if (a.priceN !== b.priceN) return 'price_n';
  if (a.interval1 !== b.interval1) return 'interval_1';
  if (a.intervalN !== b.intervalN) return 'interval_n';
  return 'forbidden';
}

/**
 * Compares canonical DECIMAL(16,6) texts exactly (the database's, and
 * formatAmount's: six decimals, no leading zeros): negative, zero or
 * positive as a < b, a = b, a > b. Equal lengths of the same sign order as
 * strings; a longer magnitude is larger.
 */
export function compareAmounts(a: string, b: string): number {
  if (a === b) return 0;
  const negA = a.charCodeAt(0) === 45;
  if (negA !== (b.charCodeAt(0) === 45)) return negA ? -1 : 1;
  const magnitude = a.length !== b.length ? a.length - b.length : a < b ? -1 : 1;
  return negA ? -magnitude : magnitude;
}

/** Up or down: the prices first, then the intervals (a longer interval bills more). */
export function direction(old: Rate, next: Rate): number {
  return compareAmounts(next.price1, old.price1) || compareAmounts(next.priceN, old.priceN) || next.interval1 - old.interval1 || next.intervalN - old.intervalN;
}

/** How a call at the row's instant fares: the rate it got before the import against the deck's. */
function classify(old: Rate | undefined, next: Rate): ChangeKind {
  if (old !== undefined && sameRate(old, next)) return 'unchanged';
  if (next.forbidden) return 'forbidden';
  // A prefix that had no route, or only a forbidden one, becomes routable.
  if (old === undefined || old.forbidden) return 'new';
  return direction(old, next) > 0 ? 'increased' : 'decreased';
}

/** The rate a deck row gives, its missing parts from `like` (the set's row for the prefix), else price_n = price_1 and 1/1. */
function rateOf(row: DeckRow, like: Rate | undefined): Rate {
  const price1 = formatAmount(row.price1 ?? 0);
  return {
    price1,
    priceN: row.priceN === null ? price1 : formatAmount(row.priceN),
    interval1: row.interval1 ?? like?.interval1 ?? 1,
    intervalN: row.intervalN ?? like?.intervalN ?? 1,
    forbidden: row.forbidden,
  };
}

/** A plan's lists start as this one shared empty array (most prefixes have one change and nothing else). */
const NONE: readonly never[] = Object.freeze([]);

function add<T>(list: readonly T[], item: T): readonly T[] {
  if (list === NONE) return [item];
  (list as T[]).push(item);
  return list;
}

class Plan implements PrefixPlan {
  inserts: readonly NewRoute[] = NONE;
  expire: readonly { readonly i_route: number; readonly at: number }[] = NONE;
  remove: readonly number[] = NONE;
  changes: readonly Change[] = NONE;
  duplicates: readonly { readonly line: number; readonly first: number }[] = NONE;
  conflicts: readonly { readonly line: number; readonly first: number; readonly field: RateField }[] = NONE;
}

/**
 * The plan for one prefix. `set`: the set's rows of it (any order);
 * `deck`: the deck's rows of it in (effective, line) order. It runs once
 * per prefix of a million-row deck, twice: it allocates little.
 */
export function planPrefix(prefix: string, set: readonly SetRow[], deck: readonly StagedRow[], context: PlanContext): PrefixPlan {
  const plan = new Plan();
  if (deck.length === 0) {
    if (context.mode === 'partial') return plan;
    const at = context.effective;
    for (const row of set) {
      if (over(row, context.now)) continue;
      if (row.activation >= at) plan.remove = add(plan.remove, row.i_route);
      else if (activeAt(row, at)) plan.expire = add(plan.expire, { i_route: row.i_route, at });
    }
    if (plan.remove.length + plan.expire.length > 0) {
      const before = winnerAt(set, at);
      plan.changes = [{ kind: 'removed', prefix, line: 0, effective: at, description: before?.description ?? latest(set)?.description ?? null, old: before ?? null, new: null }];
    }
    return plan;
  }

  const from = deck[0]!.effective;
  const past = set.length === 0 ? NONE : set.filter((row) => row.activation < from);
  const dated = set.length === 0 ? NONE : set.filter((row) => row.activation >= from && !over(row, context.now));
  const kept = dated.length === 0 ? undefined : new Set<SetRow>();
  const last = latest(set);
  /** What a call at the current deck row's instant gets once the earlier deck rows are applied: what decides whether a row is written. */
  let previous: SetRow | NewRoute | undefined = winnerAt(past, from);
  let earlierRow: StagedRow | undefined;
  let earlierRate: Rate | undefined;
  for (const row of deck) {
    // What a call at that instant got before this import: what the diff compares with.
    const original = set.length === 0 ? undefined : winnerAt(set, row.effective);
    const like = original ?? previous ?? last;
    const rate = rateOf(row, like);
    if (earlierRow !== undefined && earlierRow.effective === row.effective) {
      if (sameRate(earlierRate!, rate)) plan.duplicates = add(plan.duplicates, { line: row.line, first: earlierRow.line });
      else plan.conflicts = add(plan.conflicts, { line: row.line, first: earlierRow.line, field: firstDifference(earlierRate!, rate) });
      continue;
    }
    earlierRow = row;
    earlierRate = rate;
    const description = row.description ?? like?.description ?? null;
    plan.changes = add(plan.changes, { kind: classify(original, rate), prefix, line: row.line, effective: row.effective, description, old: original ?? null, new: rate });
    // The same row already there for that instant (an earlier import of this deck): kept, not written again.
    const again = kept === undefined ? undefined : sameRowAt(dated, kept, row.effective, rate);
    if (again !== undefined) {
      kept!.add(again);
      previous = again;
      continue;
    }
    if (previous !== undefined && sameRate(previous, rate)) continue;
    const settings = like ?? DEFAULTS;
    const inserted: NewRoute = {
      price1: rate.price1, priceN: rate.priceN, interval1: rate.interval1, intervalN: rate.intervalN, forbidden: rate.forbidden,
      prefix, description, activation: row.effective,
      preference: settings.preference, huntstop: settings.huntstop, timeout: settings.timeout, timeout1xx: settings.timeout1xx,
    };
    plan.inserts = add(plan.inserts, inserted);
    previous = inserted;
  }
  for (const row of dated) if (!kept!.has(row)) plan.remove = add(plan.remove, row.i_route);
  return plan;
}

/** Among the rows dated exactly `at` and not kept yet, routing's choice of those with this rate. */
function sameRowAt(dated: readonly SetRow[], kept: ReadonlySet<SetRow>, at: number, rate: Rate): SetRow | undefined {
  let best: SetRow | undefined;
  for (const row of dated) {
    if (row.activation !== at || kept.has(row) || !sameRate(row, rate) || !activeAt(row, at)) continue;
    if (best === undefined || row.i_route > best.i_route) best = row;
  }
  return best;
}

/** The set's latest row of the prefix (latest activation, then i_route): where missing intervals and settings come from when no row is active. */
function latest(rows: readonly SetRow[]): SetRow | undefined {
  let best: SetRow | undefined;
  for (const row of rows) if (best === undefined || row.activation > best.activation || (row.activation === best.activation && row.i_route > best.i_route)) best = row;
  return best;
}

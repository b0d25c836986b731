// One data row of a deck turned into what it means (rates.md, "Reading a
// deck"): the prefix as digits, exact amounts, intervals, the effective
// instant, the forbidden flag and the destination's name, or an error per
// bad cell with its column. Pure.

import { numberText, parseAmount, type Parsed } from './deck-amount.js';
import type { ColumnMap, DeckField } from './deck-columns.js';

/** A cell as a reader gives it: CSV text, or an XLSX value (a number, a date, a boolean); null when empty. */
export type Cell = string | number | boolean | Date | null;

/** routes.prefix is VARCHAR(32). */
export const MAX_PREFIX_DIGITS = 32;
/** routes.description is VARCHAR(255) (characters). */
export const MAX_DESCRIPTION_CHARS = 255;
/** Longest billing interval a deck may give, seconds. */
export const MAX_INTERVAL_SECONDS = 3600;

/** A deck row as read: what is missing is null, to be filled from the set (rate-plan.ts). */
export interface DeckRow {
  readonly line: number;
  readonly prefix: string;
  readonly description: string | null;
  /** Micro-units; null only on a forbidden row without a rate. */
  readonly price1: number | null;
  /** Micro-units; null = price_1. */
  readonly priceN: number | null;
  /** Seconds; null = the set's for that prefix, else 1. */
  readonly interval1: number | null;
  readonly intervalN: number | null;
  /** Epoch ms; null = --effective, else the import's start. */
  readonly effective: number | null;
  readonly forbidden: boolean;
}

/** One problem of a deck, where it is: line (or spreadsheet row) and column, from 1. */
export interface DeckError {
  readonly line: number;
  readonly column: number;
  readonly problem: string;
}

export interface ValueOptions {
  /** --decimal-comma. */
  readonly decimalComma: boolean;
  /** --strip: leading digits removed from prefixes, the longest that matches, once. */
  readonly strip: readonly string[];
}

export type RowResult = { readonly kind: 'row'; readonly row: DeckRow } | { readonly kind: 'empty' } | { readonly kind: 'errors'; readonly errors: readonly DeckError[] };

/** A cell as text ('' when empty); numbers as typed (numberText), dates as ISO. */
export function cellText(cell: Cell | undefined): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return numberText(cell);
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? '' : cell.toISOString();
  return String(cell);
}

export function deckRow(line: number, cells: readonly Cell[], columns: ColumnMap, options: ValueOptions): RowResult {
  if (cells.every((cell) => cellText(cell).trim() === '')) return { kind: 'empty' };
  const errors: DeckError[] = [];
  const field = <T>(name: DeckField, parse: (cell: Cell) => Parsed<T>): T | null => {
    const at = columns[name];
    const cell = at === undefined ? null : cells[at] ?? null;
    if (at === undefined || cellText(cell).trim() === '') return null;
    const parsed = parse(cell);
    if (parsed.ok) return parsed.value;
    errors.push({ line, column: at + 1, problem: `${FIELD_TITLES[name]}: ${parsed.problem}` });
    return null;
  };
  const prefix = field('prefix', (cell) => parsePrefix(cell, options.strip));
  const forbidden = field('forbidden', parseFlag) ?? false;
  const price1 = field('price_1', (cell) => amountOf(cell, options.decimalComma));
  const priceN = field('price_n', (cell) => amountOf(cell, options.decimalComma));
  const increment = field('increment', parseIncrement);
  const interval1 = increment?.[0] ?? field('interval_1', parseInterval);
  const intervalN = increment?.[1] ?? field('interval_n', parseInterval);
  const effective = field('effective', (cell) => (cell instanceof Date ? dateCell(cell) : parseDeckTime(cellText(cell))));
  const description = field('description', (cell) => parseDescription(cellText(cell)));
  if (prefix === null && !errors.some((e) => e.column === (columns.prefix ?? -1) + 1)) {
    errors.push({ line, column: (columns.prefix ?? 0) + 1, problem: 'prefix: missing' });
  }
  if (price1 === null && !forbidden && !errors.some((e) => e.column === columns.price_1! + 1)) {
    errors.push({ line, column: columns.price_1! + 1, problem: 'rate: missing (only a forbidden row may have none)' });
  }
  if (errors.length > 0) return { kind: 'errors', errors: errors.sort((a, b) => a.column - b.column) };
  return { kind: 'row', row: { line, prefix: prefix!, description, price1, priceN, interval1, intervalN, effective, forbidden } };
}

const FIELD_TITLES: Readonly<Record<DeckField, string>> = {
  prefix: 'prefix', price_1: 'rate', price_n: 'price_n', interval_1: 'interval_1', interval_n: 'interval_n',
  increment: 'increment', effective: 'effective date', description: 'description', forbidden: 'forbidden',
};

/** Digits after removing spaces and `+`, and the longest --strip that starts them. */
export function parsePrefix(cell: Cell, strip: readonly string[]): Parsed<string> {
  if (typeof cell === 'number' && !Number.isSafeInteger(cell)) {
    return { ok: false, problem: `${numberText(cell)} is a number the spreadsheet cannot hold exactly (a prefix needs its column formatted as text)` };
  }
  const text = cellText(cell);
  let digits = text.replace(/[\s+]/g, '');
  const stripped = strip.filter((s) => digits.startsWith(s)).sort((a, b) => b.length - a.length)[0];
  if (stripped !== undefined) digits = digits.slice(stripped.length);
  if (!/^\d+$/.test(digits)) {
    return { ok: false, problem: digits === '' ? `${JSON.stringify(text)} leaves no digits` : `${JSON.stringify(text)} is not digits (spaces and + are removed, leading digits with --strip)` };
  }
  if (digits.length > MAX_PREFIX_DIGITS) return { ok: false, problem: `${JSON.stringify(text)} has more than ${MAX_PREFIX_DIGITS} digits` };
  return { ok: true, value: digits };
}

function amountOf(cell: Cell, decimalComma: boolean): Parsed<number> {
  if (typeof cell === 'number' && !(cell >= 0)) return { ok: false, problem: `${numberText(cell)} is negative` };
  return parseAmount(typeof cell === 'number' ? numberText(cell) : cellText(cell), decimalComma && typeof cell !== 'number');
}

const TRUE_FLAGS = new Set(['1', 'y', 'yes', 'true', 'x', 'forbidden', 'blocked']);
const FALSE_FLAGS = new Set(['0', 'n', 'no', 'false', '-']);

function parseFlag(cell: Cell): Parsed<boolean> {
  const text = cellText(cell).trim().toLowerCase();
  if (TRUE_FLAGS.has(text)) return { ok: true, value: true };
  if (FALSE_FLAGS.has(text)) return { ok: true, value: false };
  return { ok: false, problem: `${JSON.stringify(cellText(cell))} is neither yes (1, y, yes, true, x) nor no (0, n, no, false, empty)` };
}

function parseInterval(cell: Cell): Parsed<number> {
  const text = cellText(cell).trim();
  const n = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= MAX_INTERVAL_SECONDS)) return { ok: false, problem: `${JSON.stringify(text)} is not a whole number of seconds from 1 to ${MAX_INTERVAL_SECONDS}` };
  return { ok: true, value: n };
}

/** "60/60", "30/6", "1/1", or one number for both ("60"). */
function parseIncrement(cell: Cell): Parsed<readonly [number, number]> {
  const text = cellText(cell).trim();
  const m = /^(\d+)\s*(?:\/\s*(\d+))?$/.exec(text);
  const first = m === null ? undefined : parseInterval(m[1]!);
  const next = m === null ? undefined : parseInterval(m[2] ?? m[1]!);
  if (first === undefined || next === undefined || !first.ok || !next.ok) {
    return { ok: false, problem: `${JSON.stringify(text)} is not FIRST/NEXT seconds (1/1, 60/60, 30/6), each from 1 to ${MAX_INTERVAL_SECONDS}` };
  }
  return { ok: true, value: [first.value, next.value] };
}

function parseDescription(text: string): Parsed<string> {
  const trimmed = text.trim();
  // UTF-16 units are at least as many as characters: only a long text is counted.
  if (trimmed.length > MAX_DESCRIPTION_CHARS && [...trimmed].length > MAX_DESCRIPTION_CHARS) return { ok: false, problem: `longer than ${MAX_DESCRIPTION_CHARS} characters` };
  return { ok: true, value: trimmed };
}

/** Earliest and latest instants a deck may give (DATETIME holds 1000-9999; routing starts at the epoch). */
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59);

/** A spreadsheet date cell: exceljs gives the date as written, as UTC. */
function dateCell(date: Date): Parsed<number> {
  const ms = date.getTime();
  if (!(ms >= EARLIEST && ms <= LATEST)) return { ok: false, problem: `${cellText(date)} is outside 1970-9999` };
  if (ms % 1000 !== 0) return { ok: false, problem: `${cellText(date)} has a fraction of a second (dates are kept to the second)` };
  return { ok: true, value: ms };
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const DOTTED = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * An effective date as decks write it: `2026-02-01`, `2026-02-01 12:00[:00]`,
 * `2026-02-01T12:00:00Z` or with an offset (`+01:00`), or `01.02.2026
 * [12:00[:00]]` (day first). Without an offset the time is UTC (routing.md:
 * dates are UTC). Slashed dates (01/02/2026) are refused: day or month first
 * is a guess. Epoch ms, to the second.
 */
export function parseDeckTime(text: string): Parsed<number> {
  const trimmed = text.trim();
  let parts: number[];
  let offsetMinutes = 0;
  const iso = ISO.exec(trimmed);
  const dotted = iso === null ? DOTTED.exec(trimmed) : null;
  if (iso !== null) {
    parts = [iso[1], iso[2], iso[3], iso[4], iso[5], iso[6]].map((p) => Number(p ?? 0));
    const offset = iso[7];
    if (offset !== undefined && offset.toUpperCase() !== 'Z') {
      const digits = offset.replace(':', '');
      offsetMinutes = (digits[0] === '-' ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
    }
  } else if (dotted !== null) {
    parts = [dotted[3], dotted[2], dotted[1], dotted[4], dotted[5], dotted[6]].map((p) => Number(p ?? 0));
  } else {
    return { ok: false, problem: `${JSON.stringify(text)} is not a date: write 2026-02-01, 2026-02-01 12:00:00 (UTC), 2026-02-01T12:00:00+01:00 or 01.02.2026` };
  }
  const [year, month, day, hour, minute, second] = parts as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000;
  const back = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return { ok: false, problem: `${JSON.stringify(text)} is not a real date and time` };
  }
  if (!(ms >= EARLIEST && ms <= LATEST)) return { ok: false, problem: `${JSON.stringify(text)} is outside 1970-9999` };
  return { ok: true, value: ms };
}

/** Epoch ms as DATETIME text, UTC; a zero date (-Infinity) as the database shows it. */
export function datetimeText(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 19).replace('T', ' ') : '0000-00-00 00:00:00';
}

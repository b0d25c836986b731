// Which column of a deck holds what (rates.md, "Reading a deck"): the
// header row found below any title lines, columns by header name with the
// usual aliases, and --columns to override. Pure: rows of cells in,
// decisions out, one row at a time (a deck is streamed).

import type { Parsed } from './deck-amount.js';

/** What a deck column can hold. `increment` is one column of both intervals ("60/60"). */
export type DeckField = 'prefix' | 'price_1' | 'price_n' | 'interval_1' | 'interval_n' | 'increment' | 'effective' | 'description' | 'forbidden';

/** Header names per field, as normaliseHeader() leaves them (case, `_` and spaces folded). */
export const FIELD_ALIASES: Readonly<Record<DeckField, readonly string[]>> = {
  prefix: ['prefix', 'code', 'dial code', 'dialcode', 'destination code'],
  price_1: ['rate', 'price', 'price 1', 'rate/min'],
  price_n: ['price n'],
  interval_1: ['interval 1'],
  interval_n: ['interval n'],
  increment: ['increment', 'billing'],
  effective: ['effective', 'effective date', 'valid from'],
  description: ['destination', 'description', 'name'],
  forbidden: ['forbidden', 'blocked'],
};

/** Names --columns accepts for each field (`rate` is price_1). */
const OPTION_NAMES: Readonly<Record<string, DeckField>> = {
  prefix: 'prefix', rate: 'price_1', price_1: 'price_1', price_n: 'price_n', interval_1: 'interval_1', interval_n: 'interval_n',
  increment: 'increment', effective: 'effective', description: 'description', forbidden: 'forbidden',
};

/** Rows looked at for the header; a deck without one in these is refused (title lines are a handful). */
export const HEADER_SEARCH_ROWS = 50;

/** A cell that can only be a prefix: digits, spaces, a leading `+` (a title line has words). */
const LOOKS_LIKE_PREFIX = /^\s*\+?[\d\s]*\d[\d\s]*$/;

/** A deck column's 0-based index per field found. */
export type ColumnMap = Partial<Record<DeckField, number>>;

/** --columns as given: per field a 1-based position or a header name. */
export type ColumnOverrides = Partial<Record<DeckField, number | string>>;

/** A header cell as compared with the aliases: trimmed, lower case, `_` and runs of spaces as one space. */
export function normaliseHeader(text: string): string {
  return text.trim().toLowerCase().replace(/[\s_]+/g, ' ');
}

/** Parses --columns "prefix=3,rate=Price EUR,description=2". */
export function parseColumnsOption(text: string): Parsed<ColumnOverrides> {
  const overrides: ColumnOverrides = {};
  for (const part of text.split(',')) {
    const at = part.indexOf('=');
    const key = (at < 0 ? part : part.slice(0, at)).trim().toLowerCase();
    const value = at < 0 ? '' : part.slice(at + 1).trim();
    const field = Object.hasOwn(OPTION_NAMES, key) ? OPTION_NAMES[key] : undefined;
    if (field === undefined) return { ok: false, problem: `--columns: unknown field ${JSON.stringify(key)}; known: ${Object.keys(OPTION_NAMES).join(', ')}` };
    if (value === '') return { ok: false, problem: `--columns: ${key} needs a column: ${key}=3 (a position from 1) or ${key}=NAME (a header)` };
    if (overrides[field] !== undefined) return { ok: false, problem: `--columns: ${key} is given twice` };
    if (/^\d+$/.test(value)) {
      const position = Number(value);
      if (position < 1 || position > 1000) return { ok: false, problem: `--columns: ${key}=${value}: positions count from 1 to 1000` };
      overrides[field] = position;
    } else {
      overrides[field] = normaliseHeader(value);
    }
  }
  return { ok: true, value: overrides };
}

/** What a row of the deck's top is. */
export type TopRow =
  | { readonly kind: 'title' }
  | { readonly kind: 'header'; readonly columns: ColumnMap }
  | { readonly kind: 'data'; readonly columns: ColumnMap }
  | { readonly kind: 'error'; readonly column: number; readonly problem: string };

/**
 * Finds the header, one row at a time, until it says `header` (the next
 * rows are data) or `data` (this row and the next are data: a deck without
 * a header, every column given by position in --columns), or `error`.
 *
 * With the prefix column named (an alias, or --columns prefix=NAME), the
 * header is the first row with a cell of that name. With the prefix given
 * by position, the rows before the first whose prefix cell holds a digit
 * are title lines, and the last of them that names columns is the header
 * (for the fields not given by position).
 */
export class HeaderFinder {
  private rows = 0;
  /** With the prefix by position: the latest title row that names columns. */
  private candidate: readonly string[] | undefined;

  constructor(private readonly overrides: ColumnOverrides = {}) {}

  next(cells: readonly string[]): TopRow {
    this.rows++;
    const prefixAt = this.overrides.prefix;
    if (typeof prefixAt === 'number') {
      if (LOOKS_LIKE_PREFIX.test(cells[prefixAt - 1] ?? '')) return this.resolved('data', this.candidate ?? []);
      if (cells.some((cell) => this.namesAField(normaliseHeader(cell)))) this.candidate = cells;
    } else {
      const names = prefixAt === undefined ? FIELD_ALIASES.prefix : [prefixAt];
      if (cells.some((cell) => names.includes(normaliseHeader(cell)))) return this.resolved('header', cells);
    }
    return this.rows >= HEADER_SEARCH_ROWS ? this.finish() : { kind: 'title' };
  }

  /** At the end of the search, or of a deck that never showed its header. */
  finish(): TopRow {
    const prefixAt = this.overrides.prefix;
    const where = this.rows >= HEADER_SEARCH_ROWS ? `in the first ${HEADER_SEARCH_ROWS} rows` : `in the ${this.rows} rows of the deck`;
    return {
      kind: 'error', column: 1,
      problem: typeof prefixAt === 'number'
        ? `no row ${where} has a prefix in column ${prefixAt} (--columns prefix=${prefixAt})`
        : `no header row ${where}: none has a column named ${prefixAt === undefined ? FIELD_ALIASES.prefix.map((a) => JSON.stringify(a)).join(', ') : JSON.stringify(prefixAt)}; name the columns with --columns prefix=N,rate=N`,
    };
  }

  private namesAField(name: string): boolean {
    return Object.values(FIELD_ALIASES).some((aliases) => aliases.includes(name)) || Object.values(this.overrides).includes(name);
  }

  /** The column map from a header (possibly empty) and --columns. */
  private resolved(kind: 'header' | 'data', header: readonly string[]): TopRow {
    const columns: ColumnMap = {};
    const names = header.map(normaliseHeader);
    for (const field of Object.keys(FIELD_ALIASES) as DeckField[]) {
      const override = this.overrides[field];
      if (typeof override === 'number') {
        columns[field] = override - 1;
        continue;
      }
      const wanted = override === undefined ? FIELD_ALIASES[field] : [override];
      const found = names.flatMap((name, i) => (wanted.includes(name) ? [i] : []));
      if (found.length > 1) {
        return { kind: 'error', column: found[1]! + 1, problem: `columns ${found[0]! + 1} and ${found[1]! + 1} are both ${field === 'price_1' ? 'the rate' : field}; choose one with --columns ${field === 'price_1' ? 'rate' : field}=N` };
      }
      if (found.length === 1) columns[field] = found[0]!;
      else if (override !== undefined) return { kind: 'error', column: 1, problem: `--columns ${field}=${override}: no column of that name in the header` };
    }
    if (columns.price_1 === undefined) {
      return { kind: 'error', column: 1, problem: `no rate column: none is named ${FIELD_ALIASES.price_1.map((a) => JSON.stringify(a)).join(', ')}; give --columns rate=N` };
    }
    if (columns.increment !== undefined && (columns.interval_1 !== undefined || columns.interval_n !== undefined)) {
      return { kind: 'error', column: columns.increment + 1, problem: 'both an increment column and interval_1/interval_n columns: keep one way of giving intervals' };
    }
    return { kind, columns };
  }
}

// From a deck's raw rows (CSV or XLSX, deck-csv.ts and deck-xlsx.ts) to
// what they mean: the header found below the title lines, then each data
// row checked (deck-values.ts). Bad rows do not stop the reading: every
// error is counted and the first MAX_ERRORS kept, so one run names them all
// (rates.md, "Errors"). Streamed: a row is handed on and forgotten.

import { HeaderFinder, type ColumnMap, type ColumnOverrides } from './deck-columns.js';
import { cellText, deckRow, type Cell, type DeckError, type DeckRow, type ValueOptions } from './deck-values.js';

/** Errors listed at most; the rest are counted (rates.md). */
export const MAX_ERRORS = 20;

/** A row of a deck file: its line (CSV) or row number (XLSX) and its cells. */
export interface RawRow {
  readonly line: number;
  readonly cells: readonly Cell[];
}

/** What reading found besides the rows; filled as the rows are read. */
export class DeckReading {
  columns: ColumnMap | undefined;
  titleLines = 0;
  rows = 0;
  errorCount = 0;
  readonly errors: DeckError[] = [];

  error(error: DeckError): void {
    this.errorCount++;
    if (this.errors.length < MAX_ERRORS) this.errors.push(error);
  }
}

export interface RowOptions extends ValueOptions {
  readonly overrides: ColumnOverrides;
}

/** The deck's good rows; errors, the column map and counts go to `reading`. */
export async function* deckRows(raw: AsyncIterable<RawRow>, options: RowOptions, reading: DeckReading): AsyncGenerator<DeckRow> {
  const finder = new HeaderFinder(options.overrides);
  let columns: ColumnMap | undefined;
  for await (const { line, cells } of raw) {
    if (columns === undefined) {
      const top = finder.next(cells.map(cellText));
      if (top.kind === 'title') {
        reading.titleLines++;
        continue;
      }
      if (top.kind === 'error') {
        reading.error({ line, column: top.column, problem: top.problem });
        return;
      }
      columns = reading.columns = top.columns;
      if (top.kind === 'header') continue;
    }
    const result = deckRow(line, cells, columns, options);
    if (result.kind === 'row') {
      reading.rows++;
      yield result.row;
    } else if (result.kind === 'errors') {
      for (const error of result.errors) reading.error(error);
    }
  }
  if (columns === undefined) {
    const top = finder.finish();
    if (top.kind === 'error') reading.error({ line: 1, column: top.column, problem: top.problem });
  } else if (reading.rows === 0 && reading.errorCount === 0) {
    // A header alone would, as a full deck, remove every prefix of the set: never by accident.
    reading.error({ line: 1, column: 1, problem: 'the deck has a header but no rows of rates' });
  }
}

// Reading an XLSX deck with exceljs's streaming reader (rates.md, "Reading
// a deck"): the first sheet or --sheet NAME, rows as they are parsed (the
// workbook is never held whole; only its shared strings are, as the format
// requires). A cell is its value: a number, text, a date (date-formatted
// cells, so the styles are read), a formula's result.

import ExcelJS from 'exceljs';
import type { Cell } from './deck-values.js';
import type { RawRow } from './deck-rows.js';

/** What exceljs gives for a cell beyond plain values. */
type CellObject = { richText?: { text: string }[]; result?: unknown; text?: unknown; error?: string; formula?: string; sharedFormula?: string };

function cellOf(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' || value instanceof Date) return value;
  const object = value as CellObject;
  if (Array.isArray(object.richText)) return object.richText.map((part) => part.text).join('');
  if ('result' in object) return cellOf(object.result);
  if (object.formula !== undefined || object.sharedFormula !== undefined) return null;
  if ('text' in object) return cellOf(object.text);
  if (typeof object.error === 'string') return object.error;
  return String(value);
}

export class SheetNotFound extends Error {
  constructor(readonly wanted: string, readonly sheets: readonly string[]) {
    super(`no sheet named ${JSON.stringify(wanted)}; the workbook has ${sheets.map((s) => JSON.stringify(s)).join(', ') || 'none'}`);
  }
}

/** The rows of the deck's sheet, with their spreadsheet row numbers as lines; throws SheetNotFound. */
export async function* xlsxRows(path: string, sheet: string | undefined): AsyncGenerator<RawRow> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(path, {
    worksheets: 'emit', sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', entries: 'ignore',
  });
  const seen: string[] = [];
  for await (const worksheet of workbook) {
    const name = (worksheet as unknown as { name: string }).name;
    seen.push(name);
    if (sheet !== undefined && name !== sheet) continue;
    for await (const row of worksheet as unknown as AsyncIterable<ExcelJS.Row>) {
      // values is 1-based and sparse: [ , A, B, ...].
      const values = row.values as unknown[];
      const cells: Cell[] = [];
      for (let i = 1; i < values.length; i++) cells.push(cellOf(values[i]));
      yield { line: row.number, cells };
    }
    return;
  }
  throw new SheetNotFound(sheet ?? '(the first)', seen);
}

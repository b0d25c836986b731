// Opening a deck: XLSX or CSV by what the file holds (an XLSX file is a zip
// archive), not by its name; a file that cannot be read, or is neither, is
// RATES_DECK_UNREADABLE before any row is looked at.

import { open } from 'node:fs/promises';
import iconv from 'iconv-lite';
import { SippyError } from '../errors.js';
import type { ColumnOverrides } from './deck-columns.js';
import { readCsv } from './deck-csv.js';
import type { RawRow } from './deck-rows.js';

export type DeckFormat = 'csv' | 'xlsx';

export interface DeckFile {
  readonly format: DeckFormat;
  readonly notes: readonly string[];
  readonly rows: AsyncIterable<RawRow>;
}

export interface OpenOptions {
  readonly encoding: string | undefined;
  readonly sheet: string | undefined;
  readonly overrides: ColumnOverrides;
}

const ZIP = Buffer.from('PK\x03\x04', 'latin1');
/** The compound file of Excel 97-2003 (.xls). */
const OLE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0]);

function unreadable(path: string, why: string, cause?: unknown): SippyError {
  return new SippyError('RATES_DECK_UNREADABLE', `${path}: ${why}`, cause === undefined ? undefined : { cause });
}

export async function openDeck(path: string, options: OpenOptions): Promise<DeckFile> {
  const head = Buffer.alloc(4);
  try {
    const handle = await open(path, 'r');
    try {
      if (!(await handle.stat()).isFile()) throw unreadable(path, 'not a regular file');
      await handle.read(head, 0, 4, 0);
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (err instanceof SippyError) throw err;
    throw unreadable(path, `cannot be read (${(err as { code?: string }).code ?? String(err)})`, err);
  }
  if (head.equals(OLE)) throw unreadable(path, 'an Excel 97-2003 (.xls) workbook is not read: save it as XLSX or CSV');
  if (head.equals(ZIP)) {
    if (options.encoding !== undefined) throw new SippyError('USAGE', 'rates import: --encoding applies to CSV decks; an XLSX deck says its own');
    return { format: 'xlsx', notes: [], rows: sheetRows(path, options.sheet) };
  }
  if (options.sheet !== undefined) throw new SippyError('USAGE', `rates import: --sheet applies to XLSX decks; ${path} is not one`);
  if (options.encoding !== undefined && !iconv.encodingExists(options.encoding)) {
    throw new SippyError('USAGE', `rates import: unknown --encoding ${JSON.stringify(options.encoding)} (e.g. utf-8, windows-1252, iso-8859-1, utf-16le)`);
  }
  const csv = await readCsv(path, options.encoding, options.overrides).catch((err: unknown) => {
    throw unreadable(path, `cannot be read (${(err as { code?: string }).code ?? String(err)})`, err);
  });
  return { format: 'csv', notes: [`read as ${csv.encoding}`, ...csv.notes], rows: csv.rows };
}

/**
 * The sheet's rows; a missing sheet, or a file that is not a workbook after
 * all, is RATES_DECK_UNREADABLE. exceljs is loaded here, for XLSX decks
 * only: it takes a second and 25 MB to load.
 */
async function* sheetRows(path: string, sheet: string | undefined): AsyncGenerator<RawRow> {
  const { SheetNotFound, xlsxRows } = await import('./deck-xlsx.js');
  try {
    yield* xlsxRows(path, sheet);
  } catch (err) {
    if (err instanceof SheetNotFound) throw unreadable(path, err.message);
    throw unreadable(path, `not a readable XLSX workbook (${err instanceof Error ? err.message : String(err)})`, err);
  }
}

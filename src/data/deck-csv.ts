// Reading a CSV deck (rates.md, "Reading a deck"): RFC 4180 (quotes,
// separators and line breaks inside quotes, CRLF, a BOM) with csv-parse,
// the separator (`,` `;` or tab) detected, text that is not UTF-8 decoded
// as --encoding (windows-1252 by default, with a note). Streamed: rows are
// handed on as they are parsed, whatever the size of the file.

import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { HeaderFinder, type ColumnOverrides } from './deck-columns.js';
import type { DeckError } from './deck-values.js';
import type { RawRow } from './deck-rows.js';

/** Bytes of the start of a deck looked at for its separator. */
const SAMPLE_BYTES = 64 * 1024;
const SEPARATORS = [',', ';', '\t'] as const;
/** The encoding of text that is not valid UTF-8 when --encoding is not given (what Excel writes on Windows). */
export const FALLBACK_ENCODING = 'windows-1252';

/** A problem of the deck found while reading it (not a row's): reported as its error at line and column. */
export class DeckSyntaxError extends Error {
  constructor(readonly error: DeckError) {
    super(error.problem);
  }
}

export interface CsvDeck {
  readonly encoding: string;
  readonly separator: string;
  /** For the operator: how the file was read when it was guessed. */
  readonly notes: readonly string[];
  readonly rows: AsyncIterable<RawRow>;
}

/**
 * The deck at `path` as rows. `encoding`: --encoding, or undefined to take
 * UTF-8 when the whole file is valid UTF-8 (a BOM says UTF-16 too), else
 * FALLBACK_ENCODING.
 */
export async function readCsv(path: string, encoding: string | undefined, overrides: ColumnOverrides): Promise<CsvDeck> {
  const notes: string[] = [];
  const chosen = encoding ?? (await guessEncoding(path, notes));
  const separator = await detectSeparator(path, chosen, overrides);
  notes.push(`separator ${separator === '\t' ? 'tab' : JSON.stringify(separator)}`);
  return { encoding: chosen, separator, notes, rows: csvRows(path, chosen, separator) };
}

/** UTF-16 by its BOM; UTF-8 when every byte is valid UTF-8 (a pass over the file, without keeping it); else the fallback. */
async function guessEncoding(path: string, notes: string[]): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    await handle.read(head, 0, 2, 0);
    if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
    if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  } finally {
    await handle.close();
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      decoder.decode(chunk as Buffer, { stream: true });
      offset += (chunk as Buffer).length;
    }
    decoder.decode();
    return 'utf-8';
  } catch {
    notes.push(`not valid UTF-8 (near byte ${offset}): read as ${FALLBACK_ENCODING}; give --encoding if it is another`);
    return FALLBACK_ENCODING;
  }
}

function decoded(path: string, encoding: string, end?: number): NodeJS.ReadableStream {
  return createReadStream(path, end === undefined ? {} : { end }).pipe(iconv.decodeStream(encoding)).pipe(new CrlfToLf());
}

/**
 * The separator under which the deck's header (or, with --columns by
 * position, its first data row) shows soonest, then with the most columns;
 * `,` when none shows in the sample.
 */
async function detectSeparator(path: string, encoding: string, overrides: ColumnOverrides): Promise<string> {
  let sample = '';
  for await (const chunk of decoded(path, encoding, SAMPLE_BYTES - 1)) sample += String(chunk);
  // A record cut by the end of the sample would only confuse the count.
  if (sample.length >= SAMPLE_BYTES / 2 && sample.includes('\n')) sample = sample.slice(0, sample.lastIndexOf('\n') + 1);
  let best: { separator: string; row: number; columns: number } | undefined;
  for (const separator of SEPARATORS) {
    let records: string[][];
    try {
      records = parseSync(sample, { delimiter: separator, relax_column_count: true, relax_quotes: true, bom: true }) as string[][];
    } catch {
      continue;
    }
    const finder = new HeaderFinder(overrides);
    for (let row = 0; row < records.length; row++) {
      const top = finder.next(records[row]!);
      if (top.kind === 'title') continue;
      if (top.kind !== 'error') {
        const columns = records[row]!.length;
        if (best === undefined || row < best.row || (row === best.row && columns > best.columns)) best = { separator, row, columns };
      }
      break;
    }
  }
  return best?.separator ?? ',';
}

/**
 * The records with the line each starts on. A record takes one line and
 * one more per line break inside its quoted fields (CRLF is LF by then, and
 * an empty line is a record of its own): counted here, as csv-parse's own
 * count (`info`) costs a fifth of the parse.
 */
async function* csvRows(path: string, encoding: string, separator: string): AsyncGenerator<RawRow> {
  const parser = decoded(path, encoding).pipe(parse({ delimiter: separator, relax_column_count: true, relax_quotes: true, bom: true, skip_empty_lines: false }));
  let line = 1;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      yield { line, cells: record };
      line++;
      for (const field of record) if (field.includes('\n')) line += field.split('\n').length - 1;
    }
  } catch (err) {
    const e = err as { code?: string; message?: string; column?: number };
    if (typeof e.code !== 'string' || !e.code.startsWith('CSV_')) throw err;
    const problem = e.code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quote opened here is never closed' : (e.message ?? e.code).replace(/ at line \d+.*$/s, '');
    throw new DeckSyntaxError({ line, column: (e.column ?? 0) + 1, problem });
  }
}

/**
 * CRLF as LF: csv-parse counts both characters of a CRLF inside quotes as
 * line breaks, which would put every later error on the wrong line. A CR
 * at the end of a chunk waits for the next one.
 */
class CrlfToLf extends Transform {
  private pendingCr = false;

  constructor() {
    super({ decodeStrings: false, encoding: 'utf8' });
  }

  override _transform(chunk: string | Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let text = (this.pendingCr ? '\r' : '') + String(chunk);
    this.pendingCr = text.endsWith('\r');
    if (this.pendingCr) text = text.slice(0, -1);
    done(null, text.replace(/\r\n/g, '\n'));
  }

  override _flush(done: TransformCallback): void {
    done(null, this.pendingCr ? '\r' : '');
  }
}

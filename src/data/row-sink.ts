// How rows reach a table, two ways (docs/benchmark.md, "Rate decks":
// chosen by measurement): LOAD DATA LOCAL INFILE from a stream written as
// the rows come (mysql2's infileStreamFactory; no file on disk), or
// multi-row INSERTs of a few hundred rows with placeholders. Both keep the
// values out of the SQL text, and both hold at most one chunk in memory:
// add() returns a promise to wait on when the database has not caught up.

import { PassThrough } from 'node:stream';
import type { PoolConnection, ResultSetHeader } from 'mysql2/promise';
import type { SqlValue } from '../db/pool.js';

export type LoadMethod = 'infile' | 'insert';

export interface RowSink {
  /** Queues one row (values in the sink's column order); a promise when the caller must wait before the next. */
  add(values: readonly SqlValue[]): Promise<void> | undefined;
  /** Sends what is left; the rows written in all. */
  finish(): Promise<number>;
}

/** Rows per multi-row INSERT: a statement of about 100 KB, well inside max_allowed_packet. */
export const INSERT_BATCH_ROWS = 1000;
/** Bytes of LOAD DATA text buffered before they are written to the stream. */
const INFILE_CHUNK_BYTES = 256 * 1024;

export function rowSink(conn: PoolConnection, method: LoadMethod, table: string, columns: readonly string[]): RowSink {
  return method === 'infile' ? new InfileSink(conn, table, columns) : new InsertSink(conn, table, columns);
}

class InsertSink implements RowSink {
  private batch: SqlValue[] = [];
  private rows = 0;
  private written = 0;
  private readonly row: string;

  constructor(private readonly conn: PoolConnection, private readonly table: string, private readonly columns: readonly string[]) {
    this.row = `(${columns.map(() => '?').join(', ')})`;
  }

  add(values: readonly SqlValue[]): Promise<void> | undefined {
    for (const value of values) this.batch.push(value);
    if (++this.rows < INSERT_BATCH_ROWS) return undefined;
    return this.flush();
  }

  async finish(): Promise<number> {
    await this.flush();
    return this.written;
  }

  private async flush(): Promise<void> {
    if (this.rows === 0) return;
    const values = this.batch;
    const rows = this.rows;
    this.batch = [];
    this.rows = 0;
    const [result] = await this.conn.query<ResultSetHeader>(
      `INSERT INTO ${this.table} (${this.columns.join(', ')}) VALUES ${new Array<string>(rows).fill(this.row).join(', ')}`,
      values,
    );
    this.written += result.affectedRows;
  }
}

/** A value as LOAD DATA's default format reads it: NULL as \N, the escape, tab and line break escaped. */
function infileField(value: SqlValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value !== 'string') return String(value);
  return /[\\\t\n\r\0]/.test(value) ? value.replace(/[\\\t\n\r\0]/g, (c) => ESCAPES[c]!) : value;
}

const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };

class InfileSink implements RowSink {
  private readonly stream = new PassThrough();
  private readonly done: Promise<ResultSetHeader>;
  private chunk = '';
  private rows = 0;
  private failure: unknown;

  constructor(conn: PoolConnection, table: string, columns: readonly string[]) {
    // The file name is a placeholder: the rows come from the stream.
    this.done = conn
      .query<ResultSetHeader>({
        sql: `LOAD DATA LOCAL INFILE 'rows' INTO TABLE ${table} CHARACTER SET utf8mb4
                FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${columns.join(', ')})`,
        infileStreamFactory: () => this.stream,
      })
      .then(([result]) => result);
    this.done.catch((err: unknown) => {
      this.failure = err;
      // Nobody reads the stream any more: let a writer waiting for 'drain' go on to the failure.
      this.stream.emit('drain');
    });
  }

  add(values: readonly SqlValue[]): Promise<void> | undefined {
    let line = '';
    for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : '\t') + infileField(values[i]!);
    this.chunk += line + '\n';
    this.rows++;
    if (this.chunk.length < INFILE_CHUNK_BYTES) return undefined;
    return this.write();
  }

  async finish(): Promise<number> {
    await this.write();
    this.stream.end();
    const result = await this.done;
    // LOAD DATA LOCAL turns a bad value into a warning, never an error: none is accepted.
    if (result.warningStatus > 0 || result.affectedRows !== this.rows) {
      throw new Error(`LOAD DATA wrote ${result.affectedRows} of ${this.rows} rows with ${result.warningStatus} warnings`);
    }
    return result.affectedRows;
  }

  private async write(): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (this.chunk === '') return;
    const text = this.chunk;
    this.chunk = '';
    if (!this.stream.write(text)) await new Promise<void>((resolve) => this.stream.once('drain', resolve));
    if (this.failure !== undefined) throw this.failure;
  }
}

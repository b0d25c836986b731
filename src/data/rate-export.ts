// `sippy_routed rates export` and `rates history` (rates.md, "Export"): a
// set's rates as the CSV deck `rates import` reads back, and one prefix's
// rows over time. Export streams the set's rows by prefix and writes, per
// prefix, the row routing takes at --at: importing the file back as a full
// deck at that instant changes nothing (docs/rates.md says when it would).

import type { PoolConnection } from 'mysql2/promise';
import { SippyError } from '../errors.js';
import type { Database } from '../db/pool.js';
import { datetimeText } from './deck-values.js';
import { activeAt, winnerAt, type SetRow } from './rate-plan.js';
import { beginSnapshot, environmentOf, findSet, setRows, type PrefixedSetRow } from './rate-sql.js';

/** The columns of an export, in order: a deck `rates import` reads with no options. */
export const EXPORT_COLUMNS = ['prefix', 'description', 'price_1', 'price_n', 'interval_1', 'interval_n', 'effective', 'forbidden'] as const;

export interface SetQuery {
  readonly set: string;
  readonly environment: number | undefined;
}

/** Text for a writer that may ask to be waited for (a file stream's backpressure). */
export type TextWriter = (text: string) => Promise<void> | undefined;

export interface ExportResult {
  readonly environment: number;
  readonly rows: number;
  /** Rows active at --at whose prefix is not digits (the catch-all ''): a deck cannot hold them. */
  readonly skipped: number;
}

/** A CSV field: quoted when it holds a separator, a quote or a line break (RFC 4180). */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

async function withSet<T>(db: Database, query: SetQuery, work: (conn: PoolConnection, environment: number, set: number) => Promise<T>): Promise<T> {
  return db.withConnection(async (conn) => {
    const environment = await environmentOf(conn, query.environment);
    const set = await findSet(conn, environment, query.set);
    if (set === undefined) throw new SippyError('RATES_NOT_FOUND', `no destination set named ${JSON.stringify(query.set)} in environment ${environment}`);
    await beginSnapshot(conn);
    try {
      return await work(conn, environment, set.i_destination_set);
    } finally {
      await conn.query('COMMIT');
    }
  });
}

export async function exportRates(db: Database, query: SetQuery, at: number, write: TextWriter): Promise<ExportResult> {
  return withSet(db, query, async (conn, environment, set) => {
    let rows = 0;
    let skipped = 0;
    const emit = async (group: readonly PrefixedSetRow[]): Promise<void> => {
      const row = winnerAt(group, at);
      if (row === undefined) return;
      if (!/^\d+$/.test(row.prefix)) {
        skipped++;
        return;
      }
      rows++;
      const wait = write(`${[
        row.prefix, csvField(row.description ?? ''), row.price1, row.priceN, String(row.interval1), String(row.intervalN),
        Number.isFinite(row.activation) ? datetimeText(row.activation) : '', row.forbidden ? '1' : '0',
      ].join(',')}\r\n`);
      if (wait !== undefined) await wait;
    };
    await write(`${EXPORT_COLUMNS.join(',')}\r\n`);
    // Rows of a prefix come together (index order); only digit prefixes are written, and the
    // collation's padded spaces cannot put another digit prefix between two rows of one.
    let group: PrefixedSetRow[] = [];
    for await (const row of setRows(conn, set)) {
      if (!activeAt(row, at)) continue;
      if (group.length > 0 && group[0]!.prefix !== row.prefix) {
        await emit(group);
        group = [];
      }
      group.push(row);
    }
    if (group.length > 0) await emit(group);
    return { environment, rows, skipped };
  });
}

/** One row of a prefix's history, with when routing took it. */
export interface HistoryRow extends SetRow {
  /** The spans [from, until) in which this row was the one routing took (until null = from then on); empty when never. */
  readonly inForce: readonly { readonly from: number; readonly until: number | null }[];
  /** Whether routing takes it now. */
  readonly now: boolean;
}

/**
 * A prefix's rows oldest first (activation, then i_route), each with the
 * spans in which routing took it. Between two consecutive instants at which
 * a row starts or ends, routing takes the same row; so the winner at each
 * such instant tells the whole story. Pure.
 */
export function historyOf(rows: readonly SetRow[], now: number): HistoryRow[] {
  const instants = [...new Set(rows.flatMap((r) => (r.expiration === null ? [r.activation] : [r.activation, r.expiration])))].sort((a, b) => a - b);
  const spans = new Map<SetRow, { from: number; until: number | null }[]>();
  let current: SetRow | undefined;
  for (const instant of instants) {
    const winner = winnerAt(rows, instant);
    if (winner === current) continue;
    if (current !== undefined) spans.get(current)!.at(-1)!.until = instant;
    if (winner !== undefined) {
      let list = spans.get(winner);
      if (list === undefined) spans.set(winner, (list = []));
      list.push({ from: instant, until: null });
    }
    current = winner;
  }
  const taken = winnerAt(rows, now);
  return [...rows]
    .sort((a, b) => a.activation - b.activation || a.i_route - b.i_route)
    .map((row) => ({ ...row, inForce: spans.get(row) ?? [], now: row === taken }));
}

export async function rateHistory(db: Database, query: SetQuery, prefix: string, now: number): Promise<{ environment: number; rows: HistoryRow[] }> {
  return withSet(db, query, async (conn, environment, set) => {
    const rows: SetRow[] = [];
    // Exactly that prefix: the collation would also give '44 ' for '44'.
    for await (const row of setRows(conn, set, prefix)) if (row.prefix === prefix) rows.push(row);
    if (rows.length === 0) throw new SippyError('RATES_NOT_FOUND', `set ${JSON.stringify(query.set)} in environment ${environment} has no rows of prefix ${JSON.stringify(prefix)}`);
    return { environment, rows: historyOf(rows, now) };
  });
}

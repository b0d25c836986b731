// `sippy_routed rates import` (rates.md): read → check → stage → diff →
// write, all or nothing. The pipeline, on three connections of one pool:
//
// - the reader's: the deck is read and checked row by row (deck-rows.ts)
//   and its good rows staged in a TEMPORARY table of this connection, in
//   the order the plan needs (by prefix);
// - the set's: the set's rows streamed by prefix from a consistent read;
// - the writer's: it holds the set's lock (GET_LOCK) from before the set is
//   read until the end, and the one transaction of the writes.
//
// The diff streams both sorted sources through the per-prefix plan
// (rate-merge.ts, rate-plan.ts) and keeps counts only. The write runs the
// same plan again over fresh reads, streaming the new rows into routes as
// they come, and checks that it agrees with the diff it printed: a set
// changed in between is refused, never half-applied. Memory holds one
// prefix's rows, the largest changes, and the ids of rows to expire or
// delete (a few bytes each), whatever the deck's size.

import type { PoolConnection } from 'mysql2/promise';
import { SippyError } from '../errors.js';
import type { Database } from '../db/pool.js';
import type { ColumnOverrides, ColumnMap } from './deck-columns.js';
import type { DeckError } from './deck-values.js';
import { DeckReading, deckRows, MAX_ERRORS } from './deck-rows.js';
import { openDeck, type DeckFormat } from './deck-file.js';
import { DeckSyntaxError } from './deck-csv.js';
import { DiffCollector, type Diff, type DiffOptions, type DiffWrites } from './rate-diff.js';
import { planPrefix, type PlanContext, type PrefixPlan, type RateField } from './rate-plan.js';
import { prefixGroups, type PrefixGroup } from './rate-merge.js';
import {
  beginSnapshot, createSet, createStaging, deleteRoutes, dropStaging, environmentOf, expireRoutes, findSet, localInfileAllowed, lockSet,
  routeSink, routeValues, setRows, SET_LOCK_WAIT_SECONDS, stagedRows, stagedValues, stagingSink, unlockSet, type PrefixedSetRow,
} from './rate-sql.js';
import type { LoadMethod, RowSink } from './row-sink.js';

export interface ImportOptions {
  readonly file: string;
  readonly set: string;
  /** --env; undefined = the database's only environment. */
  readonly environment: number | undefined;
  readonly mode: 'full' | 'partial';
  /** --effective, epoch ms; undefined = now. */
  readonly effective: number | undefined;
  readonly noticeDays: number;
  readonly overrides: ColumnOverrides;
  readonly decimalComma: boolean;
  readonly encoding: string | undefined;
  readonly sheet: string | undefined;
  readonly strip: readonly string[];
  /** --currency; undefined = the set's, or USD for a new set. */
  readonly currency: string | undefined;
  readonly dryRun: boolean;
  /** The import's start, epoch ms (a test's clock). */
  readonly now: number;
  /** How rows reach MySQL; 'auto' = LOAD DATA LOCAL when the server allows it (docs/benchmark.md). */
  readonly load: LoadMethod | 'auto';
  /** Progress lines for a person (stderr), none by default. */
  readonly progress?: (line: string) => void;
  /** How long to wait for another import of the set, seconds (default SET_LOCK_WAIT_SECONDS). */
  readonly lockWaitSeconds?: number;
}

export interface ImportReport {
  readonly file: string;
  readonly format: DeckFormat | undefined;
  readonly notes: readonly string[];
  readonly environment: number;
  readonly set: { readonly name: string; readonly i_destination_set: number | undefined; readonly currency: string; readonly created: boolean };
  readonly mode: 'full' | 'partial';
  /** The deck's effective instant (rows without their own date), epoch ms. */
  readonly effective: number;
  readonly titleLines: number;
  readonly rows: number;
  /** Bad rows and cells: the first MAX_ERRORS by line, and how many in all. Nothing was written when any. */
  readonly errors: { readonly count: number; readonly first: readonly DeckError[] };
  readonly diff: Diff | undefined;
  /** The set says what the deck says (false: a dry run, or errors). */
  readonly applied: boolean;
  readonly load: LoadMethod;
  /** Milliseconds: reading and staging, the diff, the write. */
  readonly timings: { readonly read: number; readonly diff: number; readonly apply: number };
}

export async function importDeck(db: Database, options: ImportOptions): Promise<ImportReport> {
  return db.withConnection((writer) => withLockedSet(writer, options, (set) =>
    db.withConnection((reader) => db.withConnection((setReader) => importWith({ writer, reader, setReader }, set, options)))));
}

interface LockedSet {
  readonly environment: number;
  readonly existing: { i_destination_set: number; currency: string } | undefined;
  readonly currency: string;
}

async function withLockedSet<T>(writer: PoolConnection, options: ImportOptions, work: (set: LockedSet) => Promise<T>): Promise<T> {
  const environment = await environmentOf(writer, options.environment);
  // A dry run writes nothing, so it waits for no import.
  const lock = options.dryRun ? undefined : await lockSet(writer, environment, options.set, options.lockWaitSeconds ?? SET_LOCK_WAIT_SECONDS);
  try {
    const existing = await findSet(writer, environment, options.set);
    if (existing !== undefined && options.currency !== undefined && existing.currency !== options.currency) {
      throw new SippyError('RATES_CURRENCY_MISMATCH', `set ${JSON.stringify(options.set)} is in ${existing.currency}, not ${options.currency}: rates are in the set's currency`);
    }
    return await work({ environment, existing, currency: existing?.currency ?? options.currency ?? 'USD' });
  } finally {
    // A connection that failed takes its lock with it: never hide the failure behind this one.
    if (lock !== undefined) await unlockSet(writer, lock).catch(() => undefined);
  }
}

/** The three connections of an import (see the top of this file). */
interface Connections {
  /** The set's lock, and the write's transaction. */
  readonly writer: PoolConnection;
  /** The deck's staging table. */
  readonly reader: PoolConnection;
  /** The set's rows, from a consistent read per pass. */
  readonly setReader: PoolConnection;
}

/** One import's connections, options and instants. */
interface ImportRun extends Connections {
  readonly set: LockedSet;
  readonly options: ImportOptions;
  /** The import's start, to the second: rows over before it are history. */
  readonly now: number;
  readonly effective: number;
  readonly load: LoadMethod;
  readonly progress: (line: string) => void;
}

type MutableReport = { -readonly [K in keyof ImportReport]: ImportReport[K] } & { timings: { read: number; diff: number; apply: number } };

async function importWith(connections: Connections, set: LockedSet, options: ImportOptions): Promise<ImportReport> {
  const { writer, reader } = connections;
  const now = Math.floor(options.now / 1000) * 1000;
  const load = options.load === 'auto' ? ((await localInfileAllowed(writer)) ? 'infile' : 'insert') : options.load;
  const run: ImportRun = { ...connections, set, options, now, effective: options.effective ?? now, load, progress: options.progress ?? (() => undefined) };
  const report: MutableReport = {
    file: options.file, format: undefined, notes: [], environment: set.environment,
    set: { name: options.set, i_destination_set: set.existing?.i_destination_set, currency: set.currency, created: false },
    mode: options.mode, effective: run.effective, titleLines: 0, rows: 0, errors: { count: 0, first: [] }, diff: undefined,
    applied: false, load, timings: { read: 0, diff: 0, apply: 0 },
  };
  await createStaging(reader);
  try {
    let started = Date.now();
    const reading = await stageDeck(run, report);
    report.timings.read = Date.now() - started;
    if (reading.errorCount > 0) {
      report.errors = { count: reading.errorCount, first: reading.errors };
      return report;
    }
    run.progress(`read ${reading.rows.toLocaleString('en')} rows in ${report.timings.read} ms`);

    const columns = reading.columns!;
    const diffOptions: DiffOptions = { now, noticeDays: options.noticeDays, columnOf: (field) => columnNumber(columns, field), maxErrors: MAX_ERRORS };
    started = Date.now();
    const diff = new DiffCollector(diffOptions);
    for await (const plan of plans(run)) diff.add(plan);
    report.diff = diff.result();
    report.timings.diff = Date.now() - started;
    run.progress(`diff in ${report.timings.diff} ms`);
    if (report.diff.conflicts.count > 0) {
      report.errors = { count: report.diff.conflicts.count, first: [...report.diff.conflicts.first] };
      return report;
    }
    const writes = report.diff.writes;
    if (options.dryRun) return report;
    if (writes.inserted + writes.expired + writes.deleted > 0) {
      started = Date.now();
      report.set = { ...report.set, ...(await writeDeck(run, report.diff, new DiffCollector(diffOptions))) };
      report.timings.apply = Date.now() - started;
      run.progress(`wrote ${writes.inserted.toLocaleString('en')} new rows, expired ${writes.expired.toLocaleString('en')}, deleted ${writes.deleted.toLocaleString('en')} in ${report.timings.apply} ms`);
    }
    // Written, or the set already said what the deck says.
    report.applied = true;
    return report;
  } finally {
    await dropStaging(reader).catch(() => undefined);
  }
}

/** Reads and checks the deck, staging its good rows (none once one is bad); what reading found. */
async function stageDeck(run: ImportRun, report: MutableReport): Promise<DeckReading> {
  const { options } = run;
  const reading = new DeckReading();
  let staging: RowSink | undefined;
  try {
    const deck = await openDeck(options.file, { encoding: options.encoding, sheet: options.sheet, overrides: options.overrides });
    report.format = deck.format;
    report.notes = deck.notes;
    staging = stagingSink(run.reader, run.load);
    for await (const row of deckRows(deck.rows, options, reading)) {
      // Once the deck is known to be bad, it is only read on for its other errors.
      if (reading.errorCount > 0) continue;
      const wait = staging.add(stagedValues({ ...row, effective: row.effective ?? run.effective }));
      if (wait !== undefined) await wait;
      if (reading.rows % 100_000 === 0) run.progress(`read ${reading.rows.toLocaleString('en')} rows`);
    }
    await staging.finish();
  } catch (err) {
    // A LOAD DATA waits for the end of its stream before its connection takes another statement.
    await staging?.finish().catch(() => undefined);
    if (!(err instanceof DeckSyntaxError)) throw err;
    reading.error(err.error);
  }
  report.titleLines = reading.titleLines;
  report.rows = reading.rows;
  return reading;
}

/** The plan of every prefix: the staged deck merged with the set's rows, read afresh on a connection of their own. */
async function* plans(run: ImportRun): AsyncGenerator<PrefixPlan> {
  const context: PlanContext = { mode: run.options.mode, effective: run.effective, now: run.now };
  for await (const group of groups(run.reader, run.setReader, run.set.existing?.i_destination_set)) yield planPrefix(group.prefix, group.set, group.deck, context);
}

/**
 * The write, one transaction on the writer's connection: the set created if
 * missing, the plans run again over fresh reads, their new rows streamed
 * into routes as they come, then the expiries and deletions. Refused (and
 * rolled back) unless it is exactly the diff that was printed.
 */
async function writeDeck(run: ImportRun, diff: Diff, again: DiffCollector): Promise<{ i_destination_set: number; created: boolean }> {
  const { writer, set } = run;
  await writer.beginTransaction();
  const id = set.existing?.i_destination_set ?? (await createSet(writer, set.environment, run.options.set, set.currency));
  const routes = routeSink(writer, run.load);
  const removed: number[] = [];
  const expired = new Map<number, number[]>();
  for await (const plan of plans(run)) {
    again.add(plan);
    for (const route of plan.inserts) {
      const wait = routes.add(routeValues(id, route));
      if (wait !== undefined) await wait;
    }
    for (const i_route of plan.remove) removed.push(i_route);
    for (const { i_route, at } of plan.expire) {
      let list = expired.get(at);
      if (list === undefined) expired.set(at, (list = []));
      list.push(i_route);
    }
  }
  const done: DiffWrites = { inserted: await routes.finish(), expired: 0, deleted: await deleteRoutes(writer, id, removed) };
  for (const [at, list] of expired) done.expired += await expireRoutes(writer, id, at, list);
  const checked = again.result();
  // The write must be the diff that was printed, row for row.
  if (JSON.stringify([checked.counts, checked.writes, done]) !== JSON.stringify([diff.counts, diff.writes, diff.writes])) {
    throw new SippyError('RATES_SET_CHANGED', `set ${JSON.stringify(run.options.set)} changed while it was imported (by something other than an import); nothing was written: run the import again`);
  }
  await writer.commit();
  return { i_destination_set: id, created: set.existing === undefined };
}

/** The plan's groups: the staged deck (reader) against the set's rows in a consistent read of their own (setReader). */
async function* groups(reader: PoolConnection, setReader: PoolConnection, set: number | undefined): AsyncGenerator<PrefixGroup> {
  await beginSnapshot(setReader);
  try {
    const rows: AsyncIterable<PrefixedSetRow> = set === undefined ? emptyRows() : setRows(setReader, set);
    yield* prefixGroups(stagedRows(reader), rows);
  } finally {
    await setReader.query('COMMIT');
  }
}

async function* emptyRows(): AsyncGenerator<PrefixedSetRow> {
  // A set that does not exist yet has no rows.
}

/** The deck column (from 1) of a rate field, for a conflict's error; the rate's when the deck has no such column. */
function columnNumber(columns: ColumnMap, field: RateField): number {
  const at = field === 'price_1' ? columns.price_1 : field === 'price_n' ? columns.price_n ?? columns.price_1
    : field === 'forbidden' ? columns.forbidden : columns.increment ?? (field === 'interval_1' ? columns.interval_1 : columns.interval_n);
  return (at ?? columns.price_1 ?? 0) + 1;
}

// Keeps one database's RoutingSnapshot in step with it (snapshot.md): a full
// load at start (retried with backoff), then a poll of the change journal
// every pollMs that reloads only what changed, a periodic reconcile by
// per-set checksums for edits that bypass the triggers, and a bounded
// journal purged by one process at a time. Every refresh reads inside one
// consistent-read transaction and swaps the snapshot whole; requests read
// `current` once and never wait for any of this.
//
//   start()       begins following (idempotent)
//   stop()        stops, abandoning a refresh in flight (idempotent)
//   reloadNow()   a full reload now (`sippy_routed reload --data`)
//   syncNow()     one refresh cycle now, resolved when it is done (tests, tools)
//
// On a replica (scale-out.md) the follower reads the replica and sends its
// one write, the purge, to `writeDsn` (--db-write, the primary): a replica
// must never delete journal rows of its own, or the primary's purge would
// later find them gone and stop replication. A write server that is
// read-only is never purged; the replica's own status (its lag) is shown
// where the server lets this user see it.

import { EventEmitter } from 'node:events';
import type { PoolConnection } from 'mysql2/promise';
import { Database } from '../../db/pool.js';
import { describeForLog } from '../../log.js';
import type { Dsn } from '../../db/dsn.js';
import { RoutingSnapshot, type SmallTables } from '../snapshot/snapshot.js';
import { ChosenRoutesMemo } from '../snapshot/chosen-routes.js';
import { answerRows } from '../answer/answer-json.js';
import { MoneyTable, PrefixPool, TimeTable } from '../snapshot/interned.js';
import { RouteSetBuilder, type RouteSet } from '../snapshot/route-set.js';
import { purgeJournal, SnapshotReader } from './snapshot-sql.js';
import { JournalCursor, MAX_GAPS } from './journal-cursor.js';
import { journalFollowable, readFull, readPoll, readReconcile, type JournalState } from './snapshot-refresh.js';
import { BAD_ROW_MESSAGE, OnceFilter } from '../rules/log.js';
import { destinationSetProblem } from '../rules/route-values.js';
import { readReplicaStatus, REPLICA_CHECK_MS } from './replica-status.js';
import type { DataStatus, ReplicaStatus } from '../contract.js';

export interface FollowerSettings {
  /** --data-poll: ms between journal polls. */
  readonly pollMs: number;
  /** --data-reconcile: s between checksum reconciles; 0 = off. */
  readonly reconcileS: number;
}

export const DEFAULT_FOLLOWER_SETTINGS: FollowerSettings = Object.freeze({ pollMs: 250, reconcileS: 300 });

/** Journal entries are kept this long (s) before the purge removes them. */
export const JOURNAL_RETENTION_S = 3600;
/** How often (ms) a follower tries to take the purge lock. */
const PURGE_INTERVAL_MS = 60_000;
const PURGE_LOCK = 'sippy_routed.journal_purge';
/**
 * A poll behind the journal's head by more entries than this, and than
 * twice the routes held, does a full reload instead: reading the journal
 * and the sets it names would cost about as much.
 */
const FULL_RELOAD_BACKLOG = 1_000_000;
/** Statement bounds: journal polls answer fast or the server is in trouble; table reads may be long. */
const QUICK_TIMEOUT_MS = 5000;
const BULK_TIMEOUT_MS = 120_000;
/**
 * Bound on one refresh, whatever it waits on: past it the refresh is
 * abandoned (its connection destroyed), counted as a failed sync and
 * retried, and the old snapshot keeps serving. Each statement has its own
 * bound too; this one also covers a driver that never settles a statement.
 */
export const REFRESH_DEADLINE_MS = 300_000;
const MAX_BACKOFF_MS = 10_000;
/** stop() waits at most this for a refresh in flight, then for the pool to end. */
const STOP_BOUND_MS = 1000;
/** The follower's own pool: refreshes are serial; one spare for the purge. */
const FOLLOWER_POOL = { connectionLimit: 2, queueLimit: 10, connectTimeoutMs: 2000, queryTimeoutMs: QUICK_TIMEOUT_MS };
/** The purge's pool on a separate write server (--db-write): one connection, used once a minute. */
const PURGE_POOL = { connectionLimit: 1, queueLimit: 2, connectTimeoutMs: 2000, queryTimeoutMs: QUICK_TIMEOUT_MS };

export interface FollowerLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface FollowerOptions {
  readonly dsn: Dsn;
  /** --db-write: where the journal purge runs; default `dsn`. */
  readonly writeDsn?: Dsn;
  readonly settings?: FollowerSettings;
  readonly logger: FollowerLogger;
  readonly now?: () => number;
}

export class SnapshotFollower extends EventEmitter {
  private readonly db: Database;
  /** The purge's server: `db` itself unless --db-write names another. */
  private readonly writeDb: Database;
  readonly settings: FollowerSettings;
  private readonly logger: FollowerLogger;
  private readonly now: () => number;
  private snapshot: RoutingSnapshot | undefined;
  /** The current snapshot's kept choices (chosen-routes.ts): made with it, dropped with it. */
  private memo: ChosenRoutesMemo | undefined;
  private prefixes = new PrefixPool();
  /** Builds the sets of refreshes, on the pools above (a full load brings new pools and its own builder). */
  private builder = new RouteSetBuilder(new MoneyTable(), this.prefixes, new TimeTable());
  private generation = 0;
  private cursor = JournalCursor.start;
  /** The journal's tables exist and every trigger is on its live table: polls follow it. */
  private followable = false;
  private triggers: boolean | null = null;
  /** What was last logged as wrong with the journal ('' while it is followable). */
  private journalProblems = '';
  private lastSyncAt: number | undefined;
  private lastError: string | null = null;
  private failures = 0;
  /** Failed refreshes since start, never reset (snapshot_sync_failures_total); `failures` counts the current run of them. */
  private failuresTotal = 0;
  private failingSince: number | undefined;
  private fullLoadMs: number | null = null;
  private fullRequested = false;
  private nextReconcileAt = 0;
  private nextPurgeAt = 0;
  private nextReplicaCheckAt = 0;
  /** False once the server refused to show its replication state: not asked again. */
  private replicaVisible = true;
  private replica: ReplicaStatus | null = null;
  /** The write server was a replica at the last purge (logged once per change). */
  private writeIsReplica = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Abandons the read in flight (destroys its connection, rejects it with `reason`). */
  private abandon: ((reason: string, asked: boolean) => void) | undefined;
  private started = false;
  private stopped = false;
  /** Bad rows already logged (by key, column and value): a row is logged once, not at every refresh that reads it. */
  private readonly badRowsLogged = new OnceFilter(10_000);

  constructor(options: FollowerOptions) {
    super();
    this.settings = options.settings ?? DEFAULT_FOLLOWER_SETTINGS;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.db = new Database(options.dsn, FOLLOWER_POOL);
    this.writeDb = options.writeDsn === undefined || options.writeDsn.redacted === options.dsn.redacted && options.writeDsn.password === options.dsn.password
      ? this.db
      : new Database(options.writeDsn, PURGE_POOL);
  }

  /** The snapshot requests read (once each); undefined until the first load. */
  get current(): RoutingSnapshot | undefined {
    return this.snapshot;
  }

  /** The choices kept for `current` (chosen-routes.ts): read in the same turn as it, they are of the same snapshot. */
  get choices(): ChosenRoutesMemo | undefined {
    return this.memo;
  }

  /** Failed refreshes since start. */
  get syncFailures(): number {
    return this.failuresTotal;
  }

  /** ms since the data was last known current; Infinity before the first load. */
  ageMs(): number {
    return this.lastSyncAt === undefined ? Infinity : Math.max(0, this.now() - this.lastSyncAt);
  }

  status(): DataStatus {
    const snapshot = this.snapshot;
    return {
      source: snapshot === undefined ? 'sql' : 'snapshot',
      generation: snapshot?.generation ?? 0,
      rows: snapshot?.rows ?? 0,
      last_sync: this.lastSyncAt === undefined ? null : new Date(this.lastSyncAt).toISOString(),
      age_ms: this.lastSyncAt === undefined ? null : this.ageMs(),
      triggers: this.triggers,
      last_error: this.lastError,
      full_load_ms: this.fullLoadMs,
      bad_rows: snapshot?.badRows ?? 0,
      replica: this.replica,
    };
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    // A refresh waiting on a hanging server is abandoned: its connection is
    // destroyed and its read rejected, so neither the refresh nor the pool's
    // end is awaited past a short bound.
    this.abandon?.('the follower is stopping', true);
    await settledWithin(this.running, STOP_BOUND_MS);
    await settledWithin(this.db.close(), STOP_BOUND_MS);
    if (this.writeDb !== this.db) await settledWithin(this.writeDb.close(), STOP_BOUND_MS);
  }

  /**
   * A full reload now; resolves when it is done, rejects with its failure.
   * A refresh in flight is abandoned first: whatever it waits on, the
   * reload starts at once (reload --data, SIGHUP).
   */
  async reloadNow(): Promise<DataStatus> {
    this.fullRequested = true;
    this.abandon?.('a full reload was asked for', true);
    await this.syncNow();
    if (this.fullRequested) throw new Error(this.lastError ?? 'the full reload did not run');
    return this.status();
  }

  /** One refresh cycle now (after the one in flight); resolves when it has run, whatever its outcome. */
  async syncNow(): Promise<void> {
    if (this.stopped) return;
    await this.running?.catch(() => undefined);
    if (this.stopped) return;
    clearTimeout(this.timer);
    await this.runCycle();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.runCycle(), delayMs);
    // The listeners keep a serving process alive; this timer alone must not.
    this.timer.unref();
  }

  private runCycle(): Promise<void> {
    const cycle = this.cycle().then(
      () => this.succeeded(),
      (err: unknown) => this.failed(err),
    );
    this.running = cycle.finally(() => {
      if (this.running === tracked) this.running = undefined;
    });
    const tracked = this.running;
    return tracked;
  }

  private async cycle(): Promise<void> {
    if (this.snapshot === undefined || this.fullRequested) {
      await this.fullLoad();
      return;
    }
    const now = this.now();
    if (this.settings.reconcileS > 0 && now >= this.nextReconcileAt) await this.reconcile();
    else await this.poll();
    if (this.replicaVisible && now >= this.nextReplicaCheckAt) {
      this.nextReplicaCheckAt = now + REPLICA_CHECK_MS;
      await this.checkReplica();
    }
    if (this.followable && now >= this.nextPurgeAt) {
      this.nextPurgeAt = now + PURGE_INTERVAL_MS;
      await this.purge().catch((err: unknown) => this.logger.warn('change journal purge failed', { error: describeForLog(err) }));
    }
  }

  private succeeded(): void {
    if (this.stopped) return;
    if (this.failingSince !== undefined) {
      this.logger.info('data sync recovered', { failed_syncs: this.failures, failing_ms: this.now() - this.failingSince, generation: this.generation });
    }
    this.failures = 0;
    this.failingSince = undefined;
    this.lastError = null;
    this.emit('sync', this.status());
    this.schedule(this.fullRequested ? 0 : this.settings.pollMs);
  }

  private failed(err: unknown): void {
    if (this.stopped) return;
    // Given up for a full reload that was asked for: not a failure of the database; that reload runs next.
    if (err instanceof RefreshAbandoned && err.asked) return;
    this.lastError = describeForLog(err);
    this.failures += 1;
    this.failuresTotal += 1;
    if (this.failingSince === undefined) {
      this.failingSince = this.now();
      this.logger.error(
        this.snapshot === undefined ? 'data sync failing: routing data not loaded yet, getRoutes answers from SQL' : 'data sync failing: getRoutes answers from the last snapshot',
        { error: this.lastError, generation: this.generation },
      );
    }
    this.emit('sync-error', this.status());
    const backoff = Math.min(MAX_BACKOFF_MS, Math.max(250, this.settings.pollMs) * 2 ** Math.min(this.failures - 1, 10));
    this.schedule(backoff);
  }

  /**
   * Runs `work` on the follower's connection in one consistent-read
   * transaction, within REFRESH_DEADLINE_MS. Abandoned (stop, reloadNow,
   * the deadline), the read rejects at once and its connection is
   * destroyed: mysql2 may never settle a statement on a destroyed
   * connection, so the read is not awaited.
   */
  private async read<T>(work: (reader: SnapshotReader) => Promise<T>): Promise<T> {
    let abandonedBy: RefreshAbandoned | undefined;
    try {
      return await this.db.withConnection(async (conn: PoolConnection) => {
        const reader = new SnapshotReader(conn, QUICK_TIMEOUT_MS, BULK_TIMEOUT_MS);
        let abandon!: (reason: string, asked: boolean) => void;
        const abandoned = new Promise<never>((_, reject) => {
          abandon = (reason, asked) => {
            abandonedBy = new RefreshAbandoned(reason, asked);
            reader.abandon();
            conn.destroy();
            reject(abandonedBy);
          };
        });
        const deadline = setTimeout(() => abandon(`no result within ${REFRESH_DEADLINE_MS} ms`, false), REFRESH_DEADLINE_MS);
        deadline.unref();
        this.abandon = abandon;
        try {
          return await Promise.race([
            (async () => {
              await reader.begin();
              const result = await work(reader);
              await reader.end();
              return result;
            })(),
            abandoned,
          ]);
        } finally {
          clearTimeout(deadline);
          if (this.abandon === abandon) this.abandon = undefined;
        }
      });
    } catch (err) {
      // The pool names database failures; an abandoned read is the follower's own doing, said as such.
      throw abandonedBy ?? err;
    }
  }

  private async fullLoad(): Promise<void> {
    const started = this.now();
    const loaded = await this.read((reader) => readFull(reader, started));
    if (this.stopped) return;
    this.prefixes = loaded.prefixes;
    this.builder = loaded.builder;
    this.noteJournalState(loaded.state);
    this.cursor = loaded.cursor;
    if (loaded.droppedGaps > 0) {
      this.logger.warn('more gaps below the change journal\'s head than are watched: the oldest are left to the reconcile', { dropped: loaded.droppedGaps, watched: MAX_GAPS });
    }
    this.swap(loaded.tables, loaded.sets, started);
    this.fullRequested = false;
    this.fullLoadMs = this.now() - started;
    this.nextReconcileAt = started + this.settings.reconcileS * 1000;
    this.logger.info('routing data loaded', { generation: this.generation, ...this.snapshot!.counts, ms: this.fullLoadMs, triggers: this.triggers });
  }

  private async poll(): Promise<void> {
    const started = this.now();
    const current = this.snapshot!;
    if (!this.followable) {
      // Nothing to follow: the triggers are checked, and the data is as fresh as the last reconcile.
      const state = await this.read((reader) => reader.journalState());
      if (this.stopped) return;
      if (this.noteJournalState(state)) await this.fullLoad();
      return;
    }
    const fullAbove = Math.max(FULL_RELOAD_BACKLOG, 2 * current.counts.routes);
    const result = await this.read((reader) => readPoll(reader, current, this.cursor, this.builder, started, fullAbove));
    if (this.stopped) return;
    if (result.kind === 'unfollowable') {
      if (this.noteJournalState(result.state)) await this.fullLoad();
      return;
    }
    if (result.kind === 'full') {
      this.logger[result.level](result.reason, result.fields);
      this.fullRequested = true;
      await this.fullLoad();
      return;
    }
    this.cursor = result.cursor;
    if (result.next !== undefined) this.swap(result.next.tables, result.next.sets, started);
    this.lastSyncAt = started;
  }

  private async reconcile(): Promise<void> {
    const started = this.now();
    const current = this.snapshot!;
    const result = await this.read((reader) => readReconcile(reader, current, this.builder));
    if (this.stopped) return;
    if (this.noteJournalState(result.state)) {
      await this.fullLoad();
      return;
    }
    if (result.differing > 0 || result.smallChanged) {
      this.logger.warn('reconcile found changes the journal did not announce', { sets: result.differing, small_tables: result.smallChanged });
      this.swap(result.tables, result.sets, started);
    }
    this.lastSyncAt = started;
    this.nextReconcileAt = started + this.settings.reconcileS * 1000;
  }

  private async checkReplica(): Promise<void> {
    const seen = await readReplicaStatus(this.db, QUICK_TIMEOUT_MS);
    if (seen === 'hidden') {
      this.replicaVisible = false;
      this.replica = null;
      this.logger.info('the database does not show this user its replication state (grant REPLICA MONITOR to see a replica\'s lag in status)');
    } else if (seen !== 'failed') {
      this.replica = seen;
    }
  }

  /**
   * Under the purge lock of the write server, so one process at a time
   * across every daemon that writes there, however many read replicas of
   * it. Never on a replica: a server that is read-only, or the read server
   * itself when it reports being a replica (no --db-write given).
   */
  private async purge(): Promise<void> {
    await this.writeDb.withConnection(async (conn) => {
      const [flags] = await conn.query({ sql: 'SELECT @@global.read_only AS ro', timeout: QUICK_TIMEOUT_MS });
      const replica = Number((flags as { ro: unknown }[])[0]?.ro) !== 0 || (this.writeDb === this.db && this.replica !== null);
      if (replica !== this.writeIsReplica) {
        this.writeIsReplica = replica;
        if (replica) this.logger.info('the write database is a replica (read_only, or replicating and no --db-write given): this daemon leaves the journal purge to the primary; give --db-write the primary\'s DSN');
      }
      if (replica) return;
      const [rows] = await conn.query({ sql: 'SELECT GET_LOCK(?, 0) AS got', values: [PURGE_LOCK], timeout: QUICK_TIMEOUT_MS });
      if (Number((rows as { got: unknown }[])[0]?.got) !== 1) return;
      try {
        const deleted = await purgeJournal(conn, JOURNAL_RETENTION_S, BULK_TIMEOUT_MS);
        if (deleted > 0) this.logger.info('change journal purged', { deleted, retention_s: JOURNAL_RETENTION_S });
      } finally {
        await conn.query({ sql: 'SELECT RELEASE_LOCK(?)', values: [PURGE_LOCK], timeout: QUICK_TIMEOUT_MS }).catch(() => undefined);
      }
    });
  }

  /**
   * Takes in the journal's state as a refresh saw it; true when the journal
   * just became followable again or stopped being so, which calls for a
   * full reload: edits made meanwhile were not journaled (or the journal
   * can no longer be trusted to announce the next ones).
   */
  private noteJournalState(state: JournalState): boolean {
    const followable = journalFollowable(state);
    const was = this.triggers;
    // Logged again when what is wrong changes: a table swap passes through "missing" on its way to "misplaced".
    const problems = followable ? '' : JSON.stringify([state.journal, state.triggers]);
    if (!followable && problems !== this.journalProblems) {
      const { missing, misplaced } = state.triggers;
      this.logger.error(
        state.journal
          ? 'the change journal triggers are missing or not on the live tables: edits reach the routing snapshot only by the reconcile and reload --data; run sippy_routed db migrate'
          : 'the database has no change journal (schema older than version 2): edits reach the routing snapshot only by the reconcile and reload --data; run sippy_routed db migrate',
        { reconcile_s: this.settings.reconcileS, ...(state.journal ? { missing, misplaced: misplaced.map((m) => `${m.name} on ${m.table}`) } : {}) },
      );
    } else if (followable && was === false) {
      this.logger.info('the change journal triggers are in place again: full reload, then following the journal');
    }
    this.journalProblems = problems;
    this.followable = followable;
    this.triggers = followable;
    const changed = was !== null && was !== followable;
    if (changed) this.fullRequested = true;
    return changed;
  }

  private swap(tables: SmallTables, sets: Map<number, RouteSet>, syncedAt: number): void {
    const previous = this.snapshot;
    this.generation += 1;
    this.snapshot = new RoutingSnapshot(this.generation, tables, sets, this.prefixes, answerRows);
    this.memo = new ChosenRoutesMemo();
    this.lastSyncAt = syncedAt;
    this.logBadRows(previous === undefined || previous.tables !== tables ? tables : undefined);
  }

  /**
   * One line per row left out of routing, the first time it is seen with
   * that value: the operator sees it at the refresh that read it, and the
   * rest of the data keeps following.
   */
  private logBadRows(tables: SmallTables | undefined): void {
    const { reports, total } = this.builder.takeBadRows();
    for (const report of reports) {
      if (!this.badRowsLogged.first(`routes|${report.i_route}|${report.column}|${report.value}`)) continue;
      this.logger.warn(BAD_ROW_MESSAGE, { table: 'routes', ...report });
    }
    if (total > reports.length) this.logger.warn('more routing rows left out than are logged one by one', { logged: reports.length, total });
    for (const set of tables?.destinationSets.values() ?? []) {
      const bad = destinationSetProblem(set);
      if (bad === undefined || !this.badRowsLogged.first(`destination_sets|${set.i_destination_set}|${bad.value}`)) continue;
      this.logger.warn(BAD_ROW_MESSAGE, { table: 'destination_sets', i_destination_set: set.i_destination_set, ...bad });
    }
  }
}

/** A refresh the follower gave up on: `asked` by stop() or reloadNow(), or past its deadline. */
class RefreshAbandoned extends Error {
  constructor(
    reason: string,
    readonly asked: boolean,
  ) {
    super(`routing data refresh abandoned: ${reason}`);
  }
}

/** Resolves when `work` settles or after `ms`, whichever is first; never rejects. */
async function settledWithin(work: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (work === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  await Promise.race([work.then(() => undefined, () => undefined), bound]);
  clearTimeout(timer);
}

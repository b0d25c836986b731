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
// one write, the purge, to `writeDsn` (--db-write, the primary;
// journal-purge.ts); the replica's own status (its lag) is shown where the
// server lets this user see it. Its parts: each refresh's read
// (refresh-read.ts), what it reads (snapshot-refresh.ts, snapshot-sql.ts),
// the journal's state (journal-watch.ts) and the rows left out
// (bad-row-log.ts).

import { EventEmitter } from 'node:events';
import { Database } from '../../db/pool.js';
import { DEFAULT_DATA_POLL_MS, DEFAULT_DATA_RECONCILE_S, DEFAULT_DB_TIMEOUT_MS } from '../../limits.js';
import { describeForLog } from '../../log.js';
import type { Dsn } from '../../db/dsn.js';
import { RoutingSnapshot, type SmallTables } from '../snapshot/snapshot.js';
import { ChosenRoutesMemo } from '../snapshot/chosen-routes.js';
import { answerRows } from '../answer/answer-json.js';
import { MoneyTable, PrefixPool, TimeTable } from '../snapshot/interned.js';
import type { RouteSet } from '../snapshot/route-set.js';
import { RouteSetBuilder } from '../snapshot/route-set-builder.js';
import { RefreshAbandoned, RefreshReads, QUICK_TIMEOUT_MS } from './refresh-read.js';
import { JournalPurge, PURGE_INTERVAL_MS, PURGE_POOL } from './journal-purge.js';
import { BadRowLog } from './bad-row-log.js';
import { JournalCursor, MAX_GAPS } from './journal-cursor.js';
import { readFull, readPoll, readReconcile, type JournalState } from './snapshot-refresh.js';
import { JournalWatch } from './journal-watch.js';
import { readReplicaStatus, REPLICA_CHECK_MS } from './replica-status.js';
import type { DataStatus, ReplicaStatus } from '../contract.js';

export interface FollowerSettings {
  /** --data-poll: ms between journal polls. */
  readonly pollMs: number;
  /** --data-reconcile: s between checksum reconciles; 0 = off. */
  readonly reconcileS: number;
}

export const DEFAULT_FOLLOWER_SETTINGS: FollowerSettings = Object.freeze({ pollMs: DEFAULT_DATA_POLL_MS, reconcileS: DEFAULT_DATA_RECONCILE_S });

/**
 * A poll behind the journal's head by more entries than this, and than
 * twice the routes held, does a full reload instead: reading the journal
 * and the sets it names would cost about as much.
 */
const FULL_RELOAD_BACKLOG = 1_000_000;
const MAX_BACKOFF_MS = 10_000;
/** stop() waits at most this for a refresh in flight, then for the pool to end. */
const STOP_BOUND_MS = 1000;
/**
 * A poll that applied changes is logged at info when it took this long
 * (the spec's bound for new rates up to 100,000 rows) or re-read this many
 * rows (a rate deck, not an operator's edit); at debug otherwise. So a deck
 * import leaves one line saying where its refresh's time went.
 */
const REFRESH_INFO_MS = 1000;
const REFRESH_INFO_ROWS = 10_000;
/** The follower's own pool: refreshes are serial; one spare for the purge. */
const FOLLOWER_POOL = { connectionLimit: 2, queueLimit: 10, connectTimeoutMs: DEFAULT_DB_TIMEOUT_MS, queryTimeoutMs: QUICK_TIMEOUT_MS };

export interface FollowerLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
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
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private started = false;
  private stopped = false;
  private readonly reads: RefreshReads;
  private readonly purge: JournalPurge;
  private readonly badRows: BadRowLog;
  private readonly journal: JournalWatch;

  constructor(options: FollowerOptions) {
    super();
    this.settings = options.settings ?? DEFAULT_FOLLOWER_SETTINGS;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.db = new Database(options.dsn, FOLLOWER_POOL);
    this.writeDb = options.writeDsn === undefined || options.writeDsn.redacted === options.dsn.redacted && options.writeDsn.password === options.dsn.password
      ? this.db
      : new Database(options.writeDsn, PURGE_POOL);
    this.reads = new RefreshReads(this.db);
    this.purge = new JournalPurge(this.writeDb, this.db, this.logger);
    this.badRows = new BadRowLog(this.logger);
    this.journal = new JournalWatch(this.logger, this.settings.reconcileS);
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
      triggers: this.journal.triggers,
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
    this.reads.abandon('the follower is stopping', true);
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
    this.reads.abandon('a full reload was asked for', true);
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
    if (this.journal.followable && now >= this.nextPurgeAt) {
      this.nextPurgeAt = now + PURGE_INTERVAL_MS;
      await this.purge.run(this.replica !== null).catch((err: unknown) => this.logger.warn('change journal purge failed', { error: describeForLog(err) }));
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
    // A short --data-poll does not retry a failing database faster than the default poll would.
    const backoff = Math.min(MAX_BACKOFF_MS, Math.max(DEFAULT_DATA_POLL_MS, this.settings.pollMs) * 2 ** Math.min(this.failures - 1, 10));
    this.schedule(backoff);
  }


  private async fullLoad(): Promise<void> {
    const started = this.now();
    // The serving snapshot's prepared answer bytes go first: a full reload
    // holds two snapshots at once, and its peak need not hold them too. Its
    // kept choices stay and answer, writing their routes field by field.
    this.memo?.preparedBytes.startAgain();
    const loaded = await this.reads.read((reader) => readFull(reader, started));
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
    this.logger.info('routing data loaded', { generation: this.generation, ...this.snapshot!.counts, ms: this.fullLoadMs, triggers: this.journal.triggers });
  }

  private async poll(): Promise<void> {
    const started = this.now();
    const current = this.snapshot!;
    if (!this.journal.followable) {
      // Nothing to follow: the triggers are checked, and the data is as fresh as the last reconcile.
      const state = await this.reads.read((reader) => reader.journalState());
      if (this.stopped) return;
      if (this.noteJournalState(state)) await this.fullLoad();
      return;
    }
    const fullAbove = Math.max(FULL_RELOAD_BACKLOG, 2 * current.counts.routes);
    const clock = performance.now();
    const result = await this.reads.read((reader) => readPoll(reader, current, this.cursor, this.builder, started, fullAbove));
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
    if (result.next !== undefined) {
      this.swap(result.next.tables, result.next.sets, started);
      const ms = Math.round(performance.now() - clock);
      const fields = { generation: this.generation, ms, ...result.timings.fields() };
      if (ms >= REFRESH_INFO_MS || result.timings.rows >= REFRESH_INFO_ROWS) this.logger.info('routing data refreshed', fields);
      else this.logger.debug('routing data refreshed', fields);
    }
    this.lastSyncAt = started;
  }

  private async reconcile(): Promise<void> {
    const started = this.now();
    const current = this.snapshot!;
    const result = await this.reads.read((reader) => readReconcile(reader, current, this.builder));
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


  /** The journal's state as a refresh saw it; true when that calls for a full reload (JournalWatch.note), which is then asked for. */
  private noteJournalState(state: JournalState): boolean {
    const changed = this.journal.note(state);
    if (changed) this.fullRequested = true;
    return changed;
  }

  private swap(tables: SmallTables, sets: Map<number, RouteSet>, syncedAt: number): void {
    const previous = this.snapshot;
    this.generation += 1;
    this.snapshot = new RoutingSnapshot(this.generation, tables, sets, this.prefixes, answerRows);
    this.memo = new ChosenRoutesMemo();
    this.lastSyncAt = syncedAt;
    this.badRows.log(this.builder, previous === undefined || previous.tables !== tables ? tables : undefined);
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

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
import { Database } from '../db/pool.js';
import { describeForLog } from '../log.js';
import type { Dsn } from '../db/dsn.js';
import { RoutingSnapshot, type SmallTables } from './snapshot.js';
import { MoneyTable, PrefixPool, TimeTable } from './interned.js';
import { RouteSetBuilder, type RouteSet } from './route-set.js';
import { purgeJournal, SnapshotReader } from './snapshot-sql.js';
import { JournalCursor, type Changes } from './journal-cursor.js';
import { readReplicaStatus, REPLICA_CHECK_MS, type ReplicaStatus } from './replica-status.js';

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
/** Journal entries read per poll at most; a longer backlog is read over the next polls. */
const JOURNAL_BATCH = 20_000;
/** Statement bounds: journal polls answer fast or the server is in trouble; table reads may be long. */
const QUICK_TIMEOUT_MS = 5000;
const BULK_TIMEOUT_MS = 120_000;
const MAX_BACKOFF_MS = 10_000;
/** stop() waits at most this for a refresh in flight, then for the pool to end. */
const STOP_BOUND_MS = 1000;
/** The follower's own pool: refreshes are serial; one spare for the purge. */
const FOLLOWER_POOL = { connectionLimit: 2, queueLimit: 10, connectTimeoutMs: 2000, queryTimeoutMs: QUICK_TIMEOUT_MS };
/** The purge's pool on a separate write server (--db-write): one connection, used once a minute. */
const PURGE_POOL = { connectionLimit: 1, queueLimit: 2, connectTimeoutMs: 2000, queryTimeoutMs: QUICK_TIMEOUT_MS };

export type DataSourceName = 'sql' | 'snapshot';

/** What ping and status show of a snapshot (snapshot.md "Start, outage, status"). */
export interface DataStatus {
  /** What answers getRoutes now: `sql` until the first snapshot is loaded. */
  readonly source: DataSourceName;
  readonly generation: number;
  readonly rows: number;
  /** ISO time of the last successful sync (the start of its consistent read), null before the first. */
  readonly last_sync: string | null;
  /** ms since last_sync, null before the first. */
  readonly age_ms: number | null;
  /** Whether the journal's triggers are present; null until checked. */
  readonly triggers: boolean | null;
  /** The last sync failure (redacted), null once a sync succeeds again. */
  readonly last_error: string | null;
  /** How long the last full load took, ms. */
  readonly full_load_ms: number | null;
  /**
   * When the database read is a replica and the server shows this user its
   * replication state (REPLICA MONITOR): whether it runs and its lag. Null
   * otherwise. The data answers come from is age_ms plus the lag behind the primary.
   */
  readonly replica: ReplicaStatus | null;
}

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
  private money = new MoneyTable();
  private prefixes = new PrefixPool();
  /** Builds the sets of refreshes, on the pools above (a full load brings new pools and its own builder). */
  private builder = new RouteSetBuilder(this.money, this.prefixes, new TimeTable());
  private generation = 0;
  private cursor = JournalCursor.start;
  private journal = false;
  private triggers: boolean | null = null;
  private lastSyncAt: number | undefined;
  private lastError: string | null = null;
  private failures = 0;
  /** Failed refreshes since start, never reset (snapshot_sync_failures_total); `failures` counts the current run of them. */
  private failuresTotal = 0;
  private failingSince: number | undefined;
  private fullLoadMs: number | null = null;
  private fullRequested = false;
  /** The last poll read a full batch: more entries are waiting. */
  private backlog = false;
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
  private active: PoolConnection | undefined;
  private started = false;
  private stopped = false;

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
    // destroyed (mysql2 then never settles the statement in flight), so
    // neither the refresh nor the pool's end is awaited past a short bound.
    this.active?.destroy();
    await settledWithin(this.running, STOP_BOUND_MS);
    await settledWithin(this.db.close(), STOP_BOUND_MS);
    if (this.writeDb !== this.db) await settledWithin(this.writeDb.close(), STOP_BOUND_MS);
  }

  /** A full reload now; resolves when it is done, rejects with its failure. */
  async reloadNow(): Promise<DataStatus> {
    this.fullRequested = true;
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
    if (this.journal && now >= this.nextPurgeAt) {
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
    // A full batch means a backlog (a bulk edit): read on at once, not a poll later.
    this.schedule(this.backlog ? 0 : this.settings.pollMs);
  }

  private failed(err: unknown): void {
    if (this.stopped) return;
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

  /** Runs `work` on the follower's connection in one consistent-read transaction. */
  private async read<T>(work: (reader: SnapshotReader) => Promise<T>): Promise<T> {
    return this.db.withConnection(async (conn) => {
      this.active = conn;
      try {
        const reader = new SnapshotReader(conn, QUICK_TIMEOUT_MS, BULK_TIMEOUT_MS);
        await reader.begin();
        const result = await work(reader);
        await reader.end();
        return result;
      } finally {
        this.active = undefined;
      }
    });
  }

  private async fullLoad(): Promise<void> {
    const started = this.now();
    const money = new MoneyTable();
    const prefixes = new PrefixPool();
    const builder = new RouteSetBuilder(money, prefixes, new TimeTable());
    const loaded = await this.read(async (reader) => {
      const state = await reader.journalState();
      const head = state.journal ? await reader.journalHead() : { last: 0, purgedThrough: 0 };
      const present = state.journal ? await reader.journalSeqs(JournalCursor.lowestGapScanned(head), head.last) : [];
      const tables = await reader.smallTables();
      const sets = new Map<number, RouteSet>();
      for (const [id, checksum] of await reader.checksums()) {
        const set = await reader.routeSet(id, checksum, builder);
        if (set !== undefined) sets.set(id, set);
      }
      return { state, head, present, tables, sets };
    });
    if (this.stopped) return;
    this.money = money;
    this.prefixes = prefixes;
    this.builder = builder;
    this.noteJournalState(loaded.state);
    // Entries below the head that this read could not see belong to transactions still open: watched.
    this.cursor = JournalCursor.afterFullLoad(loaded.head, loaded.present, started);
    this.swap(loaded.tables, loaded.sets, started);
    this.fullRequested = false;
    this.fullLoadMs = this.now() - started;
    this.nextReconcileAt = started + this.settings.reconcileS * 1000;
    this.logger.info('routing data loaded', { generation: this.generation, ...this.snapshot!.counts, ms: this.fullLoadMs, triggers: this.triggers });
  }

  private async poll(): Promise<void> {
    const started = this.now();
    const current = this.snapshot!;
    if (!this.journal) {
      // No journal to follow: the data is as fresh as the last reconcile.
      return;
    }
    const outcome = await this.read(async (reader) => {
      const head = await reader.journalHead();
      if (this.cursor.isBehind(head)) return 'behind' as const;
      const entries = await reader.journal(this.cursor.position, this.cursor.watchedSeqs(), JOURNAL_BATCH);
      this.backlog = entries.length >= JOURNAL_BATCH;
      const { changes, next: cursor } = this.cursor.advance(entries, started);
      const next = await this.reread(reader, current, changes);
      return { cursor, next };
    });
    if (this.stopped) return;
    if (outcome === 'behind') {
      this.logger.warn('the change journal was purged past this snapshot: full reload', { cursor: this.cursor.position });
      this.fullRequested = true;
      await this.fullLoad();
      return;
    }
    this.cursor = outcome.cursor;
    if (outcome.next !== undefined) this.swap(outcome.next.tables, outcome.next.sets, started);
    this.lastSyncAt = started;
  }

  /** Re-reads what changed (in the poll's transaction); undefined when nothing did. */
  private async reread(reader: SnapshotReader, current: RoutingSnapshot, changes: Changes): Promise<{ tables: SmallTables; sets: Map<number, RouteSet> } | undefined> {
    if (!changes.small && changes.sets.size === 0) return undefined;
    const tables = changes.small ? await reader.smallTables() : current.tables;
    const sets = new Map(current.sets);
    const ids = [...changes.sets];
    const checksums = await reader.checksums(ids);
    for (const id of ids) {
      const checksum = checksums.get(id);
      const set = checksum === undefined ? undefined : await reader.routeSet(id, checksum, this.builder);
      if (set === undefined) sets.delete(id);
      else sets.set(id, set);
    }
    return { tables, sets };
  }

  /**
   * Compares every set's checksum with the one held and re-reads the sets
   * that differ and the small tables: what TRUNCATE, dropped triggers or a
   * restore changed without a journal entry.
   */
  private async reconcile(): Promise<void> {
    const started = this.now();
    const current = this.snapshot!;
    const result = await this.read(async (reader) => {
      const state = await reader.journalState();
      const checksums = await reader.checksums();
      const differing = new Set<number>();
      for (const [id, checksum] of checksums) if (current.sets.get(id)?.checksum !== checksum) differing.add(id);
      for (const id of current.sets.keys()) if (!checksums.has(id)) differing.add(id);
      const tables = await reader.smallTables();
      const sets = new Map(current.sets);
      for (const id of differing) {
        const checksum = checksums.get(id);
        const set = checksum === undefined ? undefined : await reader.routeSet(id, checksum, this.builder);
        if (set === undefined) sets.delete(id);
        else sets.set(id, set);
      }
      return { state, tables, sets, differing };
    });
    if (this.stopped) return;
    this.noteJournalState(result.state);
    const smallChanged = fingerprint(result.tables) !== fingerprint(current.tables);
    if (result.differing.size > 0 || smallChanged) {
      this.logger.warn('reconcile found changes the journal did not announce', { sets: result.differing.size, small_tables: smallChanged });
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

  private noteJournalState(state: { journal: boolean; triggers: boolean }): void {
    const triggers = state.journal && state.triggers;
    if (!triggers && this.triggers !== false) {
      this.logger.error(
        state.journal
          ? 'the change journal triggers are missing: edits reach the routing snapshot only by the reconcile and reload --data; run sippy_routed db migrate'
          : 'the database has no change journal (schema older than version 2): edits reach the routing snapshot only by the reconcile and reload --data; run sippy_routed db migrate',
        { reconcile_s: this.settings.reconcileS },
      );
    } else if (triggers && this.triggers === false) {
      this.logger.info('the change journal triggers are present again: following the journal');
    }
    this.journal = state.journal;
    this.triggers = triggers;
  }

  private swap(tables: SmallTables, sets: Map<number, RouteSet>, syncedAt: number): void {
    this.generation += 1;
    this.snapshot = new RoutingSnapshot(this.generation, tables, sets, this.prefixes);
    this.lastSyncAt = syncedAt;
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

function fingerprint(tables: SmallTables): string {
  return JSON.stringify([tables.environments, [...tables.vendors], [...tables.connections], [...tables.destinationSets], tables.groups, tables.entries]);
}

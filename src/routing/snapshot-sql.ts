// The snapshot's SQL, and only here (the request path's is sql.ts): the
// consistent read, the small tables, one destination set's routes streamed
// into columns, per-set checksums, the change journal and its purge. Every
// statement is parameterised; every one is bounded by the caller's timeout.

import type { PoolConnection } from 'mysql2/promise';
import type { SqlValue } from '../db/pool.js';
import { parseUtcDatetime } from './sql.js';
import type { RouteSet, RouteSetBuilder } from './route-set.js';
import type { ConnectionInput, DestinationSetInput, EntryInput, SmallTables } from './snapshot.js';
import type { GroupRow } from './model.js';
import { JOURNAL_TABLE, JOURNAL_HORIZON_TABLE, triggerNames } from '../db/migrations.js';

type RowArray = readonly unknown[];

/** What the stream needs of mysql2's callback connection. */
interface CoreConnection {
  query(options: { sql: string; values: unknown[]; rowsAsArray: boolean; timeout: number }): {
    on(event: 'result', listener: (row: unknown) => void): unknown;
    on(event: 'error', listener: (err: Error) => void): unknown;
    on(event: 'end', listener: () => void): unknown;
  };
}

/**
 * Statements on the loader's connection. Journal statements are bounded by
 * `quickMs`, so a hanging server shows up as a sync error within seconds;
 * reading tables and checksums by `bulkMs`, which a large set needs.
 */
export class SnapshotReader {
  constructor(
    private readonly conn: PoolConnection,
    private readonly quickMs: number,
    private readonly bulkMs: number,
  ) {}

  /** Starts the consistent-read transaction every read of one refresh happens in. */
  async begin(): Promise<void> {
    await this.run('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await this.run('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
  }

  async end(): Promise<void> {
    await this.run('COMMIT');
  }

  async smallTables(): Promise<SmallTables> {
    const [environments] = await this.rows('SELECT COUNT(*) FROM environments');
    const vendors = new Map<number, { name: string }>();
    for (const r of await this.rows('SELECT i_vendor, name FROM vendors ORDER BY i_vendor')) vendors.set(Number(r[0]), { name: String(r[1]) });
    const connections = new Map<number, ConnectionInput>();
    for (const r of await this.rows(
      'SELECT i_connection, name, destination, cli_translation_rule, cld_translation_rule, capacity, enabled, i_vendor FROM connections ORDER BY i_connection',
    )) {
      connections.set(Number(r[0]), {
        i_connection: Number(r[0]), name: String(r[1]), destination: String(r[2]), cli_translation_rule: nullableString(r[3]),
        cld_translation_rule: nullableString(r[4]), capacity: Number(r[5]), enabled: Number(r[6]) !== 0, i_vendor: Number(r[7]),
      });
    }
    const destinationSets = new Map<number, DestinationSetInput>();
    for (const r of await this.rows(
      'SELECT i_destination_set, name, currency, connect_fee, free_seconds, grace_period, post_call_surcharge FROM destination_sets ORDER BY i_destination_set',
    )) {
      destinationSets.set(Number(r[0]), {
        i_destination_set: Number(r[0]), name: String(r[1]), currency: String(r[2]), connect_fee: String(r[3]),
        free_seconds: Number(r[4]), grace_period: Number(r[5]), post_call_surcharge: String(r[6]),
      });
    }
    const groups: (GroupRow & { i_environment: number })[] = [];
    for (const r of await this.rows('SELECT i_routing_group, i_environment, name, policy, average_duration, external, uri FROM routing_groups ORDER BY i_routing_group')) {
      groups.push({
        i_routing_group: Number(r[0]), i_environment: Number(r[1]), name: String(r[2]), policy: String(r[3]),
        average_duration: Number(r[4]), external: Number(r[5]) !== 0, uri: nullableString(r[6]),
      });
    }
    const entries: EntryInput[] = [];
    for (const r of await this.rows('SELECT i_routing_group_entry, i_routing_group, i_connection, i_destination_set, entry_order, weight FROM routing_group_entries ORDER BY i_routing_group_entry')) {
      entries.push({
        i_routing_group_entry: Number(r[0]), i_routing_group: Number(r[1]), i_connection: Number(r[2]),
        i_destination_set: Number(r[3]), entry_order: Number(r[4]), weight: r[5] === null ? null : Number(r[5]),
      });
    }
    return { environments: Number(environments?.[0] ?? 0), vendors, connections, destinationSets, groups, entries };
  }

  /** One destination set's routes, streamed row by row into columns; undefined when it has none. */
  async routeSet(id: number, checksum: string, builder: RouteSetBuilder): Promise<RouteSet | undefined> {
    builder.begin(id);
    await this.stream(
      `SELECT i_route, prefix, preference, huntstop, timeout, timeout_1xx, price_1, price_n, interval_1, interval_n,
              forbidden, activation_date, expiration_date, description
         FROM routes WHERE i_destination_set = ?`,
      [id],
      (r) => {
        builder.add({
          i_route: Number(r[0]), prefix: String(r[1]), preference: Number(r[2]), huntstop: Number(r[3]) !== 0,
          timeout: r[4] === null ? null : Number(r[4]), timeout_1xx: r[5] === null ? null : Number(r[5]),
          price_1: String(r[6]), price_n: String(r[7]), interval_1: Number(r[8]), interval_n: Number(r[9]),
          forbidden: Number(r[10]) !== 0, activation: parseUtcDatetime(String(r[11])),
          expiration: r[12] === null ? null : parseUtcDatetime(String(r[12])),
        }, nullableString(r[13]));
      },
    );
    return builder.build(checksum);
  }

  /**
   * Per destination set, a checksum of its routes (count and the sum of a
   * CRC32 of every column); sets without routes are absent. `only` limits
   * it to some sets. Cheap next to reading the rows, and it catches edits
   * that bypass the triggers (TRUNCATE, a restore).
   */
  async checksums(only?: readonly number[]): Promise<Map<number, string>> {
    if (only !== undefined && only.length === 0) return new Map();
    const where = only === undefined ? '' : `WHERE i_destination_set IN (${only.map(() => '?').join(', ')})`;
    const result = new Map<number, string>();
    for (const r of await this.rows(
      `SELECT i_destination_set, COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS('|', i_route, prefix, preference, huntstop,
              COALESCE(timeout, '-'), COALESCE(timeout_1xx, '-'), price_1, price_n, interval_1, interval_n, forbidden,
              activation_date, COALESCE(expiration_date, '-'), COALESCE(description, '-')))), 0)
         FROM routes ${where} GROUP BY i_destination_set`,
      only ?? [],
    )) {
      result.set(Number(r[0]), `${String(r[1])}:${String(r[2])}`);
    }
    return result;
  }

  /** Whether the journal table exists and all its triggers are there. */
  async journalState(): Promise<{ journal: boolean; triggers: boolean }> {
    const names = triggerNames();
    const [tables] = await this.rows(
      'SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?, ?)',
      [JOURNAL_TABLE, JOURNAL_HORIZON_TABLE],
      this.quickMs,
    );
    const [triggers] = await this.rows(
      `SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME IN (${names.map(() => '?').join(', ')})`,
      names,
      this.quickMs,
    );
    return { journal: Number(tables?.[0]) === 2, triggers: Number(triggers?.[0]) === names.length };
  }

  /** Highest sequence number in the journal (0 when empty) and the purge horizon. */
  async journalHead(): Promise<{ last: number; purgedThrough: number }> {
    const [head] = await this.rows(`SELECT COALESCE(MAX(seq), 0) FROM ${JOURNAL_TABLE}`, [], this.quickMs);
    const [horizon] = await this.rows(`SELECT COALESCE(MAX(purged_through), 0) FROM ${JOURNAL_HORIZON_TABLE}`, [], this.quickMs);
    return { last: Number(head?.[0] ?? 0), purgedThrough: Number(horizon?.[0] ?? 0) };
  }

  /** Sequence numbers present in (after, upTo]: to find what is missing below a cursor taken at a full load. */
  async journalSeqs(after: number, upTo: number): Promise<number[]> {
    return (await this.rows(`SELECT seq FROM ${JOURNAL_TABLE} WHERE seq > ? AND seq <= ? ORDER BY seq`, [after, upTo])).map((r) => Number(r[0]));
  }

  /** Journal entries after `after`, and those of the watched sequence numbers, in order; at most `limit` after the cursor. */
  async journal(after: number, watched: readonly number[], limit: number): Promise<JournalEntry[]> {
    const entries = (await this.rows(`SELECT seq, table_name, row_key FROM ${JOURNAL_TABLE} WHERE seq > ? ORDER BY seq LIMIT ${limit}`, [after], this.quickMs)).map(toEntry);
    if (watched.length > 0) {
      const late = await this.rows(`SELECT seq, table_name, row_key FROM ${JOURNAL_TABLE} WHERE seq IN (${watched.map(() => '?').join(', ')})`, watched, this.quickMs);
      entries.push(...late.map(toEntry));
    }
    return entries;
  }

  private async run(sql: string): Promise<void> {
    await this.conn.query({ sql, timeout: this.quickMs });
  }

  private async rows(sql: string, params: readonly SqlValue[] = [], timeoutMs = this.bulkMs): Promise<RowArray[]> {
    const [rows] = await this.conn.query({ sql, values: [...params], rowsAsArray: true, timeout: timeoutMs });
    return rows as unknown as RowArray[];
  }

  /** A SELECT whose rows are handed over one by one as they arrive: a large set never sits in memory as row arrays. */
  private stream(sql: string, params: readonly SqlValue[], onRow: (row: RowArray) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      // The promise wrapper has no row events: the callback connection under it does.
      const core = (this.conn as unknown as { connection: CoreConnection }).connection;
      const query = core.query({ sql, values: [...params], rowsAsArray: true, timeout: this.bulkMs });
      query.on('result', (row: unknown) => onRow(row as RowArray));
      query.on('error', reject);
      query.on('end', () => resolve());
    });
  }
}

export interface JournalEntry {
  readonly seq: number;
  readonly table: string;
  readonly key: number;
}

function toEntry(r: RowArray): JournalEntry {
  return { seq: Number(r[0]), table: String(r[1]), key: Number(r[2]) };
}

function nullableString(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** Deletes journal entries older than `retentionS`, in chunks, and moves the horizon; run under the purge lock. */
export async function purgeJournal(conn: PoolConnection, retentionS: number, timeoutMs: number): Promise<number> {
  const [rows] = await conn.query({
    sql: `SELECT COALESCE(MAX(seq), 0) AS upto FROM ${JOURNAL_TABLE} WHERE changed_at < NOW(3) - INTERVAL ? SECOND`,
    values: [retentionS],
    timeout: timeoutMs,
  });
  const upTo = Number((rows as { upto: unknown }[])[0]?.upto ?? 0);
  if (upTo === 0) return 0;
  // The horizon first: a reader that sees entries gone also sees why.
  await conn.query({
    sql: `UPDATE ${JOURNAL_HORIZON_TABLE} SET purged_through = GREATEST(purged_through, ?) WHERE id = 1`,
    values: [upTo],
    timeout: timeoutMs,
  });
  let deleted = 0;
  for (;;) {
    const [result] = await conn.query({ sql: `DELETE FROM ${JOURNAL_TABLE} WHERE seq <= ? LIMIT 10000`, values: [upTo], timeout: timeoutMs });
    const affected = (result as { affectedRows?: number }).affectedRows ?? 0;
    deleted += affected;
    if (affected < 10000) return deleted;
  }
}


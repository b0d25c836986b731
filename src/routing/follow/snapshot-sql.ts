// The snapshot's SQL, and only here (the request path's is sql/sql.ts): the
// consistent read, the small tables, one destination set's routes streamed
// into columns, per-set checksums, the change journal and its purge. Every
// statement is parameterised; every one is bounded by the caller's timeout.

import type { PoolConnection } from 'mysql2/promise';
import type { SqlValue } from '../../db/pool.js';
import { destinationSetAmount, ROUTE_COLUMN_NAMES, ROUTE_SELECT_LIST, routeFromValues, type RouteInput } from '../rules/route-values.js';
import type { RouteSet } from '../snapshot/route-set.js';
import type { RouteSetBuilder } from '../snapshot/route-set-builder.js';
import type { ConnectionInput, DestinationSetInput, EntryInput, SmallTables } from '../snapshot/snapshot.js';
import type { GroupRow } from '../rules/model.js';
import { JOURNAL_TABLE, JOURNAL_HORIZON_TABLE, TRIGGER_PLACEMENT_SQL, triggerProblems, type TriggerProblems } from '../../db/migrations.js';
import type { ChangedKey, JournalEntryId, JournalHead, SeqRange } from './journal-cursor.js';

/** Routes asked for by id in one statement at most. */
const ROUTES_BY_ID_CHUNK = 1000;

/**
 * A route row's CRC32 over every column routing reads: the per-set
 * checksum (count, and the sum of these) is what the reconcile compares,
 * and each row read carries its own, so a set rebuilt from a few changed
 * rows knows its checksum without the server summing the whole set again.
 */
const ROW_CRC = `CRC32(CONCAT_WS('|', i_route, prefix, preference, huntstop, COALESCE(timeout, '-'), COALESCE(timeout_1xx, '-'),
  price_1, price_n, interval_1, interval_n, forbidden, activation_date, COALESCE(expiration_date, '-'), COALESCE(description, '-')))`;
/** What a snapshot reads of a route: the columns routing reads, the description listRoutes shows, and ROW_CRC. */
const ROUTE_READ_LIST = `${ROUTE_SELECT_LIST}, description, ${ROW_CRC}`;
/** Where the description and ROW_CRC come in a row read with ROUTE_READ_LIST. */
const DESCRIPTION_COLUMN = ROUTE_COLUMN_NAMES.length;
const CRC_COLUMN = DESCRIPTION_COLUMN + 1;

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
/** A route read by its id (routesById): its set now, its values, and what a builder keeps beside them. */
export interface RouteById {
  readonly set: number;
  readonly route: RouteInput;
  readonly crc: number;
  readonly description: string | null;
}

export class SnapshotReader {
  private abandoned = false;

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
        i_destination_set: Number(r[0]), name: String(r[1]), currency: String(r[2]), connect_fee: destinationSetAmount(r[3]),
        free_seconds: Number(r[4]), grace_period: Number(r[5]), post_call_surcharge: destinationSetAmount(r[6]),
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
  async routeSet(id: number, builder: RouteSetBuilder): Promise<RouteSet | undefined> {
    await this.streamSet(id, builder);
    return builder.buildYielding();
  }

  /**
   * One destination set's routes streamed into `builder` (begun on the set),
   * not built: a refresh times the read and the build apart. Resolves with
   * the number of rows read.
   */
  async streamSet(id: number, builder: RouteSetBuilder): Promise<number> {
    builder.begin(id);
    let rows = 0;
    await this.stream(`SELECT ${ROUTE_READ_LIST} FROM routes WHERE i_destination_set = ?`, [id], (r) => {
      rows += 1;
      builder.add(routeFromValues(r), Number(r[CRC_COLUMN]), nullableString(r[DESCRIPTION_COLUMN]));
    });
    return rows;
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
    for (const r of await this.rows(`SELECT i_destination_set, COUNT(*), COALESCE(SUM(${ROW_CRC}), 0) FROM routes ${where} GROUP BY i_destination_set`, only ?? [])) {
      result.set(Number(r[0]), `${String(r[1])}:${String(r[2])}`);
    }
    return result;
  }

  /**
   * Whether the journal's tables exist, and what is wrong with its triggers
   * (TRIGGER_PLACEMENT_SQL: missing, or on another table than the live one).
   */
  async journalState(): Promise<{ journal: boolean; triggers: TriggerProblems }> {
    const [tables] = await this.rows(
      'SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?, ?)',
      [JOURNAL_TABLE, JOURNAL_HORIZON_TABLE],
      this.quickMs,
    );
    const triggers = triggerProblems(await this.rows(TRIGGER_PLACEMENT_SQL, [], this.quickMs));
    return { journal: Number(tables?.[0]) === 2, triggers };
  }

  /** The newest entry (its number is the head; 0 when empty) and the purge horizon. */
  async journalHead(): Promise<JournalHead> {
    const [newest] = await this.rows(`SELECT seq, table_name, row_key, changed_at FROM ${JOURNAL_TABLE} ORDER BY seq DESC LIMIT 1`, [], this.quickMs);
    const [horizon] = await this.rows(`SELECT COALESCE(MAX(purged_through), 0) FROM ${JOURNAL_HORIZON_TABLE}`, [], this.quickMs);
    const entry = newest === undefined ? null : toEntryId(newest);
    return { last: entry?.seq ?? 0, purgedThrough: Number(horizon?.[0] ?? 0), newest: entry };
  }

  /** The entry numbered `seq`, null when there is none. */
  async journalEntry(seq: number): Promise<JournalEntryId | null> {
    if (seq <= 0) return null;
    const [row] = await this.rows(`SELECT seq, table_name, row_key, changed_at FROM ${JOURNAL_TABLE} WHERE seq = ?`, [seq], this.quickMs);
    return row === undefined ? null : toEntryId(row);
  }

  /**
   * The numbers present in `ranges`, as maximal runs (islands), ascending:
   * what a cursor needs to know which numbers are still missing, in a few
   * rows however many entries a transaction wrote.
   */
  async journalIslands(ranges: readonly SeqRange[]): Promise<SeqRange[]> {
    if (ranges.length === 0) return [];
    const { where, params } = inRanges(ranges);
    const rows = await this.rows(
      `SELECT MIN(seq), MAX(seq) FROM (SELECT seq, seq - ROW_NUMBER() OVER (ORDER BY seq) AS run FROM ${JOURNAL_TABLE} WHERE ${where}) AS numbered
        GROUP BY run ORDER BY 1`,
      params,
    );
    return rows.map((r) => ({ from: Number(r[0]), to: Number(r[1]) }));
  }

  /**
   * The (table, key) pairs the entries in `ranges` name, each once with its
   * counts (not the distinct routes: journalRouteCount, where they decide),
   * and how many entries there are.
   */
  async journalKeys(ranges: readonly SeqRange[]): Promise<{ keys: ChangedKey[]; entries: number }> {
    if (ranges.length === 0) return { keys: [], entries: 0 };
    const { where, params } = inRanges(ranges);
    const rows = await this.rows(
      `SELECT table_name, row_key, COUNT(*), COUNT(row_id) FROM ${JOURNAL_TABLE} WHERE ${where} GROUP BY table_name, row_key`,
      params,
    );
    let entries = 0;
    const keys = rows.map((r): ChangedKey => {
      entries += Number(r[2]);
      return { table: String(r[0]), key: Number(r[1]), entries: Number(r[2]), withIds: Number(r[3]) };
    });
    return { keys, entries };
  }

  /**
   * The distinct routes the entries in `ranges` name for set `set`, counted
   * up to `upTo`: the server stops at `upTo` of them, so a deck's million
   * new routes cost no more than the count that decides (idsToCount).
   */
  async journalRouteCount(ranges: readonly SeqRange[], set: number, upTo: number): Promise<number> {
    if (ranges.length === 0) return 0;
    const { where, params } = inRanges(ranges);
    const [row] = await this.rows(
      `SELECT COUNT(*) FROM (SELECT DISTINCT row_id FROM ${JOURNAL_TABLE} WHERE (${where}) AND table_name = 'routes' AND row_key = ? LIMIT ?) AS named`,
      [...params, set, upTo],
    );
    return Number(row?.[0] ?? 0);
  }

  /** The routes the entries in `ranges` name for these sets, each once. */
  async journalRouteIds(ranges: readonly SeqRange[], sets: readonly number[]): Promise<number[]> {
    if (ranges.length === 0 || sets.length === 0) return [];
    const { where, params } = inRanges(ranges);
    const rows = await this.rows(
      `SELECT DISTINCT row_id FROM ${JOURNAL_TABLE} WHERE (${where}) AND table_name = 'routes' AND row_key IN (${sets.map(() => '?').join(', ')})`,
      [...params, ...sets],
    );
    return rows.map((r) => Number(r[0]));
  }

  /** The routes of these ids that exist now, with their sets (a missing id was deleted). */
  async routesById(ids: readonly number[]): Promise<RouteById[]> {
    const found: RouteById[] = [];
    for (let from = 0; from < ids.length; from += ROUTES_BY_ID_CHUNK) {
      const chunk = ids.slice(from, from + ROUTES_BY_ID_CHUNK);
      await this.stream(
        `SELECT i_destination_set, ${ROUTE_READ_LIST} FROM routes WHERE i_route IN (${chunk.map(() => '?').join(', ')})`,
        chunk,
        (r) => found.push({ set: Number(r[0]), route: routeFromValues(r.slice(1)), crc: Number(r[CRC_COLUMN + 1]), description: nullableString(r[DESCRIPTION_COLUMN + 1]) }),
      );
    }
    return found;
  }

  private async run(sql: string): Promise<void> {
    await this.conn.query({ sql, timeout: this.quickMs });
  }

  private async rows(sql: string, params: readonly SqlValue[] = [], timeoutMs = this.bulkMs): Promise<RowArray[]> {
    const [rows] = await this.conn.query({ sql, values: [...params], rowsAsArray: true, timeout: timeoutMs });
    return rows as unknown as RowArray[];
  }

  /** Rows that arrive after this are ignored: the follower gave up on this read and destroys its connection. */
  abandon(): void {
    this.abandoned = true;
  }

  /**
   * A SELECT whose rows are handed over one by one as they arrive: a large
   * set never sits in memory as row arrays. A row `onRow` throws on fails
   * the whole read at once (the rows after it are ignored, and the caller
   * destroys the connection, still busy with them): an exception must never
   * escape into the driver, which would leave the read unsettled for good.
   */
  private stream(sql: string, params: readonly SqlValue[], onRow: (row: RowArray) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      // The promise wrapper has no row events: the callback connection under it does.
      const core = (this.conn as unknown as { connection: CoreConnection }).connection;
      const query = core.query({ sql, values: [...params], rowsAsArray: true, timeout: this.bulkMs });
      let failed = false;
      query.on('result', (row: unknown) => {
        if (failed || this.abandoned) return;
        try {
          onRow(row as RowArray);
        } catch (err) {
          failed = true;
          reject(err);
        }
      });
      query.on('error', reject);
      query.on('end', () => resolve());
    });
  }
}

function toEntryId(r: RowArray): JournalEntryId {
  return { seq: Number(r[0]), table: String(r[1]), key: Number(r[2]), at: String(r[3]) };
}

/** `seq` in any of the ranges: the condition and its parameters. */
function inRanges(ranges: readonly SeqRange[]): { where: string; params: number[] } {
  return {
    where: ranges.map(() => '(seq BETWEEN ? AND ?)').join(' OR '),
    params: ranges.flatMap((r) => [r.from, r.to]),
  };
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
    const [result] = await conn.query({ sql: `DELETE FROM ${JOURNAL_TABLE} WHERE seq <= ? ORDER BY seq LIMIT 10000`, values: [upTo], timeout: timeoutMs });
    const affected = (result as { affectedRows?: number }).affectedRows ?? 0;
    deleted += affected;
    if (affected < 10000) return deleted;
  }
}


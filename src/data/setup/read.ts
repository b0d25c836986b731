// One environment's routing setup as the database holds it, read on one
// connection inside the caller's transaction (so apply plans from, and
// writes over, the same snapshot; export reads one consistent picture).
// Parameterised statements only.

import type { PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { SqlValue } from '../../db/pool.js';
import type { SetupState } from './model.js';

/** Statements of one unit of work on one connection, each bounded in time. */
export class SetupSql {
  constructor(private readonly conn: PoolConnection, private readonly timeoutMs: number) {}

  async rows(sql: string, params: readonly SqlValue[] = []): Promise<RowDataPacket[]> {
    const [rows] = await this.conn.execute<RowDataPacket[]>({ sql, timeout: this.timeoutMs }, params as SqlValue[]);
    return rows;
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<ResultSetHeader> {
    const [result] = await this.conn.execute<ResultSetHeader>({ sql, timeout: this.timeoutMs }, params as SqlValue[]);
    return result;
  }

  /** Transaction control and locks: not preparable on every server. */
  async control(sql: string): Promise<void> {
    await this.conn.query({ sql, timeout: this.timeoutMs });
  }
}

const ENVIRONMENT_CONNECTIONS = 'SELECT c.i_connection FROM connections c JOIN vendors v ON v.i_vendor = c.i_vendor WHERE v.i_environment = ?';

function nullableString(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** The setup of environment `environment`; environment_name undefined when it has no row. */
export async function readSetupState(sql: SetupSql, environment: number): Promise<SetupState> {
  const env = environment;
  const [environmentRow] = await sql.rows('SELECT name FROM environments WHERE i_environment = ?', [env]);
  const vendors = await sql.rows('SELECT i_vendor, name FROM vendors WHERE i_environment = ? ORDER BY i_vendor', [env]);
  // A connection belongs to its vendor's environment (docs/schema.md, what must match).
  const connections = await sql.rows(
    `SELECT c.i_connection, c.i_vendor, v.name AS vendor_name, c.name, c.destination, c.cli_translation_rule, c.cld_translation_rule, c.capacity, c.enabled
       FROM connections c JOIN vendors v ON v.i_vendor = c.i_vendor
      WHERE v.i_environment = ? ORDER BY c.i_connection`,
    [env],
  );
  const sets = await sql.rows(
    `SELECT s.i_destination_set, s.name, s.currency, s.connect_fee, s.free_seconds, s.grace_period, s.post_call_surcharge,
            EXISTS (SELECT 1 FROM routes r WHERE r.i_destination_set = s.i_destination_set) AS has_routes
       FROM destination_sets s WHERE s.i_environment = ? ORDER BY s.i_destination_set`,
    [env],
  );
  const groups = await sql.rows('SELECT i_routing_group, name, policy, average_duration, external, uri FROM routing_groups WHERE i_environment = ? ORDER BY i_routing_group', [env]);
  const entries = await sql.rows(
    `SELECT e.i_routing_group_entry, e.i_routing_group, e.i_connection, e.i_destination_set, e.entry_order, e.weight
       FROM routing_group_entries e JOIN routing_groups g ON g.i_routing_group = e.i_routing_group
      WHERE g.i_environment = ? ORDER BY e.entry_order, e.i_routing_group_entry`,
    [env],
  );
  const foreign = await sql.rows(
    `SELECT e.i_connection, e.i_destination_set, g.i_environment, g.name AS routing_group
       FROM routing_group_entries e JOIN routing_groups g ON g.i_routing_group = e.i_routing_group
      WHERE g.i_environment <> ?
        AND (e.i_connection IN (${ENVIRONMENT_CONNECTIONS}) OR e.i_destination_set IN (SELECT i_destination_set FROM destination_sets WHERE i_environment = ?))`,
    [env, env, env],
  );
  return {
    i_environment: env,
    environment_name: environmentRow === undefined ? undefined : String(environmentRow.name),
    vendors: vendors.map((r) => ({ i_vendor: Number(r.i_vendor), name: String(r.name) })),
    connections: connections.map((r) => ({
      i_connection: Number(r.i_connection), i_vendor: Number(r.i_vendor), vendor_name: String(r.vendor_name), name: String(r.name),
      destination: String(r.destination), cli_translation_rule: nullableString(r.cli_translation_rule), cld_translation_rule: nullableString(r.cld_translation_rule),
      capacity: Number(r.capacity), enabled: Number(r.enabled) !== 0,
    })),
    destination_sets: sets.map((r) => ({
      i_destination_set: Number(r.i_destination_set), name: String(r.name), currency: String(r.currency), connect_fee: String(r.connect_fee),
      free_seconds: Number(r.free_seconds), grace_period: Number(r.grace_period), post_call_surcharge: String(r.post_call_surcharge), has_routes: Number(r.has_routes) !== 0,
    })),
    routing_groups: groups.map((r) => ({
      i_routing_group: Number(r.i_routing_group), name: String(r.name), policy: String(r.policy), average_duration: Number(r.average_duration),
      external: Number(r.external) !== 0, uri: nullableString(r.uri),
    })),
    entries: entries.map((r) => ({
      i_routing_group_entry: Number(r.i_routing_group_entry), i_routing_group: Number(r.i_routing_group), i_connection: Number(r.i_connection),
      i_destination_set: Number(r.i_destination_set), order: Number(r.entry_order), weight: r.weight === null ? null : Number(r.weight),
    })),
    foreign_uses: foreign.map((r) => ({
      i_connection: Number(r.i_connection), i_destination_set: Number(r.i_destination_set), i_environment: Number(r.i_environment), routing_group: String(r.routing_group),
    })),
  };
}

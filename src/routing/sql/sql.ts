// All of routing's SQL, and only here. Local groups: two parameterised
// statements per request on one pooled connection. (1) the group with its entries,
// connections, vendors and destination sets; (2) the candidate routes of all
// those destination sets for every prefix of the CLD, an index range lookup
// on routes (i_destination_set, prefix, activation_date), never LIKE or a scan.

import type { Database, Row, Session, SqlValue } from '../../db/pool.js';
import type { EntryRow, GroupRow, GroupWithEntries, RouteRow } from '../rules/model.js';
import { prefixesOf } from '../rules/match.js';
import { isSippyError } from '../../errors.js';
import { destinationSetAmount, ROUTE_COLUMN_NAMES, ROUTE_SELECT_LIST, routeFromValues } from '../rules/route-values.js';
import { parseDestination } from '../rules/destination.js';

/** routes.prefix is VARCHAR(32): no longer prefix can exist. */
export const MAX_PREFIX_LENGTH = 32;

// Outer joins in a chain fix the join order: the group by its unique name,
// its entries by idx_entries_group, the rest by primary key. (The foreign
// keys guarantee an entry's connection, vendor and destination set exist.)
const GROUP_SQL = `SELECT g.i_routing_group, g.name AS group_name, g.policy, g.average_duration, g.external, g.uri,
       e.i_routing_group_entry, e.entry_order, e.weight,
       c.i_connection, c.name AS connection_name, c.destination, c.cli_translation_rule, c.cld_translation_rule,
       c.capacity, c.enabled, v.i_vendor, v.name AS vendor_name,
       d.i_destination_set, d.name AS destination_set_name, d.currency, d.connect_fee, d.free_seconds,
       d.grace_period, d.post_call_surcharge
  FROM routing_groups g
  LEFT JOIN routing_group_entries e ON e.i_routing_group = g.i_routing_group
  LEFT JOIN connections c ON c.i_connection = e.i_connection
  LEFT JOIN vendors v ON v.i_vendor = c.i_vendor
  LEFT JOIN destination_sets d ON d.i_destination_set = e.i_destination_set
 WHERE g.i_environment = ? AND g.name = ?
 ORDER BY e.entry_order, e.i_routing_group_entry`;

const ROUTE_COLUMNS = `i_destination_set, ${ROUTE_SELECT_LIST}`;

export interface Statement {
  readonly sql: string;
  readonly params: readonly SqlValue[];
}

/**
 * The route lookup for these destination sets and this CLD. The IN lists are
 * padded (sets to a power of two, prefixes always to MAX_PREFIX_LENGTH + 1, by
 * repeating a value) so that only a handful of statement shapes are ever
 * prepared per connection, whatever the group and the number.
 */
export function routeLookup(destinationSets: readonly number[], cld: string): Statement {
  if (destinationSets.length === 0) throw new RangeError('routeLookup needs at least one destination set');
  const sets = padTo(destinationSets, nextPowerOfTwo(destinationSets.length));
  const prefixes = padTo(prefixesOf(cld, MAX_PREFIX_LENGTH), MAX_PREFIX_LENGTH + 1);
  return {
    sql: `SELECT ${ROUTE_COLUMNS}
  FROM routes
 WHERE i_destination_set IN (${placeholders(sets.length)}) AND prefix IN (${placeholders(prefixes.length)})`,
    params: [...sets, ...prefixes],
  };
}

/** The group with its entries, connections, vendors and destination sets. */
export function groupLookup(environment: number, groupName: string): Statement {
  return { sql: GROUP_SQL, params: [environment, groupName] };
}

export interface RoutingData extends GroupWithEntries {
  /** Rows of each destination set whose prefix may match the CLD (empty for external groups). */
  readonly routesBySet: ReadonlyMap<number, readonly RouteRow[]>;
}

/**
 * Reads what resolving `groupName` for `cld` needs, or undefined when the
 * environment has no group of exactly that name. Routes are read only for
 * local groups and only for the destination sets of enabled connections.
 */
export async function loadRoutingData(db: Database, environment: number, groupName: string, cld: string): Promise<RoutingData | undefined> {
  return db.withSession(async (session) => {
    const loaded = await loadGroup(session, environment, groupName);
    if (loaded === undefined) return undefined;
    const routesBySet = new Map<number, RouteRow[]>();
    const sets = [...new Set(loaded.entries.filter((e) => e.enabled).map((e) => e.i_destination_set))];
    if (!loaded.group.external && sets.length > 0) {
      const { sql, params } = routeLookup(sets, cld);
      for (const row of await session.select(sql, params)) {
        const route = toRoute(row);
        let list = routesBySet.get(route.i_destination_set);
        if (list === undefined) routesBySet.set(route.i_destination_set, (list = []));
        list.push(route);
      }
    }
    return { ...loaded, routesBySet };
  });
}

async function loadGroup(session: Session, environment: number, groupName: string): Promise<GroupWithEntries | undefined> {
  // The collation pads spaces ('Group 1 ' = 'Group 1'); names compare exactly here.
  const { sql, params } = groupLookup(environment, groupName);
  const rows = (await session.select(sql, params)).filter((row) => row.group_name === groupName);
  const first = rows[0];
  if (first === undefined) return undefined;
  const group: GroupRow = {
    i_routing_group: Number(first.i_routing_group),
    name: String(first.group_name),
    policy: String(first.policy),
    average_duration: Number(first.average_duration),
    external: Number(first.external) !== 0,
    uri: first.uri === null ? null : String(first.uri),
  };
  const entries = rows.filter((row) => row.i_routing_group_entry !== null).map(toEntry);
  return { group, entries };
}

function toEntry(row: Row): EntryRow {
  return {
    i_routing_group_entry: Number(row.i_routing_group_entry),
    entry_order: Number(row.entry_order),
    weight: row.weight === null ? null : Number(row.weight),
    i_connection: Number(row.i_connection),
    connection_name: String(row.connection_name),
    destination: String(row.destination),
    sipDestination: parseDestination(String(row.destination)),
    cli_translation_rule: row.cli_translation_rule === null ? null : String(row.cli_translation_rule),
    cld_translation_rule: row.cld_translation_rule === null ? null : String(row.cld_translation_rule),
    capacity: Number(row.capacity),
    enabled: Number(row.enabled) !== 0,
    i_vendor: Number(row.i_vendor),
    vendor_name: String(row.vendor_name),
    i_destination_set: Number(row.i_destination_set),
    destination_set_name: String(row.destination_set_name),
    currency: String(row.currency),
    connect_fee: destinationSetAmount(row.connect_fee),
    free_seconds: Number(row.free_seconds),
    grace_period: Number(row.grace_period),
    post_call_surcharge: destinationSetAmount(row.post_call_surcharge),
  };
}

/** A routes row as the pure steps see it (also the listing's, inspect-sql.ts). */
export function toRoute(row: Row): RouteRow {
  return { i_destination_set: Number(row.i_destination_set), ...routeFromValues(ROUTE_COLUMN_NAMES.map((column) => row[column])) };
}

function padTo<T>(values: readonly T[], length: number): T[] {
  const padded = [...values];
  while (padded.length < length) padded.push(values[0]!);
  return padded;
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

// ---- External groups (routing.md "External groups", steps 2 and 3) ----------
//
// The statements; external-creation.ts decides when they run. Rows are
// created with INSERT IGNORE on the unique keys, so that requests racing
// (from other processes) to create the same vendor or connection end with
// one row each and no error. Existing rows are never modified.

/** The vendor every external group's connections belong to (overview.md, step 4). */
export const EXTERNAL_VENDOR_NAME = 'External Connections (autocreated)';

/** A connection under the external vendor, as the mapping needs it. */
export interface ExternalConnectionRow {
  readonly i_connection: number;
  readonly name: string;
  readonly destination: string;
  readonly cli_translation_rule: string | null;
  readonly cld_translation_rule: string | null;
  readonly capacity: number;
  readonly enabled: boolean;
}

export interface ExternalConnections {
  readonly i_vendor: number;
  readonly vendor_name: string;
  /** By name with trailing spaces removed: the unique key's PAD SPACE collation makes `a` and `a ` one row. */
  readonly byName: ReadonlyMap<string, ExternalConnectionRow>;
}

/** What a missing connection is created with: the upstream's destination and capacity. */
export interface NewExternalConnection {
  readonly name: string;
  readonly destination: string;
  readonly capacity: number;
}

/** Key of a connection name as the unique key (i_vendor, name) compares it. */
export function connectionKey(name: string): string {
  return name.replace(/ +$/, '');
}

/** INSERT IGNORE of the external vendor of `environment`. */
export async function insertExternalVendor(db: Database, environment: number): Promise<void> {
  await insertIgnoringRaces(db, 'INSERT IGNORE INTO vendors (i_environment, name) VALUES (?, ?)', [environment, EXTERNAL_VENDOR_NAME]);
}

/**
 * INSERT IGNORE of `rows` (distinct names) under the vendor `i_vendor`, in
 * name order (one lock order for every request), in statements of a power
 * of two rows each (7 rows: 4, 2, 1), so that a prepared statement serves
 * every count. Never a row twice: each ignored row would burn an
 * auto-increment id.
 */
export async function insertExternalConnections(db: Database, environment: number, i_vendor: number, rows: readonly NewExternalConnection[]): Promise<void> {
  const sorted = [...rows].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let at = 0; at < sorted.length; ) {
    const chunk = sorted.slice(at, at + largestPowerOfTwoUpTo(sorted.length - at));
    at += chunk.length;
    await insertIgnoringRaces(
      db,
      `INSERT IGNORE INTO connections (i_environment, i_vendor, name, destination, capacity, enabled)
       VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, 1)').join(', ')}`,
      chunk.flatMap((c) => [environment, i_vendor, c.name, c.destination, c.capacity]),
    );
  }
}

function largestPowerOfTwoUpTo(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

/**
 * The vendor with its connections of these names (an outer join, so the
 * vendor is seen even with none of them), or undefined without the vendor.
 */
export async function readExternalConnections(db: Database, environment: number, names: readonly string[]): Promise<ExternalConnections | undefined> {
  const list = names.length === 0 ? [''] : padTo(names, nextPowerOfTwo(names.length));
  const rows = await db.select(
    `SELECT v.i_vendor, v.name AS vendor_name, c.i_connection, c.name AS connection_name, c.destination,
            c.cli_translation_rule, c.cld_translation_rule, c.capacity, c.enabled
       FROM vendors v
       LEFT JOIN connections c ON c.i_vendor = v.i_vendor AND c.name IN (${placeholders(list.length)})
      WHERE v.i_environment = ? AND v.name = ?`,
    [...list, environment, EXTERNAL_VENDOR_NAME],
  );
  // The collation pads spaces: keep the vendor of exactly this name.
  const vendorRows = rows.filter((row) => row.vendor_name === EXTERNAL_VENDOR_NAME);
  const first = vendorRows[0];
  if (first === undefined) return undefined;
  const byName = new Map<string, ExternalConnectionRow>();
  for (const row of vendorRows) {
    if (row.i_connection === null) continue;
    const connection: ExternalConnectionRow = {
      i_connection: Number(row.i_connection),
      name: String(row.connection_name),
      destination: String(row.destination),
      cli_translation_rule: row.cli_translation_rule === null ? null : String(row.cli_translation_rule),
      cld_translation_rule: row.cld_translation_rule === null ? null : String(row.cld_translation_rule),
      capacity: Number(row.capacity),
      enabled: Number(row.enabled) !== 0,
    };
    byName.set(connectionKey(connection.name), connection);
  }
  return { i_vendor: Number(first.i_vendor), vendor_name: String(first.vendor_name), byName };
}

const INSERT_ATTEMPTS = 3;

/**
 * INSERT IGNORE that also survives InnoDB's answer to concurrent inserts on
 * one unique key: a deadlock (or lock wait timeout) rolls back one of the
 * statements, and trying it again is correct because it only inserts rows
 * that are still missing.
 */
async function insertIgnoringRaces(db: Database, sql: string, params: readonly SqlValue[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.modify(sql, params);
      return;
    } catch (err) {
      const code = isSippyError(err) ? err.data?.code : undefined;
      if (attempt >= INSERT_ATTEMPTS || (code !== 'ER_LOCK_DEADLOCK' && code !== 'ER_LOCK_WAIT_TIMEOUT')) throw err;
    }
  }
}

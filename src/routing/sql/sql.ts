// The SQL of a request on the SQL path (`--data-source sql`, and until the
// snapshot is loaded). Local groups: two parameterised statements per
// request on one pooled connection. (1) the group with its entries,
// connections, vendors and destination sets; (2) the candidate routes of all
// those destination sets for every prefix of the CLD, an index range lookup
// on routes (i_destination_set, prefix, activation_date), never LIKE or a scan.
// The routes row mapping is shared with the listings (inspect/inspect-sql.ts).
// Elsewhere: the snapshot's reads (follow/snapshot-sql.ts), the listings'
// (inspect/inspect-sql.ts), and an external group's writes
// (external/external-sql.ts).

import type { Database, Row, Session, SqlValue } from '../../db/pool.js';
import type { EntryRow, GroupRow, GroupWithEntries, RouteRow } from '../rules/model.js';
import { prefixesOf } from '../rules/match.js';
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
  const group = toGroup(first, first.group_name);
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

/** A routing_groups row as routing holds it (also the listing's, inspect-sql.ts); `name` from the column the query named it by. */
export function toGroup(row: Row, name: unknown): GroupRow {
  return {
    i_routing_group: Number(row.i_routing_group),
    name: String(name),
    policy: String(row.policy),
    average_duration: Number(row.average_duration),
    external: Number(row.external) !== 0,
    uri: row.uri === null ? null : String(row.uri),
  };
}

/** A routes row as the pure steps see it (also the listing's, inspect-sql.ts). */
export function toRoute(row: Row): RouteRow {
  return { i_destination_set: Number(row.i_destination_set), ...routeFromValues(ROUTE_COLUMN_NAMES.map((column) => row[column])) };
}

/** `values` repeated up to `length`: an IN list of a power-of-two length, so that a prepared statement serves every count. */
export function padTo<T>(values: readonly T[], length: number): T[] {
  const padded = [...values];
  while (padded.length < length) padded.push(values[0]!);
  return padded;
}

export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** `?, ?, ?` for n values. */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

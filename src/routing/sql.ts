// All of routing's SQL, and only here. Local groups: two parameterised
// statements per request on one pooled connection. (1) the group with its entries,
// connections, vendors and destination sets; (2) the candidate routes of all
// those destination sets for every prefix of the CLD, an index range lookup
// on routes (i_destination_set, prefix, activation_date), never LIKE or a scan.

import type { Database, Row, Session, SqlValue } from '../db/pool.js';
import type { EntryRow, GroupRow, GroupWithEntries, RouteRow } from './model.js';
import { prefixesOf } from './match.js';
import { isSippyError } from '../errors.js';
import { parseDestination } from './destination.js';

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

const ROUTE_COLUMNS = `i_route, i_destination_set, prefix, preference, huntstop, timeout, timeout_1xx,
       price_1, price_n, interval_1, interval_n, forbidden, activation_date, expiration_date`;

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
    connect_fee: String(row.connect_fee),
    free_seconds: Number(row.free_seconds),
    grace_period: Number(row.grace_period),
    post_call_surcharge: String(row.post_call_surcharge),
  };
}

/** A routes row as the pure steps see it (also the listing's, inspect-sql.ts). */
export function toRoute(row: Row): RouteRow {
  return {
    i_route: Number(row.i_route),
    i_destination_set: Number(row.i_destination_set),
    prefix: String(row.prefix),
    preference: Number(row.preference),
    huntstop: Number(row.huntstop) !== 0,
    timeout: row.timeout === null ? null : Number(row.timeout),
    timeout_1xx: row.timeout_1xx === null ? null : Number(row.timeout_1xx),
    price_1: String(row.price_1),
    price_n: String(row.price_n),
    interval_1: Number(row.interval_1),
    interval_n: Number(row.interval_n),
    forbidden: Number(row.forbidden) !== 0,
    activation: parseUtcDatetime(String(row.activation_date)),
    expiration: row.expiration_date === null ? null : parseUtcDatetime(String(row.expiration_date)),
  };
}

const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/**
 * 'YYYY-MM-DD HH:MM:SS[.ffffff]' as UTC epoch ms. A zero date (MariaDB allows
 * '0000-00-00 00:00:00' outside strict modes) is the earliest instant.
 */
export function parseUtcDatetime(text: string): number {
  const m = DATETIME.exec(text);
  if (m === null) throw new RangeError(`not a DATETIME: ${JSON.stringify(text)}`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (year === 0 || month === 0 || day === 0) return -Infinity;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Math.floor(Number(`0.${m[7] ?? '0'}`) * 1000));
  return date.getTime();
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
// Rows are created with INSERT IGNORE on the unique keys, then read back, so
// that requests racing to create the same vendor or connection end with one
// row each and no error. Existing rows are never modified.

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

/**
 * The external vendor of `environment` with its connections of these names,
 * creating the vendor when it is missing (never a connection). One SELECT
 * when the vendor exists. Throws DB_* SippyErrors; undefined only when the
 * vendor cannot be created.
 */
export async function externalVendor(db: Database, environment: number, names: readonly string[]): Promise<ExternalConnections | undefined> {
  const sorted = [...new Set(names)].sort();
  const found = await readExternalConnections(db, environment, sorted);
  if (found !== undefined) return found;
  await insertIgnoringRaces(db, 'INSERT IGNORE INTO vendors (i_environment, name) VALUES (?, ?)', [environment, EXTERNAL_VENDOR_NAME]);
  return readExternalConnections(db, environment, sorted);
}

/**
 * Creates the connections of `wanted` that `found` lacks (one INSERT IGNORE)
 * and reads back the vendor's connections of `names`. Which ones to create,
 * and how many, is the caller's decision (external.ts): nothing else here
 * creates connection rows.
 */
export async function createExternalConnections(
  db: Database,
  environment: number,
  found: ExternalConnections,
  wanted: readonly NewExternalConnection[],
  names: readonly string[],
): Promise<ExternalConnections> {
  const missing = missingConnections(found, wanted);
  if (missing.length === 0) return found;
  const rows = padTo(missing, nextPowerOfTwo(missing.length));
  await insertIgnoringRaces(
    db,
    `INSERT IGNORE INTO connections (i_environment, i_vendor, name, destination, capacity, enabled)
     VALUES ${rows.map(() => '(?, ?, ?, ?, ?, 1)').join(', ')}`,
    rows.flatMap((c) => [environment, found.i_vendor, c.name, c.destination, c.capacity]),
  );
  return (await readExternalConnections(db, environment, [...new Set(names)].sort())) ?? found;
}

/** First occurrence of each name not yet present, in name order (one lock order for every request). */
function missingConnections(found: ExternalConnections, wanted: readonly NewExternalConnection[]): NewExternalConnection[] {
  const missing = new Map<string, NewExternalConnection>();
  for (const w of wanted) {
    const key = connectionKey(w.name);
    if (!found.byName.has(key) && !missing.has(key)) missing.set(key, w);
  }
  return [...missing.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The vendor with its connections of these names (an outer join, so the
 * vendor is seen even with none of them), or undefined without the vendor.
 */
async function readExternalConnections(db: Database, environment: number, names: readonly string[]): Promise<ExternalConnections | undefined> {
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

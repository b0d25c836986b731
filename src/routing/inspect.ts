// Seeing what is loaded (rpc.md listGroups and listRoutes): an environment's
// routing groups, and the routes a group's entries would consider. Read
// only. Two sources, like the resolver's: the snapshot (the default; SQL
// until it is loaded) and SQL (`--data-source sql`, inspect-sql.ts). Both
// give equal pages for the same database state: the same rows in the same
// order (groups by i_routing_group; routes by entry_order,
// i_routing_group_entry, then prefix in code point order, activation,
// i_route).
//
// Answers are bounded: a page holds at most MAX_PAGE_LIMIT rows, and
// `total` says how many there are in all.

import { SippyError } from '../errors.js';
import type { EntryRow, RouteRow } from './model.js';
import type { RouteSet } from './route-set.js';
import type { RoutingSnapshot, SnapshotGroup } from './snapshot.js';
import type { DataSourceName, SnapshotFollower } from './snapshot-follower.js';

/** Rows in a page when the request names no limit. */
export const DEFAULT_PAGE_LIMIT = 100;
/** Most rows one answer may hold (rpc.md): about 400 KB of routes. */
export const MAX_PAGE_LIMIT = 1000;
/** Largest offset accepted: far past any real table, well inside a 32-bit LIMIT. */
export const MAX_PAGE_OFFSET = 100_000_000;

export interface GroupSummary {
  readonly i_routing_group: number;
  readonly name: string;
  readonly policy: string;
  readonly average_duration: number;
  readonly external: boolean;
  readonly uri: string | null;
  /** Routing group entries. */
  readonly entries: number;
  /** Distinct connections of those entries that are enabled. */
  readonly enabled_connections: number;
}

export interface GroupsQuery {
  /** Only the group of exactly this name. */
  readonly name?: string | undefined;
  readonly offset: number;
  readonly limit: number;
}

export interface GroupsPage {
  readonly i_environment: number;
  readonly source: DataSourceName;
  readonly total: number;
  readonly offset: number;
  readonly groups: readonly GroupSummary[];
}

/** One route of one entry's destination set. Dates are UTC 'YYYY-MM-DD HH:MM:SS' as stored. */
export interface RouteListing {
  readonly i_routing_group_entry: number;
  readonly entry_order: number;
  readonly weight: number | null;
  readonly i_connection: number;
  readonly connection_name: string;
  readonly enabled: boolean;
  readonly i_destination_set: number;
  readonly destination_set_name: string;
  readonly currency: string;
  readonly i_route: number;
  readonly prefix: string;
  readonly preference: number;
  readonly huntstop: boolean;
  readonly forbidden: boolean;
  readonly timeout: number | null;
  readonly timeout_1xx: number | null;
  readonly price_1: string;
  readonly price_n: string;
  readonly interval_1: number;
  readonly interval_n: number;
  readonly activation_date: string;
  readonly expiration_date: string | null;
  /** The destination's name from the rate deck (routes.description), or null. */
  readonly description: string | null;
}

export interface RoutesQuery {
  readonly routing_group: string;
  /** Only the rows whose prefix the CLD starts with: those an entry considers for a call to it. */
  readonly cld?: string | undefined;
  readonly offset: number;
  readonly limit: number;
}

export interface RoutesPage {
  readonly i_environment: number;
  readonly routing_group: { readonly i_routing_group: number; readonly name: string; readonly policy: string; readonly external: boolean; readonly uri: string | null };
  readonly source: DataSourceName;
  /** Rows in all (an external group's routes are its upstream's: 0 here). */
  readonly total: number;
  readonly offset: number;
  readonly routes: readonly RouteListing[];
}

export interface RoutingInspector {
  groups(environment: number, query: GroupsQuery): GroupsPage | Promise<GroupsPage>;
  /** Throws ROUTING_GROUP_NOT_FOUND when the environment has no group of exactly that name. */
  routes(environment: number, query: RoutesQuery): RoutesPage | Promise<RoutesPage>;
}

/** From the follower's snapshot once it is loaded, from SQL until then (as answers are). */
export class SnapshotInspector implements RoutingInspector {
  constructor(
    private readonly follower: SnapshotFollower,
    private readonly sql: RoutingInspector,
  ) {}

  groups(environment: number, query: GroupsQuery): GroupsPage | Promise<GroupsPage> {
    const snapshot = this.follower.current;
    return snapshot === undefined ? this.sql.groups(environment, query) : snapshotGroups(snapshot, environment, query);
  }

  routes(environment: number, query: RoutesQuery): RoutesPage | Promise<RoutesPage> {
    const snapshot = this.follower.current;
    return snapshot === undefined ? this.sql.routes(environment, query) : snapshotRoutes(snapshot, environment, query);
  }
}

export function snapshotGroups(snapshot: RoutingSnapshot, environment: number, query: GroupsQuery): GroupsPage {
  let groups = [...snapshot.groupsOf(environment)];
  if (query.name !== undefined) groups = groups.filter((g) => g.row.name === query.name);
  groups.sort((a, b) => a.row.i_routing_group - b.row.i_routing_group);
  return {
    i_environment: environment,
    source: 'snapshot',
    total: groups.length,
    offset: query.offset,
    groups: groups.slice(query.offset, query.offset + query.limit).map(summary),
  };
}

function summary(group: SnapshotGroup): GroupSummary {
  const enabled = new Set<number>();
  for (const entry of group.entries) if (entry.row.enabled) enabled.add(entry.row.i_connection);
  const { i_routing_group, name, policy, average_duration, external, uri } = group.row;
  return { i_routing_group, name, policy, average_duration, external, uri, entries: group.entries.length, enabled_connections: enabled.size };
}

export function snapshotRoutes(snapshot: RoutingSnapshot, environment: number, query: RoutesQuery): RoutesPage {
  const group = snapshot.group(environment, query.routing_group);
  if (group === undefined) throw groupNotFound(environment, query.routing_group);
  const { i_routing_group, name, policy, external, uri } = group.row;
  const page: RouteListing[] = [];
  let total = 0;
  if (!external) {
    const end = query.offset + query.limit;
    for (const entry of group.entries) {
      const set = entry.routes;
      if (set === undefined) continue;
      const sorted = sortedRows(set);
      const indexes = query.cld === undefined ? undefined : matching(sorted, query.cld);
      const count = indexes === undefined ? set.size : indexes.length;
      // Only the rows of this page are turned into objects.
      for (let k = Math.max(0, query.offset - total); k < count && total + k < end; k++) {
        const i = indexes === undefined ? sorted.order[k]! : indexes[k]!;
        page.push(listing(entry.row, set.route(i), set.description(i)));
      }
      total += count;
    }
  }
  return { i_environment: environment, routing_group: { i_routing_group, name, policy, external, uri }, source: 'snapshot', total, offset: query.offset, routes: page };
}

export function groupNotFound(environment: number, name: string): SippyError {
  return new SippyError('ROUTING_GROUP_NOT_FOUND', `no routing group named ${JSON.stringify(name)} in environment ${environment}`, { data: { routing_group: name } });
}

interface SortedRows {
  /** Row indexes of the set in listing order. */
  readonly order: Int32Array;
  /** The prefix of each row in that order. */
  readonly prefixes: readonly string[];
}

// A set is immutable and replaced whole by a refresh: its listing order is
// computed once, on the first listing, and goes with it.
const sortedCache = new WeakMap<RouteSet, SortedRows>();

function sortedRows(set: RouteSet): SortedRows {
  let sorted = sortedCache.get(set);
  if (sorted !== undefined) return sorted;
  // By prefix first: a set has far fewer distinct prefixes than rows, so the
  // costly string order is taken once per prefix, and each prefix's few rows
  // are ordered by numbers. Done once per set, on its first listing.
  const byPrefix = new Map<string, { activation: number; i_route: number; index: number }[]>();
  for (let i = 0; i < set.size; i++) {
    const row = set.route(i);
    let rows = byPrefix.get(row.prefix);
    if (rows === undefined) byPrefix.set(row.prefix, (rows = []));
    rows.push({ activation: row.activation, i_route: row.i_route, index: i });
  }
  const order = new Int32Array(set.size);
  const prefixes: string[] = new Array(set.size);
  let k = 0;
  for (const prefix of [...byPrefix.keys()].sort(compareCodePoints)) {
    const rows = byPrefix.get(prefix)!.sort((a, b) => a.activation - b.activation || a.i_route - b.i_route);
    for (const row of rows) {
      order[k] = row.index;
      prefixes[k++] = prefix;
    }
  }
  sorted = { order, prefixes };
  sortedCache.set(set, sorted);
  return sorted;
}

function matching(sorted: SortedRows, cld: string): number[] {
  const out: number[] = [];
  for (let k = 0; k < sorted.order.length; k++) if (cld.startsWith(sorted.prefixes[k]!)) out.push(sorted.order[k]!);
  return out;
}

/**
 * Code point order (utf8mb4's binary order, which the SQL source sorts by).
 * UTF-16 units order the same except that surrogates (U+D800-DFFF, the
 * halves of code points past U+FFFF) must sort after U+E000-FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** What a listing shows of an entry. */
export type ListingEntry = Pick<EntryRow,
  'i_routing_group_entry' | 'entry_order' | 'weight' | 'i_connection' | 'connection_name' | 'enabled' | 'i_destination_set' | 'destination_set_name' | 'currency'>;

export function listing(e: ListingEntry, route: RouteRow, description: string | null): RouteListing {
  return {
    i_routing_group_entry: e.i_routing_group_entry, entry_order: e.entry_order, weight: e.weight,
    i_connection: e.i_connection, connection_name: e.connection_name, enabled: e.enabled,
    i_destination_set: e.i_destination_set, destination_set_name: e.destination_set_name, currency: e.currency,
    i_route: route.i_route, prefix: route.prefix, preference: route.preference, huntstop: route.huntstop, forbidden: route.forbidden,
    timeout: route.timeout, timeout_1xx: route.timeout_1xx, price_1: route.price_1, price_n: route.price_n,
    interval_1: route.interval_1, interval_n: route.interval_n,
    activation_date: datetimeText(route.activation), expiration_date: route.expiration === null ? null : datetimeText(route.expiration),
    description,
  };
}

/** Epoch ms as DATETIME text; a zero date (-Infinity, routing's earliest instant) as MariaDB shows it. */
function datetimeText(ms: number): string {
  if (!Number.isFinite(ms)) return '0000-00-00 00:00:00';
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

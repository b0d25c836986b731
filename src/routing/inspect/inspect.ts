// Seeing what is loaded (rpc.md listGroups and listRoutes): an environment's
// routing groups, and the routes a group's entries would consider. Read
// only. Two sources, like the resolver's: the snapshot (the default; SQL
// until it is loaded) and SQL (`--data-source sql`, inspect-sql.ts). Both
// give equal pages for the same database state: the same rows in the same
// order (groups by i_routing_group; routes by entry_order,
// i_routing_group_entry, then prefix in code point order, activation,
// i_route), and the same members in the same order (groupsPage,
// routesPage).
//
// Answers are bounded: a page holds at most MAX_PAGE_LIMIT rows, and
// `total` says how many there are in all; the work of a page is that of its
// rows, a set's listing order aside (computed once per set, in pieces:
// listing-order.ts). The bound on a batch's rows is the RPC layer's
// (rpc/listing-budget.ts).

import { setImmediate as nextTurn } from 'node:timers/promises';
import { SippyError } from '../../errors.js';
import { listingOrder, matchingRows, rowCount, visitRows } from './listing-order.js';
import type { RouteRow } from '../rules/model.js';
import type { RoutingSnapshot, SnapshotGroup } from '../snapshot/snapshot.js';
import type { SnapshotFollower } from '../follow/snapshot-follower.js';
import type { DataSourceName, GroupsPage, GroupsQuery, GroupSummary, RouteListing, RoutesPage, RoutesQuery, RoutingInspector, ListingEntry } from '../contract.js';

/** Rows in a page when the request names no limit. */
export const DEFAULT_PAGE_LIMIT = 100;
/** Most rows one answer may hold (rpc.md): about 400 KB of routes. */
export const MAX_PAGE_LIMIT = 1000;
/** Largest offset accepted: far past any real table, well inside a 32-bit LIMIT. */
export const MAX_PAGE_OFFSET = 100_000_000;

/**
 * From the follower's snapshot once it is loaded, from SQL until then (as
 * answers are). Each request takes its own turn of the event loop, and
 * ordering a large set gives it back between pieces (listing-order.ts):
 * a batch of listings never holds the process's other requests for long.
 */
export class SnapshotInspector implements RoutingInspector {
  constructor(
    private readonly follower: SnapshotFollower,
    private readonly sql: RoutingInspector,
  ) {}

  async groups(environment: number, query: GroupsQuery): Promise<GroupsPage> {
    const snapshot = this.follower.current;
    if (snapshot === undefined) return this.sql.groups(environment, query);
    await nextTurn();
    return snapshotGroups(snapshot, environment, query);
  }

  async routes(environment: number, query: RoutesQuery): Promise<RoutesPage> {
    const snapshot = this.follower.current;
    if (snapshot === undefined) return this.sql.routes(environment, query);
    await nextTurn();
    return snapshotRoutes(snapshot, environment, query);
  }
}

export function snapshotGroups(snapshot: RoutingSnapshot, environment: number, query: GroupsQuery): GroupsPage {
  let groups: readonly SnapshotGroup[];
  if (query.name === undefined) {
    groups = groupsInOrder(snapshot, environment);
  } else {
    const group = snapshot.group(environment, query.name);
    groups = group === undefined ? [] : [group];
  }
  return groupsPage(environment, 'snapshot', groups.length, query.offset, groups.slice(query.offset, query.offset + query.limit).map(summary));
}

/** The page as both sources write it: one member order (rpc.md). */
export function groupsPage(environment: number, source: DataSourceName, total: number, offset: number, groups: readonly GroupSummary[]): GroupsPage {
  return { i_environment: environment, source, total, offset, groups };
}

// An environment's groups by i_routing_group, sorted once per snapshot (a
// snapshot is immutable): a batch of listGroups does not sort them each time.
const sortedGroups = new WeakMap<RoutingSnapshot, Map<number, readonly SnapshotGroup[]>>();

function groupsInOrder(snapshot: RoutingSnapshot, environment: number): readonly SnapshotGroup[] {
  let byEnvironment = sortedGroups.get(snapshot);
  if (byEnvironment === undefined) sortedGroups.set(snapshot, (byEnvironment = new Map()));
  let groups = byEnvironment.get(environment);
  if (groups === undefined) {
    groups = [...snapshot.groupsOf(environment)].sort((a, b) => a.row.i_routing_group - b.row.i_routing_group);
    byEnvironment.set(environment, groups);
  }
  return groups;
}

function summary(group: SnapshotGroup): GroupSummary {
  const enabled = new Set<number>();
  for (const entry of group.entries) if (entry.row.enabled) enabled.add(entry.row.i_connection);
  const { i_routing_group, name, policy, average_duration, external, uri } = group.row;
  return { i_routing_group, name, policy, average_duration, external, uri, entries: group.entries.length, enabled_connections: enabled.size };
}

/**
 * With a CLD, an entry's rows are read through its set's prefix index (no
 * other row is looked at); without, through the set's listing order,
 * computed once per set. Only the rows of the page become objects.
 */
export async function snapshotRoutes(snapshot: RoutingSnapshot, environment: number, query: RoutesQuery): Promise<RoutesPage> {
  const group = snapshot.group(environment, query.routing_group);
  if (group === undefined) throw groupNotFound(environment, query.routing_group);
  const { i_routing_group, name, policy, external, uri } = group.row;
  const page: RouteListing[] = [];
  let total = 0;
  if (!external) {
    const end = query.offset + query.limit;
    // The CLD's prefixes in the snapshot's pool, which every set's prefix ids refer to.
    const cldPrefixIds = query.cld === undefined ? undefined : snapshot.prefixes.prefixIdsOf(query.cld);
    for (const entry of group.entries) {
      const set = entry.routes;
      if (set === undefined) continue;
      const rows = cldPrefixIds === undefined ? await listingOrder(set) : matchingRows(set, cldPrefixIds);
      const count = rowCount(rows);
      visitRows(rows, Math.max(0, query.offset - total), Math.min(count, end - total), (row) => page.push(listing(entry.row, set.route(row), set.description(row))));
      total += count;
    }
  }
  return routesPage(environment, 'snapshot', total, query.offset, { i_routing_group, name, policy, external, uri }, page);
}

/** The page as both sources write it: one member order (rpc.md). */
export function routesPage(environment: number, source: DataSourceName, total: number, offset: number, routing_group: RoutesPage['routing_group'], routes: readonly RouteListing[]): RoutesPage {
  return { i_environment: environment, source, total, offset, routing_group, routes };
}

export function groupNotFound(environment: number, name: string): SippyError {
  return new SippyError('ROUTING_GROUP_NOT_FOUND', `no routing group named ${JSON.stringify(name)} in environment ${environment}`, { data: { routing_group: name } });
}

export function listing(e: ListingEntry, route: RouteRow, description: string | null): RouteListing {
  return {
    i_routing_group_entry: e.i_routing_group_entry, entry_order: e.entry_order, weight: e.weight,
    i_connection: e.i_connection, connection_name: e.connection_name, enabled: e.enabled,
    i_destination_set: e.i_destination_set, destination_set_name: e.destination_set_name, currency: e.currency,
    i_route: route.i_route, prefix: route.prefix, preference: route.preference, huntstop: route.huntstop, forbidden: route.forbidden,
    bad_row: route.bad !== undefined, timeout: route.timeout, timeout_1xx: route.timeout_1xx, price_1: route.price_1, price_n: route.price_n,
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

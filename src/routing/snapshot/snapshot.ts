// The in-memory routing data of one database (snapshot.md): one immutable
// RoutingSnapshot per generation, built from rows the loader read in one
// consistent-read transaction. Groups are found by environment and exact
// name with their policy parsed once and their entries joined once; routes
// are columnar per destination set (route-set.ts). A refresh builds a new
// snapshot that shares every unchanged RouteSet with the old one. Pure: no
// I/O, no clock.

import { SippyError } from '../../errors.js';
import type { BadValue, EntryRow, ExternalConnectionRow, GroupRow } from '../rules/model.js';
import type { EntryRules } from '../rules/candidates.js';
import { parsePolicy, type PolicyKey } from '../rules/policy.js';
import { parseMicrosNumber } from '../rules/cost.js';
import { destinationSetProblem } from '../rules/route-values.js';
import type { PrefixPool } from './interned.js';
import type { RouteSet } from './route-set.js';
import { parseDestination, type ParsedDestination } from '../rules/destination.js';

/** The rows of the six small tables, as read (routes are in RouteSets). */
export interface SmallTables {
  readonly environments: number;
  readonly vendors: ReadonlyMap<number, { readonly name: string }>;
  readonly connections: ReadonlyMap<number, ConnectionInput>;
  readonly destinationSets: ReadonlyMap<number, DestinationSetInput>;
  readonly groups: readonly (GroupRow & { readonly i_environment: number })[];
  readonly entries: readonly EntryInput[];
}

/** A connection row as routing reads it (the external mapping's shape, with its vendor). */
export interface ConnectionInput extends ExternalConnectionRow {
  readonly i_vendor: number;
}

export interface DestinationSetInput {
  readonly i_destination_set: number;
  readonly name: string;
  readonly currency: string;
  readonly connect_fee: string;
  readonly free_seconds: number;
  readonly grace_period: number;
  readonly post_call_surcharge: string;
}

export interface EntryInput {
  readonly i_routing_group_entry: number;
  readonly i_routing_group: number;
  readonly i_connection: number;
  readonly i_destination_set: number;
  readonly entry_order: number;
  readonly weight: number | null;
}

/** An entry joined with its connection, vendor and destination set, and its set's routes. */
export interface SnapshotEntry {
  readonly row: EntryRow;
  /** The destination set's routes; undefined when it has none. */
  readonly routes: RouteSet | undefined;
  /** Connect fee in exact micro-units, parsed once (NaN beyond 2^53; 0 when bad). */
  readonly connectFeeMicros: number;
  /** An amount of the destination set cannot be held exactly: the entry is left out (`bad_row`). */
  readonly bad: BadValue | undefined;
  /** Its translation rules, parsed by the first request that needs them and kept (snapshot-candidates.ts). */
  rules?: EntryRules;
}

export interface SnapshotGroup {
  readonly row: GroupRow;
  /** The parsed policy, or the ROUTING_BAD_POLICY error every request of the group gets. */
  readonly policy: readonly PolicyKey[] | SippyError;
  /** In entry_order, then i_routing_group_entry (the SQL path's order). */
  readonly entries: readonly SnapshotEntry[];
  /** The policy parsed and without `weight`: its choices are kept (chosen-routes.ts). */
  readonly deterministic: boolean;
  /** 0, 1, ... over the snapshot's groups: where a memo of this snapshot keeps the group's choices (chosen-routes.ts). */
  readonly index: number;
}

/**
 * What a snapshot's rows are made into once, for the snapshot's life, by
 * whoever builds it: the follower keeps the answer's bytes on them
 * (answer/answer-json.ts, answerRows). The snapshot knows nothing of the
 * wire; without it the rows are kept as they are.
 */
export interface RowKeeping {
  entry(row: EntryRow): EntryRow;
  /** The group's row, given its entries' rows (entry()'s, in the group's order: SnapshotGroup.entries'). */
  group(row: GroupRow, entries: readonly EntryRow[]): GroupRow;
}

const ROWS_AS_THEY_ARE: RowKeeping = { entry: (row) => row, group: (row) => row };

export interface SnapshotCounts {
  readonly environments: number;
  readonly vendors: number;
  readonly connections: number;
  readonly destination_sets: number;
  readonly routes: number;
  readonly routing_groups: number;
  readonly routing_group_entries: number;
}

export class RoutingSnapshot {
  /** By environment, then exact group name. */
  private readonly groups: ReadonlyMap<number, ReadonlyMap<string, SnapshotGroup>>;
  readonly counts: SnapshotCounts;
  /** Rows left out of routing because a value could not be held: routes, and destination sets by their connect fee. */
  readonly badRows: number;

  constructor(
    readonly generation: number,
    readonly tables: SmallTables,
    readonly sets: ReadonlyMap<number, RouteSet>,
    /** The pool every set's prefix ids refer to. */
    readonly prefixes: PrefixPool,
    keeping: RowKeeping = ROWS_AS_THEY_ARE,
  ) {
    this.groups = joinGroups(tables, sets, keeping);
    let routes = 0;
    for (const set of sets.values()) routes += set.size;
    let badRows = 0;
    for (const set of sets.values()) badRows += set.badRows;
    for (const set of tables.destinationSets.values()) if (destinationSetProblem(set) !== undefined) badRows += 1;
    this.badRows = badRows;
    this.counts = Object.freeze({
      environments: tables.environments,
      vendors: tables.vendors.size,
      connections: tables.connections.size,
      destination_sets: tables.destinationSets.size,
      routes,
      routing_groups: tables.groups.length,
      routing_group_entries: tables.entries.length,
    });
  }

  group(environment: number, name: string): SnapshotGroup | undefined {
    return this.groups.get(environment)?.get(name);
  }

  /** Every group of an environment, in no particular order (listGroups sorts). */
  groupsOf(environment: number): Iterable<SnapshotGroup> {
    return this.groups.get(environment)?.values() ?? [];
  }

  /** Rows held in all seven tables. */
  get rows(): number {
    const c = this.counts;
    return c.environments + c.vendors + c.connections + c.destination_sets + c.routes + c.routing_groups + c.routing_group_entries;
  }
}

function joinGroups(tables: SmallTables, sets: ReadonlyMap<number, RouteSet>, keeping: RowKeeping): Map<number, Map<string, SnapshotGroup>> {
  const entriesByGroup = new Map<number, EntryInput[]>();
  for (const entry of tables.entries) {
    let list = entriesByGroup.get(entry.i_routing_group);
    if (list === undefined) entriesByGroup.set(entry.i_routing_group, (list = []));
    list.push(entry);
  }
  // Each connection's destination is parsed once, however many entries use it.
  const destinations = new Map<number, ParsedDestination>();
  const byEnvironment = new Map<number, Map<string, SnapshotGroup>>();
  let index = 0;
  for (const group of tables.groups) {
    const inputs = (entriesByGroup.get(group.i_routing_group) ?? []).sort(
      (a, b) => a.entry_order - b.entry_order || a.i_routing_group_entry - b.i_routing_group_entry,
    );
    const entries: SnapshotEntry[] = [];
    for (const input of inputs) {
      const entry = joinEntry(input, tables, sets, destinations, keeping);
      if (entry !== undefined) entries.push(entry);
    }
    let policy: readonly PolicyKey[] | SippyError;
    try {
      policy = parsePolicy(group.policy, group.name);
    } catch (err) {
      policy = err as SippyError;
    }
    const row: GroupRow = keeping.group({
      i_routing_group: group.i_routing_group, name: group.name, policy: group.policy,
      average_duration: group.average_duration, external: group.external, uri: group.uri,
    }, entries.map((entry) => entry.row));
    let names = byEnvironment.get(group.i_environment);
    if (names === undefined) byEnvironment.set(group.i_environment, (names = new Map()));
    const deterministic = !(policy instanceof SippyError) && !policy.includes('weight');
    names.set(group.name, { row, policy, entries, deterministic, index: index++ });
  }
  return byEnvironment;
}

function joinEntry(input: EntryInput, tables: SmallTables, sets: ReadonlyMap<number, RouteSet>, destinations: Map<number, ParsedDestination>, keeping: RowKeeping): SnapshotEntry | undefined {
  const connection = tables.connections.get(input.i_connection);
  const set = tables.destinationSets.get(input.i_destination_set);
  const vendor = connection === undefined ? undefined : tables.vendors.get(connection.i_vendor);
  // The foreign keys make these exist in any committed state read consistently.
  if (connection === undefined || set === undefined || vendor === undefined) return undefined;
  let sipDestination = destinations.get(connection.i_connection);
  if (sipDestination === undefined) destinations.set(connection.i_connection, (sipDestination = parseDestination(connection.destination)));
  const row: EntryRow = {
    i_routing_group_entry: input.i_routing_group_entry,
    entry_order: input.entry_order,
    weight: input.weight,
    i_connection: connection.i_connection,
    connection_name: connection.name,
    destination: connection.destination,
    sipDestination,
    cli_translation_rule: connection.cli_translation_rule,
    cld_translation_rule: connection.cld_translation_rule,
    capacity: connection.capacity,
    enabled: connection.enabled,
    i_vendor: connection.i_vendor,
    vendor_name: vendor.name,
    i_destination_set: set.i_destination_set,
    destination_set_name: set.name,
    currency: set.currency,
    connect_fee: set.connect_fee,
    free_seconds: set.free_seconds,
    grace_period: set.grace_period,
    post_call_surcharge: set.post_call_surcharge,
  };
  const routes = sets.get(set.i_destination_set);
  const bad = destinationSetProblem(set);
  return { row: keeping.entry(row), routes, connectFeeMicros: bad === undefined ? parseMicrosNumber(set.connect_fee) : 0, bad };
}

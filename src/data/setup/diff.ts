// What applying a setup file changes (rates.md "The routing setup"): per
// object, matched by name, an addition, a change field by field, a removal
// (--prune), an object left alone (in the database, not in the file), or a
// refusal (a removal that would orphan rows the file does not cover). Pure:
// the setup, its resolved entries and the database's state in, steps out.
//
// Entries have no name: they are part of their group. A group in the file
// has exactly the file's entries; each is matched to an entry of the same
// connection and destination set (one with the same order and weight
// first), so reordering is a change, not a removal and an addition.

import { EXTERNAL_VENDOR_NAME } from '../../routing/index.js';
import {
  connectionKey, SETUP_FIELDS,
  type ConnectionRow, type DestinationSetRow, type EntryRow, type EntrySpec, type RoutingGroupRow, type RoutingGroupSpec, type SetupSpec, type SetupState,
} from './model.js';
import type { ResolvedEntry } from './resolve.js';

export type ObjectKind = 'environment' | 'vendor' | 'connection' | 'destination_set' | 'routing_group' | 'entry';

/** How the diff names an object: connections with their vendor, entries with their group, connection and set. */
export interface ObjectName {
  readonly kind: ObjectKind;
  /** An entry's: its connection's name. */
  readonly name: string;
  readonly vendor?: string;
  readonly routing_group?: string;
  readonly destination_set?: string;
}

export interface FieldChange {
  readonly field: string;
  readonly from: unknown;
  readonly to: unknown;
}

export type SetupStep =
  | { readonly action: 'add'; readonly object: ObjectName; readonly values: Readonly<Record<string, unknown>> }
  | { readonly action: 'change'; readonly object: ObjectName; readonly id: number; readonly changes: readonly FieldChange[] }
  /** `note`: what goes with it (a group's entries). */
  | { readonly action: 'remove'; readonly object: ObjectName; readonly id: number; readonly note?: string }
  /** In the database, not in the file: left alone (without --prune, or the daemon's own vendor). */
  | { readonly action: 'keep'; readonly object: ObjectName; readonly why: string }
  | { readonly action: 'refuse'; readonly object: ObjectName; readonly reason: string };

export interface DiffOptions {
  readonly prune: boolean;
}

const WITHOUT_PRUNE = 'not in the file (--prune removes it)';

function changesOf<F extends string>(fields: readonly F[], from: Readonly<Record<F, unknown>>, to: Readonly<Record<F, unknown>>): FieldChange[] {
  return fields.filter((f) => from[f] !== to[f]).map((field) => ({ field, from: from[field], to: to[field] }));
}

function pick<F extends string>(fields: readonly F[], from: Readonly<Record<F, unknown>>): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f, from[f]]));
}

export function diffSetup(setup: SetupSpec, state: SetupState, entries: ReadonlyMap<EntrySpec, ResolvedEntry>, options: DiffOptions): SetupStep[] {
  const steps: SetupStep[] = [];
  const environment: ObjectName = { kind: 'environment', name: String(setup.environment) };
  if (state.environment_name === undefined) {
    steps.push({ action: 'add', object: environment, values: { name: setup.environment_name } });
  } else if (setup.environment_name !== null && setup.environment_name !== state.environment_name) {
    steps.push({ action: 'change', object: environment, id: setup.environment, changes: [{ field: 'name', from: state.environment_name, to: setup.environment_name }] });
  }
  const pruning = new Pruning(state, options.prune);

  const fileVendors = new Set(setup.vendors.map((v) => v.name));
  for (const vendor of setup.vendors) {
    if (!state.vendors.some((v) => v.name === vendor.name)) steps.push({ action: 'add', object: { kind: 'vendor', name: vendor.name }, values: {} });
  }
  const connections = setup.vendors.flatMap((vendor) =>
    vendor.connections.map((spec) => ({ key: connectionKey(vendor.name, spec.name), object: { kind: 'connection', name: spec.name, vendor: vendor.name } as ObjectName, spec })),
  );
  const fileConnections = new Set(connections.map((c) => c.key));
  diffNamed(steps, SETUP_FIELDS.connection, connections, new Map(state.connections.map((c) => [connectionKey(c.vendor_name, c.name), { id: c.i_connection, row: c }])));
  diffNamed(
    steps, SETUP_FIELDS.destination_set,
    setup.destination_sets.map((spec) => ({ key: spec.name, object: { kind: 'destination_set', name: spec.name }, spec })),
    new Map(state.destination_sets.map((s) => [s.name, { id: s.i_destination_set, row: s }])),
  );
  const groups = new Map(state.routing_groups.map((g) => [g.name, g]));
  diffNamed(
    steps, SETUP_FIELDS.routing_group,
    setup.routing_groups.map((spec) => ({ key: spec.name, object: { kind: 'routing_group', name: spec.name }, spec })),
    new Map(state.routing_groups.map((g) => [g.name, { id: g.i_routing_group, row: g }])),
  );
  for (const spec of setup.routing_groups) steps.push(...diffEntries(spec, groups.get(spec.name), state, entries));

  // What the database has and the file does not: left alone, or removed with --prune.
  const fileGroups = new Set(setup.routing_groups.map((g) => g.name));
  for (const row of state.routing_groups) if (!fileGroups.has(row.name)) steps.push(pruning.group(row));
  for (const row of state.connections) if (!fileConnections.has(connectionKey(row.vendor_name, row.name))) steps.push(pruning.connection(row));
  const fileSets = new Set(setup.destination_sets.map((s) => s.name));
  for (const row of state.destination_sets) if (!fileSets.has(row.name)) steps.push(pruning.destinationSet(row));
  for (const row of state.vendors) {
    if (fileVendors.has(row.name)) continue;
    const object: ObjectName = { kind: 'vendor', name: row.name };
    steps.push(pruning.removable(row.name) ? { action: 'remove', object, id: row.i_vendor } : pruning.kept(object, row.name));
  }
  return steps;
}

function pushChange(steps: SetupStep[], object: ObjectName, id: number, changes: FieldChange[]): void {
  if (changes.length > 0) steps.push({ action: 'change', object, id, changes });
}

/** Each wanted object (by key) added, or changed field by field where the database's row differs. */
function diffNamed<F extends string>(
  steps: SetupStep[],
  fields: readonly F[],
  wanted: readonly { key: string; object: ObjectName; spec: Readonly<Record<F, unknown>> }[],
  have: ReadonlyMap<string, { id: number; row: Readonly<Record<F, unknown>> }>,
): void {
  for (const { key, object, spec } of wanted) {
    const found = have.get(key);
    if (found === undefined) steps.push({ action: 'add', object, values: pick(fields, spec) });
    else pushChange(steps, object, found.id, changesOf(fields, found.row, spec));
  }
}

/** Decides, for each object only in the database, whether it goes and whether it may. */
class Pruning {
  constructor(private readonly state: SetupState, private readonly prune: boolean) {}

  /** The vendor external groups create connections under is the daemon's: never pruned (routing.md). */
  removable(vendor: string | undefined): boolean {
    return this.prune && vendor !== EXTERNAL_VENDOR_NAME;
  }

  kept(object: ObjectName, vendor: string | undefined): SetupStep {
    const why = vendor === EXTERNAL_VENDOR_NAME ? "the daemon's own (external groups create it; never pruned)" : WITHOUT_PRUNE;
    return { action: 'keep', object, why };
  }

  group(row: RoutingGroupRow): SetupStep {
    const object: ObjectName = { kind: 'routing_group', name: row.name };
    if (!this.prune) return this.kept(object, undefined);
    const entries = this.state.entries.filter((e) => e.i_routing_group === row.i_routing_group).length;
    // Its entries go with it (ON DELETE CASCADE): they are part of the group.
    return { action: 'remove', object, id: row.i_routing_group, ...(entries === 0 ? {} : { note: `with its ${entries} entr${entries === 1 ? 'y' : 'ies'}` }) };
  }

  connection(row: ConnectionRow): SetupStep {
    const object: ObjectName = { kind: 'connection', name: row.name, vendor: row.vendor_name };
    if (!this.removable(row.vendor_name)) return this.kept(object, row.vendor_name);
    const users = this.foreignUsers((u) => u.i_connection === row.i_connection);
    if (users !== undefined) return { action: 'refuse', object, reason: `it is used by ${users}, which this file does not cover` };
    return { action: 'remove', object, id: row.i_connection };
  }

  destinationSet(row: DestinationSetRow): SetupStep {
    const object: ObjectName = { kind: 'destination_set', name: row.name };
    if (!this.prune) return this.kept(object, undefined);
    if (row.has_routes) return { action: 'refuse', object, reason: 'it still has routes (rates), which this file does not carry: delete them first, or keep the set in the file' };
    const users = this.foreignUsers((u) => u.i_destination_set === row.i_destination_set);
    if (users !== undefined) return { action: 'refuse', object, reason: `it is used by ${users}, which this file does not cover` };
    return { action: 'remove', object, id: row.i_destination_set };
  }

  private foreignUsers(uses: (use: SetupState['foreign_uses'][number]) => boolean): string | undefined {
    const groups = [...new Set(this.state.foreign_uses.filter(uses).map((u) => `routing group ${JSON.stringify(u.routing_group)} of environment ${u.i_environment}`))];
    return groups.length === 0 ? undefined : `entries of ${groups.join(', ')}`;
  }
}

interface Current {
  readonly row: EntryRow;
  readonly connection: string;
  readonly destinationSet: string;
  matched: boolean;
}

function diffEntries(group: RoutingGroupSpec, row: RoutingGroupRow | undefined, state: SetupState, resolved: ReadonlyMap<EntrySpec, ResolvedEntry>): SetupStep[] {
  const connections = new Map(state.connections.map((c) => [c.i_connection, c]));
  const sets = new Map(state.destination_sets.map((s) => [s.i_destination_set, s.name]));
  const current: Current[] = row === undefined ? [] : state.entries.filter((e) => e.i_routing_group === row.i_routing_group).map((e) => {
    const c = connections.get(e.i_connection);
    // A connection or set of another environment never matches a name of this file: the entry goes.
    return { row: e, connection: c === undefined ? `#${e.i_connection}` : connectionKey(c.vendor_name, c.name), destinationSet: sets.get(e.i_destination_set) ?? `#${e.i_destination_set}`, matched: false };
  });
  const nameOf = (connection: string, destinationSet: string): ObjectName => {
    const [vendor, name] = connection.startsWith('#') ? [undefined, `connection ${connection}`] : connection.split('\u0000') as [string, string];
    return { kind: 'entry', name, ...(vendor === undefined ? {} : { vendor }), routing_group: group.name, destination_set: destinationSet };
  };
  const wanted = group.entries.map((entry) => ({ entry, connection: resolved.get(entry)!.connection, match: undefined as Current | undefined }));
  const sameTarget = (w: (typeof wanted)[number], c: Current): boolean => !c.matched && c.connection === w.connection && c.destinationSet === w.entry.destination_set;
  for (const exact of [true, false]) {
    for (const w of wanted) {
      if (w.match !== undefined) continue;
      const found = current.find((c) => sameTarget(w, c) && (!exact || changesOf(SETUP_FIELDS.entry, c.row, w.entry).length === 0));
      if (found !== undefined) {
        found.matched = true;
        w.match = found;
      }
    }
  }
  const steps: SetupStep[] = [];
  for (const w of wanted) {
    const object = nameOf(w.connection, w.entry.destination_set);
    if (w.match === undefined) steps.push({ action: 'add', object, values: pick(SETUP_FIELDS.entry, w.entry) });
    else pushChange(steps, object, w.match.row.i_routing_group_entry, changesOf(SETUP_FIELDS.entry, w.match.row, w.entry));
  }
  for (const c of current) if (!c.matched) steps.push({ action: 'remove', object: nameOf(c.connection, c.destinationSet), id: c.row.i_routing_group_entry });
  return steps;
}

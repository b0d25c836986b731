// `export`: an environment's routing setup as a setup file that `apply`
// takes back as a no-op (rates.md). Pure: the database's state in, YAML out.
// Objects in id order (the order they were made, so a new one is a few
// added lines in version control), every field written but NULLs, an
// entry on one line, `vendor:` on an entry only where its connection's name
// alone is ambiguous. Rates are never here: they are the `rates` command's.

import { Document, isMap, isSeq } from 'yaml';
import { SETUP_FIELDS, type SetupState } from './model.js';

export interface ExportedSetup {
  readonly text: string;
  /** What could not be written (an entry using another environment's connection or set). */
  readonly warnings: readonly string[];
}

function withoutNulls<F extends string>(fields: readonly F[], row: Readonly<Record<F, unknown>>): Record<string, unknown> {
  return Object.fromEntries(fields.filter((f) => row[f] !== null).map((f) => [f, row[f]]));
}

export function exportSetup(state: SetupState): ExportedSetup {
  if (state.environment_name === undefined) throw new Error(`environment ${state.i_environment} has no row`);
  const warnings: string[] = [];
  const connections = new Map(state.connections.map((c) => [c.i_connection, c]));
  const sets = new Map(state.destination_sets.map((s) => [s.i_destination_set, s]));
  const connectionsNamed = new Map<string, number>();
  for (const c of state.connections) connectionsNamed.set(c.name, (connectionsNamed.get(c.name) ?? 0) + 1);

  const vendors = state.vendors.map((vendor) => {
    const own = state.connections.filter((c) => c.i_vendor === vendor.i_vendor).map((c) => ({ name: c.name, ...withoutNulls(SETUP_FIELDS.connection, c) }));
    return own.length === 0 ? { name: vendor.name } : { name: vendor.name, connections: own };
  });
  const groups = state.routing_groups.map((group) => {
    const entries: Record<string, unknown>[] = [];
    for (const e of state.entries.filter((entry) => entry.i_routing_group === group.i_routing_group)) {
      const connection = connections.get(e.i_connection);
      const set = sets.get(e.i_destination_set);
      if (connection === undefined || set === undefined) {
        warnings.push(`routing group ${JSON.stringify(group.name)}: entry ${e.i_routing_group_entry} uses a connection or destination set of another environment; it is left out`);
        continue;
      }
      entries.push({
        connection: connection.name,
        ...((connectionsNamed.get(connection.name) ?? 0) > 1 ? { vendor: connection.vendor_name } : {}),
        destination_set: set.name,
        ...withoutNulls(SETUP_FIELDS.entry, e),
      });
    }
    const fields = { name: group.name, ...withoutNulls(SETUP_FIELDS.routing_group, group) };
    return entries.length === 0 ? fields : { ...fields, entries };
  });
  const document = new Document({
    environment: state.i_environment,
    environment_name: state.environment_name,
    vendors,
    destination_sets: state.destination_sets.map((s) => ({ name: s.name, ...withoutNulls(SETUP_FIELDS.destination_set, s) })),
    routing_groups: groups,
  });
  document.commentBefore =
    ` The routing setup of environment ${state.i_environment}, as sippy_routed export wrote it.\n` +
    ' Apply with: sippy_routed apply FILE -d DSN [--dry-run] [--prune] (docs/setup.md).\n' +
    ' Rates are not here: sippy_routed rates imports and exports the routes of a destination set.';
  const groupNodes = document.get('routing_groups', true);
  if (isSeq(groupNodes)) {
    for (const group of groupNodes.items) {
      const entries = isMap(group) ? group.get('entries', true) : undefined;
      if (isSeq(entries)) for (const entry of entries.items) if (isMap(entry)) entry.flow = true;
    }
  }
  return { text: document.toString({ lineWidth: 0 }), warnings };
}

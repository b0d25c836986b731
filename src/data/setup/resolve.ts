// The names a setup file's entries use, resolved against the environment as
// the apply will leave it: the file's objects, and the database's objects
// the file does not name (they stay, unless --prune removes them, and then
// they cannot be used). An entry names its connection by name; where two
// vendors have a connection of that name it must add `vendor:` (rates.md).
// Pure: the database's side comes in as a SetupState.

import { EXTERNAL_VENDOR_NAME } from '../../routing/index.js';
import { connectionKey, type EntrySpec, type SetupProblem, type SetupSpec, type SetupState } from './model.js';

export interface ResolvedEntry {
  readonly entry: EntrySpec;
  /** connectionKey(vendor, name) of its connection. */
  readonly connection: string;
}

export type Resolution = { readonly ok: true; readonly entries: ReadonlyMap<EntrySpec, ResolvedEntry> } | { readonly ok: false; readonly problems: readonly SetupProblem[] };

export interface ResolveOptions {
  /** Objects only in the database are removed, so they cannot be named. */
  readonly prune: boolean;
}

interface KnownConnection {
  readonly vendor: string;
  readonly name: string;
}

export function resolveSetup(setup: SetupSpec, state: SetupState, options: ResolveOptions): Resolution {
  const connections = new Map<string, KnownConnection>();
  const vendors = new Set<string>();
  for (const vendor of setup.vendors) {
    vendors.add(vendor.name);
    for (const c of vendor.connections) connections.set(connectionKey(vendor.name, c.name), { vendor: vendor.name, name: c.name });
  }
  const sets = new Set(setup.destination_sets.map((s) => s.name));
  // What stays: everything without --prune; with it, the daemon's own vendor only (diff.ts never prunes it).
  const stays = (vendor: string): boolean => !options.prune || vendor === EXTERNAL_VENDOR_NAME;
  for (const v of state.vendors) if (stays(v.name)) vendors.add(v.name);
  for (const c of state.connections) if (stays(c.vendor_name)) connections.set(connectionKey(c.vendor_name, c.name), { vendor: c.vendor_name, name: c.name });
  if (!options.prune) for (const s of state.destination_sets) sets.add(s.name);
  const byName = new Map<string, KnownConnection[]>();
  for (const c of connections.values()) byName.set(c.name, [...(byName.get(c.name) ?? []), c]);

  const problems: SetupProblem[] = [];
  if (state.environment_name === undefined && setup.environment_name === null) {
    problems.push({ ...setup.environmentAt, path: 'environment', message: `environment ${setup.environment} is not in the database; add environment_name: to create it` });
  }
  const resolved = new Map<EntrySpec, ResolvedEntry>();
  const notHere = options.prune ? ' (with --prune only what the file defines can be used)' : '';
  for (const group of setup.routing_groups) {
    for (const entry of group.entries) {
      const problem = (at: { line: number; column: number }, field: string, message: string): void => {
        problems.push({ ...at, path: `${entry.path}.${field}`, message });
      };
      if (!sets.has(entry.destination_set)) {
        problem(entry.destinationSetAt, 'destination_set', `no destination set named ${JSON.stringify(entry.destination_set)} in environment ${setup.environment}${notHere}`);
      }
      if (entry.vendor !== null && !vendors.has(entry.vendor)) {
        problem(entry.vendorAt, 'vendor', `no vendor named ${JSON.stringify(entry.vendor)} in environment ${setup.environment}${notHere}`);
        continue;
      }
      const candidates = (byName.get(entry.connection) ?? []).filter((c) => entry.vendor === null || c.vendor === entry.vendor);
      if (candidates.length === 1) {
        resolved.set(entry, { entry, connection: connectionKey(candidates[0]!.vendor, candidates[0]!.name) });
      } else if (candidates.length === 0) {
        const of = entry.vendor === null ? '' : ` of vendor ${JSON.stringify(entry.vendor)}`;
        problem(entry.connectionAt, 'connection', `no connection named ${JSON.stringify(entry.connection)}${of} in environment ${setup.environment}${notHere}`);
      } else {
        const owners = candidates.map((c) => JSON.stringify(c.vendor)).sort().join(', ');
        problem(entry.connectionAt, 'connection', `connection name ${JSON.stringify(entry.connection)} is ambiguous: vendors ${owners} each have one; add vendor: to the entry`);
      }
    }
  }
  return problems.length > 0 ? { ok: false, problems: problems.sort((a, b) => a.line - b.line || a.column - b.column) } : { ok: true, entries: resolved };
}

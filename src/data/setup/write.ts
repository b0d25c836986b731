// The steps of diff.ts written to the database, inside the caller's
// transaction: what is added or changed first, parents before children
// (environment, vendors, connections, destination sets, groups, then the
// groups' entries), removals last, children before parents. Every trigger
// of the change journal fires in the same transaction, so a daemon sees the
// whole apply or none of it. Column names come from the tables below,
// never from the file.

import { SippyError } from '../../errors.js';
import type { SqlValue } from '../../db/pool.js';
import { connectionKey, type SetupState } from './model.js';
import type { ObjectKind, ObjectName, SetupStep } from './diff.js';
import type { SetupSql } from './read.js';

type TableKind = Exclude<ObjectKind, 'environment' | 'vendor'>;

/** Per kind: its table, its id column, and the column of each field a step may set. */
const TABLES: Readonly<Record<TableKind, { table: string; id: string; columns: Readonly<Record<string, string>> }>> = {
  connection: {
    table: 'connections', id: 'i_connection',
    columns: { destination: 'destination', cli_translation_rule: 'cli_translation_rule', cld_translation_rule: 'cld_translation_rule', capacity: 'capacity', enabled: 'enabled' },
  },
  destination_set: {
    table: 'destination_sets', id: 'i_destination_set',
    columns: { currency: 'currency', connect_fee: 'connect_fee', free_seconds: 'free_seconds', grace_period: 'grace_period', post_call_surcharge: 'post_call_surcharge' },
  },
  routing_group: {
    table: 'routing_groups', id: 'i_routing_group',
    columns: { policy: 'policy', average_duration: 'average_duration', external: 'external', uri: 'uri' },
  },
  entry: { table: 'routing_group_entries', id: 'i_routing_group_entry', columns: { order: 'entry_order', weight: 'weight' } },
};

function column(kind: TableKind, field: string): string {
  const name = TABLES[kind].columns[field];
  if (name === undefined) throw new Error(`no column for ${kind}.${field}`);
  return name;
}

function sqlValue(value: unknown): SqlValue {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value as SqlValue;
}

/** Ids by name, of what the database had and of what this apply inserts. */
class Ids {
  readonly vendors: Map<string, number>;
  readonly connections: Map<string, number>;
  readonly sets: Map<string, number>;
  readonly groups: Map<string, number>;

  constructor(state: SetupState) {
    this.vendors = new Map(state.vendors.map((v) => [v.name, v.i_vendor]));
    this.connections = new Map(state.connections.map((c) => [connectionKey(c.vendor_name, c.name), c.i_connection]));
    this.sets = new Map(state.destination_sets.map((s) => [s.name, s.i_destination_set]));
    this.groups = new Map(state.routing_groups.map((g) => [g.name, g.i_routing_group]));
  }

  static of(map: Map<string, number>, key: string, what: string): number {
    const id = map.get(key);
    if (id === undefined) throw new Error(`no id for ${what} ${JSON.stringify(key)}`);
    return id;
  }
}

const ORDER: readonly ObjectKind[] = ['environment', 'vendor', 'connection', 'destination_set', 'routing_group', 'entry'];

export async function writeSteps(sql: SetupSql, state: SetupState, steps: readonly SetupStep[]): Promise<void> {
  const ids = new Ids(state);
  const env = state.i_environment;
  const byKind = (kind: ObjectKind, action: SetupStep['action']): SetupStep[] => steps.filter((s) => s.object.kind === kind && s.action === action);

  for (const kind of ORDER) {
    if (kind === 'entry') for (const step of byKind(kind, 'remove')) await removeRow(sql, step);
    for (const step of byKind(kind, 'add')) if (step.action === 'add') await insert(sql, ids, env, step.object, step.values);
    for (const step of byKind(kind, 'change')) if (step.action === 'change') await update(sql, step.object, step.id, step.changes);
  }
  for (const kind of ['routing_group', 'connection', 'destination_set', 'vendor'] as const) {
    for (const step of byKind(kind, 'remove')) await removeRow(sql, step);
  }
}

async function insert(sql: SetupSql, ids: Ids, env: number, object: ObjectName, values: Readonly<Record<string, unknown>>): Promise<void> {
  const row = async (table: string, columns: Record<string, SqlValue>): Promise<number> => {
    const names = Object.keys(columns);
    const result = await sql.run(`INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`, names.map((n) => columns[n]!));
    return result.insertId;
  };
  const fields = (kind: TableKind): Record<string, SqlValue> => Object.fromEntries(Object.entries(values).map(([f, v]) => [column(kind, f), sqlValue(v)]));
  switch (object.kind) {
    case 'environment':
      await row('environments', { i_environment: env, name: sqlValue(values.name) });
      return;
    case 'vendor':
      ids.vendors.set(object.name, await row('vendors', { i_environment: env, name: object.name }));
      return;
    case 'connection': {
      const vendor = Ids.of(ids.vendors, object.vendor!, 'vendor');
      ids.connections.set(connectionKey(object.vendor!, object.name), await row('connections', { i_environment: env, i_vendor: vendor, name: object.name, ...fields('connection') }));
      return;
    }
    case 'destination_set':
      ids.sets.set(object.name, await row('destination_sets', { i_environment: env, name: object.name, ...fields('destination_set') }));
      return;
    case 'routing_group':
      ids.groups.set(object.name, await row('routing_groups', { i_environment: env, name: object.name, ...fields('routing_group') }));
      return;
    case 'entry':
      await row('routing_group_entries', {
        i_routing_group: Ids.of(ids.groups, object.routing_group!, 'routing group'),
        i_connection: Ids.of(ids.connections, connectionKey(object.vendor!, object.name), 'connection'),
        i_destination_set: Ids.of(ids.sets, object.destination_set!, 'destination set'),
        ...fields('entry'),
      });
  }
}

async function update(sql: SetupSql, object: ObjectName, id: number, changes: readonly { field: string; to: unknown }[]): Promise<void> {
  if (object.kind === 'environment') {
    await sql.run('UPDATE environments SET name = ? WHERE i_environment = ?', [sqlValue(changes[0]!.to), id]);
    return;
  }
  if (object.kind === 'vendor') throw new Error('a vendor has no fields to change');
  const { table, id: idColumn } = TABLES[object.kind];
  const sets = changes.map((c) => `${column(object.kind as TableKind, c.field)} = ?`).join(', ');
  await sql.run(`UPDATE ${table} SET ${sets} WHERE ${idColumn} = ?`, [...changes.map((c) => sqlValue(c.to)), id]);
}

async function removeRow(sql: SetupSql, step: SetupStep): Promise<void> {
  if (step.action !== 'remove') return;
  const kind = step.object.kind;
  if (kind === 'environment') throw new Error('an environment is never removed');
  if (kind === 'vendor') {
    await sql.run('DELETE FROM vendors WHERE i_vendor = ?', [step.id]);
    return;
  }
  if (kind === 'destination_set') {
    // Routes are the rates' rows: a set that gained some since the plan was read stays, and the whole apply is undone.
    const result = await sql.run('DELETE FROM destination_sets WHERE i_destination_set = ? AND NOT EXISTS (SELECT 1 FROM routes WHERE i_destination_set = ?)', [step.id, step.id]);
    if (result.affectedRows !== 1) {
      throw new SippyError('SETUP_PRUNE_REFUSED', `destination set ${JSON.stringify(step.object.name)} gained routes while the file was applied; nothing was written`);
    }
    return;
  }
  const { table, id } = TABLES[kind];
  await sql.run(`DELETE FROM ${table} WHERE ${id} = ?`, [step.id]);
}

// Loads the demo data set idempotently: every object is found by its unique
// name and created only when missing; a destination set's routes and a
// group's entries are inserted only when it has none. A second load changes
// nothing, and rows an operator edited are left as they are.

import type { PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Database } from './pool.js';
import { demoEnvironments, type DemoEnvironment } from './demo-data.js';

export interface DemoResult {
  readonly environments: number;
  readonly routesInserted: number;
}

async function idOf(conn: PoolConnection, sql: string, params: (string | number)[]): Promise<number> {
  const [rows] = await conn.execute<RowDataPacket[]>(sql, params);
  return Number(rows[0]!.id);
}

async function loadEnvironment(conn: PoolConnection, env: DemoEnvironment): Promise<number> {
  const e = env.i_environment;
  await conn.execute('INSERT IGNORE INTO environments (i_environment, name) VALUES (?, ?)', [e, env.name]);

  const connectionIds = new Map<string, number>();
  for (const c of env.connections) {
    await conn.execute('INSERT IGNORE INTO vendors (i_environment, name) VALUES (?, ?)', [e, c.vendor]);
    const vendor = await idOf(conn, 'SELECT i_vendor AS id FROM vendors WHERE i_environment = ? AND name = ?', [e, c.vendor]);
    await conn.execute(
      `INSERT IGNORE INTO connections (i_environment, i_vendor, name, destination, cli_translation_rule, cld_translation_rule, capacity, enabled)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [e, vendor, c.name, c.destination, c.cli_translation_rule, c.cld_translation_rule, c.capacity, c.enabled ? 1 : 0],
    );
    connectionIds.set(c.name, await idOf(conn, 'SELECT i_connection AS id FROM connections WHERE i_vendor = ? AND name = ?', [vendor, c.name]));
  }

  let routesInserted = 0;
  const setIds = new Map<string, number>();
  for (const set of env.destinationSets) {
    await conn.execute(
      'INSERT IGNORE INTO destination_sets (i_environment, name, connect_fee, free_seconds) VALUES (?, ?, ?, ?)',
      [e, set.name, set.connect_fee, set.free_seconds],
    );
    const id = await idOf(conn, 'SELECT i_destination_set AS id FROM destination_sets WHERE i_environment = ? AND name = ?', [e, set.name]);
    setIds.set(set.name, id);
    const [existing] = await conn.execute<RowDataPacket[]>('SELECT COUNT(*) AS n FROM routes WHERE i_destination_set = ?', [id]);
    if (Number(existing[0]!.n) > 0) continue;
    for (let i = 0; i < set.routes.length; i += 500) {
      const chunk = set.routes.slice(i, i + 500);
      const values = chunk.flatMap((r) => [
        id, r.prefix, r.preference, r.huntstop ? 1 : 0, r.timeout, r.price_1, r.price_n, r.interval_1, r.interval_n,
        r.forbidden ? 1 : 0, r.activation_date, r.expiration_date, r.description,
      ]);
      const [result] = await conn.query<ResultSetHeader>(
        `INSERT INTO routes (i_destination_set, prefix, preference, huntstop, timeout, price_1, price_n, interval_1, interval_n,
           forbidden, activation_date, expiration_date, description) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        values,
      );
      routesInserted += result.affectedRows;
    }
  }

  for (const group of env.groups) {
    await conn.execute(
      'INSERT IGNORE INTO routing_groups (i_environment, name, policy, average_duration, external, uri) VALUES (?, ?, ?, ?, ?, ?)',
      [e, group.name, group.policy, group.average_duration, group.external ? 1 : 0, group.uri],
    );
    const id = await idOf(conn, 'SELECT i_routing_group AS id FROM routing_groups WHERE i_environment = ? AND name = ?', [e, group.name]);
    const [existing] = await conn.execute<RowDataPacket[]>('SELECT COUNT(*) AS n FROM routing_group_entries WHERE i_routing_group = ?', [id]);
    if (Number(existing[0]!.n) > 0) continue;
    for (const entry of group.entries) {
      await conn.execute(
        'INSERT INTO routing_group_entries (i_routing_group, i_connection, i_destination_set, entry_order, weight) VALUES (?, ?, ?, ?, ?)',
        [id, connectionIds.get(entry.connection)!, setIds.get(entry.destination_set)!, entry.entry_order, entry.weight],
      );
    }
  }
  return routesInserted;
}

/** Loads the demo set in one transaction; `rundir` is where environment 1's default socket lives. */
export async function loadDemo(db: Database, rundir: string): Promise<DemoResult> {
  return db.withConnection(async (conn) => {
    await conn.beginTransaction();
    let routesInserted = 0;
    const environments = demoEnvironments(rundir);
    for (const env of environments) routesInserted += await loadEnvironment(conn, env);
    await conn.commit();
    return { environments: environments.length, routesInserted };
  });
}

// An operator's edits for follow-the-database tests (scale-out on
// replication): a small routing set-up in environment 1, then a script of
// edits that cycles through all seven tables, multi-row and multi-table
// transactions and cascade deletes. Each edit comes with a getRoutes call
// whose answer shows whether a daemon has it.

import type { Connection } from 'mysql2/promise';
import type { GetRoutesCall, RoutingClient } from '../../src/client/routing-client.js';
import { RpcCallError } from '../../src/client/rpc-client.js';
import type { RouteResult } from '../../src/routing/index.js';

export const CALL_TIME = '2026-01-15T12:00:00Z';
/** Group `main` (policy order: entry c1/ds-a, then c2/ds-b), both sets with prefix 1. */
export const MAIN: GetRoutesCall = { routing_group: 'main', cld: '1234', call_start_time: CALL_TIME };

/** A getRoutes answer, or the JSON-RPC error code it got. */
export type Answer = { routes: RouteResult['routes'] } | { error: number };

export async function answerOf(client: RoutingClient, call: GetRoutesCall): Promise<Answer> {
  try {
    return { routes: (await client.getRoutes(call)).routes };
  } catch (err) {
    if (err instanceof RpcCallError && err.remote !== undefined) return { error: err.remote.code };
    throw err;
  }
}

export const routesOf = (answer: Answer): RouteResult['routes'] => ('routes' in answer ? answer.routes : []);

export interface ScriptedEdit {
  /** 0..9: which of the ten kinds of edit. */
  readonly kind: number;
  /** Commits the edit (one transaction). */
  readonly commit: () => Promise<void>;
  /** The call whose answer shows the edit. */
  readonly probe: GetRoutesCall;
  readonly shows: (answer: Answer) => boolean;
}

const pad = (i: number): string => String(i).padStart(3, '0');

export class EditScript {
  /** Row ids of the set-up: vendors v1 v2, connections c1 c2, sets d1 d2, group main. */
  readonly ids: Record<'v1' | 'v2' | 'c1' | 'c2' | 'd1' | 'd2' | 'main', number> = { v1: 0, v2: 0, c1: 0, c2: 0, d1: 0, d2: 0, main: 0 };
  private readonly groups: { name: string; id: number; entries: number[] }[] = [];
  private readonly extraSets: { prefix: string; set: number; entry: number }[] = [];

  /** `conn`: an operator's connection to the primary, with rights on the routing tables. */
  constructor(private readonly conn: Connection) {}

  /** The set-up, one statement at a time (environment 1 and its routing rows). */
  async setUp(): Promise<void> {
    const ids = this.ids;
    await this.conn.query("INSERT INTO environments (i_environment, name) VALUES (1, 'env 1')");
    ids.v1 = await this.insert("INSERT INTO vendors (i_environment, name) VALUES (1, 'carrier-a')");
    ids.v2 = await this.insert("INSERT INTO vendors (i_environment, name) VALUES (1, 'carrier-b')");
    ids.c1 = await this.insert("INSERT INTO connections (i_environment, i_vendor, name, destination) VALUES (1, ?, 'c1', 'c1.example:5060')", [ids.v1]);
    ids.c2 = await this.insert("INSERT INTO connections (i_environment, i_vendor, name, destination) VALUES (1, ?, 'c2', 'c2.example:5060')", [ids.v2]);
    ids.d1 = await this.insert("INSERT INTO destination_sets (i_environment, name) VALUES (1, 'ds-a')");
    ids.d2 = await this.insert("INSERT INTO destination_sets (i_environment, name) VALUES (1, 'ds-b')");
    await this.conn.query("INSERT INTO routes (i_destination_set, prefix, price_1, price_n) VALUES (?, '1', '0.010000', '0.010000'), (?, '1', '0.020000', '0.020000')", [ids.d1, ids.d2]);
    ids.main = await this.insert("INSERT INTO routing_groups (i_environment, name, policy) VALUES (1, 'main', 'order')");
    await this.conn.query('INSERT INTO routing_group_entries (i_routing_group, i_connection, i_destination_set, entry_order) VALUES (?, ?, ?, 1), (?, ?, ?, 2)', [
      ids.main, ids.c1, ids.d1, ids.main, ids.c2, ids.d2,
    ]);
  }

  /** Edit number `i` (0, 1, 2, ... in order: some remove what an earlier one added). */
  edit(i: number): ScriptedEdit {
    const ids = this.ids;
    const kind = i % 10;
    const at = (probe: GetRoutesCall, shows: (a: Answer) => boolean, commit: () => Promise<unknown>): ScriptedEdit => ({ kind, probe, shows, commit: async () => void (await commit()) });
    switch (kind) {
      case 0: {
        // routes: a multi-row insert into one set.
        const p = `55${pad(i)}`;
        return at({ ...MAIN, cld: `${p}99` }, (a) => routesOf(a).some((r) => r.prefix === p), () =>
          this.transaction([['INSERT INTO routes (i_destination_set, prefix, price_1, price_n) VALUES ' + "(?, ?, '0.030000', '0.030000'), ".repeat(2) + "(?, ?, '0.030000', '0.030000')", [ids.d1, p, ids.d1, `${p}0`, ids.d1, `${p}1`]]]));
      }
      case 1: {
        const price = `0.${String(100 + i).padStart(6, '0')}`;
        return at(MAIN, (a) => routesOf(a).some((r) => r.i_destination_set === ids.d2 && Number(r.price_1) === Number(price)), () =>
          this.transaction([["UPDATE routes SET price_1 = ? WHERE i_destination_set = ? AND prefix = '1'", [price, ids.d2]]]));
      }
      case 2: {
        const destination = `c1-${i}.example:5060`;
        return at(MAIN, (a) => routesOf(a).some((r) => r.i_connection === ids.c1 && r.destination === destination), () =>
          this.transaction([['UPDATE connections SET destination = ? WHERE i_connection = ?', [destination, ids.c1]]]));
      }
      case 3: {
        const name = `carrier-a-${i}`;
        return at(MAIN, (a) => routesOf(a).some((r) => r.i_vendor === ids.v1 && r.vendor_name === name), () =>
          this.transaction([['UPDATE vendors SET name = ? WHERE i_vendor = ?', [name, ids.v1]]]));
      }
      case 4: {
        // environments and destination_sets in one transaction.
        const name = `ds-a-${i}`;
        return at(MAIN, (a) => routesOf(a).some((r) => r.i_destination_set === ids.d1 && r.destination_set_name === name), () =>
          this.transaction([
            ['UPDATE environments SET name = ? WHERE i_environment = 1', [`env 1 rev ${i}`]],
            ['UPDATE destination_sets SET name = ? WHERE i_destination_set = ?', [name, ids.d1]],
          ]));
      }
      case 5: {
        // A group and its two entries in one transaction.
        const name = `g-${i}`;
        return at({ ...MAIN, routing_group: name }, (a) => routesOf(a).length === 2, async () => {
          const [group] = await this.transaction([["INSERT INTO routing_groups (i_environment, name, policy) VALUES (1, ?, 'order')", [name]]], async (id) => [
            ['INSERT INTO routing_group_entries (i_routing_group, i_connection, i_destination_set, entry_order) VALUES (?, ?, ?, 1), (?, ?, ?, 2)', [id, ids.c1, ids.d1, id, ids.c2, ids.d2]],
          ]);
          this.groups.push({ name, id: group!, entries: [] });
        });
      }
      case 6: {
        // routing_group_entries: one of the last group's entries goes.
        const group = this.groups[this.groups.length - 1]!;
        return at({ ...MAIN, routing_group: group.name }, (a) => routesOf(a).length === 1 && routesOf(a)[0]!.i_connection === ids.c1, () =>
          this.transaction([['DELETE FROM routing_group_entries WHERE i_routing_group = ? AND i_destination_set = ?', [group.id, ids.d2]]]));
      }
      case 7: {
        // A cascade: the group's remaining entry goes with it (no trigger fires for it).
        const group = this.groups[this.groups.length - 1]!;
        return at({ ...MAIN, routing_group: group.name }, (a) => 'error' in a && a.error === -32001, () =>
          this.transaction([['DELETE FROM routing_groups WHERE i_routing_group = ?', [group.id]]]));
      }
      case 8: {
        // A set, its routes and an entry of main for it, in one transaction.
        const prefix = `77${pad(i)}`;
        return at({ ...MAIN, cld: `${prefix}5` }, (a) => routesOf(a).some((r) => r.prefix === prefix), async () => {
          const [set] = await this.transaction([['INSERT INTO destination_sets (i_environment, name) VALUES (1, ?)', [`dsx-${i}`]]], async (id) => [
            ["INSERT INTO routes (i_destination_set, prefix, price_1, price_n) VALUES (?, ?, '0.040000', '0.040000'), (?, ?, '0.040000', '0.040000')", [id, prefix, id, `${prefix}0`]],
            ['INSERT INTO routing_group_entries (i_routing_group, i_connection, i_destination_set, entry_order) VALUES (?, ?, ?, 3)', [ids.main, ids.c2, id]],
          ]);
          this.extraSets.push({ prefix, set: set!, entry: 0 });
        });
      }
      default: {
        // The last such set's entry, then the set and, by cascade, its routes.
        const gone = this.extraSets[this.extraSets.length - 1]!;
        return at({ ...MAIN, cld: `${gone.prefix}5` }, (a) => 'routes' in a && !a.routes.some((r) => r.prefix === gone.prefix), () =>
          this.transaction([
            ['DELETE FROM routing_group_entries WHERE i_destination_set = ?', [gone.set]],
            ['DELETE FROM destination_sets WHERE i_destination_set = ?', [gone.set]],
          ]));
      }
    }
  }

  /**
   * One transaction: `statements`, then those `then` builds from the first
   * statement's insert id. Returns the insert ids of `statements`.
   */
  private async transaction(statements: readonly [string, unknown[]][], then?: (firstId: number) => Promise<readonly [string, unknown[]][]>): Promise<number[]> {
    await this.conn.beginTransaction();
    try {
      const ids: number[] = [];
      for (const [sql, values] of statements) ids.push(Number(((await this.conn.query(sql, values))[0] as { insertId?: number }).insertId ?? 0));
      for (const [sql, values] of (await then?.(ids[0]!)) ?? []) await this.conn.query(sql, values);
      await this.conn.commit();
      return ids;
    } catch (err) {
      await this.conn.rollback().catch(() => undefined);
      throw err;
    }
  }

  private async insert(sql: string, values: unknown[] = []): Promise<number> {
    return Number(((await this.conn.query(sql, values))[0] as { insertId: number }).insertId);
  }
}

// A seeded random routing data set and random edits of it, for differential
// tests of the two data sources: several environments, every policy (and a
// bad one), dated, expired, forbidden and huntstop rows, translation rules
// (and a bad one), amounts past 2^53 micro-units, ties everywhere. Edits are
// plain SQL as an operator would write them, on all seven tables, some in
// multi-row transactions; an edit the foreign keys refuse is skipped.

import type mysql from 'mysql2/promise';
import { seededRandom } from '../../src/seeded-random.js';
import type { RouteRequest } from '../../src/routing/index.js';

type Random = () => number;

const POLICIES = ['lcr', 'prefix', 'preference', 'order', 'weight', 'lcr,prefix', 'prefix,lcr', 'preference,lcr,order', 'weight,lcr', 'order,weight', 'lcr, cheapest'];
const RULES: (string | null)[] = [null, null, null, 's/^1/+1/', 's/^(\\d)(\\d)/\\2\\1/', 's/2/x/g', 's/^/00/;s/0//', 's/(/x/'];
// Up to DECIMAL(16,6)'s largest: the last two are beyond 2^53 micro-units.
const PRICES = ['0.000000', '0.001000', '0.010000', '0.012345', '0.250000', '1.000000', '-0.500000', '9007199254.740993', '9999999999.999999'];
const FEES = ['0', '0.005', '0.01', '9999999999.999999'];
const DATES = ['1970-01-01 00:00:00', '2020-01-01 00:00:00', '2026-06-01 12:00:00', '2030-01-01 00:00:00'];
/** The call times requests use: before, between and after the dates above. */
export const CALL_TIMES = [new Date('2019-06-01T00:00:00Z'), new Date('2027-01-01T00:00:00Z'), new Date('2031-01-01T00:00:00Z')];
const DIGITS = '12345';

function pick<T>(random: Random, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!;
}

function int(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

function digits(random: Random, min: number, max: number): string {
  let text = '';
  for (let n = int(random, min, max); n > 0; n--) text += DIGITS[Math.floor(random() * DIGITS.length)]!;
  return text;
}

function routeValues(random: Random, set: number): (string | number | null)[] {
  const activation = random() < 0.7 ? DATES[0]! : pick(random, DATES);
  const expiration = random() < 0.75 ? null : pick(random, DATES);
  const prefix = random() < 0.03 ? `${digits(random, 1, 2)} ` : digits(random, 0, 5);
  return [
    set, prefix, int(random, 0, 9), random() < 0.1 ? 1 : 0,
    random() < 0.5 ? null : int(random, 1, 60), random() < 0.5 ? null : int(random, 1, 10),
    random() < 0.02 ? pick(random, PRICES.slice(-2)) : pick(random, PRICES.slice(0, 7)), pick(random, PRICES.slice(0, 7)),
    int(random, -1, 60), int(random, 0, 60), random() < 0.1 ? 1 : 0, activation, expiration,
    // From the prefix, not the random source: the seeds draw the data they always drew.
    prefix.length % 3 === 0 ? null : `Destination ${prefix.length % 3} \u{1F4DE}`,
  ];
}

const ROUTE_INSERT = `INSERT INTO routes (i_destination_set, prefix, preference, huntstop, timeout, timeout_1xx, price_1, price_n,
  interval_1, interval_n, forbidden, activation_date, expiration_date, description) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Fills an empty, migrated database; returns the group names requests may ask for. */
export async function seedRoutingData(conn: mysql.Connection, seed: number, environments = 3): Promise<void> {
  const random = seededRandom(seed);
  for (let env = 1; env <= environments; env++) {
    await conn.query('INSERT INTO environments (i_environment, name) VALUES (?, ?)', [env, `env ${env}`]);
    const vendors: number[] = [];
    for (let v = 0; v < 3; v++) vendors.push(await insertId(conn, 'INSERT INTO vendors (i_environment, name) VALUES (?, ?)', [env, `vendor ${env}.${v}`]));
    const connections: number[] = [];
    for (let c = 0; c < 8; c++) {
      connections.push(await insertId(conn,
        'INSERT INTO connections (i_environment, i_vendor, name, destination, cli_translation_rule, cld_translation_rule, capacity, enabled) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [env, pick(random, vendors), `conn ${env}.${c}`, `gw${c}.example:5060`, pick(random, RULES), pick(random, RULES), int(random, -1, 30), random() < 0.85 ? 1 : 0]));
    }
    const sets: number[] = [];
    for (let d = 0; d < 6; d++) {
      sets.push(await insertId(conn,
        'INSERT INTO destination_sets (i_environment, name, currency, connect_fee, free_seconds, grace_period, post_call_surcharge) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [env, `set ${env}.${d}`, pick(random, ['USD', 'EUR']), random() < 0.05 ? FEES[3]! : pick(random, FEES.slice(0, 3)), int(random, 0, 30), int(random, 0, 5), pick(random, ['0', '0.1'])]));
    }
    for (const set of sets) {
      for (let r = int(random, 20, 120); r > 0; r--) await conn.query(ROUTE_INSERT, routeValues(random, set));
    }
    for (let g = 0; g < 6; g++) {
      const group = await insertId(conn, 'INSERT INTO routing_groups (i_environment, name, policy, average_duration) VALUES (?, ?, ?, ?)',
        [env, `group ${g}`, pick(random, POLICIES), int(random, 0, 400)]);
      for (let e = int(random, 0, 8); e > 0; e--) {
        await conn.query('INSERT INTO routing_group_entries (i_routing_group, i_connection, i_destination_set, entry_order, weight) VALUES (?, ?, ?, ?, ?)',
          [group, pick(random, connections), pick(random, sets), int(random, 0, 3), random() < 0.3 ? null : int(random, -1, 10)]);
      }
    }
  }
}

async function insertId(conn: mysql.Connection, sql: string, params: unknown[]): Promise<number> {
  const [result] = await conn.query<mysql.ResultSetHeader>(sql, params);
  return result.insertId;
}

/** Random getRoutes requests over the groups present (and a missing name). */
export function randomRequests(seed: number, count: number, environments = 3): { environment: number; request: RouteRequest }[] {
  const random = seededRandom(seed);
  const requests: { environment: number; request: RouteRequest }[] = [];
  for (let i = 0; i < count; i++) {
    const max = random() < 0.2 ? int(random, 1, 3) : undefined;
    requests.push({
      environment: int(random, 1, environments),
      request: {
        routing_group: random() < 0.03 ? 'no such group' : random() < 0.1 ? `renamed ${int(random, 0, 5)}` : `group ${int(random, 0, 6)}`,
        cld: digits(random, 1, 8),
        cli: digits(random, 0, 6),
        time: pick(random, CALL_TIMES),
        ...(max !== undefined ? { max_routes: max } : {}),
        explain: random() < 0.5,
        hops: 0,
      },
    });
  }
  return requests;
}

async function ids(conn: mysql.Connection, sql: string, params: unknown[] = []): Promise<number[]> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(sql, params);
  return rows.map((r) => Number(Object.values(r)[0]));
}

/** The ids randomEdit picks from: every row, or (`confined`) only the rows of environments 1..`environments`. */
async function editableIds(conn: mysql.Connection, environments: number, confined: boolean): Promise<Record<'sets' | 'routes' | 'connections' | 'groups' | 'entries' | 'vendors', number[]>> {
  if (!confined) {
    return {
      sets: await ids(conn, 'SELECT i_destination_set FROM destination_sets'),
      routes: await ids(conn, 'SELECT i_route FROM routes'),
      connections: await ids(conn, 'SELECT i_connection FROM connections'),
      groups: await ids(conn, 'SELECT i_routing_group FROM routing_groups'),
      entries: await ids(conn, 'SELECT i_routing_group_entry FROM routing_group_entries'),
      vendors: await ids(conn, 'SELECT i_vendor FROM vendors'),
    };
  }
  const within = [environments];
  return {
    sets: await ids(conn, 'SELECT i_destination_set FROM destination_sets WHERE i_environment <= ? ORDER BY i_destination_set', within),
    routes: await ids(conn, 'SELECT r.i_route FROM routes r JOIN destination_sets d USING (i_destination_set) WHERE d.i_environment <= ? ORDER BY r.i_route', within),
    connections: await ids(conn, 'SELECT i_connection FROM connections WHERE i_environment <= ? ORDER BY i_connection', within),
    groups: await ids(conn, 'SELECT i_routing_group FROM routing_groups WHERE i_environment <= ? ORDER BY i_routing_group', within),
    entries: await ids(conn, 'SELECT e.i_routing_group_entry FROM routing_group_entries e JOIN routing_groups g USING (i_routing_group) WHERE g.i_environment <= ? ORDER BY e.i_routing_group_entry', within),
    vendors: await ids(conn, 'SELECT i_vendor FROM vendors WHERE i_environment <= ? ORDER BY i_vendor', within),
  };
}

/**
 * One random edit (sometimes a transaction of several rows), committed.
 * Returns a description, or undefined when the foreign keys refused it.
 * `confined`: only rows of environments 1..`environments` are touched (and
 * referenced), so a transaction another connection holds open on the rows
 * of a higher environment never blocks it.
 */
export async function randomEdit(conn: mysql.Connection, random: Random, environments = 3, confined = false): Promise<string | undefined> {
  const { sets, routes, connections, groups, entries, vendors } = await editableIds(conn, environments, confined);
  const env = int(random, 1, environments);
  const edits: [string, () => Promise<unknown>][] = [
    ['route inserted', () => conn.query(ROUTE_INSERT, routeValues(random, pick(random, sets)))],
    ['route price changed', () => conn.query('UPDATE routes SET price_1 = ?, price_n = ? WHERE i_route = ?', [pick(random, PRICES.slice(0, 7)), pick(random, PRICES), pick(random, routes)])],
    ['route moved to another set', () => conn.query('UPDATE routes SET i_destination_set = ?, prefix = ? WHERE i_route = ?', [pick(random, sets), digits(random, 0, 4), pick(random, routes)])],
    ['route dated', () => conn.query('UPDATE routes SET activation_date = ?, expiration_date = ?, forbidden = ? WHERE i_route = ?', [pick(random, DATES), random() < 0.5 ? null : pick(random, DATES), random() < 0.2 ? 1 : 0, pick(random, routes)])],
    ['route deleted', () => conn.query('DELETE FROM routes WHERE i_route = ?', [pick(random, routes)])],
    ['connection toggled', () => conn.query('UPDATE connections SET enabled = 1 - enabled WHERE i_connection = ?', [pick(random, connections)])],
    ['connection rules changed', () => conn.query('UPDATE connections SET cli_translation_rule = ?, cld_translation_rule = ?, name = CONCAT(name, ?) WHERE i_connection = ?', [pick(random, RULES), pick(random, RULES), "'", pick(random, connections)])],
    ['connection inserted', () => conn.query('INSERT INTO connections (i_environment, i_vendor, name, destination) VALUES (?, ?, ?, ?)', [env, pick(random, vendors), `new ${random()}`, 'gw.example'])],
    ['connection moved to another vendor', () => conn.query('UPDATE connections SET i_vendor = ? WHERE i_connection = ?', [pick(random, vendors), pick(random, connections)])],
    ['vendor renamed', () => conn.query('UPDATE vendors SET name = CONCAT(name, ?) WHERE i_vendor = ?', ['+', pick(random, vendors)])],
    ['vendor inserted', () => conn.query('INSERT INTO vendors (i_environment, name) VALUES (?, ?)', [env, `vendor new ${random()}`])],
    ['destination set fee changed', () => conn.query('UPDATE destination_sets SET connect_fee = ?, free_seconds = ? WHERE i_destination_set = ?', [pick(random, FEES), int(random, 0, 60), pick(random, sets)])],
    ['destination set inserted', () => conn.query('INSERT INTO destination_sets (i_environment, name) VALUES (?, ?)', [env, `set new ${random()}`])],
    ['destination set deleted with its routes (cascade) and entries', () => transaction(conn, async () => {
      const set = pick(random, sets);
      await conn.query('DELETE FROM routing_group_entries WHERE i_destination_set = ?', [set]);
      await conn.query('DELETE FROM destination_sets WHERE i_destination_set = ?', [set]);
    })],
    ['group renamed', () => conn.query('UPDATE routing_groups SET name = ? WHERE i_routing_group = ?', [`renamed ${int(random, 0, 5)}`, pick(random, groups)])],
    ['group policy changed', () => conn.query('UPDATE routing_groups SET policy = ?, average_duration = ? WHERE i_routing_group = ?', [pick(random, POLICIES), int(random, 0, 400), pick(random, groups)])],
    ['group inserted', () => conn.query('INSERT INTO routing_groups (i_environment, name) VALUES (?, ?)', [env, `group ${int(random, 6, 7)}`])],
    ['group deleted (entries by cascade)', () => conn.query('DELETE FROM routing_groups WHERE i_routing_group = ?', [pick(random, groups)])],
    ['entry inserted', () => conn.query('INSERT INTO routing_group_entries (i_routing_group, i_connection, i_destination_set, entry_order, weight) VALUES (?, ?, ?, ?, ?)', [pick(random, groups), pick(random, connections), pick(random, sets), int(random, 0, 3), int(random, 0, 5)])],
    ['entry moved to another group', () => conn.query('UPDATE routing_group_entries SET i_routing_group = ?, entry_order = ? WHERE i_routing_group_entry = ?', [pick(random, groups), int(random, 0, 3), pick(random, entries)])],
    ['entry deleted', () => conn.query('DELETE FROM routing_group_entries WHERE i_routing_group_entry = ?', [pick(random, entries)])],
    ['environment inserted', () => conn.query('INSERT IGNORE INTO environments (i_environment, name) VALUES (?, ?)', [int(random, 10, 20), 'spare'])],
    ['several routes and an entry in one transaction', () => transaction(conn, async () => {
      const set = pick(random, sets);
      for (let n = int(random, 2, 5); n > 0; n--) await conn.query(ROUTE_INSERT, routeValues(random, set));
      await conn.query('UPDATE routes SET preference = preference + 1 WHERE i_destination_set = ?', [set]);
      await conn.query('INSERT INTO routing_group_entries (i_routing_group, i_connection, i_destination_set) VALUES (?, ?, ?)', [pick(random, groups), pick(random, connections), set]);
    })],
  ];
  const [what, run] = pick(random, edits);
  try {
    await run();
    return what;
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (/^ER_(ROW_IS_REFERENCED|NO_REFERENCED_ROW|DUP_ENTRY)/.test(code)) return undefined;
    throw err;
  }
}

async function transaction(conn: mysql.Connection, work: () => Promise<void>): Promise<void> {
  await conn.query('START TRANSACTION');
  try {
    await work();
    await conn.query('COMMIT');
  } catch (err) {
    await conn.query('ROLLBACK');
    throw err;
  }
}

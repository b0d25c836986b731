// listGroups and listRoutes from the database (`--data-source sql`, and the
// snapshot source until its first load): the pages inspect.ts's snapshot
// functions give, in the same order, read with parameterised statements.
// Names and prefixes compare exactly here too: the binary collation pads
// spaces ('44 ' = '44'), BINARY does not.

import type { Database, Row, SqlValue } from '../../db/pool.js';
import { prefixesOf } from '../rules/match.js';
import { groupNotFound, groupsPage, listing, routesPage } from './inspect.js';
import type { GroupsPage, GroupsQuery, ListingEntry, RouteListing, RoutesPage, RoutesQuery, RoutingInspector } from '../contract.js';
import { MAX_PREFIX_LENGTH, toGroup, toRoute } from '../sql/sql.js';

const GROUPS_SQL = `SELECT g.i_routing_group, g.name, g.policy, g.average_duration, g.external, g.uri,
       COUNT(e.i_routing_group_entry) AS entries,
       COUNT(DISTINCT CASE WHEN c.enabled <> 0 THEN c.i_connection END) AS enabled_connections
  FROM routing_groups g
  LEFT JOIN routing_group_entries e ON e.i_routing_group = g.i_routing_group
  LEFT JOIN connections c ON c.i_connection = e.i_connection
 WHERE g.i_environment = ?`;

const GROUP_SQL = `SELECT i_routing_group, name, policy, external, uri FROM routing_groups WHERE i_environment = ? AND name = ?`;

const ROUTES_FROM = `  FROM routing_group_entries e
  JOIN connections c ON c.i_connection = e.i_connection
  JOIN destination_sets d ON d.i_destination_set = e.i_destination_set
  JOIN routes r ON r.i_destination_set = e.i_destination_set
 WHERE e.i_routing_group = ?`;

const ROUTE_COLUMNS = `e.i_routing_group_entry, e.entry_order, e.weight, c.i_connection, c.name AS connection_name, c.enabled,
       d.i_destination_set, d.name AS destination_set_name, d.currency,
       r.i_route, r.prefix, r.preference, r.huntstop, r.forbidden, r.timeout, r.timeout_1xx,
       r.price_1, r.price_n, r.interval_1, r.interval_n, r.activation_date, r.expiration_date, r.description`;

export class SqlInspector implements RoutingInspector {
  constructor(private readonly databaseFor: (environment: number) => Database) {}

  async groups(environment: number, query: GroupsQuery): Promise<GroupsPage> {
    const db = this.databaseFor(environment);
    let rows: Row[];
    let total: number;
    if (query.name !== undefined) {
      const found = await db.select(`${GROUPS_SQL} AND g.name = ? GROUP BY g.i_routing_group ORDER BY g.i_routing_group`, [environment, query.name]);
      const all = found.filter((row) => row.name === query.name);
      total = all.length;
      rows = all.slice(query.offset, query.offset + query.limit);
    } else {
      const [count] = await db.select('SELECT COUNT(*) AS n FROM routing_groups WHERE i_environment = ?', [environment]);
      total = Number(count?.n ?? 0);
      rows = await db.select(`${GROUPS_SQL} GROUP BY g.i_routing_group ORDER BY g.i_routing_group LIMIT ? OFFSET ?`, [environment, String(query.limit), String(query.offset)]);
    }
    return groupsPage(
      environment,
      'sql',
      total,
      query.offset,
      rows.map((row) => ({
        ...toGroup(row, row.name),
        entries: Number(row.entries),
        enabled_connections: Number(row.enabled_connections),
      })),
    );
  }

  async routes(environment: number, query: RoutesQuery): Promise<RoutesPage> {
    const db = this.databaseFor(environment);
    return db.withSession(async (session) => {
      const group = (await session.select(GROUP_SQL, [environment, query.routing_group])).find((row) => row.name === query.routing_group);
      if (group === undefined) throw groupNotFound(environment, query.routing_group);
      const external = Number(group.external) !== 0;
      const routingGroup = { i_routing_group: Number(group.i_routing_group), name: String(group.name), policy: String(group.policy), external, uri: group.uri === null ? null : String(group.uri) };
      if (external) return routesPage(environment, 'sql', 0, query.offset, routingGroup, []);
      let where = '';
      const params: SqlValue[] = [routingGroup.i_routing_group];
      if (query.cld !== undefined) {
        const prefixes = prefixesOf(query.cld, MAX_PREFIX_LENGTH);
        where = ` AND BINARY r.prefix IN (${prefixes.map(() => '?').join(', ')})`;
        params.push(...prefixes);
      }
      const [count] = await session.select(`SELECT COUNT(*) AS n ${ROUTES_FROM}${where}`, params);
      const rows = await session.select(
        `SELECT ${ROUTE_COLUMNS} ${ROUTES_FROM}${where}
 ORDER BY e.entry_order, e.i_routing_group_entry, BINARY r.prefix, r.activation_date, r.i_route
 LIMIT ? OFFSET ?`,
        [...params, String(query.limit), String(query.offset)],
      );
      return routesPage(environment, 'sql', Number(count?.n ?? 0), query.offset, routingGroup, rows.map(toListing));
    });
  }
}

function toListing(row: Row): RouteListing {
  const entry: ListingEntry = {
    i_routing_group_entry: Number(row.i_routing_group_entry),
    entry_order: Number(row.entry_order),
    weight: row.weight === null ? null : Number(row.weight),
    i_connection: Number(row.i_connection),
    connection_name: String(row.connection_name),
    enabled: Number(row.enabled) !== 0,
    i_destination_set: Number(row.i_destination_set),
    destination_set_name: String(row.destination_set_name),
    currency: String(row.currency),
  };
  return listing(entry, toRoute(row), row.description === null ? null : String(row.description));
}

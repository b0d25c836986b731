// The edits of the freshness scenario, planned from the generator's own
// knowledge of the data set (bench/expected.ts), so that each one changes
// the answer of one known getRoutes call in a way a predicate can see: a
// price, a route that appears or goes, a connection that goes or appears, a
// group's name. Pure: it returns SQL and predicates; freshness.ts runs them.
//
// Edits must not hide each other: each takes a destination set and a
// connection no earlier edit touched, so its "before" answer is the
// generator's and its predicate is false until its own commit. Renames act
// on groups created for the purpose (`fresh-N`), because the load pool names
// the generated groups and a renamed one would turn load requests into
// errors.

import type { SampledCall } from './check.js';
import { drawCli, type SyntheticDataSet } from './dataset.js';
import { expectedResult, formatMicros } from './expected.js';
import { seededRandom } from '../src/seeded-random.js';
import type { Route, RouteResult } from '../src/routing/contract.js';

export const EDIT_KINDS = ['price-changed', 'longer-prefix-added', 'route-deleted', 'connection-disabled', 'entry-added', 'group-renamed'] as const;
export type EditKind = (typeof EDIT_KINDS)[number];

export interface Statement {
  readonly sql: string;
  readonly values: readonly (string | number)[];
}

export interface Edit {
  readonly index: number;
  readonly kind: EditKind;
  /** One line for the report: what changed, and what the probe waits for. */
  readonly description: string;
  /** Committed together, in one transaction. */
  readonly statements: readonly Statement[];
  /** The call the probe repeats. */
  readonly call: SampledCall;
  /** Whether an answer shows the edit. */
  readonly shows: (answer: RouteResult) => boolean;
  /** Before a rename the probe's group does not exist yet: its error answers are expected, not failures. */
  readonly errorsBeforeExpected: boolean;
}

export interface FreshnessPlan {
  /** Run once before the daemon starts: the groups renames act on. */
  readonly setup: readonly Statement[];
  readonly edits: readonly Edit[];
}

const FRESHNESS_STREAM = 0xf7e5;
const DRAWS_PER_EDIT = 20_000;

const has = (answer: RouteResult, test: (r: Route) => boolean): boolean => Array.isArray(answer.routes) && answer.routes.some(test);

export function planEdits(ds: SyntheticDataSet, count: number): FreshnessPlan {
  const random = seededRandom(ds.sizes.seed ^ FRESHNESS_STREAM);
  const touchedSets = new Set<number>();
  const touchedConnections = new Set<number>();
  const setup: Statement[] = [];
  const edits: Edit[] = [];
  const firstNewRoute = ds.routeCount + 1;
  const firstNewEntry = ds.groups.length * ds.sizes.entriesPerGroup + 1;
  const firstNewGroup = ds.groups.length + 1;
  const untouched = (r: Route): boolean => !touchedSets.has(r.i_destination_set) && !touchedConnections.has(r.i_connection);

  /** A call whose expected answer satisfies `pick`, and what it picked. */
  const find = <T>(kind: EditKind, pick: (call: SampledCall, expected: RouteResult) => T | undefined): { call: SampledCall; picked: T } => {
    for (let draw = 0; draw < DRAWS_PER_EDIT; draw++) {
      const group = ds.drawGroup(random);
      const call = { routing_group: group.name, cli: drawCli(random), cld: ds.drawCld(random, 1) };
      const picked = pick(call, expectedResult(ds, group, call.cli, call.cld));
      if (picked !== undefined) return { call, picked };
    }
    throw new Error(`freshness: no call in the data set suits a ${kind} edit (data set too small for ${count} edits?)`);
  };

  for (let index = 0; index < count; index++) {
    const kind = EDIT_KINDS[index % EDIT_KINDS.length]!;
    const base = { index, kind, errorsBeforeExpected: false };
    if (kind === 'price-changed') {
      const { call, picked: route } = find(kind, (_c, e) => e.routes.find(untouched));
      // Above every generated price (at most 0.251), and distinct per edit.
      const price = formatMicros(BigInt(300_000 + index * 1000 + 1));
      touchedSets.add(route.i_destination_set);
      touchedConnections.add(route.i_connection);
      edits.push({
        ...base, call, description: `route ${route.i_route} (${route.prefix}) price_1 ${route.price_1} -> ${price}`,
        statements: [{ sql: 'UPDATE routes SET price_1 = ?, price_n = ? WHERE i_route = ?', values: [price, price, route.i_route] }],
        shows: (a) => has(a, (r) => r.i_route === route.i_route && r.price_1 === price),
      });
    } else if (kind === 'longer-prefix-added') {
      const { call, picked: route } = find(kind, (_c, e) => e.routes.find(untouched));
      // The route matched is the set's longest match: no route of that set
      // holds a longer prefix of this CLD, so the new one is the match now.
      const prefix = call.cld.slice(0, route.prefix.length + 1);
      const iRoute = firstNewRoute + index;
      touchedSets.add(route.i_destination_set);
      touchedConnections.add(route.i_connection);
      edits.push({
        ...base, call, description: `new route ${iRoute} prefix ${prefix} in set ${route.i_destination_set} (longer than ${route.prefix})`,
        statements: [{
          sql: `INSERT INTO routes (i_route, i_destination_set, prefix, preference, price_1, price_n, interval_1, interval_n) VALUES (?, ?, ?, 5, '0.010000', '0.010000', 1, 1)`,
          values: [iRoute, route.i_destination_set, prefix],
        }],
        shows: (a) => has(a, (r) => r.i_route === iRoute && r.prefix === prefix),
      });
    } else if (kind === 'route-deleted') {
      const { call, picked: route } = find(kind, (_c, e) => e.routes.find(untouched));
      touchedSets.add(route.i_destination_set);
      touchedConnections.add(route.i_connection);
      edits.push({
        ...base, call, description: `route ${route.i_route} (${route.prefix}, set ${route.i_destination_set}) deleted`,
        statements: [{ sql: 'DELETE FROM routes WHERE i_route = ?', values: [route.i_route] }],
        shows: (a) => Array.isArray(a.routes) && !has(a, (r) => r.i_route === route.i_route),
      });
    } else if (kind === 'connection-disabled') {
      const { call, picked: route } = find(kind, (_c, e) => e.routes.find(untouched));
      touchedSets.add(route.i_destination_set);
      touchedConnections.add(route.i_connection);
      edits.push({
        ...base, call, description: `connection ${route.i_connection} (${route.connection_name}) disabled`,
        statements: [{ sql: 'UPDATE connections SET enabled = 0 WHERE i_connection = ?', values: [route.i_connection] }],
        shows: (a) => Array.isArray(a.routes) && !has(a, (r) => r.i_connection === route.i_connection),
      });
    } else if (kind === 'entry-added') {
      const { call, picked } = find(kind, (c) => {
        const group = ds.groups.find((g) => g.name === c.routing_group)!;
        const inGroup = new Set(group.entries.map((e) => e.i_connection));
        const connection = ds.connections.find((k) => !inGroup.has(k.i_connection) && !touchedConnections.has(k.i_connection));
        const set = ds.destinationSets.find((s) => {
          if (touchedSets.has(s.i_destination_set)) return false;
          const row = ds.longestMatch(s, c.cld);
          return row !== undefined && !row.forbidden;
        });
        return connection === undefined || set === undefined ? undefined : { group, connection, set };
      });
      const iEntry = firstNewEntry + index;
      const { group, connection, set } = picked;
      touchedSets.add(set.i_destination_set);
      touchedConnections.add(connection.i_connection);
      edits.push({
        ...base, call, description: `entry ${iEntry} added to ${group.name}: connection ${connection.i_connection}, set ${set.i_destination_set}`,
        statements: [{
          sql: 'INSERT INTO routing_group_entries (i_routing_group_entry, i_routing_group, i_connection, i_destination_set, entry_order) VALUES (?, ?, ?, ?, 0)',
          values: [iEntry, group.i_routing_group, connection.i_connection, set.i_destination_set],
        }],
        shows: (a) => has(a, (r) => r.i_connection === connection.i_connection && r.i_destination_set === set.i_destination_set),
      });
    } else {
      const iGroup = firstNewGroup + index;
      const name = `fresh-${String(index).padStart(2, '0')}`;
      const renamed = `${name}-renamed`;
      setup.push({ sql: `INSERT INTO routing_groups (i_routing_group, i_environment, name, policy, average_duration) VALUES (?, 1, ?, 'lcr', 120)`, values: [iGroup, name] });
      edits.push({
        ...base, errorsBeforeExpected: true, call: { routing_group: renamed, cli: drawCli(random), cld: ds.drawCld(random, 1) },
        description: `group ${iGroup} renamed ${name} -> ${renamed}`,
        statements: [{ sql: 'UPDATE routing_groups SET name = ? WHERE i_routing_group = ?', values: [renamed, iGroup] }],
        shows: (a) => a.routing_group?.name === renamed,
      });
    }
  }
  return { setup, edits };
}

// The answer getRoutes must give on the synthetic data set, computed from the
// generator's own knowledge of every row, independently of the daemon (no
// code of src/routing is used) and of SQL: longest-prefix match per entry, forbidden routes left out, the cost
// formula of routing.md in exact integer arithmetic (BigInt micro-units),
// `lcr` order with ties broken by entry_order then i_routing_group_entry,
// first position kept per connection. Pure.

import type { Route, RouteResult } from '../src/routing/contract.js';
import { BENCH_ENVIRONMENT, type DestinationSetRow, type GroupRow, type RouteRow, type SyntheticDataSet } from './dataset.js';

/** Six-decimal string of an integer count of micro-units. */
export function formatMicros(micros: bigint): string {
  const sign = micros < 0n ? '-' : '';
  const abs = micros < 0n ? -micros : micros;
  return `${sign}${abs / 1_000_000n}.${String(abs % 1_000_000n).padStart(6, '0')}`;
}

export interface CostInputs {
  readonly connectFeeMicros: number;
  readonly freeSeconds: number;
  readonly averageDuration: number;
  readonly price1Micros: number;
  readonly priceNMicros: number;
  readonly interval1: number;
  readonly intervalN: number;
}

/**
 * routing.md step 3: connect_fee + cost of D = max(0, average_duration -
 * free_seconds) billable seconds, where the cost is 0 for D = 0, else
 * price_1*interval_1/60 + price_n*interval_n*ceil(max(0, D-interval_1)/interval_n)/60;
 * rounded half-up to six decimals. Prices are per minute in micro-units, so
 * everything is kept as micro-units times 60 until the one final rounding.
 */
export function estimatedCostMicros(c: CostInputs): bigint {
  const billable = BigInt(Math.max(0, c.averageDuration - c.freeSeconds));
  let variableTimes60 = 0n;
  if (billable > 0n) {
    const interval1 = BigInt(c.interval1);
    const intervalN = BigInt(c.intervalN);
    const rest = billable > interval1 ? billable - interval1 : 0n;
    const nextIntervals = (rest + intervalN - 1n) / intervalN;
    variableTimes60 = BigInt(c.price1Micros) * interval1 + BigInt(c.priceNMicros) * intervalN * nextIntervals;
  }
  const totalTimes60 = BigInt(c.connectFeeMicros) * 60n + variableTimes60;
  return (totalTimes60 + 30n) / 60n; // half-up: every term is non-negative
}

interface Candidate {
  readonly route: Route;
  readonly cost: bigint;
  readonly entryOrder: number;
  readonly entryId: number;
}

function toRoute(ds: SyntheticDataSet, set: DestinationSetRow, row: RouteRow, group: GroupRow, iConnection: number, cli: string, cld: string): { route: Route; costMicros: bigint } {
  const connection = ds.connection(iConnection);
  const vendor = ds.vendor(connection.i_vendor);
  const costMicros = estimatedCostMicros({
    connectFeeMicros: set.connectFeeMicros,
    freeSeconds: set.free_seconds,
    averageDuration: group.average_duration,
    price1Micros: row.price1Micros,
    priceNMicros: row.priceNMicros,
    interval1: row.interval_1,
    intervalN: row.interval_n,
  });
  const route: Route = {
    i_connection: connection.i_connection,
    connection_name: connection.name,
    destination: connection.destination,
    i_vendor: vendor.i_vendor,
    vendor_name: vendor.name,
    i_destination_set: set.i_destination_set,
    destination_set_name: set.name,
    i_route: row.i_route,
    prefix: row.prefix,
    preference: row.preference,
    huntstop: false,
    timeout: row.timeout,
    timeout_1xx: null,
    price_1: formatMicros(BigInt(row.price1Micros)),
    price_n: formatMicros(BigInt(row.priceNMicros)),
    interval_1: row.interval_1,
    interval_n: row.interval_n,
    connect_fee: formatMicros(BigInt(set.connectFeeMicros)),
    free_seconds: set.free_seconds,
    grace_period: 0,
    post_call_surcharge: '0.000000',
    currency: 'USD',
    estimated_cost: formatMicros(costMicros),
    capacity: connection.capacity,
    // No translation rules in the data set: the request's numbers.
    cli,
    cld,
  };
  return { route, costMicros };
}

/** getRoutes(group, cli, cld) on the synthetic data set, without explain or max_routes. */
export function expectedResult(ds: SyntheticDataSet, group: GroupRow, cli: string, cld: string): RouteResult {
  const candidates: Candidate[] = [];
  for (const entry of group.entries) {
    const set = ds.destinationSet(entry.i_destination_set);
    const row = ds.longestMatch(set, cld);
    if (row === undefined || row.forbidden) continue;
    const { route, costMicros } = toRoute(ds, set, row, group, entry.i_connection, cli, cld);
    candidates.push({ route, cost: costMicros, entryOrder: entry.entry_order, entryId: entry.i_routing_group_entry });
  }
  candidates.sort((a, b) => (a.cost !== b.cost ? (a.cost < b.cost ? -1 : 1) : a.entryOrder - b.entryOrder || a.entryId - b.entryId));
  const seen = new Set<number>();
  const routes = candidates.filter((c) => !seen.has(c.route.i_connection) && seen.add(c.route.i_connection)).map((c) => c.route);
  return {
    i_environment: BENCH_ENVIRONMENT,
    routing_group: { i_routing_group: group.i_routing_group, name: group.name, policy: group.policy },
    cli,
    cld,
    routes,
  };
}

// Compares a daemon's getRoutes answer with the expected one, field by field,
// and says exactly what differs. An answer with a wrong route, a wrong order,
// a missing or extra route, or a price that is off by one micro-unit is
// wrong: a benchmark that serves wrong answers fast must fail. Pure.

import type { Route, RouteResult } from '../src/routing/contract.js';

export interface SampledCall {
  readonly routing_group: string;
  readonly cli: string;
  readonly cld: string;
}

/** What a route must carry, in the order the differences are reported. */
const ROUTE_FIELDS: readonly (keyof Route)[] = [
  'i_connection', 'connection_name', 'destination', 'i_vendor', 'vendor_name',
  'i_destination_set', 'destination_set_name', 'i_route', 'prefix',
  'preference', 'huntstop', 'timeout', 'timeout_1xx',
  'price_1', 'price_n', 'interval_1', 'interval_n',
  'connect_fee', 'free_seconds', 'grace_period', 'post_call_surcharge', 'currency',
  'estimated_cost', 'capacity', 'cli', 'cld',
];

function show(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every difference between `actual` and `expected`, as readable lines; empty when they agree. */
export function compareAnswer(call: SampledCall, expected: RouteResult, actual: unknown): string[] {
  const where = `${call.routing_group} cld ${call.cld}`;
  if (!isObject(actual)) return [`${where}: answer is not an object: ${show(actual)}`];
  const problems: string[] = [];
  const expectField = (path: string, want: unknown, got: unknown): void => {
    if (want !== got) problems.push(`${where}: ${path} expected ${show(want)}, got ${show(got)}`);
  };
  expectField('i_environment', expected.i_environment, actual.i_environment);
  expectField('cli', expected.cli, actual.cli);
  expectField('cld', expected.cld, actual.cld);
  const group = isObject(actual.routing_group) ? actual.routing_group : {};
  for (const key of ['i_routing_group', 'name', 'policy'] as const) {
    expectField(`routing_group.${key}`, expected.routing_group[key], group[key]);
  }
  if (!Array.isArray(actual.routes)) {
    problems.push(`${where}: routes is not an array: ${show(actual.routes)}`);
    return problems;
  }
  const got = actual.routes as unknown[];
  if (got.length !== expected.routes.length) {
    const ids = (routes: readonly unknown[]) => routes.map((r) => (isObject(r) ? r.i_connection : '?')).join(',');
    problems.push(`${where}: expected ${expected.routes.length} routes (connections ${ids(expected.routes)}), got ${got.length} (${ids(got)})`);
  }
  const common = Math.min(got.length, expected.routes.length);
  for (let i = 0; i < common; i++) {
    const want = expected.routes[i]!;
    const have = got[i];
    if (!isObject(have)) {
      problems.push(`${where}: routes[${i}] is not an object`);
      continue;
    }
    for (const field of ROUTE_FIELDS) expectField(`routes[${i}].${field}`, want[field], have[field]);
  }
  return problems;
}

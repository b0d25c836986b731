// The getRoutes answer as it travels (rpc.md, getRoutes result): what the
// resolver returns and the listener sends as it is, and what the client
// (sippy_routed query, external groups) reads back. Field names are rpc.md's;
// money is always a decimal string. A leaf, so that routing/ and client/
// share it without the client importing routing.
//
// A route's fields are declared once, here (ROUTE_FIELDS), in the answer's
// order: the Route type, the rows' types (routing/rules/model.ts), the
// route objects (routeOf), the answer bytes (routing/answer/answer-json.ts)
// and the client's schema (client/route-result-schema.ts) are made from it,
// and a test holds the byte writers to it
// (test/unit/routing/route-fields.test.ts).

import { MAX_ANSWER_NUMBER_CHARS, MAX_DESTINATION_CHARS, MAX_NAME_CHARS, MAX_PREFIX_CHARS } from './limits.js';

export type ExclusionReason =
  | 'disabled'
  | 'no_match'
  | 'forbidden'
  | 'bad_row'
  | 'not_active'
  | 'bad_translation_rule'
  | 'bad_destination'
  | 'duplicate'
  | 'after_huntstop'
  | 'over_max_routes';

/** What a field's value is: its type, and the checks the client's schema makes of it. */
interface FieldTypes {
  /** A row id: an integer from 1. */
  id: number;
  integer: number;
  nullableInteger: number | null;
  string: string;
  /** A decimal amount as text. */
  money: string;
  boolean: boolean;
}

/**
 * Where a local answer takes a field from: the routing group entry's row
 * (its connection, vendor and destination set), the route's row, or the
 * request (the cost, and the numbers through the entry's rules).
 */
export type RouteFieldSource = 'entry' | 'route' | 'request';

interface FieldDeclaration {
  readonly type: keyof FieldTypes;
  readonly from: RouteFieldSource;
  readonly minLength?: number;
  readonly maxLength?: number;
}

/** A route's fields, in the order every answer writes them. */
export const ROUTE_FIELDS = {
  // The entry's connection, its vendor, its destination set.
  i_connection: { type: 'id', from: 'entry' }, connection_name: { type: 'string', from: 'entry', minLength: 1, maxLength: MAX_NAME_CHARS }, destination: { type: 'string', from: 'entry', maxLength: MAX_DESTINATION_CHARS },
  i_vendor: { type: 'id', from: 'entry' }, vendor_name: { type: 'string', from: 'entry', maxLength: MAX_NAME_CHARS },
  i_destination_set: { type: 'id', from: 'entry' }, destination_set_name: { type: 'string', from: 'entry', maxLength: MAX_NAME_CHARS },
  // The route, and its rates.
  i_route: { type: 'id', from: 'route' }, prefix: { type: 'string', from: 'route', maxLength: MAX_PREFIX_CHARS }, preference: { type: 'integer', from: 'route' }, huntstop: { type: 'boolean', from: 'route' },
  timeout: { type: 'nullableInteger', from: 'route' }, timeout_1xx: { type: 'nullableInteger', from: 'route' },
  price_1: { type: 'money', from: 'route' }, price_n: { type: 'money', from: 'route' }, interval_1: { type: 'integer', from: 'route' }, interval_n: { type: 'integer', from: 'route' },
  // The destination set's rates, the cost of this call, the connection's capacity.
  connect_fee: { type: 'money', from: 'entry' }, free_seconds: { type: 'integer', from: 'entry' }, grace_period: { type: 'integer', from: 'entry' },
  post_call_surcharge: { type: 'money', from: 'entry' }, currency: { type: 'string', from: 'entry', minLength: 3, maxLength: 3 },
  estimated_cost: { type: 'money', from: 'request' },
  capacity: { type: 'integer', from: 'entry' },
  // The request's numbers through the entry's translation rules.
  cli: { type: 'string', from: 'request', maxLength: MAX_ANSWER_NUMBER_CHARS }, cld: { type: 'string', from: 'request', maxLength: MAX_ANSWER_NUMBER_CHARS },
} as const satisfies Record<string, FieldDeclaration>;

type Declared = typeof ROUTE_FIELDS;
export type RouteField = keyof Declared;

export type Route = { readonly [K in RouteField]: FieldTypes[Declared[K]['type']] };

/** The fields a local answer takes from `source`: the rows' types include them (routing/rules/model.ts). */
export type RouteFieldFrom<S extends RouteFieldSource> = { [K in RouteField]: Declared[K]['from'] extends S ? K : never }[RouteField];

/** The field names in the answer's order. */
export const ROUTE_FIELD_NAMES: readonly RouteField[] = Object.keys(ROUTE_FIELDS) as RouteField[];

/** A route object, its members in the answer's order: `value` gives each field's value. */
export function routeOf(value: (field: RouteField) => Route[RouteField]): Route {
  const route: Record<string, Route[RouteField]> = {};
  for (const field of ROUTE_FIELD_NAMES) route[field] = value(field);
  return route as Route;
}

export interface ExcludedEntry {
  readonly i_connection: number;
  readonly connection_name: string;
  readonly reason: ExclusionReason;
}

export interface RouteResult {
  readonly i_environment: number;
  readonly routing_group: { readonly i_routing_group: number; readonly name: string; readonly policy: string };
  readonly cli: string;
  readonly cld: string;
  readonly routes: readonly Route[];
  /** Present only when the request asked to explain. */
  readonly excluded?: readonly ExcludedEntry[];
}

/** A local answer's route object from its three sources (RouteFieldSource), each field taken from the one ROUTE_FIELDS names. */
export function routeFrom(entry: Pick<Route, RouteFieldFrom<'entry'>>, route: Pick<Route, RouteFieldFrom<'route'>>, request: Pick<Route, RouteFieldFrom<'request'>>): Route {
  return routeFromSources(entry, route, request);
}

/**
 * routeFrom's body, one object literal in the declared order made once at
 * module load from ROUTE_FIELDS: every route object gets the same shape
 * (one hidden class) and no per-field loop or closure runs per route, which
 * the rtjson answer and external groups build for every route. Only the
 * declaration's own field names and sources reach the generated text.
 */
const routeFromSources = new Function(
  'entry',
  'route',
  'request',
  `return { ${ROUTE_FIELD_NAMES.map((field) => `${field}: ${ROUTE_FIELDS[field].from}.${field}`).join(', ')} };`,
) as (entry: Pick<Route, RouteFieldFrom<'entry'>>, route: Pick<Route, RouteFieldFrom<'route'>>, request: Pick<Route, RouteFieldFrom<'request'>>) => Route;


// JSON Schema of a getRoutes result (rpc.md), for checking what an upstream
// daemon answers before anything of it is used: a malformed answer is an
// error, never a crash and never a half-mapped route. Extra members are
// allowed (a newer daemon may add fields); known ones are strict. Its bounds
// are src/limits.ts's: the stored columns' widths, and for `cli`, `cld` and
// the number of routes the larger ones limits.ts gives an upstream's answer
// (and says why).

import { MAX_ANSWER_ROUTES } from '../limits.js';

import { ROUTE_FIELD_NAMES, ROUTE_FIELDS, type RouteField } from '../route-wire.js';

const money = { type: 'string', pattern: '^-?\\d{1,10}(\\.\\d{1,6})?$' } as const;

/** The schema of each kind of value ROUTE_FIELDS declares. */
const VALUE_SCHEMAS = {
  id: { type: 'integer', minimum: 1 },
  integer: { type: 'integer' },
  nullableInteger: { type: ['integer', 'null'] },
  string: { type: 'string' },
  money,
  boolean: { type: 'boolean' },
} as const;

/** A field's schema: its kind's, with the bounds the declaration gives (route-wire.ts). */
function fieldSchema(field: RouteField): object {
  const declared: { readonly type: keyof typeof VALUE_SCHEMAS; readonly minLength?: number; readonly maxLength?: number } = ROUTE_FIELDS[field];
  return {
    ...VALUE_SCHEMAS[declared.type],
    ...(declared.minLength !== undefined ? { minLength: declared.minLength } : {}),
    ...(declared.maxLength !== undefined ? { maxLength: declared.maxLength } : {}),
  };
}

/** A route: every field of ROUTE_FIELDS, in its order. */
export const routeSchema = {
  type: 'object',
  required: [...ROUTE_FIELD_NAMES],
  properties: Object.fromEntries(ROUTE_FIELD_NAMES.map((field) => [field, fieldSchema(field)])),
} as const;

export const routeResultSchema = {
  type: 'object',
  required: ['i_environment', 'routing_group', 'cli', 'cld', 'routes'],
  properties: {
    i_environment: { type: 'integer' },
    routing_group: {
      type: 'object',
      required: ['i_routing_group', 'name', 'policy'],
      properties: { i_routing_group: { type: 'integer' }, name: { type: 'string' }, policy: { type: 'string' } },
    },
    cli: { type: 'string' },
    cld: { type: 'string' },
    routes: { type: 'array', maxItems: MAX_ANSWER_ROUTES, items: routeSchema },
    excluded: {
      type: 'array',
      items: {
        type: 'object',
        required: ['i_connection', 'connection_name', 'reason'],
        properties: { i_connection: { type: 'integer' }, connection_name: { type: 'string' }, reason: { type: 'string' } },
      },
    },
  },
} as const;

export const pingResultSchema = {
  type: 'object',
  required: ['i_environment', 'version'],
  properties: { i_environment: { type: 'integer' }, version: { type: 'string' } },
} as const;

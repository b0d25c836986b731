// JSON Schema of a getRoutes result (rpc.md), for checking what an upstream
// daemon answers before anything of it is used: a malformed answer is an
// error, never a crash and never a half-mapped route. Extra members are
// allowed (a newer daemon may add fields); known ones are strict. Its bounds
// are src/limits.ts's: the stored columns' widths, and for `cli`, `cld` and
// the number of routes the larger ones limits.ts gives an upstream's answer
// (and says why).

import { MAX_ANSWER_NUMBER_CHARS, MAX_ANSWER_ROUTES, MAX_DESTINATION_CHARS, MAX_NAME_CHARS, MAX_PREFIX_CHARS } from '../limits.js';

const money = { type: 'string', pattern: '^-?\\d{1,10}(\\.\\d{1,6})?$' } as const;
const id = { type: 'integer', minimum: 1 } as const;
const nullableInt = { type: ['integer', 'null'] } as const;

export const routeSchema = {
  type: 'object',
  required: [
    'i_connection', 'connection_name', 'destination', 'i_vendor', 'vendor_name', 'i_destination_set', 'destination_set_name',
    'i_route', 'prefix', 'preference', 'huntstop', 'timeout', 'timeout_1xx', 'price_1', 'price_n', 'interval_1', 'interval_n',
    'connect_fee', 'free_seconds', 'grace_period', 'post_call_surcharge', 'currency', 'estimated_cost', 'capacity', 'cli', 'cld',
  ],
  properties: {
    i_connection: id,
    connection_name: { type: 'string', minLength: 1, maxLength: MAX_NAME_CHARS },
    destination: { type: 'string', maxLength: MAX_DESTINATION_CHARS },
    i_vendor: id,
    vendor_name: { type: 'string', maxLength: MAX_NAME_CHARS },
    i_destination_set: id,
    destination_set_name: { type: 'string', maxLength: MAX_NAME_CHARS },
    i_route: id,
    prefix: { type: 'string', maxLength: MAX_PREFIX_CHARS },
    preference: { type: 'integer' },
    huntstop: { type: 'boolean' },
    timeout: nullableInt,
    timeout_1xx: nullableInt,
    price_1: money,
    price_n: money,
    interval_1: { type: 'integer' },
    interval_n: { type: 'integer' },
    connect_fee: money,
    free_seconds: { type: 'integer' },
    grace_period: { type: 'integer' },
    post_call_surcharge: money,
    currency: { type: 'string', minLength: 3, maxLength: 3 },
    estimated_cost: money,
    capacity: { type: 'integer' },
    cli: { type: 'string', maxLength: MAX_ANSWER_NUMBER_CHARS },
    cld: { type: 'string', maxLength: MAX_ANSWER_NUMBER_CHARS },
  },
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

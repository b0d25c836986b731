// The JSON Schema every ListenerSpec must satisfy before it is handed out: a
// last guard that the option parser built what the contract promises
// (normalised prefixes, an absolute unix path, ports and limits in range).

import { Ajv, type ValidateFunction } from 'ajv';
import { LISTENER_LIMIT_RANGES, MAX_ENVIRONMENT, type OptionRange } from '../limits.js';
import { DATA_SOURCES } from './listener-spec.js';

/** An integer within one of src/limits.ts's option ranges. */
function within({ min, max }: OptionRange): { readonly type: 'integer'; readonly minimum: number; readonly maximum: number } {
  return { type: 'integer', minimum: min, maximum: max };
}
const R = LISTENER_LIMIT_RANGES;

export const LISTENER_SPEC_SCHEMA = {
  $id: 'sippy_routed/listener-spec',
  type: 'object',
  additionalProperties: false,
  required: ['environment', 'endpoint', 'socket', 'httpPath', 'socketMode', 'allow', 'limits'],
  properties: {
    environment: { type: 'integer', minimum: 1, maximum: MAX_ENVIRONMENT },
    endpoint: {
      oneOf: [
        {
          type: 'object', additionalProperties: false, required: ['kind', 'path'],
          properties: { kind: { const: 'unix' }, path: { type: 'string', pattern: '^/' } },
        },
        {
          type: 'object', additionalProperties: false, required: ['kind', 'host', 'port'],
          properties: { kind: { enum: ['http', 'https'] }, host: { type: 'string', minLength: 1 }, port: { type: 'integer', minimum: 1, maximum: 65535 } },
        },
      ],
    },
    socket: { type: 'string', pattern: '^(unix:/|https?://)' },
    httpPath: { type: 'string', pattern: '^/' },
    socketMode: { type: 'integer', minimum: 0, maximum: 0o777 },
    tls: {
      type: 'object', additionalProperties: false, required: ['cert', 'key'],
      properties: { cert: { type: 'string', minLength: 1 }, key: { type: 'string', minLength: 1 } },
    },
    allow: {
      type: 'array', uniqueItems: true,
      items: { type: 'string', pattern: '^([0-9.]+/[0-9]{1,2}|[0-9a-f:.]+/[0-9]{1,3})$' },
    },
    dsn: { type: 'string', pattern: '^mysql://' },
    dbWrite: { type: 'string', pattern: '^mysql://' },
    limits: {
      type: 'object', additionalProperties: false,
      required: [
        'bodyLimitBytes', 'headersTimeoutMs', 'requestTimeoutMs', 'keepAliveTimeoutMs', 'maxBatch', 'dbConnections', 'dbTimeoutMs', 'upstreamTimeoutMs', 'maxHops', 'upstreamNewConnections',
        'dataSource', 'dataPollMs', 'dataReconcileS', 'maxStalenessS',
      ],
      properties: {
        bodyLimitBytes: within(R.bodyLimitBytes), headersTimeoutMs: within(R.headersTimeoutMs), requestTimeoutMs: within(R.requestTimeoutMs),
        keepAliveTimeoutMs: within(R.keepAliveTimeoutMs), maxBatch: within(R.maxBatch), dbConnections: within(R.dbConnections),
        dbTimeoutMs: within(R.dbTimeoutMs), upstreamTimeoutMs: within(R.upstreamTimeoutMs), maxHops: within(R.maxHops),
        upstreamNewConnections: within(R.upstreamNewConnections),
        dataSource: { enum: DATA_SOURCES }, dataPollMs: within(R.dataPollMs), dataReconcileS: within(R.dataReconcileS), maxStalenessS: within(R.maxStalenessS),
      },
    },
  },
} as const;

let validator: ValidateFunction | undefined;

/** Problems of `spec` against the schema, each as `path: message`; empty when it conforms. */
export function checkListenerSpec(spec: unknown): string[] {
  validator ??= new Ajv({ allErrors: true, strict: true }).compile(LISTENER_SPEC_SCHEMA);
  if (validator(spec)) return [];
  return (validator.errors ?? []).map((e) => `listener spec${e.instancePath.replace(/\//g, '.')}: ${e.message ?? 'invalid'}`);
}

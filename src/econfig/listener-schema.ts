// The JSON Schema every ListenerSpec must satisfy before it is handed out: a
// last guard that the option parser built what the contract promises
// (normalised prefixes, an absolute unix path, ports and limits in range).

import { Ajv, type ValidateFunction } from 'ajv';

const positiveInteger = { type: 'integer', minimum: 1 } as const;
const nonNegativeInteger = { type: 'integer', minimum: 0 } as const;

export const LISTENER_SPEC_SCHEMA = {
  $id: 'sippy_routed/listener-spec',
  type: 'object',
  additionalProperties: false,
  required: ['environment', 'endpoint', 'socket', 'httpPath', 'socketMode', 'allow', 'limits'],
  properties: {
    environment: { type: 'integer', minimum: 1, maximum: 4294967295 },
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
        bodyLimitBytes: positiveInteger, headersTimeoutMs: positiveInteger, requestTimeoutMs: positiveInteger,
        keepAliveTimeoutMs: positiveInteger, maxBatch: positiveInteger, dbConnections: positiveInteger,
        dbTimeoutMs: positiveInteger, upstreamTimeoutMs: positiveInteger, maxHops: positiveInteger, upstreamNewConnections: nonNegativeInteger,
        dataSource: { enum: ['snapshot', 'sql'] }, dataPollMs: positiveInteger, dataReconcileS: nonNegativeInteger, maxStalenessS: nonNegativeInteger,
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

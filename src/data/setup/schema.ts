// The JSON Schema of a setup file (docs/setup.md), checked with ajv over the
// parsed YAML document: the shape, the types and the ranges of the columns
// the values go to. What the daemon reads beyond a type (a policy, a
// translation rule, money, a currency, an upstream URI) is checked by
// values.ts with the daemon's own parsers. ajv's messages are reworded here
// for operators, each at the path of the value it is about.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import {
  MAX_DESTINATION_CHARS,
  MAX_ENVIRONMENT,
  MAX_ENVIRONMENT_NAME_CHARS,
  MAX_MONEY_TEXT_CHARS,
  MAX_NAME_CHARS,
  MAX_POLICY_CHARS,
  MAX_RULE_CHARS,
  MAX_URI_CHARS,
} from '../../limits.js';

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;

const name = { type: 'string', minLength: 1, maxLength: MAX_NAME_CHARS } as const;
const count = { type: 'integer', minimum: 0, maximum: INT_MAX } as const;
const rule = { type: ['string', 'null'], maxLength: MAX_RULE_CHARS } as const;
/** Written as a quoted decimal ("0.010000"); a plain number is read as its text before this check (parse.ts). */
const money = { type: 'string', minLength: 1, maxLength: MAX_MONEY_TEXT_CHARS } as const;
/** `vendors:` with nothing under it is an empty list. */
function listOf(items: object): object {
  return { type: ['array', 'null'], items };
}

const connection = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'destination'],
  properties: {
    name,
    destination: { type: 'string', minLength: 1, maxLength: MAX_DESTINATION_CHARS },
    cli_translation_rule: rule,
    cld_translation_rule: rule,
    capacity: { type: 'integer', minimum: -1, maximum: INT_MAX },
    enabled: { type: 'boolean' },
  },
} as const;

const destinationSet = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name,
    currency: { type: 'string' },
    connect_fee: money,
    free_seconds: count,
    grace_period: count,
    post_call_surcharge: money,
  },
} as const;

const entry = {
  type: 'object',
  additionalProperties: false,
  required: ['connection', 'destination_set'],
  properties: {
    connection: name,
    vendor: name,
    destination_set: name,
    order: { type: 'integer', minimum: INT_MIN, maximum: INT_MAX },
    weight: { type: ['integer', 'null'], minimum: 0, maximum: INT_MAX },
  },
} as const;

const routingGroup = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name,
    policy: { type: 'string', minLength: 1, maxLength: MAX_POLICY_CHARS },
    average_duration: count,
    external: { type: 'boolean' },
    uri: { type: ['string', 'null'], maxLength: MAX_URI_CHARS },
    entries: listOf(entry),
  },
} as const;

export const SETUP_SCHEMA = {
  $id: 'sippy_routed/setup',
  type: 'object',
  additionalProperties: false,
  required: ['environment'],
  properties: {
    environment: { type: 'integer', minimum: 1, maximum: MAX_ENVIRONMENT },
    environment_name: { type: 'string', minLength: 1, maxLength: MAX_ENVIRONMENT_NAME_CHARS },
    vendors: listOf({
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: { name, connections: listOf(connection) },
    }),
    destination_sets: listOf(destinationSet),
    routing_groups: listOf(routingGroup),
  },
} as const;

/** One schema violation: the path of the value (its key's, for an unknown key) and an operator's message. */
export interface SchemaViolation {
  readonly path: readonly (string | number)[];
  /** The problem is the key at `path` (an unknown key), not its value. */
  readonly atKey: boolean;
  readonly message: string;
}

let validator: ValidateFunction | undefined;

/** The violations of `document` (the YAML as plain data); empty when it conforms. */
export function schemaViolations(document: unknown): SchemaViolation[] {
  validator ??= new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true }).compile(SETUP_SCHEMA);
  if (validator(document)) return [];
  const seen = new Set<string>();
  const out: SchemaViolation[] = [];
  for (const error of validator.errors ?? []) {
    const violation = reword(error, pathOf(document, error.instancePath));
    // With allErrors ajv may report one problem of one value more than once: say it once.
    const key = `${violation.path.join('\u0000')}\u0001${violation.message}`;
    if (!seen.has(key)) out.push(violation);
    seen.add(key);
  }
  return out;
}

/** A JSON pointer as keys and indexes, indexes where the data holds a list. */
function pathOf(document: unknown, pointer: string): (string | number)[] {
  const path: (string | number)[] = [];
  let at: unknown = document;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const step = Array.isArray(at) ? Number(segment) : segment;
    path.push(step);
    at = at !== null && typeof at === 'object' ? (at as Record<string | number, unknown>)[step] : undefined;
  }
  return path;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text (quote it if it looks like a number or true/false)',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping of keys to values',
  array: 'a list (lines starting with "- ")',
};

function typeWords(type: unknown): string {
  const types = (Array.isArray(type) ? type : [type]).filter((t) => t !== 'null').map(String);
  return types.map((t) => TYPE_WORDS[t] ?? t).join(' or ');
}

function reword(error: ErrorObject, path: (string | number)[]): SchemaViolation {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return { path: [...path, String(p.additionalProperty)], atKey: true, message: `unknown key ${JSON.stringify(p.additionalProperty)}; the keys here are ${known.join(', ')}` };
    }
    case 'required':
      return { path, atKey: false, message: `${JSON.stringify(p.missingProperty)} is missing` };
    case 'type':
      return { path, atKey: false, message: `must be ${typeWords(p.type)}` };
    case 'minimum':
      return { path, atKey: false, message: `must be at least ${String(p.limit)}` };
    case 'maximum':
      return { path, atKey: false, message: `must be at most ${String(p.limit)}` };
    case 'minLength':
      return { path, atKey: false, message: 'must not be empty' };
    case 'maxLength':
      return { path, atKey: false, message: `must be at most ${String(p.limit)} characters` };
    default:
      return { path, atKey: false, message: error.message ?? 'is not valid here' };
  }
}

// JSON Schemas of the methods' params (rpc.md) and their validation (pure).
//
// Params are by name. Unknown extra members are accepted and ignored, so a
// newer softswitch that sends more call details is not refused; known
// members are strict. A violation is a RPC_INVALID_PARAMS SippyError whose
// data.errors lists `{ path, message }` per problem, path as a JSON pointer.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { SippyError } from '../errors.js';
import {
  MAX_CALL_ID_CHARS,
  MAX_CLD_CHARS,
  MAX_CLI_CHARS,
  MAX_HOPS,
  MAX_REMOTE_IP_CHARS,
  MAX_ROUTES,
  MAX_ROUTING_GROUP_CHARS,
  MAX_UNIX_SECONDS,
} from '../limits.js';

export interface GetRoutesParams {
  readonly routing_group: string;
  readonly cld: string;
  readonly cli?: string;
  readonly call_start_time?: string | number;
  readonly i_environment?: number;
  readonly max_routes?: number;
  readonly explain?: boolean;
  readonly hops?: number;
  readonly call_id?: string;
  readonly remote_ip?: string;
  readonly format?: AnswerFormat;
}

/** getRoutes answer forms: `sippy` (rpc.md's result, the default) and `rtjson` (Kamailio's routing document, sip-proxies.md). */
export const ANSWER_FORMATS = ['sippy', 'rtjson'] as const;
export type AnswerFormat = (typeof ANSWER_FORMATS)[number];

export const getRoutesSchema = {
  type: 'object',
  required: ['routing_group', 'cld'],
  properties: {
    routing_group: { type: 'string', minLength: 1, maxLength: MAX_ROUTING_GROUP_CHARS },
    cld: { type: 'string', minLength: 1, maxLength: MAX_CLD_CHARS },
    cli: { type: 'string', maxLength: MAX_CLI_CHARS },
    // `format` applies to the string form only, `minimum`/`maximum` to the integer form only.
    call_start_time: { type: ['string', 'integer'], format: 'iso8601-with-offset', minimum: 0, maximum: MAX_UNIX_SECONDS },
    i_environment: { type: 'integer' },
    max_routes: { type: 'integer', minimum: 1, maximum: MAX_ROUTES },
    explain: { type: 'boolean' },
    hops: { type: 'integer', minimum: 0, maximum: MAX_HOPS },
    // Logged only; bounded so a request cannot make log lines huge.
    call_id: { type: 'string', maxLength: MAX_CALL_ID_CHARS },
    remote_ip: { type: 'string', maxLength: MAX_REMOTE_IP_CHARS },
    format: { type: 'string', enum: ANSWER_FORMATS },
  },
  additionalProperties: true,
} as const;

/** ping takes no params; whatever is sent is ignored (a newer client may send some). */
export const pingSchema = { type: 'object', additionalProperties: true } as const;

const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * ISO 8601 date and time with a UTC offset (`Z` or `±hh:mm`) and a real
 * calendar date: Date.parse alone would turn 2026-02-30 into March 2.
 */
export function isIsoWithOffset(text: string): boolean {
  const match = ISO_WITH_OFFSET.exec(text);
  if (match === null) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return false;
  if (match[7] !== undefined && (Number(match[7]) > 23 || Number(match[8]) > 59)) return false;
  return true;
}

/** call_start_time as a Date: ISO text with offset, or integer Unix seconds. */
export function callStartTime(value: string | number): Date {
  return typeof value === 'number' ? new Date(value * 1000) : new Date(value);
}

const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: true });
ajv.addFormat('iso8601-with-offset', { type: 'string', validate: isIsoWithOffset });

const validators = {
  getRoutes: ajv.compile<GetRoutesParams>(getRoutesSchema),
  ping: ajv.compile<Record<string, unknown>>(pingSchema),
};

export type MethodName = keyof typeof validators;

export interface ParamError {
  readonly path: string;
  readonly message: string;
}

/**
 * Validates a request's params for `method`: absent params are an empty
 * object; an array (positional params) is refused. Returns the params typed,
 * or throws RPC_INVALID_PARAMS.
 */
export function validateParams<M extends MethodName>(method: M, params: unknown): ParamsOf<M> {
  const given = params === undefined ? {} : params;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw invalidParams([{ path: '', message: 'must be an object of named parameters (by name), not positional' }]);
  }
  const validate = validators[method] as ValidateFunction<ParamsOf<M>>;
  if (validate(given)) return given;
  throw invalidParams((validate.errors ?? []).map(describe));
}

type ParamsOf<M extends MethodName> = M extends 'getRoutes' ? GetRoutesParams : Record<string, unknown>;

/** RPC_INVALID_PARAMS naming each problem: the first in the message, all in data.errors. */
export function invalidParams(errors: readonly ParamError[]): SippyError {
  const first = errors[0] ?? { path: '', message: 'invalid' };
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  const where = first.path === '' ? 'params' : first.path;
  return new SippyError('RPC_INVALID_PARAMS', `Invalid params: ${where} ${first.message}${more}.`, { data: { errors } });
}

function describe(error: ErrorObject): ParamError {
  if (error.keyword === 'required') {
    const missing = String((error.params as { missingProperty: string }).missingProperty);
    return { path: `${error.instancePath}/${missing}`, message: 'is required' };
  }
  if (error.keyword === 'format') {
    return { path: error.instancePath, message: 'must be an ISO 8601 date and time with a UTC offset (2026-01-31T12:00:00+01:00) or integer Unix seconds' };
  }
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: readonly unknown[] }).allowedValues;
    return { path: error.instancePath, message: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}` };
  }
  if (error.keyword === 'type') {
    const types = ([] as string[]).concat((error.params as { type: string | string[] }).type);
    return { path: error.instancePath, message: `must be ${types.map(article).join(' or ')}` };
  }
  const limit = (error.params as { limit?: number }).limit;
  switch (error.keyword) {
    case 'minLength':
      return { path: error.instancePath, message: `must be at least ${limit} character${limit === 1 ? '' : 's'} long` };
    case 'maxLength':
      return { path: error.instancePath, message: `must be at most ${limit} characters long` };
    case 'minimum':
      return { path: error.instancePath, message: `must be at least ${limit}` };
    case 'maximum':
      return { path: error.instancePath, message: `must be at most ${limit}` };
    default:
      return { path: error.instancePath, message: error.message ?? 'is invalid' };
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/**
 * A validator for another method's params schema (inspect-methods.ts), with
 * the same rules and RPC_INVALID_PARAMS errors as validateParams.
 */
export function compileParams<T>(schema: object): (params: unknown) => T {
  const validate = ajv.compile<T>(schema);
  return (params) => {
    const given = params === undefined ? {} : params;
    if (typeof given !== 'object' || given === null || Array.isArray(given)) {
      throw invalidParams([{ path: '', message: 'must be an object of named parameters (by name), not positional' }]);
    }
    if (validate(given)) return given;
    throw invalidParams((validate.errors ?? []).map(describe));
  };
}

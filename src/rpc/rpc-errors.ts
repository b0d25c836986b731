// Exceptions → JSON-RPC error objects. The one gate between what went wrong
// inside the daemon and what a client may read: catalogued errors keep their
// readable message and `data`; anything else becomes a generic -32603 and its
// detail (SQL text, stack, DSN) goes to the log only.

import { catalogue, SippyError, type ErrorCode } from '../errors.js';
import { redactSecrets } from '../dsn-syntax.js';
import { describeForLog, type Logger } from '../log.js';

export interface JsonRpcError {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

/** The JSON-RPC 2.0 specification's own messages, as its examples spell them. */
export const STANDARD_MESSAGES = {
  parse: 'Parse error',
  invalidRequest: 'Invalid Request',
  methodNotFound: 'Method not found',
  internal: 'Internal error: the daemon could not answer; details are in its log.',
} as const;

/** JSON-RPC code of every DB_* error (rpc.md: -32010, the request can be retried). */
const DATABASE_RPC_CODE = catalogue.DB_UNAVAILABLE.rpc;
/** What a client reads for any database failure; the cause goes to the log. */
export const DATABASE_MESSAGE = 'The routing database is unavailable; retry later.';

/**
 * The catalogue code each error object was made from, beside it rather than
 * in it (the object is what the client reads): the metrics label an outcome
 * by its code where JSON-RPC codes are shared (-32010, -32603). Only error
 * answers pay for it.
 */
const catalogueCodes = new WeakMap<object, ErrorCode>();

function tagged(error: JsonRpcError, code: ErrorCode): JsonRpcError {
  catalogueCodes.set(error, code);
  return error;
}

/** The first catalogue code of each JSON-RPC code: the outcome of error objects made elsewhere (jayson's -32600, -32601). */
const CODE_OF_RPC: ReadonlyMap<number, ErrorCode> = (() => {
  const map = new Map<number, ErrorCode>();
  for (const [code, entry] of Object.entries(catalogue) as [ErrorCode, { rpc?: number }][]) {
    if (entry.rpc !== undefined && !map.has(entry.rpc)) map.set(entry.rpc, code);
  }
  return map;
})();

/** A response's `error` member → `ok` or the catalogue code (an unknown one counts as RPC_INTERNAL). */
export function outcomeOf(error: unknown): string {
  if (error === undefined || error === null) return 'ok';
  if (typeof error !== 'object') return 'RPC_INTERNAL';
  const known = catalogueCodes.get(error);
  if (known !== undefined) return known;
  const rpc = (error as { code?: unknown }).code;
  return (typeof rpc === 'number' ? CODE_OF_RPC.get(rpc) : undefined) ?? 'RPC_INTERNAL';
}

export function rpcError(code: ErrorCode, message: string, data?: unknown): JsonRpcError {
  const rpc = (catalogue[code] as { rpc?: number }).rpc;
  if (rpc === undefined) throw new TypeError(`catalogue code ${code} has no JSON-RPC code`);
  return tagged(data === undefined ? { code: rpc, message } : { code: rpc, message, data }, code);
}

export function toRpcError(err: unknown, logger: Logger, fields: Record<string, unknown>): JsonRpcError {
  if (err instanceof SippyError && err.rpcCode !== undefined) {
    // Per request, so debug only: the database layer logs outages and
    // recoveries once, and the resolver logs bad configuration once.
    if (logger.enabled('debug')) logger.debug('request failed', { ...fields, code: err.code, error: describeForLog(err) });
    // A database failure's message and data name the server, user, database
    // and driver code: internal details for the log, not for a softswitch.
    if (err.rpcCode === DATABASE_RPC_CODE) return tagged({ code: err.rpcCode, message: DATABASE_MESSAGE }, err.code);
    const message = redactSecrets(err.message);
    return tagged(err.data === undefined ? { code: err.rpcCode, message } : { code: err.rpcCode, message, data: err.data }, err.code);
  }
  logger.error('internal error while answering a request', {
    ...fields,
    error: describeForLog(err),
    stack: err instanceof Error && err.stack !== undefined ? redactSecrets(err.stack) : undefined,
  });
  return rpcError('RPC_INTERNAL', STANDARD_MESSAGES.internal);
}


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

export function rpcError(code: ErrorCode, message: string, data?: unknown): JsonRpcError {
  const rpc = (catalogue[code] as { rpc?: number }).rpc;
  if (rpc === undefined) throw new TypeError(`catalogue code ${code} has no JSON-RPC code`);
  return data === undefined ? { code: rpc, message } : { code: rpc, message, data };
}

export function toRpcError(err: unknown, logger: Logger, fields: Record<string, unknown>): JsonRpcError {
  if (err instanceof SippyError && err.rpcCode !== undefined) {
    // Per request, so debug only: the database layer logs outages and
    // recoveries once, and the resolver logs bad configuration once.
    if (logger.enabled('debug')) logger.debug('request failed', { ...fields, code: err.code, error: describeForLog(err) });
    // A database failure's message and data name the server, user, database
    // and driver code: internal details for the log, not for a softswitch.
    if (err.rpcCode === DATABASE_RPC_CODE) return { code: err.rpcCode, message: DATABASE_MESSAGE };
    const message = redactSecrets(err.message);
    return err.data === undefined ? { code: err.rpcCode, message } : { code: err.rpcCode, message, data: err.data };
  }
  logger.error('internal error while answering a request', {
    ...fields,
    error: describeForLog(err),
    stack: err instanceof Error && err.stack !== undefined ? redactSecrets(err.stack) : undefined,
  });
  return rpcError('RPC_INTERNAL', STANDARD_MESSAGES.internal);
}


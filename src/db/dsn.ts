// The DSN as the database layer takes it: from -d or SIPPY_ROUTED_DB. Its
// syntax and redaction live in ../dsn-syntax.ts, a leaf that every layer may
// import; they are re-exported here for the database layer's callers.

import { SippyError } from '../errors.js';
import { parseDsn, type Dsn } from '../dsn-syntax.js';

export { parseDsn, redactSecrets, type Dsn } from '../dsn-syntax.js';

/** The DSN from `-d`, else SIPPY_ROUTED_DB, else an error naming both. */
export function dsnFromOptions(option: string | undefined, env: NodeJS.ProcessEnv): Dsn {
  const text = option ?? env.SIPPY_ROUTED_DB;
  if (text === undefined || text === '') {
    throw new SippyError('DB_DSN_MISSING', 'no database DSN: give -d DSN or set SIPPY_ROUTED_DB');
  }
  return parseDsn(text);
}

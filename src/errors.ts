// The one catalogue of the daemon's errors. Every error a user, an operator or
// a softswitch can see has a stable code here; docs/errors.md lists them all,
// and a test keeps the two in step. Codes never change meaning once shipped.
//
// A code carries where it surfaces: `exit` for the command line (0 success,
// 1 runtime failure, 2 usage or configuration error) and `rpc` for the
// JSON-RPC error code a client receives.

export interface CatalogueEntry {
  /** Process exit status when this error ends a command. */
  readonly exit: 1 | 2;
  /** JSON-RPC error code when this error answers a request, if it can. */
  readonly rpc?: number;
  /** One line for the docs: what it means and what to do. */
  readonly summary: string;
}

export const catalogue = {
  // Command line
  USAGE: { exit: 2, summary: 'The command line is malformed: unknown command or option, missing or bad value.' },

  // Database
  DB_DSN_INVALID: { exit: 2, summary: 'The database DSN does not parse: expected mysql://USER[:PASS]@HOST[:PORT]/DB or mysql://USER@localhost/DB?socket=/path.' },
  DB_DSN_MISSING: { exit: 2, summary: 'No database DSN: give -d DSN or set SIPPY_ROUTED_DB.' },
  DB_UNAVAILABLE: { exit: 1, rpc: -32010, summary: 'The database server cannot be reached, refused the connection, or timed out; the request can be retried.' },
  DB_ACCESS_DENIED: { exit: 1, rpc: -32010, summary: 'The database server refused the user name or password.' },
  DB_UNKNOWN_DATABASE: { exit: 1, rpc: -32010, summary: 'The database named in the DSN does not exist on the server.' },
  DB_QUERY_FAILED: { exit: 1, rpc: -32010, summary: 'A database statement failed; details are in the log, never in the answer.' },
  DB_SCHEMA_TOO_NEW: { exit: 1, summary: 'The database schema is newer than this program knows; upgrade the program.' },
  DB_SERVER_START_FAILED: { exit: 1, summary: 'The private MariaDB/MySQL server (tests, demo, benchmark) did not start; its log is named in the message.' },
  DB_SERVER_NOT_INSTALLED: { exit: 1, summary: 'No mariadbd or mysqld binary was found; install the mariadb-server package (make deps does so as root).' },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof catalogue;

/**
 * An error the program expects and explains. `message` is one readable
 * sentence that is safe to show anyone (no SQL, no stack, no password);
 * `data` carries machine details for JSON-RPC answers and `--json` output.
 */
export class SippyError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options?: { data?: Record<string, unknown>; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SippyError';
    this.code = code;
    this.data = options?.data;
  }

  get exitCode(): 1 | 2 {
    return catalogue[this.code].exit;
  }

  get rpcCode(): number | undefined {
    const entry: CatalogueEntry = catalogue[this.code];
    return entry.rpc;
  }
}

export function isSippyError(err: unknown, code?: ErrorCode): err is SippyError {
  return err instanceof SippyError && (code === undefined || err.code === code);
}

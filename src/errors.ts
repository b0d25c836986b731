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
  LOG_FILE_UNWRITABLE: { exit: 1, summary: 'The --log-file cannot be opened for appending (missing directory, permissions).' },

  // Database
  DB_DSN_INVALID: { exit: 2, summary: 'The database DSN does not parse: expected mysql://USER[:PASS]@HOST[:PORT]/DB or mysql://USER@localhost/DB?socket=/path.' },
  DB_DSN_MISSING: { exit: 2, summary: 'No database DSN: give -d DSN or set SIPPY_ROUTED_DB.' },
  DB_UNAVAILABLE: { exit: 1, rpc: -32010, summary: 'The database server cannot be reached, refused the connection, or timed out; the request can be retried.' },
  DB_ACCESS_DENIED: { exit: 1, rpc: -32010, summary: 'The database server refused the user name or password.' },
  DB_UNKNOWN_DATABASE: { exit: 1, rpc: -32010, summary: 'The database named in the DSN does not exist on the server.' },
  DB_QUERY_FAILED: { exit: 1, rpc: -32010, summary: 'A database statement failed; details are in the log, never in the answer.' },
  DATA_STALE: { exit: 1, rpc: -32010, summary: 'The routing snapshot is older than --max-staleness (the database has been unreachable that long); the request can be retried.' },
  DB_SCHEMA_TOO_NEW: { exit: 1, summary: 'The database schema is newer than this program knows; upgrade the program.' },
  DB_SERVER_START_FAILED: { exit: 1, summary: 'The private MariaDB/MySQL server (tests, demo, benchmark) did not start; its log is named in the message.' },
  DB_SERVER_NOT_INSTALLED: { exit: 1, summary: 'No mariadbd or mysqld binary was found; install the mariadb-server package (make deps does so as root).' },

  // econfig
  ECONFIG_INVALID: { exit: 2, summary: 'The econfig file has errors (each with file:line:column and environment); it is not applied.' },
  ECONFIG_UNREADABLE: { exit: 2, summary: 'The econfig file cannot be read (missing, unreadable, or larger than 1 MiB).' },

  // JSON-RPC requests (rpc.md). The -32700..-32603 family is JSON-RPC's own.
  RPC_PARSE_ERROR: { exit: 1, rpc: -32700, summary: 'The request body is not valid JSON.' },
  RPC_INVALID_REQUEST: { exit: 1, rpc: -32600, summary: 'The JSON is not a valid JSON-RPC request (or the batch is empty or too long).' },
  RPC_METHOD_NOT_FOUND: { exit: 1, rpc: -32601, summary: 'No such method: the daemon serves getRoutes, ping, listGroups and listRoutes.' },
  RPC_INVALID_PARAMS: { exit: 1, rpc: -32602, summary: 'A known parameter is missing or malformed; data.errors lists each with its JSON path.' },
  RPC_INTERNAL: { exit: 1, rpc: -32603, summary: 'The daemon could not answer for an internal reason; details are in its log.' },
  RPC_TIMEOUT: { exit: 1, rpc: -32603, summary: 'The answer was not ready within the request timeout (--request-timeout); the request can be retried.' },
  RPC_STOPPING: { exit: 1, rpc: -32603, summary: 'The listener stopped (SIGTERM, or a reload moved or removed it) before the answer was ready; the request can be retried.' },
  ROUTING_BAD_POLICY: { exit: 1, rpc: -32603, summary: "The routing group's policy has an unknown key; the group is unusable until it is fixed." },
  ROUTING_GROUP_NOT_FOUND: { exit: 1, rpc: -32001, summary: 'No routing group of that exact name in this environment (data.routing_group).' },
  ENVIRONMENT_MISMATCH: { exit: 1, rpc: -32002, summary: "The request's i_environment is not this listener's environment." },
  LISTING_TOO_LARGE: { exit: 1, rpc: -32005, summary: 'The listGroups/listRoutes requests of one batch ask for more rows in all than the bound (data.limit names it, data.value is its value); ask for smaller pages.' },
  ROUTING_LOOP: { exit: 1, rpc: -32003, summary: 'External groups chained past the hops limit: a loop between daemons.' },
  CLIENT_NOT_ALLOWED: { exit: 1, rpc: -32004, summary: 'The client address is not in the listener allow-list (sent with HTTP 403).' },
  UPSTREAM_UNREACHABLE: { exit: 1, rpc: -32011, summary: "An external group's upstream daemon is unreachable or timed out (data.uri)." },
  UPSTREAM_ERROR: { exit: 1, rpc: -32012, summary: "An external group's upstream daemon answered with an error or an invalid result (data.upstream)." },

  // Supervisor
  SUPERVISOR_RUNNING: { exit: 1, summary: 'Another supervisor already runs with this pidfile.' },
  SUPERVISOR_START_FAILED: { exit: 1, summary: 'The supervisor could not start: pidfile, control socket or first configuration failed (the message says which).' },
  SUPERVISOR_UNREACHABLE: { exit: 1, summary: 'status/reload: no supervisor answers on the control socket.' },
  DEMO_RUNNING: { exit: 1, summary: 'demo: a demo already runs on that directory (its supervisor or its database server); nothing was started.' },

  // Asking a daemon (query, groups, routes)
  DAEMON_UNREACHABLE: { exit: 1, summary: 'query/groups/routes: no daemon answers at the URI (no such socket, connection refused, or no answer within --timeout).' },
  DAEMON_BAD_ANSWER: { exit: 1, summary: 'query/groups/routes: the daemon answered something that is not a valid JSON-RPC result for the call.' },

  // Rate decks (rates.md)
  RATES_DECK_INVALID: { exit: 2, summary: 'rates import: the deck has bad rows or cells, each reported as FILE:LINE:COLUMN (the first 20, then a count); nothing was written.' },
  RATES_DECK_UNREADABLE: { exit: 2, summary: 'rates import: the deck cannot be read: missing or unreadable file, an .xls workbook, no such --sheet; nothing was written.' },
  RATES_NOT_FOUND: { exit: 2, summary: 'rates: no such environment, destination set or prefix in the database.' },
  RATES_CURRENCY_MISMATCH: { exit: 2, summary: "rates import: --currency differs from the destination set's currency (rates are in the set's currency); nothing was written." },
  RATES_SET_BUSY: { exit: 1, summary: 'rates import: another import of the same destination set held its lock for 30 s; nothing was written.' },
  RATES_SET_CHANGED: { exit: 1, summary: 'rates import: the destination set changed between the diff and the write (by something other than an import); nothing was written, run it again.' },
  // The routing setup file (apply / export, docs/setup.md)
  SETUP_UNREADABLE: { exit: 2, summary: 'apply: the setup file cannot be read (missing, not a regular file, larger than the bound, or not UTF-8 text).' },
  SETUP_INVALID: { exit: 2, summary: 'apply: the setup file has errors, each as FILE:LINE:COLUMN (shape, values, names that do not resolve); nothing was written.' },
  SETUP_PRUNE_REFUSED: { exit: 2, summary: 'apply --prune: a removal would orphan rows the file does not cover (named in the message); nothing was written.' },
  SETUP_LOCKED: { exit: 1, summary: 'apply: another apply to the same environment held its lock too long; nothing was written, try again.' },
  SETUP_UNWRITABLE: { exit: 1, summary: 'export: the --output file cannot be written (missing directory, permissions).' },
  SETUP_NO_ENVIRONMENT: { exit: 2, summary: 'export: the environment is not in the database (no row in environments).' },

  // Listeners (rpc.md, Transport and Access control)
  SOCKET_IN_USE: { exit: 1, summary: 'The socket is in use: another process answers on that UNIX socket path, or holds that TCP address and port.' },
  SOCKET_BIND_FAILED: { exit: 1, summary: 'The listener could not create its socket (permissions, missing directory, path not a socket, address not on this host).' },
  TLS_FILES_INVALID: { exit: 1, summary: 'The https certificate or key file cannot be read or is not a matching PEM certificate and key.' },
  METRICS_BIND_FAILED: { exit: 1, summary: 'The --metrics endpoint could not listen (address and port in use, permission denied, address not on this host).' },
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

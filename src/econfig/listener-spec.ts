// ListenerSpec: one environment's listener as the econfig file (or the
// single-environment command line) describes it, after validation. Frozen
// and normalised, so the supervisor's plan can compare two specs field by
// field: same `endpoint` means the socket can stay open and every other
// difference is an update in place; another `endpoint` means a move.

import {
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_DATA_POLL_MS,
  DEFAULT_DATA_RECONCILE_S,
  DEFAULT_DB_CONNECTIONS,
  DEFAULT_DB_TIMEOUT_MS,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_TIMEOUT_MS,
  DEFAULT_MAX_BATCH,
  DEFAULT_MAX_HOPS,
  DEFAULT_MAX_STALENESS_S,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_SOCKET_MODE,
  DEFAULT_UPSTREAM_NEW_CONNECTIONS,
  DEFAULT_UPSTREAM_TIMEOUT_MS,
} from '../limits.js';

export { DEFAULT_SOCKET_MODE };

/** The bound socket: its identity. */
export type Endpoint =
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'http' | 'https'; readonly host: string; readonly port: number };

/** The same socket: a listener can keep it open across a reload. */
export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  if (a.kind === 'unix') return b.kind === 'unix' && a.path === b.path;
  return b.kind === a.kind && a.host === b.host && a.port === b.port;
}

export interface ListenerLimits {
  /** --body-limit BYTES: larger request bodies get HTTP 413. */
  readonly bodyLimitBytes: number;
  /** --headers-timeout MS: a client must send its headers within this. */
  readonly headersTimeoutMs: number;
  /** --request-timeout MS: a whole request (headers and body) within this. */
  readonly requestTimeoutMs: number;
  /** --keepalive-timeout MS: an idle kept-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** --max-batch N: longest JSON-RPC batch accepted. */
  readonly maxBatch: number;
  /** --db-connections N: the environment's database pool size. */
  readonly dbConnections: number;
  /** --db-timeout MS: connect and query timeout of the database. */
  readonly dbTimeoutMs: number;
  /** --upstream-timeout MS: external groups, time to wait for the upstream daemon. */
  readonly upstreamTimeoutMs: number;
  /** --max-hops N: external groups, hops limit (loop protection). */
  readonly maxHops: number;
  /** --upstream-new-connections N: external groups, new local connections one upstream may have created per minute. */
  readonly upstreamNewConnections: number;
  /** --data-source: answers from the in-memory snapshot (default) or per request from SQL (docs/routing.md, "Where answers come from"). */
  readonly dataSource: DataSourceOption;
  /** --data-poll MS: how often the snapshot polls the change journal. */
  readonly dataPollMs: number;
  /** --data-reconcile S: how often the snapshot compares per-set checksums with the database; 0 = never. */
  readonly dataReconcileS: number;
  /** --max-staleness S: getRoutes answers -32010 once the snapshot is older than this; 0 = no bound. */
  readonly maxStalenessS: number;
}

export const DATA_SOURCES = ['snapshot', 'sql'] as const;
export type DataSourceOption = (typeof DATA_SOURCES)[number];

/** A listener's limits when its options do not say: each value and why it is that, in src/limits.ts. */
export const DEFAULT_LIMITS: ListenerLimits = Object.freeze({
  bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES,
  headersTimeoutMs: DEFAULT_HEADERS_TIMEOUT_MS,
  requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
  keepAliveTimeoutMs: DEFAULT_KEEPALIVE_TIMEOUT_MS,
  maxBatch: DEFAULT_MAX_BATCH,
  dbConnections: DEFAULT_DB_CONNECTIONS,
  dbTimeoutMs: DEFAULT_DB_TIMEOUT_MS,
  upstreamTimeoutMs: DEFAULT_UPSTREAM_TIMEOUT_MS,
  maxHops: DEFAULT_MAX_HOPS,
  upstreamNewConnections: DEFAULT_UPSTREAM_NEW_CONNECTIONS,
  // In memory: no statement per request (routing.md, "Where answers come from").
  dataSource: 'snapshot',
  dataPollMs: DEFAULT_DATA_POLL_MS,
  dataReconcileS: DEFAULT_DATA_RECONCILE_S,
  maxStalenessS: DEFAULT_MAX_STALENESS_S,
});
export const DEFAULT_RUNDIR = '/var/run';

export interface ListenerSpec {
  readonly environment: number;
  readonly endpoint: Endpoint;
  /** Canonical URI for people and status: `unix:/path`, `http://127.0.0.1:8088/`, `https://[::1]:8443/rpc`. */
  readonly socket: string;
  /** HTTP path served (`/` by default); on unix sockets always `/`. */
  readonly httpPath: string;
  /** File mode of a UNIX socket (--socket-mode); DEFAULT_SOCKET_MODE by default. */
  readonly socketMode: number;
  /** https only: certificate and key files (paths as given, absolute or relative to the working directory). */
  readonly tls: { readonly cert: string; readonly key: string } | undefined;
  /** Normalised CIDR prefixes (`192.0.2.10/32`, `2001:db8::/32`); empty = nobody on TCP. */
  readonly allow: readonly string[];
  /** The environment's own database (-d), or undefined for the supervisor's. May hold a password: print it redacted. */
  readonly dsn: string | undefined;
  /**
   * --db-write: the database every write goes to (external groups'
   * autocreate, the journal purge), the primary when `dsn` is a replica;
   * absent: the `dsn` database (scale-out.md). May hold a password.
   */
  readonly dbWrite?: string;
  readonly limits: ListenerLimits;
}

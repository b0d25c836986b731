// The one source of every bound and default that more than one place uses
// or that the docs state, each with why it is what it is: the widths of the
// stored columns; the getRoutes request bounds (rpc.md) checked by the params
// schema (rpc/) and repeated by the resolver for its own safety (routing/);
// what the client accepts from an upstream; the database and upstream
// timeouts and the pool's queue (db/, the client); the listener options'
// defaults and ranges (econfig/, the supervisor, routing's snapshot follower
// and external groups); the supervisor's and the CLI's; the control socket's;
// the memory and work bounds of routing. A leaf: it imports nothing, so every
// layer may import it (README.md, Layout). The files that held copies of
// these values before spell none of them now
// (test/unit/limits-copies.test.ts), and the docs are tested against it
// (test/unit/limits-docs.test.ts, econfig-docs.test.ts).

/**
 * Names of connections, vendors, destination sets and routing groups: their
 * columns are VARCHAR(128) (db/migrations.ts), so no stored name is longer.
 */
export const MAX_NAME_CHARS = 128;
/** A connection's `destination`: a VARCHAR(255) column. */
export const MAX_DESTINATION_CHARS = 255;
/** Environment ids (-e, --env, --environments, a setup file's `environment`): INT UNSIGNED. */
export const MAX_ENVIRONMENT = 4_294_967_295;
/** A route's `prefix`: a VARCHAR(32) column. */
export const MAX_PREFIX_CHARS = 32;
/**
 * A connection's CLI or CLD translation rule: a VARCHAR(255) column; the
 * bound also limits how much a pathological pattern can backtrack
 * (routing/rules/translation.ts).
 */
export const MAX_RULE_CHARS = 255;
/** An external group's `uri`: a VARCHAR(255) column. */
export const MAX_URI_CHARS = 255;
/** A routing group's `policy`: a VARCHAR(64) column. */
export const MAX_POLICY_CHARS = 64;
/** An environment's `name`: a VARCHAR(64) column. */
export const MAX_ENVIRONMENT_NAME_CHARS = 64;
/**
 * Money as text in a setup file (data/setup/schema.ts), before it is
 * parsed: a DECIMAL(16,6) amount is at most 18 characters with its sign;
 * this bounds what the parser is given, with room for zeros written past
 * the sixth decimal.
 */
export const MAX_MONEY_TEXT_CHARS = 40;

/** getRoutes/listRoutes `routing_group`: 1 to this many characters (code points); a longer one names no group. */
export const MAX_ROUTING_GROUP_CHARS = MAX_NAME_CHARS;
/**
 * getRoutes/listRoutes `cld`, getRoutes `cli`: 1 (`cli` 0) to this many
 * characters (code points). An E.164 number is at most 15 digits; this leaves
 * room for technical prefixes and SIP user parts, and bounds what a
 * translation rule's regular expression is run on (routing.md).
 */
export const MAX_CLD_CHARS = 64;
export const MAX_CLI_CHARS = 64;
/** getRoutes `max_routes`: 1 to this many; a softswitch hunts through a handful of routes, never a hundred. */
export const MAX_ROUTES = 100;
/** getRoutes `hops`: 0 to this many; so also the largest useful --max-hops. Chains of daemons are a few deep. */
export const MAX_HOPS = 16;
/**
 * getRoutes `call_id`, `remote_ip`: logged only; bounded so that a request
 * cannot make log lines huge. A SIP Call-ID is rarely past 100 characters, an
 * IPv6 address with a zone fits 64.
 */
export const MAX_CALL_ID_CHARS = 256;
export const MAX_REMOTE_IP_CHARS = 64;
/** Latest accepted call_start_time: 9999-12-31T23:59:59Z, the last second an ISO 8601 year of four digits can name. */
export const MAX_UNIX_SECONDS = 253_402_300_799;

// What the client accepts in an upstream daemon's getRoutes answer
// (client/route-result-schema.ts). Deliberately larger than what this
// daemon's own requests allow: the answer's `cli` and `cld` are the numbers
// after the upstream's translation rules, which may lengthen them past
// MAX_CLD_CHARS; and a request without `max_routes` is answered with every
// route chosen, which MAX_ROUTES does not bound. These only stop a broken or
// hostile upstream from handing over something unbounded.

/** An upstream answer's `cli` and `cld`: four times MAX_CLD_CHARS, room for any sane translation. */
export const MAX_ANSWER_NUMBER_CHARS = 4 * MAX_CLD_CHARS;
/** Routes in an upstream answer: ten times MAX_ROUTES; a group with more connections than this is not one a softswitch hunts through. */
export const MAX_ANSWER_ROUTES = 10 * MAX_ROUTES;
/**
 * Bytes of one answer the client reads (the default of RpcClient's
 * maxResponseBytes): MAX_ANSWER_ROUTES routes of under 1 KiB of JSON each
 * are about 1 MiB; four times that leaves room without letting a peer fill
 * the memory.
 */
export const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
/**
 * Sockets the client keeps open to one peer (its agent's maxSockets): calls
 * past this wait for one instead of opening a connection each, so a burst
 * toward one upstream daemon cannot reach its own connection limits.
 */
export const CLIENT_SOCKETS_PER_PEER = 64;

/** Database connect and statement timeout, ms (--db-timeout's default): a getRoutes statement takes milliseconds, and a call setup cannot wait much longer. */
export const DEFAULT_DB_TIMEOUT_MS = 2000;
/** Database connections per pool (--db-connections's default): a statement holds one for milliseconds; several environments stay far under a server's max_connections (151 by default). */
export const DEFAULT_DB_CONNECTIONS = 10;
/**
 * Requests that may wait for a database connection, per connection of the
 * pool; more answer DB_UNAVAILABLE at once instead of queueing without end.
 */
export const DB_QUEUE_PER_CONNECTION = 50;

/** One call to another daemon (external groups' --upstream-timeout, the client's default), ms: as the database's, a call setup waits on it. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 2000;
/**
 * A pool's connection idle this long is closed (db/pool.ts): under the
 * server's usual wait_timeout by far, so the server never closes one under
 * the pool, and a quiet minute costs one reconnect.
 */
export const DB_IDLE_TIMEOUT_MS = 60_000;
/** MySQL's and MariaDB's port, for a DSN that names a host but no port. */
export const DEFAULT_DB_PORT = 3306;

// A listener's options (docs/econfig.md, Listener options): the defaults
// DEFAULT_LIMITS (econfig/listener-spec.ts) is built from, and the ranges the
// option parser and the listener-spec schema enforce.

/** --body-limit: a getRoutes request is a few hundred bytes; a batch of DEFAULT_MAX_BATCH of them fits. */
export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;
/** --headers-timeout, ms: a softswitch on the LAN sends headers at once; this only ends slow-loris clients. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 5000;
/** --request-timeout, ms: headers and body; twice the headers' bound. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** --keepalive-timeout, ms: a softswitch sends calls every few seconds; longer than that, so its connection is reused. */
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 30_000;
/** --max-batch: batches of this many stay within DEFAULT_BODY_LIMIT_BYTES and a few ms of work. */
export const DEFAULT_MAX_BATCH = 100;
/** --max-hops: chains of external groups are one or two deep; a loop ends after a few hops, well under MAX_HOPS. */
export const DEFAULT_MAX_HOPS = 4;
/** --upstream-new-connections, per upstream per minute: a new carrier's routes appear, a runaway upstream does not fill the table. */
export const DEFAULT_UPSTREAM_NEW_CONNECTIONS = 100;
/** --data-poll, ms: a change is served within a quarter second; a poll of an idle journal is one indexed read. */
export const DEFAULT_DATA_POLL_MS = 250;
/** --data-reconcile, s: a lost journal entry (snapshot.md) is repaired within five minutes. */
export const DEFAULT_DATA_RECONCILE_S = 300;
/** --max-staleness, s: 0, no bound: old routes are better than none unless the operator says otherwise. */
export const DEFAULT_MAX_STALENESS_S = 0;
/** --socket-mode: the daemon's user and its group (the softswitch's) may connect. */
export const DEFAULT_SOCKET_MODE = 0o660;

/** Inclusive bounds of a numeric listener option. */
export interface OptionRange {
  readonly min: number;
  readonly max: number;
}

/**
 * Ranges of the numeric listener options, by ListenerLimits field. The
 * option parser refuses values outside them and the listener-spec schema
 * checks them again.
 */
export const LISTENER_LIMIT_RANGES = Object.freeze({
  // json-shape.ts: the largest body whose parse, within the shape bounds, stays in tens of ms.
  bodyLimitBytes: { min: 1024, max: 16 * 1024 * 1024 },
  // Timeouts: under 100 ms a healthy client on a loaded host fails; past 10 min (1 h idle) a socket is just held.
  headersTimeoutMs: { min: 100, max: 600_000 },
  requestTimeoutMs: { min: 100, max: 600_000 },
  keepAliveTimeoutMs: { min: 100, max: 3_600_000 },
  // A batch is answered as one reply, built at once: this bounds the work one request can ask for.
  maxBatch: { min: 1, max: 10_000 },
  // Per environment; far past what a server allows (MariaDB's max_connections is 151 by default).
  dbConnections: { min: 1, max: 1000 },
  dbTimeoutMs: { min: 100, max: 600_000 },
  upstreamTimeoutMs: { min: 100, max: 600_000 },
  // rpc.md: a request's hops is 0–MAX_HOPS, so a larger limit could never be
  // reached: a loop would end in the upstream's -32602, not in -32003.
  maxHops: { min: 1, max: MAX_HOPS },
  // Each new name an upstream answers with becomes a kept row (routing.md); 0 = only connections that exist.
  upstreamNewConnections: { min: 0, max: 100_000 },
  // snapshot.md: the journal poll, the checksum reconcile (0 = off), the staleness bound (0 = none); a day at most.
  dataPollMs: { min: 10, max: 60_000 },
  dataReconcileS: { min: 0, max: 86_400 },
  maxStalenessS: { min: 0, max: 86_400 },
} satisfies Record<string, OptionRange>);

// The supervisor's options (supervise-command.ts, docs/operations.md).

/**
 * --drain, ms: in-flight requests a stopping listener lets finish. A
 * getRoutes answers in milliseconds, a call to an upstream within
 * DEFAULT_UPSTREAM_TIMEOUT_MS; this lets them finish without holding a
 * reload or a stop for long.
 */
export const DEFAULT_DRAIN_MS = 5000;
/** --drain at most: ten minutes; a stop that takes longer is not one an init system waits for. */
export const MAX_DRAIN_MS = 600_000;
/** --env-poll, s: a new row of the environments table is served within half a minute; the read is one small query. */
export const DEFAULT_ENV_POLL_S = 30;
/** --env-poll at most: a day. */
export const MAX_ENV_POLL_S = 86_400;

// The CLI's calls to a daemon or to the supervisor (cli/).

/** query, listGroups and the other inspect commands, status: a daemon answers in milliseconds; five seconds of silence means it is stuck, and a person is waiting. */
export const DEFAULT_CALL_TIMEOUT_MS = 5000;
/** --timeout at most, and a data reload's wait: a full load of a large database fits in ten minutes; past that nobody is waiting. */
export const MAX_CALL_TIMEOUT_MS = 600_000;
/** `reload`: the supervisor answers once the changed listeners have drained and their databases answered. */
export const RELOAD_CALL_TIMEOUT_MS = 60_000;

/**
 * Parsed translation rules cached per process (routing/rules/translation.ts): a
 * site has a few dozen distinct rules; this bounds what a table of a
 * rule per connection could hold.
 */
export const TRANSLATION_RULES_CACHED = 1000;

/**
 * The supervisor's control socket (supervisor/control.ts): its requests
 * (`status`, `reload`) have no params, so the listener's default body bound
 * is plenty; a client that is there has the whole request sent long before
 * its request timeout, which only ends a connection left half-written.
 */
export const CONTROL_BODY_LIMIT_BYTES = DEFAULT_BODY_LIMIT_BYTES;
export const CONTROL_REQUEST_TIMEOUT_MS = 30_000;
/** The control socket's mode: only the supervisor's own user may reload it or read its status. */
export const CONTROL_SOCKET_MODE = 0o600;

/**
 * Bytes of kept choices a snapshot holds at most (chosen-routes.ts): the
 * routes chosen for one routing group and one longest matching prefix, about
 * 200 bytes plus 16 per route each. Past this the snapshot's memo starts
 * again empty.
 */
export const CHOSEN_ROUTES_BYTES_PER_SNAPSHOT = 8 * 1024 * 1024;

/**
 * Bytes of prepared answer text a snapshot's kept choices hold at most
 * (chosen-routes.ts, PreparedRouteBytes): each route's own fields as its
 * answer writes them, about 170 bytes a route, 3.5 KB for a choice of twenty
 * routes, so about 9,500 choices. Past this they start again empty (the
 * choices stay, and write their routes field by field until prepared again);
 * a full reload lets them go before it reads, so that they never add to its
 * peak.
 */
export const PREPARED_ROUTE_BYTES_PER_SNAPSHOT = 32 * 1024 * 1024;

/**
 * Rows the listGroups and listRoutes entries of one batch may ask for in all
 * (the sum of their `limit`s, docs/rpc.md): about 4.5 MB of JSON with names
 * of usual length. Past it an entry answers LISTING_TOO_LARGE.
 */
export const MAX_LISTED_ROWS_PER_BATCH = 10_000;

/**
 * Units of work (rows looked at, comparisons) a listing does before it gives
 * the event loop back (routing/inspect/listing-order.ts): a millisecond or two, so
 * that ordering a set of a million routes for listRoutes never holds the
 * other listeners of the process for longer.
 */
export const LISTING_PIECE = 16_384;

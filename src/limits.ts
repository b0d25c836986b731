// The one source of the bounds and defaults that several layers must agree
// on: the getRoutes request bounds (rpc.md) checked by the params schema
// (rpc/), repeated by the resolver for its own safety (routing/) and bounding
// --max-hops (econfig/); the database and upstream timeouts and the pool's
// queue shared by the pool (db/), the listener defaults (econfig/), the
// supervisor and the client. A leaf: it imports nothing, so every layer may
// import it (README.md, Layout). docs/rpc.md and
// docs/econfig.md are tested against it (test/unit/limits-docs.test.ts).

/** getRoutes/listRoutes `routing_group`: 1 to this many characters (code points). */
export const MAX_ROUTING_GROUP_CHARS = 128;
/** getRoutes/listRoutes `cld`: 1 to this many characters (code points). */
export const MAX_CLD_CHARS = 64;
/** getRoutes `cli`: 0 to this many characters (code points). */
export const MAX_CLI_CHARS = 64;
/** getRoutes `max_routes`: 1 to this many. */
export const MAX_ROUTES = 100;
/** getRoutes `hops`: 0 to this many; so also the largest useful --max-hops. */
export const MAX_HOPS = 16;

/** Database connect and statement timeout, ms (--db-timeout's default). */
export const DEFAULT_DB_TIMEOUT_MS = 2000;
/** Database connections per pool (--db-connections's default). */
export const DEFAULT_DB_CONNECTIONS = 10;
/**
 * Requests that may wait for a database connection, per connection of the
 * pool; more answer DB_UNAVAILABLE at once instead of queueing without end.
 */
export const DB_QUEUE_PER_CONNECTION = 50;

/** One call to another daemon (external groups' --upstream-timeout, the client's default), ms. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 2000;

/**
 * Bytes of kept choices a snapshot holds at most (chosen-routes.ts): the
 * routes chosen for one routing group and one longest matching prefix, about
 * 200 bytes plus 64 per route each. Past this the snapshot's memo starts
 * again empty.
 */
export const CHOSEN_ROUTES_BYTES_PER_SNAPSHOT = 16 * 1024 * 1024;

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

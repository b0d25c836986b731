// The resolver's contract: what the RPC layer hands it and what it returns,
// and the shapes callers see of routing (its data status, the listings, the
// rtjson document). Field names are those of rpc.md's getRoutes result, so
// the RPC layer can send a RouteResult as it is. Money is always a decimal
// string. Types only, importing none of routing's implementations (the
// data model's row types aside): every layer above rules may import it, and
// it can be read on its own.

import type { EntryRow, GroupRow, RouteRow } from './rules/model.js';
import type { ExcludedEntry, RouteResult } from '../route-wire.js';

export type { ExcludedEntry, ExclusionReason, Route, RouteResult } from '../route-wire.js';

export interface RouteRequest {
  /** Exact, case-sensitive routing group name. */
  readonly routing_group: string;
  readonly cld: string;
  readonly cli: string;
  /** The call's start time (`t` of routing.md); the RPC layer defaults it to now. */
  readonly time: Date;
  /** Cap on returned routes, 1–100; undefined = no cap. */
  readonly max_routes?: number | undefined;
  /** Also return the excluded entries and why. */
  readonly explain?: boolean | undefined;
  /** How many chained daemons this request has crossed already (0 from a softswitch). */
  readonly hops: number;
  /** Logged only. */
  readonly call_id?: string | undefined;
  readonly remote_ip?: string | undefined;
}

/** Forwards an external group (routing.md "External groups"). */
export interface ExternalGroupHandler {
  resolve(environment: number, group: GroupRow, request: RouteRequest): Promise<RouteResult>;
  /** Releases upstream connections; the resolver's close() calls it. */
  close?(): Promise<void>;
}

/**
 * Answers getRoutes for one environment. Failures are SippyErrors from the
 * catalogue (ROUTING_GROUP_NOT_FOUND, DB_*, ...), never driver errors. The
 * RPC layer knows nothing else of routing: a cached resolver can wrap this
 * interface later without touching rpc/.
 */
export interface Resolver {
  resolve(environment: number, request: RouteRequest): Promise<RouteResult>;
  /**
   * The same answer, returned as it is when it was computed without I/O (from
   * the snapshot): the caller then arms no deadline. A promise otherwise.
   */
  resolveNow?(environment: number, request: RouteRequest): RouteResult | Promise<RouteResult>;
  /**
   * The same selection as Kamailio's rtjson document (sip-proxies.md), as it
   * is when computed without I/O. Absent: the RPC layer makes the document
   * from resolve()'s answer (rtjson.ts, rtjsonOf).
   */
  resolveRtjson?(environment: number, request: RouteRequest): RtjsonDocument | Promise<RtjsonDocument>;
  /** Where answers come from now (ping, status); undefined on the plain SQL path. */
  dataStatus?(): DataStatus | undefined;
  /** Lists the loaded groups and routes (listGroups, listRoutes); absent where a resolver cannot. */
  readonly inspector?: RoutingInspector | undefined;
  /** Releases pools and caches; idempotent. */
  close(): Promise<void>;
}

// ---- Data status (snapshot.md "Start, outage, status") ----

export type DataSourceName = 'sql' | 'snapshot';

/** What ping and status show of a snapshot (snapshot.md "Start, outage, status"). */
export interface DataStatus {
  /** What answers getRoutes now: `sql` until the first snapshot is loaded. */
  readonly source: DataSourceName;
  readonly generation: number;
  readonly rows: number;
  /** ISO time of the last successful sync (the start of its consistent read), null before the first. */
  readonly last_sync: string | null;
  /** ms since last_sync, null before the first. */
  readonly age_ms: number | null;
  /** Whether the journal's triggers are present; null until checked. */
  readonly triggers: boolean | null;
  /** The last sync failure (redacted), null once a sync succeeds again. */
  readonly last_error: string | null;
  /** How long the last full load took, ms. */
  readonly full_load_ms: number | null;
  /**
   * Rows left out of routing because a value cannot be held exactly (routes,
   * destination sets by their connect fee; docs/routing.md): each is logged
   * once, and answers show it as `bad_row` under explain.
   */
  readonly bad_rows: number;
  /**
   * When the database read is a replica and the server shows this user its
   * replication state (REPLICA MONITOR): whether it runs and its lag. Null
   * otherwise. The data answers come from is age_ms plus the lag behind the primary.
   */
  readonly replica: ReplicaStatus | null;
}

export interface ReplicaStatus {
  /** The replica's I/O thread (receiving from the primary) runs. */
  readonly io_running: boolean;
  /** The replica's SQL thread (applying what it received) runs. */
  readonly sql_running: boolean;
  /** Seconds_Behind_Master: null when a thread is stopped (the server does not know). */
  readonly lag_s: number | null;
  /** The replication error the server reports (SQL thread first), null when none. */
  readonly last_error: string | null;
  /** ISO time the state was read. */
  readonly checked_at: string;
}

/** One snapshot's status with the database it follows (redacted). */
export interface SnapshotStatus extends DataStatus {
  readonly dsn: string;
  /** Where its writes (the journal purge) go, redacted; null: `dsn` itself. */
  readonly db_write: string | null;
  readonly poll_ms: number;
  readonly reconcile_s: number;
  readonly listeners: number;
}

// ---- Listings (rpc.md listGroups, listRoutes) ----

/** A group's row, and its counts. */
export interface GroupSummary extends GroupRow {
  /** Routing group entries. */
  readonly entries: number;
  /** Distinct connections of those entries that are enabled. */
  readonly enabled_connections: number;
}

export interface GroupsQuery {
  /** Only the group of exactly this name. */
  readonly name?: string | undefined;
  readonly offset: number;
  readonly limit: number;
}

export interface GroupsPage {
  readonly i_environment: number;
  readonly source: DataSourceName;
  readonly total: number;
  readonly offset: number;
  readonly groups: readonly GroupSummary[];
}

/** What a listing shows of an entry. */
export type ListingEntry = Pick<EntryRow,
  'i_routing_group_entry' | 'entry_order' | 'weight' | 'i_connection' | 'connection_name' | 'enabled' | 'i_destination_set' | 'destination_set_name' | 'currency'>;

/**
 * One route of one entry's destination set, with what the entry shows of
 * itself (ListingEntry); the members in the order listing() writes them.
 * Dates are UTC 'YYYY-MM-DD HH:MM:SS' as stored.
 */
export interface RouteListing extends ListingEntry, Omit<RouteRow, 'i_destination_set' | 'activation' | 'expiration' | 'bad'> {
  /** A value of the row cannot be held exactly: it is left out of routing (`bad_row`), and the values shown are neutral (the log names the value). */
  readonly bad_row: boolean;
  readonly activation_date: string;
  readonly expiration_date: string | null;
  /** The destination's name from the rate deck (routes.description), or null. */
  readonly description: string | null;
}

export interface RoutesQuery {
  readonly routing_group: string;
  /** Only the rows whose prefix the CLD starts with: those an entry considers for a call to it. */
  readonly cld?: string | undefined;
  readonly offset: number;
  readonly limit: number;
}

/** Members in the order routesPage() writes them. */
export interface RoutesPage {
  readonly i_environment: number;
  readonly source: DataSourceName;
  /** Rows in all (an external group's routes are its upstream's: 0 here). */
  readonly total: number;
  readonly offset: number;
  readonly routing_group: { readonly i_routing_group: number; readonly name: string; readonly policy: string; readonly external: boolean; readonly uri: string | null };
  readonly routes: readonly RouteListing[];
}

export interface RoutingInspector {
  groups(environment: number, query: GroupsQuery): GroupsPage | Promise<GroupsPage>;
  /** Throws ROUTING_GROUP_NOT_FOUND when the environment has no group of exactly that name. */
  routes(environment: number, query: RoutesQuery): RoutesPage | Promise<RoutesPage>;
}

// ---- Kamailio's rtjson document (sip-proxies.md) ----

export interface RtjsonRoute {
  /** The translated CLD as user part at the destination. */
  readonly uri: string;
  /** The destination. */
  readonly dst_uri: string;
  /** ms; `timeout_1xx`, absent when NULL. */
  readonly fr_timer?: number;
  /** ms; `timeout`, absent when NULL. */
  readonly fr_inv_timer?: number;
  /** Only when the connection's CLI translation changed the CLI (Kamailio's uac module then rewrites From). */
  readonly headers?: { readonly from: { readonly display: string; readonly uri: string } };
}

export interface RtjsonDocument {
  readonly version: '1.0';
  readonly routing: 'serial';
  readonly routes: readonly RtjsonRoute[];
  /** Only when getRoutes asked to explain; the rtjson module ignores members it does not know. */
  readonly excluded?: readonly ExcludedEntry[];
}

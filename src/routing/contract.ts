// The resolver's contract: what the RPC layer hands it and what it returns.
// Field names are those of rpc.md's getRoutes result, so the RPC layer can
// send a RouteResult as it is. Money is always a decimal string.

import type { GroupRow } from './rules/model.js';
import type { DataStatus } from './follow/snapshot-follower.js';
import type { RoutingInspector } from './inspect/inspect.js';
import type { RouteResult } from '../route-wire.js';
import type { RtjsonDocument } from './answer/rtjson.js';

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

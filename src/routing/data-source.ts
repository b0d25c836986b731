// The seam under the resolver (architecture.md): where a request's group and
// candidates come from. Two implementations: SQL, two statements per request
// (today's path, and the start-up path until a snapshot is loaded), and the
// in-memory snapshot that follows the database (snapshot.md). The resolver
// runs the same pure steps on what either returns, so `rpc/` never knows
// which one answered, and the answers are equal field by field.

import { SippyError } from '../errors.js';
import type { Database } from '../db/pool.js';
import type { BadRow, BadRule, Exclusion } from './rules/candidates.js';
import { findCandidates } from './rules/candidates.js';
import type { GroupRow } from './rules/model.js';
import { parsePolicy, type PolicyKey } from './rules/policy.js';
import { costCandidates, type CostedCandidate } from './rules/select.js';
import { snapshotCandidates } from './snapshot/snapshot-candidates.js';
import { chosenRoutes, type ChosenRoutes } from './snapshot/chosen-routes.js';
import type { SnapshotFollower } from './follow/snapshot-follower.js';
import { loadRoutingData } from './sql/sql.js';
import type { RuleCache } from './rules/translation.js';
import type { DataStatus, RouteRequest } from './contract.js';

/** A group and, when it is local, what step 2 and 3 found for the request. */
export type GroupLookup =
  | { readonly group: GroupRow; readonly external: true }
  | {
      readonly group: GroupRow;
      readonly external: false;
      /** The parsed policy, or the ROUTING_BAD_POLICY error to answer with. */
      readonly policy: readonly PolicyKey[] | SippyError;
      readonly candidates: readonly CostedCandidate[];
      /** Filled when the request asks to explain (the snapshot leaves it empty otherwise). */
      readonly excluded: readonly Exclusion[];
      readonly badRules: readonly BadRule[];
      /** The SQL path's rows left out as `bad_row`, for the resolver's log (the snapshot's follower logs its own at load). */
      readonly badRows?: readonly BadRow[];
      /**
       * From a snapshot, for a policy without `weight` and no `explain`: the
       * routes already chosen (chosen-routes.ts), in place of `candidates`.
       */
      readonly chosen?: ChosenRoutes;
    };

export interface RoutingDataSource {
  /** The request's group in `environment`, undefined when there is none of exactly that name. Throws DB_* or DATA_STALE. */
  lookup(environment: number, request: RouteRequest, rules: RuleCache): GroupLookup | undefined | Promise<GroupLookup | undefined>;
  /** What ping and status show; undefined for the plain SQL source. */
  status(): DataStatus | undefined;
}

const NONE: readonly never[] = Object.freeze([]);

/** Per request from the database (`--data-source sql`). */
export class SqlDataSource implements RoutingDataSource {
  constructor(private readonly databaseFor: (environment: number) => Database) {}

  async lookup(environment: number, request: RouteRequest, rules: RuleCache): Promise<GroupLookup | undefined> {
    const data = await loadRoutingData(this.databaseFor(environment), environment, request.routing_group, request.cld);
    if (data === undefined) return undefined;
    const { group, entries, routesBySet } = data;
    if (group.external) return { group, external: true };
    let policy: readonly PolicyKey[] | SippyError;
    try {
      policy = parsePolicy(group.policy, group.name);
    } catch (err) {
      policy = err as SippyError;
    }
    const found = findCandidates(entries, routesBySet, request.cld, request.time.getTime(), rules);
    return { group, external: false, policy, candidates: costCandidates(found.candidates, group.average_duration), excluded: found.excluded, badRules: found.badRules, badRows: found.badRows };
  }

  status(): DataStatus | undefined {
    return undefined;
  }
}

/**
 * From the follower's snapshot (`--data-source snapshot`, the default);
 * from SQL until the first snapshot is loaded. With a staleness bound, a
 * snapshot older than it answers DATA_STALE instead of old routes.
 */
export class SnapshotDataSource implements RoutingDataSource {
  constructor(
    private readonly follower: SnapshotFollower,
    private readonly sql: SqlDataSource,
    /** --max-staleness in ms; 0 = off. */
    private readonly maxStalenessMs: number,
  ) {}

  lookup(environment: number, request: RouteRequest, rules: RuleCache): GroupLookup | undefined | Promise<GroupLookup | undefined> {
    // The one read of the reference: the whole answer comes from this generation.
    const snapshot = this.follower.current;
    const choices = this.follower.choices;
    if (snapshot === undefined || choices === undefined) return this.sql.lookup(environment, request, rules);
    if (this.maxStalenessMs > 0) {
      const age = this.follower.ageMs();
      if (age > this.maxStalenessMs) {
        throw new SippyError('DATA_STALE', `the routing data is ${Math.round(age / 1000)} s old, over --max-staleness ${this.maxStalenessMs / 1000} s; the database has not been reachable`);
      }
    }
    const group = snapshot.group(environment, request.routing_group);
    if (group === undefined) return undefined;
    if (group.row.external) return { group: group.row, external: true };
    const tMs = request.time.getTime();
    if (group.deterministic && request.explain !== true) {
      const chosen = chosenRoutes(choices, group, group.policy as readonly PolicyKey[], snapshot.prefixes, request.cld, tMs, rules);
      if (chosen !== undefined) return { group: group.row, external: false, policy: group.policy, candidates: NONE, excluded: NONE, badRules: chosen.badRules, chosen };
    }
    const found = snapshotCandidates(group, snapshot.prefixes, request.cld, tMs, rules, request.explain === true);
    return { group: group.row, external: false, policy: group.policy, ...found };
  }

  status(): DataStatus {
    return this.follower.status();
  }
}

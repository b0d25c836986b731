// The routes a snapshot group's policy chooses, kept per longest matching
// prefix: the hot path of most requests once a snapshot is warm.
//
// Why this is exact: on a snapshot, a lookup depends on the CLD only through
// the prefixes of the pool that start it, and those are the longest one and
// its own prefixes (PrefixPool.longestIdOf); entries, rules, costs and the
// policy's order are fixed for the snapshot's life; a policy without
// `weight` draws nothing. What remains is the request's time: a kept choice
// carries the window [from, until) over which every row its match looked at
// is active or not as it was (RouteSet.matchIndex), and outside it the
// choice is made again. `max_routes` keeps the first routes of the choice
// (selectRoutes caps the same list), and `explain` takes the full path,
// which lists exclusions.
//
// A memo belongs to one snapshot generation: a refresh builds a new snapshot
// with empty memos, so nothing kept outlives the data it came from. Bounded
// in bytes: past CHOSEN_ROUTES_BYTES_PER_SNAPSHOT the snapshot's memo starts
// again empty.

import { CHOSEN_ROUTES_BYTES_PER_SNAPSHOT } from '../limits.js';
import type { BadRule } from './candidates.js';
import type { PrefixPool } from './interned.js';
import type { PolicyKey } from './policy.js';
import { RECORD, rowIndexOf } from './route-set.js';
import { selectRoutes } from './select.js';
import { snapshotCandidates } from './snapshot-candidates.js';
import type { SnapshotEntry, SnapshotGroup } from './snapshot.js';
import type { RuleCache } from './translation.js';

/** What a policy chose for one (group, longest prefix), valid for request times in [from, until). */
export class ChosenRoutes {
  constructor(
    readonly from: number,
    readonly until: number,
    /** The group's entries, which entryIndex() indexes. */
    readonly entries: readonly SnapshotEntry[],
    /** Route k: [2k] its entry's index in the group's entries, [2k+1] its row in that entry's set. */
    private readonly rows: Int32Array,
    /** Route k's estimated cost in exact micro-units. */
    private readonly costs: Float64Array,
    /** Route k's record (RouteSet.copyRecord) at k * RECORD.INTS: the answer reads these, side by side, not the sets'. */
    readonly records: Int32Array,
    /** Rules of the group's entries that did not parse (the resolver logs them once). */
    readonly badRules: readonly BadRule[],
  ) {}

  get length(): number {
    return this.costs.length;
  }

  /** About what this choice holds in memory: its arrays and the objects around them. */
  get bytes(): number {
    return CHOICE_OVERHEAD_BYTES + this.rows.byteLength + this.costs.byteLength + this.records.byteLength;
  }

  entryIndex(k: number): number {
    return this.rows[2 * k]!;
  }

  row(k: number): number {
    return this.rows[2 * k + 1]!;
  }

  cost(k: number): number {
    return this.costs[k]!;
  }
}

/** A choice's object, its three typed arrays and its map entry, beyond their contents. */
const CHOICE_OVERHEAD_BYTES = 200;

/** The bound shared by every group of one snapshot, in bytes. */
export class ChosenRoutesMemo {
  private kept = 0;
  private held = 0;
  private readonly maps: Map<number, ChosenRoutes>[] = [];

  constructor(private readonly capacityBytes = CHOSEN_ROUTES_BYTES_PER_SNAPSHOT) {}

  /** A group's own map, counted against this memo's bound. */
  groupMap(): Map<number, ChosenRoutes> {
    const map = new Map<number, ChosenRoutes>();
    this.maps.push(map);
    return map;
  }

  keep(map: Map<number, ChosenRoutes>, key: number, chosen: ChosenRoutes): void {
    const replaced = map.get(key);
    if (replaced !== undefined) {
      this.kept--;
      this.held -= replaced.bytes;
    }
    if (this.held + chosen.bytes > this.capacityBytes) {
      for (const each of this.maps) each.clear();
      this.kept = 0;
      this.held = 0;
    }
    map.set(key, chosen);
    this.kept++;
    this.held += chosen.bytes;
  }

  /** Choices kept now (tests). */
  get size(): number {
    return this.kept;
  }

  /** Their bytes (ChosenRoutes.bytes), at most the capacity. */
  get bytes(): number {
    return this.held;
  }
}

const NO_DRAW = (): number => {
  throw new Error('a policy without weight drew a random number');
};

/**
 * The routes `keys` (a policy without `weight`) chooses in `group` for
 * `cld` at `tMs`: kept, or chosen now and kept. Undefined when a cost is
 * beyond 2^53 micro-units (a BigInt, not kept): the caller takes the full path.
 */
export function chosenRoutes(group: SnapshotGroup, keys: readonly PolicyKey[], prefixes: PrefixPool, cld: string, tMs: number, rules: RuleCache): ChosenRoutes | undefined {
  const key = prefixes.longestIdOf(cld);
  const kept = group.chosen.get(key);
  if (kept !== undefined && kept.from <= tMs && tMs < kept.until) return kept;
  const window = new Float64Array([-Infinity, Infinity]);
  const found = snapshotCandidates(group, prefixes, cld, tMs, rules, false, window);
  const routes = selectRoutes(found.candidates, { keys, random: NO_DRAW, maxRoutes: undefined }).routes;
  const rows = new Int32Array(routes.length * 2);
  const costs = new Float64Array(routes.length);
  const records = new Int32Array(routes.length * RECORD.INTS);
  for (let k = 0; k < routes.length; k++) {
    const { entry, route, costMicros } = routes[k]!;
    if (typeof costMicros === 'bigint') return undefined;
    const entryIndex = group.entries.findIndex((e) => e.row === entry);
    rows[2 * k] = entryIndex;
    rows[2 * k + 1] = rowIndexOf(route)!;
    costs[k] = costMicros;
    group.entries[entryIndex]!.routes!.copyRecord(rows[2 * k + 1]!, records, k * RECORD.INTS);
  }
  const chosen = new ChosenRoutes(window[0]!, window[1]!, group.entries, rows, costs, records, found.badRules);
  group.memo.keep(group.chosen, key, chosen);
  return chosen;
}

// Steps 3–7 of routing.md: order by the policy chain, deduplicate by
// connection, stop at huntstop, cap at max_routes. Pure: the random source is
// injected, so a seeded one makes `weight` reproducible. Costs (step 3) come
// with the candidates: each data source computes them its own way (the SQL
// path per request from the decimal strings, the snapshot once per route
// from integer micro-units), and both give the same exact value.

import type { ExclusionReason } from '../../route-wire.js';
import type { Candidate, Exclusion } from './candidates.js';
import type { PolicyKey } from './policy.js';
import { estimateCostMicros, type Tariff } from './cost.js';

/** A candidate with its step-3 cost and its prefix length (the keys the policy sorts by). */
export interface CostedCandidate extends Candidate {
  /** Exact micro-units: a number when below 2^53, else a BigInt (the two compare exactly with < and >). */
  readonly costMicros: number | bigint;
  /** Characters (code points) of the matched prefix. */
  readonly prefixLength: number;
  /**
   * The weighted draw, written by rank() on the candidate itself (a
   * request's candidates are its own), only when the policy has `weight`:
   * nothing else reads it, and a double field costs a heap number per
   * candidate.
   */
  draw?: number;
}

/** Uniform in [0, 1), like Math.random. */
export type RandomSource = () => number;

export interface Ranked extends CostedCandidate {
  /** The weighted-random key -ln(u)/w (smaller first); Infinity without a positive weight; absent when the policy has no `weight`. */
  draw?: number;
}

export interface SelectionOptions {
  readonly keys: readonly PolicyKey[];
  readonly random: RandomSource;
  readonly maxRoutes?: number | undefined;
}

export interface Selection {
  readonly routes: readonly Ranked[];
  /** duplicate, after_huntstop, over_max_routes: in the order the entries were ranked. */
  readonly excluded: readonly Exclusion[];
}

type Compare = (a: Ranked, b: Ranked) => number;

const COMPARE: Record<PolicyKey, Compare> = {
  lcr: (a, b) => (a.costMicros < b.costMicros ? -1 : a.costMicros > b.costMicros ? 1 : 0),
  prefix: (a, b) => b.prefixLength - a.prefixLength,
  preference: (a, b) => b.route.preference - a.route.preference,
  order: (a, b) => a.entry.entry_order - b.entry.entry_order,
  // Unweighted entries draw Infinity: after the weighted ones of their tier,
  // and equal among themselves so the following keys order them.
  weight: (a, b) => (a.draw === b.draw ? 0 : a.draw! < b.draw! ? -1 : 1),
};

const TIE_BREAK: Compare = (a, b) =>
  a.entry.entry_order - b.entry.entry_order || a.entry.i_routing_group_entry - b.entry.i_routing_group_entry;

/**
 * Weighted random key (Efraimidis–Spirakis): with keys -ln(u)/w, u uniform in
 * (0, 1], the entry of weight w has the smallest key with probability
 * w / (sum of weights). A weight of NULL, 0 or less is outside the split.
 */
export function weightedDraw(weight: number | null, random: RandomSource): number {
  if (weight === null || !(weight > 0)) return Infinity;
  const u = 1 - random();
  return -Math.log(u) / weight;
}

/** The comparator of a policy chain, then entry_order, then i_routing_group_entry: built once per parsed policy. */
export function comparatorOf(keys: readonly PolicyKey[]): Compare {
  const chain = keys.map((key) => COMPARE[key]);
  // One key (lcr alone, the usual policy): no loop over the chain per comparison.
  if (chain.length === 1) {
    const only = chain[0]!;
    return (a, b) => only(a, b) || TIE_BREAK(a, b);
  }
  return (a, b) => {
    for (let i = 0; i < chain.length; i++) {
      const c = chain[i]!(a, b);
      if (c !== 0) return c;
    }
    return TIE_BREAK(a, b);
  };
}

const comparators = new WeakMap<readonly PolicyKey[], Compare>();

/**
 * Sorts the candidates by the policy chain, then entry_order, then
 * i_routing_group_entry. The draws are written on the candidates
 * themselves (no copy of each per request); the input array keeps its order.
 */
export function rank(candidates: readonly CostedCandidate[], options: SelectionOptions): Ranked[] {
  const usesWeight = options.keys.includes('weight');
  const ranked = candidates.slice() as Ranked[];
  // Draws in entry order, one per candidate per request, only when the policy asks.
  if (usesWeight) for (const candidate of ranked) candidate.draw = weightedDraw(candidate.entry.weight, options.random);
  let compare = comparators.get(options.keys);
  if (compare === undefined) comparators.set(options.keys, (compare = comparatorOf(options.keys)));
  return ranked.sort(compare);
}

/** Step 3 on the decimal strings (the SQL path): each candidate's cost and prefix length. */
export function costCandidates(candidates: readonly Candidate[], averageDuration: number): CostedCandidate[] {
  return candidates.map((candidate) => ({
    ...candidate,
    costMicros: estimateCostMicros(tariffOf(candidate), averageDuration),
    prefixLength: Array.from(candidate.route.prefix).length,
  }));
}

/** Rates come from the route, connect fee and free seconds from its destination set. */
export function tariffOf({ route, entry }: Candidate): Tariff {
  return {
    price_1: route.price_1, price_n: route.price_n, interval_1: route.interval_1, interval_n: route.interval_n,
    connect_fee: entry.connect_fee, free_seconds: entry.free_seconds,
  };
}

/** Steps 3–7: rank, then keep each connection's best position, stop after huntstop, cap. */
export function selectRoutes(candidates: readonly CostedCandidate[], options: SelectionOptions): Selection {
  const routes: Ranked[] = [];
  const excluded: Exclusion[] = [];
  const seen = new SeenConnections(candidates.length);
  let stopped = false;
  // The steps in the spec's order on one pass: a duplicate never counts for
  // huntstop, and a huntstop route cut by the cap still ends the hunt.
  for (const candidate of rank(candidates, options)) {
    let reason: ExclusionReason | undefined;
    if (!seen.add(candidate.entry.i_connection)) reason = 'duplicate';
    else if (stopped) reason = 'after_huntstop';
    else if (options.maxRoutes !== undefined && routes.length >= options.maxRoutes) reason = 'over_max_routes';
    if (reason !== 'duplicate' && candidate.route.huntstop) stopped = true;
    if (reason === undefined) routes.push(candidate);
    else excluded.push({ entry: candidate.entry, reason });
  }
  return { routes, excluded };
}

/** The connections ranked so far: a short array scanned (a group's few dozen entries), a Set beyond. */
class SeenConnections {
  private readonly list: number[] = [];
  private readonly set: Set<number> | undefined;

  constructor(expected: number) {
    this.set = expected > SCAN_UP_TO ? new Set() : undefined;
  }

  /** False when `connection` was seen already. */
  add(connection: number): boolean {
    if (this.set !== undefined) {
      if (this.set.has(connection)) return false;
      this.set.add(connection);
      return true;
    }
    if (this.list.includes(connection)) return false;
    this.list.push(connection);
    return true;
  }
}

const SCAN_UP_TO = 32;

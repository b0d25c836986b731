// Step 2 and the costs of step 3 of routing.md on a snapshot group: the hot
// path. The same decisions as candidates.ts (findCandidates) on the columns,
// in the same order. Costs come from micro-units parsed once at load: a few
// exact integer operations on numbers per candidate, no parsing and no
// BigInt (a memo per route and average duration was measured: it cost 40 MB
// at a million routes and saved nothing over the arithmetic). Pure.

import { entryRules, parseEntryRules, type BadRule, type Exclusion } from '../rules/candidates.js';
import { estimateCostMicros, estimateCostMicrosNumber } from '../rules/cost.js';
import type { PrefixPool } from './interned.js';
import { NO_MATCH, NOT_ACTIVE, type RouteSet } from './route-set.js';
import type { CostedCandidate } from '../rules/select.js';
import type { SnapshotEntry, SnapshotGroup } from './snapshot.js';
import type { RuleCache } from '../rules/translation.js';

export interface SnapshotCandidates {
  readonly candidates: CostedCandidate[];
  readonly excluded: Exclusion[];
  readonly badRules: BadRule[];
}

/**
 * findCandidates on a snapshot group, with costs. The exclusions of entries
 * that cannot carry the call are listed only when `explain` (the answer
 * shows them then, and only then): most requests skip an object per entry.
 */
export function snapshotCandidates(
  group: SnapshotGroup,
  prefixes: PrefixPool,
  cld: string,
  tMs: number,
  rules: RuleCache,
  explain: boolean,
  /** Narrowed to the instants over which the same candidates hold (RouteSet.matchIndex). */
  window?: Float64Array,
): SnapshotCandidates {
  const candidates: CostedCandidate[] = [];
  const excluded: Exclusion[] = [];
  const badRules: BadRule[] = [];
  const averageDuration = group.row.average_duration;
  // The CLD's prefixes that exist anywhere, found once for all entries.
  const prefixIds = prefixes.prefixIdsOf(cld);
  const entries = group.entries;
  // First every entry's match, in a loop of nothing else: the probes of
  // different destination sets do not wait on each other, so their cache
  // misses can overlap instead of queueing behind the rest of each entry's work.
  const matched = claimMatchScratch(entries.length);
  try {
    for (let e = 0; e < entries.length; e++) {
      const routes = entries[e]!.routes;
      matched[e] = routes === undefined ? NO_MATCH : routes.matchIndex(prefixIds, tMs, window);
    }
    for (let e = 0; e < entries.length; e++) {
      const snapshotEntry = entries[e]!;
      const entry = snapshotEntry.row;
      if (!entry.enabled) {
        if (explain) excluded.push({ entry, reason: 'disabled' });
        continue;
      }
      if (snapshotEntry.bad !== undefined) {
        if (explain) excluded.push({ entry, reason: 'bad_row' });
        continue;
      }
      const routes = snapshotEntry.routes;
      const index = matched[e]!;
      if (index < 0) {
        if (explain) excluded.push({ entry, reason: index === NOT_ACTIVE ? 'not_active' : 'no_match' });
        continue;
      }
      const set = routes!;
      if (set.isBad(index)) {
        if (explain) excluded.push({ entry, reason: 'bad_row' });
        continue;
      }
      if (set.isForbidden(index)) {
        if (explain) excluded.push({ entry, reason: 'forbidden' });
        continue;
      }
      // Parsed once per entry and kept with it (a rule is pure): no map lookups per request.
      const parsed = entryRules(entry, (snapshotEntry.rules ??= parseEntryRules(entry, rules)), excluded, badRules);
      if (parsed === undefined) continue;
      const route = set.route(index);
      candidates.push({
        entry, route, cliRule: parsed.cliRule, cldRule: parsed.cldRule,
        costMicros: costOf(snapshotEntry, set, index, averageDuration),
        prefixLength: set.prefixLength(index),
      });
    }
  } finally {
    matchScratchBusy = false;
  }
  return { candidates, excluded, badRules };
}

let scratch = new Int32Array(64);
/**
 * True while a lookup holds the scratch. The lookup is synchronous, so one
 * request at a time uses it; a lookup started from inside another (a rule
 * cache or a hook that called back in) would overwrite the outer's matches,
 * so it throws instead.
 */
let matchScratchBusy = false;

/** The reused array of at least n matches, held until the caller clears matchScratchBusy. */
function claimMatchScratch(n: number): Int32Array {
  if (matchScratchBusy) throw new Error('snapshotCandidates entered again while a lookup holds its match scratch (reentrant use)');
  matchScratchBusy = true;
  if (scratch.length < n) scratch = new Int32Array(Math.max(n, scratch.length * 2));
  return scratch;
}

function costOf(entry: SnapshotEntry, set: RouteSet, i: number, averageDuration: number): number | bigint {
  const cost = estimateCostMicrosNumber(
    {
      price1: set.price1Micros(i), priceN: set.priceNMicros(i),
      interval1: set.interval1(i), intervalN: set.intervalN(i),
      connectFee: entry.connectFeeMicros, freeSeconds: entry.row.free_seconds,
    },
    averageDuration,
  );
  if (cost === cost) return cost;
  // Past 2^53 micro-units (DECIMAL(16,6) allows it): exact with BigInt from the text.
  const row = entry.row;
  return estimateCostMicros(
    {
      price_1: set.price1Text(i), price_n: set.priceNText(i),
      interval_1: set.interval1(i), interval_n: set.intervalN(i), connect_fee: row.connect_fee, free_seconds: row.free_seconds,
    },
    averageDuration,
  );
}

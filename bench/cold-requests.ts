// The request pools of the memo-cold and the skewed scenarios. Pure and
// seeded, like requests.ts.
//
// The daemon keeps what a policy chose per (group, longest prefix of the
// CLD in the environment's prefix pool)
// (src/routing/snapshot/chosen-routes.ts), so the bench's usual 10,000
// bodies, about 8,900 such pairs, are nearly all answered from kept choices
// after the warm-up. Memo-cold: every request a
// distinct CLD whose (group, longest pool prefix) no other request has, as
// far as the data allows (groups × pool prefixes pairs; 50 × 10,000 at a
// million routes, so 200,000 requests are all distinct), in a seeded random
// order. Skewed: the same distinct calls ranked in that order and drawn
// with Zipf's law, s = 1 (the call of rank k asked in proportion to 1/k),
// as traffic concentrated on popular destinations is.

import { seededRandom } from '../src/seeded-random.js';
import type { SampledCall } from './check.js';
import { drawCli, randomDigits, randomInt, type SyntheticDataSet } from './dataset.js';

const COLD_STREAM = 0xc01d;
const ZIPF_STREAM = 0x21bf;
/** Attempts at a CLD whose longest pool prefix is the one asked for (a longer pool prefix may start it). */
const SUFFIX_ATTEMPTS = 8;

export interface ColdPool {
  readonly calls: readonly SampledCall[];
  /** Further calls on pairs the load does not ask (while pairs last): checked once each, every one a miss of the memo. */
  readonly sample: readonly SampledCall[];
  /** Distinct (group, longest pool prefix) pairs among the calls: the memo keys they ask. */
  readonly distinctKeys: number;
}

/** Fisher-Yates over 0..n-1. */
function shuffledIndexes(n: number, random: () => number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

/**
 * `count` getRoutes calls with distinct CLDs, each (group, longest pool
 * prefix) pair used once before any is used again, then `sampleSize` more.
 */
export function coldCalls(ds: SyntheticDataSet, count: number, sampleSize = 0): ColdPool {
  const random = seededRandom(ds.sizes.seed ^ COLD_STREAM);
  const prefixes = ds.prefixes;
  const groups = ds.groups;
  const pairs = shuffledIndexes(prefixes.length * groups.length, random);
  const total = count + sampleSize;
  const calls: SampledCall[] = [];
  const clds = new Set<string>();
  const keys = new Set<number>();
  // Rounds over all pairs: past the first, keys repeat but CLDs stay distinct.
  for (let round = 0; calls.length < total && round < 1 + total / pairs.length + 1; round++) {
    for (let i = 0; i < pairs.length && calls.length < total; i++) {
      const pair = pairs[i]!;
      const prefix = prefixes[pair % prefixes.length]!;
      const group = groups[Math.floor(pair / prefixes.length)]!;
      for (let attempt = 0; attempt < SUFFIX_ATTEMPTS; attempt++) {
        const cld = prefix + randomDigits(random, 11 + randomInt(random, 2) - prefix.length);
        if (clds.has(cld) || ds.longestPoolPrefix(cld) !== prefix) continue;
        clds.add(cld);
        if (calls.length < count) keys.add(pair);
        calls.push({ routing_group: group.name, cli: drawCli(random), cld });
        break;
      }
    }
  }
  return { calls: calls.slice(0, count), sample: calls.slice(count), distinctKeys: keys.size };
}

export interface ZipfPool {
  readonly calls: readonly SampledCall[];
  /** Share of the draws that fell on the most asked call, and on the 1% most asked. */
  readonly topShare: number;
  readonly topPercentShare: number;
}

/** `count` draws from `ranked` (rank 1 first) with P(rank k) ∝ 1/k^s. */
export function zipfCalls(ranked: readonly SampledCall[], count: number, s = 1, seed = 1): ZipfPool {
  const n = ranked.length;
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) cumulative[k] = total += 1 / Math.pow(k + 1, s);
  const random = seededRandom(seed ^ ZIPF_STREAM);
  const counts = new Uint32Array(n);
  const calls: SampledCall[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const target = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    counts[lo] = counts[lo]! + 1;
    calls[i] = ranked[lo]!;
  }
  const top = Math.max(1, Math.floor(n / 100));
  let inTop = 0;
  for (let k = 0; k < top; k++) inTop += counts[k]!;
  return { calls, topShare: count > 0 ? counts[0]! / count : 0, topPercentShare: count > 0 ? inTop / count : 0 };
}

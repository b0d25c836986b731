// The synthetic benchmark data set, as a pure, deterministic function of its
// sizes and seed. Nothing is stored per route: a route's prefix and rates are
// derived from (destination set, position) by hashing, so the generator can
// stream a million rows to the database and the checker can compute the
// expected answer for any CLD without holding a million objects.
//
// Shape (kept simple so that expected answers are easy to compute exactly):
// - one environment (1); every connection enabled, no translation rules;
// - a pool of distinct prefixes (first digit 1-9, 2-8 digits, so prefixes
//   nest: "44" under "4420" under "442071"); destination set d holds a
//   cyclic window of that pool, shuffled, so sets overlap by about half;
// - every route active (activation 1970, no expiration), about 2% forbidden
//   (a longer forbidden prefix blocks a shorter allowed one), huntstop never;
// - every routing group has policy `lcr` and distinct connections, so
//   deduplication never applies; cost ties are broken by the spec's rule.
// All ids are explicit (1..n in generation order), so the checker knows
// every i_route, i_connection, ... the daemon must return.

import { seededRandom } from '../src/seeded-random.js';
import { fmix32 } from '../src/hash32.js';

export const BENCH_ENVIRONMENT = 1;
export const ACTIVATION_DATE = '1970-01-01 00:00:00';
const CONNECTIONS_PER_VENDOR = 10;

export interface DataSetSizes {
  readonly routes: number;
  readonly destinationSets: number;
  readonly connections: number;
  readonly groups: number;
  readonly entriesPerGroup: number;
  readonly seed: number;
}

export interface VendorRow { readonly i_vendor: number; readonly name: string }

export interface ConnectionRow {
  readonly i_connection: number;
  readonly i_vendor: number;
  readonly name: string;
  readonly destination: string;
  readonly capacity: number;
}

export interface DestinationSetRow {
  readonly i_destination_set: number;
  readonly name: string;
  readonly connectFeeMicros: number;
  readonly free_seconds: number;
  /** First pool index of the set's cyclic window, and its length. */
  readonly offset: number;
  readonly size: number;
  /** i_route of the set's first route; the others follow without gaps. */
  readonly firstRoute: number;
}

export interface RouteRow {
  readonly i_route: number;
  readonly i_destination_set: number;
  readonly prefix: string;
  readonly preference: number;
  readonly timeout: number | null;
  readonly price1Micros: number;
  readonly priceNMicros: number;
  readonly interval_1: number;
  readonly interval_n: number;
  readonly forbidden: boolean;
}

export interface EntryRow {
  readonly i_routing_group_entry: number;
  readonly i_connection: number;
  readonly i_destination_set: number;
  readonly entry_order: number;
}

export interface GroupRow {
  readonly i_routing_group: number;
  readonly name: string;
  readonly policy: 'lcr';
  readonly average_duration: number;
  readonly entries: readonly EntryRow[];
}

/** A 32-bit hash of three integers (murmur3's finaliser over a mix). */
function hash3(a: number, b: number, c: number): number {
  return fmix32(Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul((b + 0x7f4a7c15) | 0, 0xc2b2ae35) ^ Math.imul((c + 0x165667b1) | 0, 0x27d4eb2f));
}

export function randomInt(random: () => number, below: number): number {
  return Math.floor(random() * below);
}

export function randomDigits(random: () => number, count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += String(randomInt(random, 10));
  return out;
}

// Prefix lengths 2..8, weighted toward the 5-7 digits real rate decks are
// made of. The short ones saturate early; generation just draws again.
const LENGTH_WEIGHTS: readonly [number, number][] = [[2, 1], [3, 4], [4, 15], [5, 25], [6, 30], [7, 20], [8, 5]];
const WEIGHT_TOTAL = LENGTH_WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
export const MAX_PREFIX_LENGTH = 8;

function drawLength(random: () => number): number {
  let pick = random() * WEIGHT_TOTAL;
  for (const [length, weight] of LENGTH_WEIGHTS) {
    pick -= weight;
    if (pick < 0) return length;
  }
  return MAX_PREFIX_LENGTH;
}

function prefixPool(size: number, random: () => number): string[] {
  const seen = new Set<string>();
  const pool: string[] = [];
  const maxAttempts = size * 20 + 1000;
  for (let attempt = 0; pool.length < size && attempt < maxAttempts; attempt++) {
    const length = drawLength(random);
    const prefix = String(1 + randomInt(random, 9)) + randomDigits(random, length - 1);
    if (seen.has(prefix)) continue;
    seen.add(prefix);
    pool.push(prefix);
  }
  if (pool.length < size) throw new Error(`could not draw ${size} distinct prefixes`);
  return pool;
}

export class SyntheticDataSet {
  readonly sizes: DataSetSizes;
  /** The prefix pool, in (shuffled) generation order: a set's window is a run of it. */
  readonly prefixes: readonly string[];
  readonly vendors: readonly VendorRow[];
  readonly connections: readonly ConnectionRow[];
  readonly destinationSets: readonly DestinationSetRow[];
  readonly groups: readonly GroupRow[];
  private readonly poolIndex: Map<string, number>;

  constructor(sizes: DataSetSizes) {
    this.sizes = sizes;
    const random = seededRandom(sizes.seed);
    const perSet = Math.ceil(sizes.routes / sizes.destinationSets);
    this.prefixes = prefixPool(Math.max(2 * perSet, 2), random);
    this.poolIndex = new Map(this.prefixes.map((p, i) => [p, i]));

    const vendorCount = Math.ceil(sizes.connections / CONNECTIONS_PER_VENDOR);
    this.vendors = Array.from({ length: vendorCount }, (_, v) => ({ i_vendor: v + 1, name: `vendor-${String(v + 1).padStart(3, '0')}` }));
    this.connections = Array.from({ length: sizes.connections }, (_, c) => ({
      i_connection: c + 1,
      i_vendor: (c % vendorCount) + 1,
      name: `conn-${String(c + 1).padStart(4, '0')}`,
      destination: `sip${c + 1}.bench.invalid:5060`,
      capacity: c % 3 === 0 ? -1 : 10 * (1 + (c % 50)),
    }));

    const sets: DestinationSetRow[] = [];
    let firstRoute = 1;
    for (let d = 0; d < sizes.destinationSets; d++) {
      // Spread the remainder: the first (routes % sets) sets get one more row.
      const size = Math.floor(sizes.routes / sizes.destinationSets) + (d < sizes.routes % sizes.destinationSets ? 1 : 0);
      sets.push({
        i_destination_set: d + 1,
        name: `dset-${String(d + 1).padStart(3, '0')}`,
        connectFeeMicros: [0, 0, 5000, 10000][d % 4]!,
        free_seconds: [0, 0, 0, 10][(d >> 2) % 4]!,
        offset: randomInt(random, this.prefixes.length),
        size,
        firstRoute,
      });
      firstRoute += size;
    }
    this.destinationSets = sets;

    const groups: GroupRow[] = [];
    for (let g = 0; g < sizes.groups; g++) {
      const firstConnection = randomInt(random, sizes.connections);
      const entries = Array.from({ length: sizes.entriesPerGroup }, (_, e) => ({
        i_routing_group_entry: g * sizes.entriesPerGroup + e + 1,
        // Consecutive connections modulo the count: distinct within a group.
        i_connection: ((firstConnection + e) % sizes.connections) + 1,
        i_destination_set: randomInt(random, sizes.destinationSets) + 1,
        // entry_order is not the row order (and repeats when the count is a
        // multiple of 7), so a resolver that breaks cost ties by row id
        // instead of entry_order first is caught.
        entry_order: (e * 7) % sizes.entriesPerGroup,
      }));
      groups.push({
        i_routing_group: g + 1,
        name: `group-${String(g + 1).padStart(2, '0')}`,
        policy: 'lcr',
        average_duration: [60, 120, 200, 300][g % 4]!,
        entries,
      });
    }
    this.groups = groups;
  }

  get routeCount(): number {
    return this.sizes.routes;
  }

  /** The j-th route (0-based) of a destination set. */
  routeAt(set: DestinationSetRow, j: number): RouteRow {
    const poolIndex = (set.offset + j) % this.prefixes.length;
    const h = hash3(this.sizes.seed, set.i_destination_set, j);
    const h2 = hash3(h, j, 0x51ed);
    return {
      i_route: set.firstRoute + j,
      i_destination_set: set.i_destination_set,
      prefix: this.prefixes[poolIndex]!,
      preference: 1 + (h % 9),
      timeout: (h >>> 4) % 4 === 0 ? null : 20 + ((h >>> 8) % 41),
      price1Micros: 1000 + (h2 % 250_000),
      priceNMicros: 1000 + ((h2 >>> 3) % 250_000),
      interval_1: [1, 30, 60][(h >>> 12) % 3]!,
      interval_n: [1, 6, 60][(h >>> 16) % 3]!,
      forbidden: (h >>> 20) % 50 === 0,
    };
  }

  /** Every route, in i_route order. */
  *routes(): Generator<RouteRow> {
    for (const set of this.destinationSets) {
      for (let j = 0; j < set.size; j++) yield this.routeAt(set, j);
    }
  }

  destinationSet(iDestinationSet: number): DestinationSetRow {
    return this.destinationSets[iDestinationSet - 1]!;
  }

  connection(iConnection: number): ConnectionRow {
    return this.connections[iConnection - 1]!;
  }

  vendor(iVendor: number): VendorRow {
    return this.vendors[iVendor - 1]!;
  }

  /**
   * The longest prefix of the whole pool that starts `cld`, or undefined:
   * the daemon's memo of choices is keyed by (group, this prefix), whatever
   * set holds it (src/routing/snapshot/interned.ts, longestIdOf).
   */
  longestPoolPrefix(cld: string): string | undefined {
    for (let length = Math.min(cld.length, MAX_PREFIX_LENGTH); length >= 1; length--) {
      const prefix = cld.slice(0, length);
      if (this.poolIndex.has(prefix)) return prefix;
    }
    return undefined;
  }

  /** The route of `set` with the longest prefix the CLD starts with (all routes are active), or undefined. */
  longestMatch(set: DestinationSetRow, cld: string): RouteRow | undefined {
    const poolSize = this.prefixes.length;
    for (let length = Math.min(cld.length, MAX_PREFIX_LENGTH); length >= 1; length--) {
      const index = this.poolIndex.get(cld.slice(0, length));
      if (index === undefined) continue;
      const j = (index - set.offset + poolSize) % poolSize;
      if (j < set.size) return this.routeAt(set, j);
    }
    return undefined;
  }

  /**
   * A called number: with probability `matchShare` a pool prefix extended to
   * 11-12 digits (it matches in the sets that hold that prefix or a shorter
   * one), else a number starting with 0, which no prefix matches.
   */
  drawCld(random: () => number, matchShare: number): string {
    if (random() >= matchShare) return '0' + randomDigits(random, 10);
    const prefix = this.prefixes[randomInt(random, this.prefixes.length)]!;
    return prefix + randomDigits(random, 11 + randomInt(random, 2) - prefix.length);
  }

  drawGroup(random: () => number): GroupRow {
    return this.groups[randomInt(random, this.groups.length)]!;
  }
}

export function drawCli(random: () => number): string {
  return '1555' + randomDigits(random, 7);
}

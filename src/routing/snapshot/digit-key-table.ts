// The digit prefixes' ids by number key (PrefixPool, interned.ts): an
// open-addressing hash table in one Float64Array of (key, id) pairs.
//
// Why not a Map<number, number>: PrefixPool.longestIdOf probes it once per
// length of the CLD on every getRoutes request, and at a million prefixes
// (keys above 2^31, so not Smis) each Map probe touches the bucket array,
// the entry's chain and the key's HeapNumber: several random pages a probe.
// On a VM whose TLB is emptied at every system call each page a request
// touches costs about 100 ns, so pages per probe is what counts. Here a
// probe reads one pair, 16 bytes at a multiple of 16 from the buffer's
// (malloc-aligned) start, so one cache line and one page unless linear
// probing runs on past the line (load at most 1/2 keeps the runs short). Nothing on the V8 heap but the table object: its memory
// is one array buffer, which the collector does not scan or move.
//
// Measured over a million random digit prefixes of 4..11 digits and a
// million CLDs of 11..12 digits that start with one (node 20, this 2-core
// VM, in a loop, so with far fewer TLB misses than in place): longestIdOf
// went from 1.5-1.9 us a call with the Map, probing every length, to about
// 1.05 with the Map probed longest first and 0.27-0.42 with this table
// (prefixIdsOf, which probes every length, from 1.8-1.9 to 0.63-0.83). Memory
// is about the same: the Map took about 34 bytes a prefix of V8 heap, this
// table 33.6 of array buffer (2^21 pairs at load 0.48; at a load of 1/4..1/2
// between doublings, 32..64 bytes a prefix; the Map doubles alike).

import { fmix32 } from '../../hash32.js';

/** Slots (pairs) of a new table: small, since most pools of the tests and of small decks stay small. */
const INITIAL_CAPACITY = 16;

/**
 * Keys are integers in [1, 2^53): PrefixPool's "1d1..dn", n <= 14, so
 * below 2^50. Key 0 marks an empty slot, so it is never a key. Ids are
 * integers in [0, 2^53). Append-only: no delete, so probing needs no
 * tombstones.
 */
export class DigitKeyTable {
  /** Interleaved (key, id) pairs; a pair at 2*slot. Capacity is a power of two, its count at most half of it. */
  private slots = new Float64Array(2 * INITIAL_CAPACITY);
  private mask = INITIAL_CAPACITY - 1;
  private count = 0;

  /** The number of keys held. */
  get size(): number {
    return this.count;
  }

  /** Memory held for the slots (array buffer, outside the V8 heap), for memory reporting. */
  get bytes(): number {
    return this.slots.byteLength;
  }

  /** The id of `key`, or -1 when it has none. */
  get(key: number): number {
    const slots = this.slots;
    const mask = this.mask;
    // Ends: at most half the slots are taken, so an empty one comes.
    for (let slot = digitKeyHash(key) & mask; ; slot = (slot + 1) & mask) {
      const held = slots[2 * slot]!;
      if (held === key) return slots[2 * slot + 1]!;
      if (held === 0) return -1;
    }
  }

  /** Gives `key` the id `id` (in place of any it had); the table doubles first if it would pass load 1/2. */
  set(key: number, id: number): void {
    if (2 * (this.count + 1) > this.mask + 1) this.grow();
    if (place(this.slots, this.mask, key, id)) this.count++;
  }

  private grow(): void {
    const old = this.slots;
    const capacity = 2 * (this.mask + 1);
    const slots = new Float64Array(2 * capacity);
    const mask = capacity - 1;
    for (let at = 0; at < old.length; at += 2) {
      const key = old[at]!;
      if (key !== 0) place(slots, mask, key, old[at + 1]!);
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** Puts the pair in `slots` (which has room); true when `key` was not there before. */
function place(slots: Float64Array, mask: number, key: number, id: number): boolean {
  for (let slot = digitKeyHash(key) & mask; ; slot = (slot + 1) & mask) {
    const held = slots[2 * slot]!;
    if (held === key || held === 0) {
      slots[2 * slot] = key;
      slots[2 * slot + 1] = id;
      return held === 0;
    }
  }
}

/**
 * A 32-bit hash of an integer key in [0, 2^53), without allocating: its low
 * 32 bits (ToUint32 is the key mod 2^32, exact) and its high part (below
 * 2^21, so `| 0` truncates it exactly) mixed with Math.imul, then
 * murmur3's finalizer, so every key bit reaches the low bits the mask keeps
 * (keys differing only above bit 32, or in a decimal digit, still spread).
 * Exported for tests that build colliding keys.
 */
export function digitKeyHash(key: number): number {
  const low = key >>> 0;
  const high = (key / 4294967296) | 0;
  return fmix32(low ^ Math.imul(high, 0x9e3779b1));
}

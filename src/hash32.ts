// murmur3's 32-bit finalizer (fmix32), the one bit mixer of the project:
// every input bit reaches every output bit, so a table that keeps the low
// bits of a hash (snapshot/digit-key-table.ts) or a data set drawn from
// hashes (bench/dataset.ts) sees keys that differ in any bit spread out.

/** fmix32 of a 32-bit integer, as an unsigned 32-bit integer. */
export function fmix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

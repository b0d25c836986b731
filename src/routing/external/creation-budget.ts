// How many new local connections one upstream may have created per minute
// (--upstream-new-connections, issue 12, item 12). Every connection name an
// upstream answers with becomes a row under the external vendor, kept for
// good; without a bound a misbehaving upstream could fill the table. A token
// bucket per upstream: `perMinute` tokens at most, refilled evenly over the
// minute, so a steady trickle of new names is served and a flood is cut.

const MINUTE_MS = 60_000;
/** Upstreams remembered at most; when full the oldest entries go (they would be full again by now). */
const MAX_UPSTREAMS = 1000;

interface Bucket {
  tokens: number;
  at: number;
}

export class CreationBudget {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(perMinute) || perMinute < 0) throw new RangeError(`CreationBudget: perMinute must be a non-negative integer, got ${perMinute}`);
  }

  /** Takes up to `wanted` creations from `upstream`'s budget; returns how many it may create now. */
  take(upstream: string, wanted: number): number {
    if (wanted <= 0) return 0;
    const now = this.now();
    let bucket = this.buckets.get(upstream);
    if (bucket === undefined) {
      if (this.buckets.size >= MAX_UPSTREAMS) this.buckets.delete(this.buckets.keys().next().value as string);
      bucket = { tokens: this.perMinute, at: now };
      this.buckets.set(upstream, bucket);
    } else {
      bucket.tokens = Math.min(this.perMinute, bucket.tokens + ((now - bucket.at) * this.perMinute) / MINUTE_MS);
      bucket.at = now;
    }
    const granted = Math.min(wanted, Math.floor(bucket.tokens));
    bucket.tokens -= granted;
    return granted;
  }
}

// The daemon's memory over a load, seen from outside: once a second its
// VmRSS (/proc) beside the V8 heap its --metrics endpoint shows (prom-client's
// nodejs_heap_size_used_bytes, nodejs_heap_size_total_bytes,
// nodejs_external_memory_bytes: process.memoryUsage() of the daemon). RSS
// minus the heap and external memory is what neither V8 nor the ArrayBuffer
// allocator accounts for: code, stacks, malloc arenas and their fragments.
// The peak RSS of a scenario is RssPeak's (every 100 ms); this is its course.

import { memoryBytes } from './proc-sampler.js';

export interface MemorySample {
  /** Seconds since the trace started. */
  readonly atSeconds: number;
  readonly rssBytes: number;
  /** From the daemon's metrics; null when a scrape failed or there is no metrics endpoint. */
  readonly heapUsedBytes: number | null;
  readonly heapTotalBytes: number | null;
  readonly externalBytes: number | null;
}

const HEAP_SERIES = {
  heapUsedBytes: 'nodejs_heap_size_used_bytes',
  heapTotalBytes: 'nodejs_heap_size_total_bytes',
  externalBytes: 'nodejs_external_memory_bytes',
} as const;

/** The value of an unlabelled series in a Prometheus text exposition, or null. */
export function seriesValue(exposition: string, name: string): number | null {
  const match = new RegExp(`^${name} (\\S+)`, 'm').exec(exposition);
  const value = match === null ? NaN : Number(match[1]);
  return Number.isFinite(value) ? value : null;
}

export class MemoryTrace {
  private readonly samples: MemorySample[] = [];
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  /** The sample being taken (a scrape is asynchronous; one at a time). */
  private pending: Promise<void> | undefined;

  constructor(private readonly pid: number, private readonly metricsUri: string | undefined, intervalMs = 1000) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    if (this.pending !== undefined) return;
    const atSeconds = (performance.now() - this.started) / 1000;
    const rssBytes = memoryBytes(this.pid)?.rss ?? 0;
    this.pending = this.heap().then((heap) => {
      this.samples.push({ atSeconds: Math.round(atSeconds * 10) / 10, rssBytes, ...heap });
      this.pending = undefined;
    });
  }

  private async heap(): Promise<Pick<MemorySample, keyof typeof HEAP_SERIES>> {
    const none = { heapUsedBytes: null, heapTotalBytes: null, externalBytes: null };
    if (this.metricsUri === undefined) return none;
    try {
      const response = await fetch(this.metricsUri, { signal: AbortSignal.timeout(2000) });
      const text = await response.text();
      return {
        heapUsedBytes: seriesValue(text, HEAP_SERIES.heapUsedBytes),
        heapTotalBytes: seriesValue(text, HEAP_SERIES.heapTotalBytes),
        externalBytes: seriesValue(text, HEAP_SERIES.externalBytes),
      };
    } catch {
      return none;
    }
  }

  /** Takes a last sample and returns them all, in time order. */
  async stop(): Promise<MemorySample[]> {
    clearInterval(this.timer);
    await this.pending;
    this.sample();
    await this.pending;
    return this.samples;
  }
}

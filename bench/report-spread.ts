// The spread scenario's part of the result (spread.ts): its verdict reasons
// and its markdown, the daemon's memory over the load. Pure, like report.ts.

import { CHOSEN_ROUTES_BYTES_PER_SNAPSHOT, PREPARED_ROUTE_BYTES_PER_SNAPSHOT } from '../src/limits.js';
import { MAX_FREE_REPLY_BUFFERS, POOLED_REPLY_BYTES } from '../src/routing/answer/reply-buffers.js';
import type { MemorySample } from './memory-trace.js';
import type { SpreadRun } from './spread.js';

/** V8's young generation in Node.js 20 on 64 bits: two semi-spaces of 16 MiB (the daemon runs with the defaults). */
export const YOUNG_GENERATION_BYTES = 32 * 1024 * 1024;

/**
 * docs/operations.md, "Memory": what traffic adds to a daemon at rest,
 * however many distinct CLDs it asks: the kept choices of one snapshot and
 * their prepared route bytes, the
 * free reply buffers, and V8's young generation (answers being made).
 */
export const TRAFFIC_MEMORY_BYTES = CHOSEN_ROUTES_BYTES_PER_SNAPSHOT + PREPARED_ROUTE_BYTES_PER_SNAPSHOT + MAX_FREE_REPLY_BUFFERS * POOLED_REPLY_BYTES + YOUNG_GENERATION_BYTES;

const mib = (bytes: number | null): string => (bytes === null ? '-' : `${(bytes / 1048576).toFixed(0)}`);

/** Why the spread scenario fails the verdict (its failed requests are counted with the other scenarios'). */
export function spreadReasons(run: SpreadRun | undefined): string[] {
  if (run === undefined) return [];
  const reasons: string[] = [];
  const c = run.correctness;
  if (c.wrong > 0) reasons.push(`${run.transport} spread: ${c.wrong} of ${c.checked} sampled answers wrong; first: ${c.problems[0]}`);
  if (run.daemonExit.code !== 0) reasons.push(`${run.transport} spread: the daemon did not exit cleanly on SIGTERM (code ${run.daemonExit.code}, signal ${run.daemonExit.signal})`);
  const grew = run.load.daemonPeakRssBytes - run.rssBeforeBytes;
  if (grew > TRAFFIC_MEMORY_BYTES) {
    reasons.push(`${run.transport} spread: the daemon's RSS grew by ${mib(grew)} MiB under the load, over the ${mib(TRAFFIC_MEMORY_BYTES)} MiB that traffic may add (docs/operations.md, Memory)`);
  }
  return reasons;
}

/** At most `rows` samples, evenly spaced, the first and the last included. */
function thin(samples: readonly MemorySample[], rows: number): MemorySample[] {
  if (samples.length <= rows) return [...samples];
  const step = (samples.length - 1) / (rows - 1);
  return Array.from({ length: rows }, (_, i) => samples[Math.round(i * step)]!);
}

export function spreadSection(run: SpreadRun | undefined): string[] {
  if (run === undefined) return [];
  const d = run.dataSet;
  const l = run.load.load;
  const max = (pick: (s: MemorySample) => number | null): number | null =>
    run.samples.reduce<number | null>((m, s) => (pick(s) === null ? m : Math.max(m ?? 0, pick(s)!)), null);
  return [
    '',
    `Memory under spread traffic (${run.transport}, a database of its own: ${d.routes.toLocaleString('en')} routes in ${d.destinationSets} destination set, ` +
      `${d.groups} groups × ${d.entriesPerGroup} entries; getRoutes at concurrency ${run.load.concurrency} over ${run.distinctClds.toLocaleString('en')} distinct CLDs ` +
      `for ${l.seconds} s, ${Math.round(l.requestsPerSecond).toLocaleString('en')} req/s, ${l.errors.total} failed; ` +
      `${run.correctness.checked - run.correctness.wrong} of ${run.correctness.checked} sampled answers right): ` +
      `snapshot loaded in ${run.snapshot.fullLoadMs} ms, VmHWM then ${mib(run.snapshot.daemonPeakRssAfterLoadBytes)} MiB; daemon RSS ${mib(run.rssBeforeBytes)} MiB before the load, peak ${mib(run.load.daemonPeakRssBytes)} MiB during it ` +
      `(sampled every 100 ms; traffic may add ${mib(TRAFFIC_MEMORY_BYTES)} MiB), ${mib(run.rssAfterBytes)} MiB at its end; VmHWM ${mib(run.peakRssOverLifeBytes)} MiB (its life, the load of the snapshot included); ` +
      `V8 heap used at most ${mib(max((s) => s.heapUsedBytes))} MiB, heap total ${mib(max((s) => s.heapTotalBytes))} MiB, external ${mib(max((s) => s.externalBytes))} MiB.`,
    '',
    '| s | RSS MiB | heap used MiB | heap total MiB | external MiB |',
    '|---:|---:|---:|---:|---:|',
    ...thin(run.samples, 13).map((s) => `| ${s.atSeconds.toFixed(0)} | ${mib(s.rssBytes)} | ${mib(s.heapUsedBytes)} | ${mib(s.heapTotalBytes)} | ${mib(s.externalBytes)} |`),
  ];
}

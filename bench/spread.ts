// Memory under spread traffic (docs/operations.md, "Memory"): what the
// daemon holds when requests do not repeat. A data set of its own, in a
// database of its own: one destination set of --spread-routes routes (a
// million in `make bench`: as many distinct prefixes as a whole rate deck)
// shared by six routing groups of ten entries, and a getRoutes load whose
// bodies name --spread-clds distinct CLDs (200,000), so that nearly every
// request asks for a longest prefix no earlier one asked for: every cache
// keyed by what requests ask fills and turns over. The daemon runs with
// --metrics, which the trace scrapes once a second for the V8 heap; its
// RSS is read from /proc. A sample of answers is checked against the
// generated data while the load runs.

import type { PrivateServer } from '../src/db/private-server.js';
import type { DaemonExit } from './daemon.js';
import { SyntheticDataSet, type DataSetSizes } from './dataset.js';
import { createBenchDatabase, type LoadReport } from './load-data.js';
import { MemoryTrace, type MemorySample } from './memory-trace.js';
import type { Transport } from './options.js';
import { base, SIDE_LOAD_CONCURRENCY, startDaemon, type BenchContext } from './phases.js';
import { memoryBytes } from './proc-sampler.js';
import type { SnapshotStart } from './report-snapshot.js';
import { drawCalls, getRoutesBody } from './requests.js';
import { runScenario, type ScenarioResult } from './scenario.js';
import { verifyAnswers, type VerifyReport } from './verify.js';

const DATABASE = 'sippy_bench_spread';
const GROUPS = 6;
const ENTRIES_PER_GROUP = 10;

export interface SpreadRun {
  readonly transport: Transport;
  readonly dataSet: DataSetSizes & { readonly prefixPool: number; readonly load: LoadReport };
  readonly distinctClds: number;
  readonly snapshot: SnapshotStart;
  readonly load: ScenarioResult;
  readonly correctness: VerifyReport;
  /** VmRSS when the load started (snapshot loaded, nothing asked yet) and when it ended; VmHWM at the end (the peak over the daemon's life, its load included). */
  readonly rssBeforeBytes: number;
  readonly rssAfterBytes: number;
  readonly peakRssOverLifeBytes: number;
  /** Once a second during the load. */
  readonly samples: readonly MemorySample[];
  readonly daemonExit: DaemonExit;
}

export function spreadSizes(routes: number, seed: number): DataSetSizes {
  return { routes, destinationSets: 1, connections: GROUPS * ENTRIES_PER_GROUP, groups: GROUPS, entriesPerGroup: ENTRIES_PER_GROUP, seed };
}

export async function benchSpread(context: BenchContext, server: PrivateServer, transport: Transport): Promise<SpreadRun> {
  const o = context.options;
  const ds = new SyntheticDataSet(spreadSizes(o.spread.routes, o.sizes.seed));
  const { dsn, load: dataLoad } = await createBenchDatabase(server, DATABASE, ds, o.loadMethod, context.progress);
  const bodies = drawCalls(ds, o.spread.clds, o.matchShare, 'load').map((call) => getRoutesBody(call));
  const distinctClds = new Set(bodies.map((body) => (JSON.parse(body) as { params: { cld: string } }).params.cld)).size;
  const sample = drawCalls(ds, o.checkSample, o.matchShare, 'check');

  context.progress(`starting the daemon on ${transport} for the spread scenario (with --metrics)`);
  const { daemon, snapshot } = await startDaemon(context, transport, 'snapshot', 'spread', { dsn, metrics: true });
  context.progress(`${transport} getRoutes at concurrency ${SIDE_LOAD_CONCURRENCY} over ${distinctClds.toLocaleString('en')} distinct CLDs for ${o.spread.durationSeconds} s`);
  const rssBeforeBytes = memoryBytes(daemon.pid)?.rss ?? 0;
  const trace = new MemoryTrace(daemon.pid, daemon.metricsUri);
  const { result, alongside } = await runScenario(
    { ...base(context, daemon, transport), kind: 'getRoutes-spread', concurrency: SIDE_LOAD_CONCURRENCY, durationSeconds: o.spread.durationSeconds, bodies },
    () => verifyAnswers(daemon.uri, ds, sample),
  );
  const samples = await trace.stop();
  const end = memoryBytes(daemon.pid);
  context.progress(`spread: daemon peak RSS ${Math.round(result.daemonPeakRssBytes / 1048576)} MiB under the load, ${Math.round((end?.rss ?? 0) / 1048576)} MiB at its end`);
  return {
    transport, dataSet: { ...ds.sizes, prefixPool: ds.prefixes.length, load: dataLoad }, distinctClds, snapshot: snapshot!, load: result, correctness: alongside!,
    rssBeforeBytes, rssAfterBytes: end?.rss ?? 0, peakRssOverLifeBytes: end?.peak ?? 0, samples, daemonExit: await daemon.stop(),
  };
}

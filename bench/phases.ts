// The benchmark's phases, each with a daemon of its own, in the order
// main.ts runs them:
//   1. per transport, the snapshot path: ping and getRoutes at every
//      concurrency, the correctness check under the highest, and on the
//      first transport a forced full reload under load;
//   2. the SQL path (`--data-source sql`) on the first transport;
//   3. freshness: edits committed under load. It changes the data set, so it
//      comes last: no check that compares answers with the generated data
//      runs after it.

import mysql from 'mysql2/promise';
import { DEFAULT_FOLLOWER_SETTINGS } from '../src/routing/follow/snapshot-follower.js';
import { Daemon, type DaemonExit } from './daemon.js';
import type { SyntheticDataSet } from './dataset.js';
import { runFreshness, NEVER_SEEN_MS, type FreshnessReport } from './freshness.js';
import { planEdits } from './freshness-edits.js';
import type { BenchOptions, Transport } from './options.js';
import { memoryBytes } from './proc-sampler.js';
import { reloadUnderLoad, type ReloadReport } from './reload.js';
import { drawCalls, PING_BODY } from './requests.js';
import { runScenario, type ScenarioKind, type ScenarioResult } from './scenario.js';
import { answerSizes, sampleAnswers, type SampleAnswers } from './sample-answers.js';
import { verifyAnswers, verifyRtjson, type VerifyReport } from './verify.js';
import type { SnapshotStart, TransportRun } from './report.js';
import type { SampledCall } from './check.js';

export interface BenchContext {
  readonly options: BenchOptions;
  readonly dir: string;
  readonly dsn: string;
  readonly database: { readonly pid: number; readonly socketPath: string; readonly name: string };
  readonly ds: SyntheticDataSet;
  readonly getRoutesBodies: readonly string[];
  /** The same calls as GET /rtjson targets. */
  readonly rtjsonTargets: readonly string[];
  /** The memo-cold and the skewed scenarios' bodies (cold-requests.ts); empty = no such scenarios. */
  readonly coldBodies: readonly string[];
  readonly zipfBodies: readonly string[];
  /** Calls of the cold pool checked while the memo-cold load runs: answers chosen afresh must be right too. */
  readonly coldSample: readonly SampledCall[];
  readonly runnerScript: string;
  readonly progress: (line: string) => void;
  /** Registers an undo step (run on success, failure or signal). */
  readonly onCleanup: (undo: () => Promise<unknown>) => void;
}

/** Concurrency of the reload, freshness and spread loads: the daemon busy, but latency not yet mostly queueing as at 64. */
export const SIDE_LOAD_CONCURRENCY = 16;

/** A daemon on `transport`, ready; `dsn` and `metrics` override the context's database and --daemon-metrics. */
export async function startDaemon(
  context: BenchContext, transport: Transport, dataSource: 'snapshot' | 'sql', label?: string, overrides: { readonly dsn?: string; readonly metrics?: boolean } = {},
): Promise<{ daemon: Daemon; snapshot: SnapshotStart | undefined }> {
  const o = context.options;
  const started = performance.now();
  const daemon = await Daemon.start({
    script: o.daemonScript, transport, dir: context.dir, dsn: overrides.dsn ?? context.dsn, dbConnections: o.dbConnections,
    dataSource, snapshotTimeoutMs: o.snapshotTimeoutSeconds * 1000, ...(label !== undefined ? { label } : {}), metrics: overrides.metrics ?? o.daemonMetrics,
  });
  context.onCleanup(() => daemon.stop());
  const ready = daemon.readyStatus;
  if (ready === undefined) {
    context.progress(`daemon on ${transport} (${dataSource}) answering`);
    return { daemon, snapshot: undefined };
  }
  const snapshot: SnapshotStart = {
    fullLoadMs: ready.full_load_ms!, readyAfterMs: Math.round(performance.now() - started), rows: ready.rows,
    generation: ready.generation, triggers: ready.triggers, daemonPeakRssAfterLoadBytes: memoryBytes(daemon.pid)?.peak ?? 0,
  };
  context.progress(`daemon on ${transport} answering from its snapshot: ${ready.rows.toLocaleString('en')} rows loaded in ${ready.full_load_ms} ms`);
  return { daemon, snapshot };
}

export function base(context: BenchContext, daemon: Daemon, transport: Transport) {
  return { daemon, databasePid: context.database.pid, dir: context.dir, runnerScript: context.runnerScript, transport };
}

type LoadKind = 'ceiling' | 'getRoutes' | 'rtjson' | 'getRoutes-cold' | 'getRoutes-zipf';

/** What a scenario of this kind sends: ping, the getRoutes bodies, the same calls as GET /rtjson, or the cold or skewed pool. */
function requestsOf(context: BenchContext, kind: LoadKind): { bodies: readonly string[]; gets?: readonly string[] } {
  if (kind === 'ceiling') return { bodies: [PING_BODY] };
  if (kind === 'rtjson') return { bodies: [], gets: context.rtjsonTargets };
  if (kind === 'getRoutes-cold') return { bodies: context.coldBodies };
  if (kind === 'getRoutes-zipf') return { bodies: context.zipfBodies };
  return { bodies: context.getRoutesBodies };
}

/** Untimed: JIT, pools and caches warm before anything counts. */
async function warmUp(context: BenchContext, daemon: Daemon, transport: Transport, kinds: readonly LoadKind[]): Promise<void> {
  const seconds = context.options.warmupSeconds / kinds.length;
  if (seconds <= 0) return;
  for (const kind of kinds) {
    await runScenario({ ...base(context, daemon, transport), kind, concurrency: 16, durationSeconds: seconds, ...requestsOf(context, kind) });
  }
}

export async function benchTransport(
  context: BenchContext, transport: Transport, withReload: boolean,
): Promise<{ scenarios: ScenarioResult[]; run: TransportRun; reload: ReloadReport | undefined; samples: SampleAnswers }> {
  const o = context.options;
  context.progress(`starting the daemon on ${transport}`);
  const { daemon, snapshot } = await startDaemon(context, transport, 'snapshot');
  await warmUp(context, daemon, transport, ['ceiling', 'getRoutes', 'rtjson']);
  const scenarios: ScenarioResult[] = [];
  let correctness: VerifyReport | undefined;
  let rtjsonCorrectness: VerifyReport | undefined;
  let coldCorrectness: VerifyReport | undefined;
  const checkUnder = Math.max(...o.concurrency);
  const sample = drawCalls(context.ds, o.checkSample, o.matchShare, 'check');
  // Cold and skewed after the others: the cold pool turns the memo of choices over.
  const kinds: LoadKind[] = ['ceiling', 'getRoutes', 'rtjson', ...(context.coldBodies.length > 0 ? (['getRoutes-cold', 'getRoutes-zipf'] as const) : [])];
  for (const kind of kinds) {
    for (const concurrency of o.concurrency) {
      context.progress(`${transport} ${kind} at concurrency ${concurrency} for ${o.durationSeconds} s`);
      const checked = concurrency === checkUnder;
      const checks: Partial<Record<LoadKind, () => Promise<VerifyReport>>> = {
        getRoutes: () => verifyAnswers(daemon.uri, context.ds, sample),
        rtjson: () => verifyRtjson(daemon.target, context.ds, sample),
        'getRoutes-cold': () => verifyAnswers(daemon.uri, context.ds, context.coldSample),
      };
      const check = checked ? checks[kind] : undefined;
      const { result, alongside } = await runScenario({ ...base(context, daemon, transport), kind, concurrency, durationSeconds: o.durationSeconds, ...requestsOf(context, kind) }, check);
      scenarios.push(result);
      if (kind === 'getRoutes') correctness ??= alongside;
      if (kind === 'rtjson') rtjsonCorrectness ??= alongside;
      if (kind === 'getRoutes-cold') coldCorrectness ??= alongside;
    }
  }
  let reload: ReloadReport | undefined;
  if (withReload) {
    context.progress(`${transport} getRoutes at concurrency ${SIDE_LOAD_CONCURRENCY} with a forced full reload (SIGHUP)`);
    reload = await reloadUnderLoad(
      { ...base(context, daemon, transport), concurrency: SIDE_LOAD_CONCURRENCY, durationSeconds: o.durationSeconds, bodies: context.getRoutesBodies },
      o.snapshotTimeoutSeconds * 1000,
    );
    context.progress(`forced reload: ${reload.fullLoadMs ?? 'not done'} ms; daemon peak RSS ${Math.round(reload.daemonPeakRssAfterBytes / 1048576)} MiB`);
  }
  const peak = memoryBytes(daemon.pid)?.peak ?? 0;
  // For the Node ceiling server, which answers them after this daemon has stopped (sample-answers.ts).
  const samples = await sampleAnswers(daemon.target, answerSizes(scenarios), context.getRoutesBodies);
  const exit: DaemonExit = await daemon.stop();
  return { samples, scenarios, run: { transport, daemonPeakRssBytes: peak, daemonExit: exit, correctness: correctness!, rtjsonCorrectness: rtjsonCorrectness!, ...(coldCorrectness !== undefined ? { coldCorrectness } : {}), ...(snapshot !== undefined ? { snapshot } : {}) }, reload };
}

export interface SqlPathRun {
  readonly transport: Transport;
  readonly scenarios: readonly ScenarioResult[];
  readonly daemonPeakRssBytes: number;
  readonly daemonExit: DaemonExit;
}

export async function benchSqlPath(context: BenchContext, transport: Transport): Promise<SqlPathRun> {
  const o = context.options;
  context.progress(`starting the daemon on ${transport} with --data-source sql`);
  const { daemon } = await startDaemon(context, transport, 'sql', 'sql');
  await warmUp(context, daemon, transport, ['getRoutes']);
  const scenarios: ScenarioResult[] = [];
  const kind: ScenarioKind = 'getRoutes-sql';
  for (const concurrency of o.sqlConcurrency) {
    context.progress(`${transport} ${kind} at concurrency ${concurrency} for ${o.durationSeconds} s`);
    scenarios.push((await runScenario({ ...base(context, daemon, transport), kind, concurrency, durationSeconds: o.durationSeconds, bodies: context.getRoutesBodies })).result);
  }
  const peak = memoryBytes(daemon.pid)?.peak ?? 0;
  return { transport, scenarios, daemonPeakRssBytes: peak, daemonExit: await daemon.stop() };
}

export interface FreshnessRun {
  readonly transport: Transport;
  readonly snapshot: SnapshotStart;
  readonly report: FreshnessReport;
  readonly load: ScenarioResult;
  readonly daemonPeakRssBytes: number;
  readonly daemonExit: DaemonExit;
}

export async function benchFreshness(context: BenchContext, transport: Transport): Promise<FreshnessRun> {
  const o = context.options;
  const plan = planEdits(context.ds, o.freshnessEdits);
  const conn = await mysql.createConnection({ socketPath: context.database.socketPath, user: 'root', database: context.database.name });
  try {
    for (const s of plan.setup) await conn.query(s.sql, [...s.values]);
  } finally {
    await conn.end();
  }
  context.progress(`starting the daemon on ${transport} for the freshness scenario`);
  const { daemon, snapshot } = await startDaemon(context, transport, 'snapshot', 'freshness');
  context.progress(`${transport} getRoutes at concurrency ${SIDE_LOAD_CONCURRENCY} while ${plan.edits.length} edits are committed`);
  // An upper bound only: the load ends when the last edit has been checked.
  const bound = o.durationSeconds + (plan.edits.length * (NEVER_SEEN_MS + 2000)) / 1000;
  const { result, alongside } = await runScenario(
    { ...base(context, daemon, transport), kind: 'getRoutes-freshness', concurrency: SIDE_LOAD_CONCURRENCY, durationSeconds: bound, bodies: context.getRoutesBodies, untilAlongsideDone: true },
    () => runFreshness({ uri: daemon.uri, database: { socketPath: context.database.socketPath, database: context.database.name }, edits: plan.edits, pollMs: DEFAULT_FOLLOWER_SETTINGS.pollMs, seed: o.sizes.seed }, context.progress),
  );
  const report = alongside!;
  const problems = result.load.seconds >= bound - 1 ? [...report.problems, `freshness: the load ended (${bound} s) before the edits did`] : report.problems;
  const peak = memoryBytes(daemon.pid)?.peak ?? 0;
  return { transport, snapshot: snapshot!, report: { ...report, problems }, load: result, daemonPeakRssBytes: peak, daemonExit: await daemon.stop() };
}

#!/usr/bin/env node
// The benchmark harness (`make bench`, `make bench-quick`): a private
// database with the synthetic data set, then per transport the daemon as a
// separate process, driven by the load runner as another, with the daemon's
// answers checked under load; then the SQL path, a forced reload and
// freshness under load (phases.ts). The harness only orchestrates and
// observes (/proc, ping); latency and throughput come from the load runner.
// Exit status: 0 when every request succeeded, every sampled answer was
// right, the reload finished and every edit was seen within the bound, 1
// otherwise, 2 on a bad command line. Every process and directory it creates
// is removed, also on SIGINT/SIGTERM.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SippyError } from '../src/errors.js';
import { PrivateServer } from '../src/db/private-server.js';
import { SyntheticDataSet } from './dataset.js';
import { createBenchDatabase } from './load-data.js';
import { BENCH_HELP, parseBenchOptions } from './options.js';
import { benchFreshness, benchSqlPath, benchTransport, type BenchContext } from './phases.js';
import { markdownTable, ratiosOf, rtjsonRatiosOf, verdictOf, type BenchResult, type Machine, type SnapshotResults, type TransportRun } from './report.js';
import { sqlRatios } from './report-snapshot.js';
import { benchSpread } from './spread.js';
import { benchNodeCeiling } from './ceiling.js';
import { benchTakingTurns } from './ceiling-turns.js';
import { coldCalls, zipfCalls } from './cold-requests.js';
import { ceilingRatiosOf, type RequestPools, type TurnsRun } from './report-ceiling.js';
import { drawCalls, getRoutesBody, rtjsonTarget } from './requests.js';
import type { ScenarioResult } from './scenario.js';

const DATABASE = 'sippy_bench';
const RUNNER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'load-runner.js');

const progress = (line: string): void => {
  process.stderr.write(`bench: ${line}\n`);
};

/** Everything to undo, newest first; run once, on success, failure or signal. */
const cleanups: (() => Promise<unknown>)[] = [];
async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
}

function machine(databaseVersion: string): Machine {
  const cpuList = cpus();
  return {
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    memoryBytes: totalmem(),
    platform: `${platform()} ${release()}`,
    node: process.version,
    database: databaseVersion,
  };
}

/** The commit under test, and whether src/ had uncommitted changes (others may be editing it while this runs). */
function sourceRevision(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trimEnd();
    return dirty === '' ? head : `${head} + uncommitted changes in ${dirty.split('\n').map((l) => l.slice(3)).join(', ')}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

function writeResult(result: BenchResult, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `bench-${result.startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.json`);
  writeFileSync(path, JSON.stringify(result, null, 2) + '\n');
  return path;
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseBenchOptions(argv);
  if ('help' in parsed) {
    process.stdout.write(BENCH_HELP);
    return 0;
  }
  const options = parsed;
  const daemonScript = resolve(options.daemonScript);
  if (!existsSync(daemonScript)) throw new SippyError('USAGE', `bench: the daemon ${daemonScript} does not exist; run make build first`);
  const startedAt = new Date().toISOString();
  const source = sourceRevision();

  progress(`starting a private database server`);
  const server = new PrivateServer();
  cleanups.push(() => server.destroy());
  await server.start();
  // Sockets, logs and job files go inside the server's temporary directory:
  // destroy() removes it, and so does the server's watchdog if we crash.
  const dir = join(server.dir, 'bench');
  mkdirSync(dir);
  progress(`working directory ${server.dir} (removed at the end)`);

  progress(`generating ${options.sizes.routes.toLocaleString('en')} routes over ${options.sizes.destinationSets} destination sets`);
  const ds = new SyntheticDataSet(options.sizes);
  const { dsn, version, load } = await createBenchDatabase(server, DATABASE, ds, options.loadMethod, progress);
  const calls = drawCalls(ds, options.poolSize, options.matchShare, 'load');
  const getRoutesBodies = calls.map((call) => getRoutesBody(call));
  const rtjsonTargets = calls.map((call) => rtjsonTarget(call));
  const cold = coldCalls(ds, options.coldRequests, options.coldRequests > 0 ? options.checkSample : 0);
  const zipf = zipfCalls(cold.calls, cold.calls.length, 1, options.sizes.seed);
  const requestPools: RequestPools | undefined =
    options.coldRequests === 0
      ? undefined
      : {
          cold: { requests: cold.calls.length, distinctClds: new Set(cold.calls.map((c) => c.cld)).size, distinctKeys: cold.distinctKeys },
          zipf: { draws: zipf.calls.length, distinctCalls: cold.calls.length, s: 1, topShare: zipf.topShare, topPercentShare: zipf.topPercentShare },
        };

  const context: BenchContext = {
    options: { ...options, daemonScript }, dir, dsn, database: { pid: server.pid!, socketPath: server.socketPath, name: DATABASE },
    ds, getRoutesBodies, rtjsonTargets, coldBodies: cold.calls.map((call) => getRoutesBody(call)), zipfBodies: zipf.calls.map((call) => getRoutesBody(call)),
    coldSample: cold.sample, runnerScript: RUNNER_SCRIPT, progress, onCleanup: (undo) => cleanups.push(undo),
  };
  const scenarios: ScenarioResult[] = [];
  const transports: TransportRun[] = [];
  const takingTurns: TurnsRun[] = [];
  // The SQL path, the reload and freshness run on the first transport (unix by default).
  const first = options.transports[0]!;
  let snapshot: SnapshotResults = {};
  for (const transport of options.transports) {
    const done = await benchTransport(context, transport, transport === first);
    scenarios.push(...done.scenarios);
    // The daemon of this transport is stopped: Node's own server has the cores to itself, as the daemon had.
    scenarios.push(...(await benchNodeCeiling(context, transport, done.samples)));
    if (options.turnRounds > 0) takingTurns.push(await benchTakingTurns(context, transport, done.samples));
    transports.push(done.run);
    if (done.reload !== undefined) snapshot = { ...snapshot, reload: { transport, ...done.reload } };
  }
  if (options.sqlConcurrency.length > 0) {
    const sql = await benchSqlPath(context, first);
    snapshot = { ...snapshot, sqlPath: { ...sql, ratios: sqlRatios(scenarios, sql) } };
  }
  // Last: its edits change the data the correctness check compares with.
  if (options.freshnessEdits > 0) snapshot = { ...snapshot, freshness: await benchFreshness(context, first) };
  // A database of its own: nothing before depends on it.
  if (options.spread.routes > 0) snapshot = { ...snapshot, spread: await benchSpread(context, server, first) };

  const result: BenchResult = {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: machine(version),
    settings: {
      preset: options.preset, durationSeconds: options.durationSeconds, warmupSeconds: options.warmupSeconds, concurrency: options.concurrency,
      transports: options.transports, requestPool: options.poolSize, checkSample: options.checkSample, matchShare: options.matchShare,
      dbConnections: options.dbConnections ?? 'daemon default', daemonScript: options.daemonScript, source, loadGenerator: 'autocannon, one process, pipelining 1',
      sqlConcurrency: options.sqlConcurrency, freshnessEdits: options.freshnessEdits, snapshotTimeoutSeconds: options.snapshotTimeoutSeconds,
      daemonMetrics: options.daemonMetrics, spread: options.spread, coldRequests: options.coldRequests, turnRounds: options.turnRounds,
    },
    dataSet: { ...options.sizes, prefixPool: ds.prefixes.length, load },
    scenarios,
    ratios: ratiosOf(scenarios),
    rtjsonRatios: rtjsonRatiosOf(scenarios),
    ceilingRatios: ceilingRatiosOf(scenarios),
    ...(requestPools !== undefined ? { requestPools } : {}),
    ...(takingTurns.length > 0 ? { takingTurns } : {}),
    transports,
    ...snapshot,
    verdict: verdictOf(scenarios, transports, snapshot),
  };
  process.stdout.write(markdownTable(result));
  if (options.resultsDir !== undefined) progress(`result written to ${writeResult(result, options.resultsDir)}`);
  return result.verdict.ok ? 0 : 1;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

main(process.argv.slice(2))
  .catch((err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof SippyError ? err.exitCode : 1;
  })
  .then(async (code) => {
    await cleanUp();
    process.exitCode = code;
  });

#!/usr/bin/env node
// The benchmark harness (`make bench`, `make bench-quick`): a private
// database with the synthetic data set, then per transport the daemon as a
// separate process, driven by the load runner as another, with the daemon's
// answers checked under load. The harness only orchestrates and observes
// (/proc); latency and throughput come from the load runner. Exit status: 0
// when every request succeeded and every sampled answer was right, 1
// otherwise, 2 on a bad command line. Every process and directory it creates
// is removed, also on SIGINT/SIGTERM.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { SippyError } from '../src/errors.js';
import { PrivateServer } from '../src/db/private-server.js';
import { parseDsn } from '../src/db/dsn.js';
import { Database } from '../src/db/pool.js';
import { migrate } from '../src/db/migrate.js';
import { Daemon, type DaemonExit } from './daemon.js';
import { SyntheticDataSet } from './dataset.js';
import { loadDataSet, type LoadReport } from './load-data.js';
import { BENCH_HELP, parseBenchOptions, type BenchOptions, type Transport } from './options.js';
import { memoryBytes } from './proc-sampler.js';
import { markdownTable, ratiosOf, verdictOf, type BenchResult, type Machine, type TransportRun } from './report.js';
import { drawCalls, getRoutesBody, PING_BODY } from './requests.js';
import { runScenario, type ScenarioResult } from './scenario.js';
import { verifyAnswers, type VerifyReport } from './verify.js';

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

async function prepareDatabase(server: PrivateServer, ds: SyntheticDataSet, options: BenchOptions): Promise<{ dsn: string; version: string; load: LoadReport }> {
  const conn = await mysql.createConnection({ socketPath: server.socketPath, user: 'root' });
  try {
    await conn.query(`CREATE DATABASE ${DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    const dsn = server.dsn(DATABASE);
    const db = new Database(parseDsn(dsn));
    try {
      await migrate(db);
    } finally {
      await db.close();
    }
    await conn.changeUser({ database: DATABASE });
    progress(`loading ${ds.routeCount.toLocaleString('en')} routes (${options.loadMethod})`);
    const load = await loadDataSet(conn, ds, options.loadMethod, progress);
    progress(`loaded in ${load.seconds.toFixed(1)} s`);
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
    return { dsn, version: String(rows[0]!.v), load };
  } finally {
    await conn.end();
  }
}

async function benchTransport(
  transport: Transport, options: BenchOptions, context: { dir: string; dsn: string; databasePid: number; ds: SyntheticDataSet; getRoutesBodies: string[] },
): Promise<{ scenarios: ScenarioResult[]; run: TransportRun }> {
  progress(`starting the daemon on ${transport}`);
  const daemon = await Daemon.start({ script: options.daemonScript, transport, dir: context.dir, dsn: context.dsn, dbConnections: options.dbConnections });
  cleanups.push(() => daemon.stop());
  const base = { daemon, databasePid: context.databasePid, dir: context.dir, runnerScript: RUNNER_SCRIPT, transport };
  if (options.warmupSeconds > 0) {
    // Untimed: JIT, pools and caches of both paths warm before anything counts.
    for (const [kind, bodies] of [['ceiling', [PING_BODY]], ['getRoutes', context.getRoutesBodies]] as const) {
      await runScenario({ ...base, kind, concurrency: 16, durationSeconds: options.warmupSeconds / 2, bodies });
    }
  }
  const scenarios: ScenarioResult[] = [];
  let correctness: VerifyReport | undefined;
  const checkUnder = Math.max(...options.concurrency);
  const sample = drawCalls(context.ds, options.checkSample, options.matchShare, 'check');
  for (const kind of ['ceiling', 'getRoutes'] as const) {
    for (const concurrency of options.concurrency) {
      progress(`${transport} ${kind} at concurrency ${concurrency} for ${options.durationSeconds} s`);
      const bodies = kind === 'ceiling' ? [PING_BODY] : context.getRoutesBodies;
      const check = kind === 'getRoutes' && concurrency === checkUnder ? () => verifyAnswers(daemon.uri, context.ds, sample) : undefined;
      const { result, alongside } = await runScenario({ ...base, kind, concurrency, durationSeconds: options.durationSeconds, bodies }, check);
      scenarios.push(result);
      correctness ??= alongside;
    }
  }
  const peak = memoryBytes(daemon.pid)?.peak ?? 0;
  const exit: DaemonExit = await daemon.stop();
  return { scenarios, run: { transport, daemonPeakRssBytes: peak, daemonExit: exit, correctness: correctness! } };
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
  const { dsn, version, load } = await prepareDatabase(server, ds, options);
  const getRoutesBodies = drawCalls(ds, options.poolSize, options.matchShare, 'load').map((call) => getRoutesBody(call));

  const scenarios: ScenarioResult[] = [];
  const transports: TransportRun[] = [];
  for (const transport of options.transports) {
    const done = await benchTransport(transport, { ...options, daemonScript }, { dir, dsn, databasePid: server.pid!, ds, getRoutesBodies });
    scenarios.push(...done.scenarios);
    transports.push(done.run);
  }

  const result: BenchResult = {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: machine(version),
    settings: {
      preset: options.preset, durationSeconds: options.durationSeconds, warmupSeconds: options.warmupSeconds, concurrency: options.concurrency,
      transports: options.transports, requestPool: options.poolSize, checkSample: options.checkSample, matchShare: options.matchShare,
      dbConnections: options.dbConnections ?? 'daemon default', daemonScript: options.daemonScript, loadGenerator: 'autocannon, one process, pipelining 1',
    },
    dataSet: { ...options.sizes, prefixPool: ds.prefixes.length, load },
    scenarios,
    ratios: ratiosOf(scenarios),
    transports,
    verdict: verdictOf(scenarios, transports),
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

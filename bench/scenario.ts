// One scenario: a fresh load-runner process drives the daemon for a fixed
// time; meanwhile the harness observes the daemon, the database server and
// the load runner through /proc (CPU between the runner's "started" event
// and its result, peak RSS of the daemon sampled throughout), and may run
// something alongside the load (the correctness check, a forced reload, the
// freshness edits); a load marked `untilAlongsideDone` ends when that is done.

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Daemon } from './daemon.js';
import type { LoadJob, LoadResult } from './load-runner.js';
import { CpuMeter, RssPeak } from './proc-sampler.js';
import { guardChild } from './orphan-guard.js';
import type { Transport } from './options.js';

/**
 * `rtjson`: the getRoutes calls as GET /rtjson (Kamailio's routing document);
 * `getRoutes-sql`: the daemon started with `--data-source sql`;
 * `getRoutes-reload`: a forced full reload of the snapshot runs meanwhile;
 * `getRoutes-freshness`: database edits are committed meanwhile;
 * `getRoutes-spread`: a data set of its own and CLDs spread wide, for memory (spread.ts);
 * `getRoutes-cold`: as many distinct (group, longest prefix) requests as the data allows, so the memo of choices misses (cold-requests.ts);
 * `getRoutes-zipf`: the same distinct requests drawn with Zipf s=1, popular destinations asked most;
 * `node-ping`, `node-same-size`: not the daemon but Node's own HTTP server answering a fixed body (an answer the daemon gave)
 *   of the daemon's median ping and getRoutes answer sizes (ceiling-server.ts, ceiling.ts);
 * `getRoutes-import`: rate decks are imported meanwhile (bench/rates/daemon-phase.ts).
 */
export type ScenarioKind =
  | 'ceiling' | 'getRoutes' | 'rtjson' | 'getRoutes-sql' | 'getRoutes-reload' | 'getRoutes-freshness' | 'getRoutes-spread'
  | 'getRoutes-cold' | 'getRoutes-zipf' | 'node-ping' | 'node-same-size' | 'getRoutes-import';

/** The server a load drives: the daemon, or the Node ceiling server (CPU and RSS are its). */
export type LoadServer = Pick<Daemon, 'pid' | 'target'>;

export interface ScenarioResult {
  readonly transport: Transport;
  readonly kind: ScenarioKind;
  readonly concurrency: number;
  readonly load: LoadResult;
  /** Average cores used during the load (1.0 = one core busy). */
  /** `harness` is this process (the correctness check, sampling); `otherProcesses` the rest of the machine. */
  readonly cpuCores: { readonly daemon: number; readonly database: number; readonly loadGenerator: number; readonly harness: number; readonly otherProcesses: number };
  /** database / (daemon + database): the database's part of the work of answering. */
  readonly databaseShare: number;
  readonly daemonPeakRssBytes: number;
}

export interface ScenarioRun {
  readonly daemon: LoadServer;
  readonly databasePid: number;
  /** Where job files go (the harness's temporary directory). */
  readonly dir: string;
  readonly runnerScript: string;
  readonly kind: ScenarioKind;
  readonly transport: Transport;
  readonly concurrency: number;
  readonly durationSeconds: number;
  readonly bodies: readonly string[];
  /** GET these targets instead of POSTing bodies (the rtjson scenario). */
  readonly gets?: readonly string[];
  /** End the load once `alongside` is done; durationSeconds is then only the upper bound. */
  readonly untilAlongsideDone?: boolean;
}

const RUNNER_GRACE_MS = 30_000;

/**
 * Runs the load; `alongside` starts once the load has begun, and both are
 * awaited. Rejects if the runner fails or reports nothing.
 */
export async function runScenario<T>(run: ScenarioRun, alongside?: () => Promise<T>): Promise<{ result: ScenarioResult; alongside: T | undefined }> {
  const jobPath = join(run.dir, `job-${run.transport}-${run.kind}-${run.concurrency}.json`);
  const stoppable = run.untilAlongsideDone === true && alongside !== undefined;
  const job: LoadJob = { ...run.daemon.target, connections: run.concurrency, durationSeconds: run.durationSeconds, bodies: run.bodies, stoppable, ...(run.gets !== undefined ? { gets: run.gets } : {}) };
  writeFileSync(jobPath, JSON.stringify(job));

  const runner = spawn(process.execPath, [run.runnerScript, jobPath], { stdio: [stoppable ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  // An early end of the runner closes the pipe; a late `stop` must not throw.
  runner.stdin?.on('error', () => undefined);
  let stderr = '';
  runner.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const dismissGuard = guardChild(runner.pid!);
  const exited = new Promise<number | null>((resolve) =>
    runner.once('exit', (code) => {
      dismissGuard();
      resolve(code);
    }),
  );
  const killer = setTimeout(() => runner.kill('SIGKILL'), run.durationSeconds * 1000 + RUNNER_GRACE_MS);

  const rss = new RssPeak(run.daemon.pid);
  let meter: CpuMeter | undefined;
  let cores: ReturnType<CpuMeter['stop']> | undefined;
  let load: LoadResult | undefined;
  let side: Promise<T> | undefined;
  try {
    for await (const line of createInterface({ input: runner.stdout! })) {
      const event = JSON.parse(line) as { event: string } & LoadResult;
      if (event.event === 'started') {
        meter = new CpuMeter([run.daemon.pid, run.databasePid, runner.pid!, process.pid]);
        side = alongside?.();
        if (stoppable && side !== undefined) {
          const stop = (): void => {
            if (runner.exitCode === null && runner.signalCode === null) runner.stdin!.end('stop\n');
          };
          // then(stop, stop) also gives a failing `side` a handler until it is awaited below.
          side.then(stop, stop);
        }
      } else if (event.event === 'result') {
        cores = meter?.stop();
        const { event: _ignored, ...result } = event;
        load = result;
      }
    }
    const code = await exited;
    const sideResult = await side;
    if (load === undefined || cores === undefined) {
      throw new Error(`the load generator ended (exit ${code}) without a result: ${stderr.trim() || 'no message'}`);
    }
    const daemon = cores.perPid.get(run.daemon.pid)!;
    const database = cores.perPid.get(run.databasePid)!;
    return {
      result: {
        transport: run.transport,
        kind: run.kind,
        concurrency: run.concurrency,
        load,
        cpuCores: { daemon, database, loadGenerator: cores.perPid.get(runner.pid!)!, harness: cores.perPid.get(process.pid)!, otherProcesses: cores.others },
        databaseShare: daemon + database > 0 ? database / (daemon + database) : 0,
        daemonPeakRssBytes: rss.stop(),
      },
      alongside: sideResult,
    };
  } finally {
    clearTimeout(killer);
    rss.stop();
    if (runner.exitCode === null && runner.signalCode === null) runner.kill('SIGKILL');
  }
}

// The rate-deck benchmark's daemon phase (bench/rates/main.ts, --daemon;
// spec rates.md, "Speed and scale": a daemon on the database "keeps
// answering under load with no error and shows the new rates within 1 s of
// the commit for decks up to 100,000 rows, and within 3 s for a million").
//
// The real daemon (bench/daemon.ts) runs on the bench database, its group
// "Rates bench" routing into the set the decks go into; the load runner
// (bench/scenario.ts) drives getRoutes for as long as the imports run; the
// decks are imported one after another (a tenth of the rows, then all: each
// a superset of the one before), and for each a probe client asks a few
// CLDs only that deck brings, every PROBE_EVERY_MS, until every one is
// answered with its new rate. The latency is from the import's COMMIT (as
// the import process reports it) to the arrival of the first such answer.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { RpcClient } from '../../src/client/rpc-client.js';
import type { RouteResult } from '../../src/routing/index.js';
import { Daemon, type DaemonExit } from '../daemon.js';
import { memoryBytes } from '../proc-sampler.js';
import { getRoutesBody } from '../requests.js';
import { runScenario, type ScenarioResult } from '../scenario.js';
import { slotPrefix, slotPrice } from './deck-generator.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const DAEMON_SCRIPT = join(HERE, '..', '..', 'src', 'main.js');
const RUNNER_SCRIPT = join(HERE, '..', 'load-runner.js');

/** The group the bench database routes through (main.ts creates it). */
export const RATES_GROUP = 'Rates bench';
/** spec rates.md: new rates in answers within 1 s of the commit up to 100,000 rows, within 3 s for a million. */
export function visibilityBoundMs(rows: number): number {
  return rows <= 100_000 ? 1000 : 3000;
}
/** Moderate: the imports and the database need the machine's cores too. */
export const LOAD_CONNECTIONS = 4;
/** The task's 10-20 ms: finer than the bound by far, coarse enough not to be a load of its own. */
const PROBE_EVERY_MS = 15;
const PROBED_CLDS = 4;
/** A deck's rates no answer shows this long after its commit are "never seen". */
const NEVER_SEEN_MS = 30_000;
/** The load's upper bound; it ends when the imports do. */
const LOAD_LIMIT_SECONDS = 3600;
const CLI = '15551234567';
const LOAD_BODIES = 1000;

export interface PhaseImport {
  readonly committedAtMs?: number;
  readonly seconds: number;
  readonly peakRssBytes: number;
}

export interface DeckVisibility<I extends PhaseImport> {
  readonly rows: number;
  readonly import: I;
  readonly boundMs: number;
  /** COMMIT -> the first answer showing one of the deck's new rates; null if none did within NEVER_SEEN_MS. */
  readonly firstAnswerMs: number | null;
  /** COMMIT -> every probed CLD answered with its new rate. */
  readonly allProbedMs: number | null;
  readonly probes: number;
  readonly probeErrors: number;
}

export interface DaemonPhaseResult<I extends PhaseImport> {
  readonly decks: readonly DeckVisibility<I>[];
  readonly load: ScenarioResult;
  /** VmHWM at the end: the daemon's peak RSS over its life (start-up load included). */
  readonly daemonPeakRssBytes: number;
  /**
   * The daemon's own account of each deck-sized refresh (its 'routing data
   * refreshed' log lines: entries, sets, rows read, ms per phase), in order.
   */
  readonly refreshes: readonly Record<string, unknown>[];
  readonly daemonExit: { readonly code: number | null; readonly signal: string | null };
  readonly problems: readonly string[];
}

export interface DaemonPhaseRun<I extends PhaseImport> {
  readonly dir: string;
  readonly dsn: string;
  readonly databasePid: number;
  /** Each deck's rows and file, smallest first, each holding the slots of the ones before. */
  readonly decks: readonly { readonly rows: number; readonly file: string }[];
  readonly runImport: (file: string) => Promise<I>;
  readonly progress: (line: string) => void;
}

const epochNow = (): number => performance.timeOrigin + performance.now();
const round = (ms: number): number => Math.round(ms * 10) / 10;

/** getRoutes over the whole slot range of the biggest deck: answers without a route until a deck brings theirs. */
function loadBodies(rows: number): string[] {
  return Array.from({ length: LOAD_BODIES }, (_, j) => getRoutesBody({ routing_group: RATES_GROUP, cli: CLI, cld: `${slotPrefix((j * 7919) % rows)}42` }, j + 1));
}

/** Asks the probed CLDs in turn until each was answered with its rate, or until `deadline()` passes. */
async function probe(uri: string, slots: readonly number[], deadline: () => number): Promise<{ seenAt: (number | undefined)[]; probes: number; errors: number; samples: string[] }> {
  const client = new RpcClient(uri, { timeoutMs: 5000 });
  const seenAt: (number | undefined)[] = slots.map(() => undefined);
  let probes = 0;
  let errors = 0;
  const samples: string[] = [];
  try {
    for (let i = 0; seenAt.includes(undefined) && epochNow() < deadline(); i++) {
      const at = i % slots.length;
      if (seenAt[at] !== undefined) continue;
      const k = slots[at]!;
      try {
        const answer = (await client.call('getRoutes', { routing_group: RATES_GROUP, cli: CLI, cld: `${slotPrefix(k)}42` })) as RouteResult;
        probes++;
        if (answer.routes.some((r) => r.prefix === slotPrefix(k) && Math.round(Number(r.price_1) * 1e6) === slotPrice(k))) seenAt[at] = epochNow();
      } catch (err) {
        errors++;
        if (samples.length < 3) samples.push(err instanceof Error ? err.message : String(err));
      }
      await sleep(PROBE_EVERY_MS);
    }
  } finally {
    client.close();
  }
  return { seenAt, probes, errors, samples };
}

/** Slots only this deck brings (the one before held slots below `from`). */
function newSlots(from: number, rows: number): number[] {
  return Array.from({ length: PROBED_CLDS }, (_, j) => from + Math.floor(((rows - from) * (2 * j + 1)) / (2 * PROBED_CLDS)));
}

export async function runDaemonPhase<I extends PhaseImport>(run: DaemonPhaseRun<I>): Promise<DaemonPhaseResult<I>> {
  const biggest = run.decks[run.decks.length - 1]!.rows;
  const daemon = await Daemon.start({ script: DAEMON_SCRIPT, transport: 'unix', dir: run.dir, dsn: run.dsn, dbConnections: undefined, dataSource: 'snapshot', snapshotTimeoutMs: 60_000, label: 'rates' });
  run.progress(`daemon ${daemon.pid} answering on ${daemon.uri}; getRoutes load at ${LOAD_CONNECTIONS} connections while the decks are imported`);
  const problems: string[] = [];
  let peak = 0;
  let exit: DaemonExit | undefined;
  let scenario: Awaited<ReturnType<typeof runScenario<DeckVisibility<I>[]>>>;
  try {
    scenario = await runScenario({
      daemon, databasePid: run.databasePid, dir: run.dir, runnerScript: RUNNER_SCRIPT, kind: 'getRoutes-import', transport: 'unix',
      concurrency: LOAD_CONNECTIONS, durationSeconds: LOAD_LIMIT_SECONDS, bodies: loadBodies(biggest), untilAlongsideDone: true,
    }, async () => {
      const decks: DeckVisibility<I>[] = [];
      let from = 0;
      for (const deck of run.decks) {
        let committedAt: number | undefined;
        let finished = false;
        // Until the import ends its commit time is unknown: probe on; after it, until NEVER_SEEN_MS past the commit.
        const probing = probe(daemon.uri, newSlots(from, deck.rows), () => (finished ? (committedAt ?? 0) + NEVER_SEEN_MS : Infinity));
        let imported: I;
        try {
          imported = await run.runImport(deck.file);
        } finally {
          finished = true;
        }
        committedAt = imported.committedAtMs;
        const seen = await probing;
        if (committedAt === undefined) throw new Error(`the import of ${deck.rows} rows wrote nothing: the daemon phase needs new rows`);
        const times = seen.seenAt.map((t) => (t === undefined ? null : t - committedAt!));
        const first = times.some((t) => t !== null) ? Math.min(...times.filter((t): t is number => t !== null)) : null;
        const all = times.includes(null) ? null : Math.max(...(times as number[]));
        const boundMs = visibilityBoundMs(deck.rows);
        if (first === null) problems.push(`${deck.rows} rows: no answer showed a new rate within ${NEVER_SEEN_MS} ms of the commit`);
        else if (first < 0) problems.push(`${deck.rows} rows: an answer showed a new rate ${round(-first)} ms before the commit (a measuring error)`);
        if (seen.errors > 0) problems.push(`${deck.rows} rows: ${seen.errors} probe requests failed: ${seen.samples.join('; ')}`);
        decks.push({ rows: deck.rows, import: imported, boundMs, firstAnswerMs: first === null ? null : round(first), allProbedMs: all === null ? null : round(all), probes: seen.probes, probeErrors: seen.errors });
        run.progress(`${deck.rows.toLocaleString('en')} rows imported in ${imported.seconds.toFixed(1)} s; commit -> first answer with a new rate ${first === null ? 'never' : `${round(first)} ms`} (spec: within ${boundMs} ms)`);
        from = deck.rows;
      }
      return decks;
    });
    peak = memoryBytes(daemon.pid)?.peak ?? 0;
  } finally {
    exit = await daemon.stop();
    if (exit.killed || (exit.code !== 0 && exit.code !== null)) problems.push(`the daemon did not stop cleanly (${exit.code ?? exit.signal}); its log ends:\n${daemon.logTail()}`);
  }
  const errors = scenario.result.load.errors;
  if (errors.total > 0) problems.push(`${errors.total} of ${scenario.result.load.requests} getRoutes requests under the imports failed: ${scenario.result.load.errorSamples.join('; ')}`);
  return {
    decks: scenario.alongside!, load: scenario.result, daemonPeakRssBytes: Math.max(peak, scenario.result.daemonPeakRssBytes), refreshes: refreshLines(daemon.log()),
    daemonExit: { code: exit.code, signal: exit.signal }, problems,
  };
}

/** The fields of the daemon's 'routing data refreshed' lines (JSON lines: its log is a file). */
function refreshLines(log: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of log.split('\n')) {
    if (!line.includes('"routing data refreshed"')) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // A line cut short by the stop: not a refresh's account.
    }
  }
  return lines;
}

// A forced full reload under load: while getRoutes runs at concurrency 16,
// SIGHUP tells the daemon to rebuild its snapshot from the database (what
// `sippy_routed reload --data` does to a supervisor's listeners). Requests
// must keep being answered, from the old snapshot, without one failing; the
// rebuild holds the old and the new snapshot at once, so the daemon's peak
// RSS after it is the figure to size memory by (snapshot.md: within 300 MB
// at 1,000,000 routes).

import { RpcClient } from '../src/client/rpc-client.js';
import { countLines, pingData, pollUntil } from './data-status.js';
import type { Daemon } from './daemon.js';
import { memoryBytes } from './proc-sampler.js';
import { runScenario, type ScenarioResult, type ScenarioRun } from './scenario.js';

/** The follower's own log line at the end of every full load. */
const LOADED_LINE = 'routing data loaded';

export interface ReloadReport {
  readonly generationBefore: number;
  readonly generationAfter: number | null;
  /** ping's data.full_load_ms once the reload was done: the daemon's own timing of it. */
  readonly fullLoadMs: number | null;
  /** SIGHUP sent -> ping showed the new generation (includes the poll interval). */
  readonly observedMs: number | null;
  readonly daemonPeakRssBeforeBytes: number;
  /** VmHWM right after the reload: the peak over the daemon's life, rebuild included. */
  readonly daemonPeakRssAfterBytes: number;
  readonly daemonRssAfterBytes: number;
  readonly load: ScenarioResult;
  readonly problems: readonly string[];
}

interface Observed {
  generationBefore: number;
  generationAfter: number | null;
  fullLoadMs: number | null;
  observedMs: number | null;
  problems: string[];
}

async function forceReload(daemon: Daemon, settleMs: number, timeoutMs: number): Promise<Observed> {
  const client = new RpcClient(daemon.uri, { timeoutMs: 5000 });
  const observed: Observed = { generationBefore: 0, generationAfter: null, fullLoadMs: null, observedMs: null, problems: [] };
  try {
    // A deliberate position inside the load, not a wait for the daemon: the
    // rebuild should start once all connections are sending.
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    observed.generationBefore = (await pingData(client))?.generation ?? 0;
    const loadsBefore = countLines(daemon.log(), LOADED_LINE);
    const sent = performance.now();
    daemon.hangUp();
    // No edits run meanwhile, so a new generation is the reload's; the log
    // line confirms it was a full load and not a journal refresh.
    const data = await pollUntil('the forced reload was not done', timeoutMs, 50, async () => {
      const status = await pingData(client);
      if (status === undefined || status.generation <= observed.generationBefore || status.full_load_ms === null) return undefined;
      return countLines(daemon.log(), LOADED_LINE) > loadsBefore ? status : undefined;
    });
    observed.observedMs = Math.round(performance.now() - sent);
    observed.generationAfter = data.generation;
    observed.fullLoadMs = data.full_load_ms;
    if (data.last_error !== null) observed.problems.push(`after the forced reload ping reports last_error ${data.last_error}`);
  } catch (err) {
    observed.problems.push(`forced reload: ${err instanceof Error ? err.message : String(err)}; the daemon's log ends:\n${daemon.logTail()}`);
  } finally {
    client.close();
  }
  return observed;
}

/** getRoutes at `base.concurrency` with a SIGHUP a quarter into it; the load ends when the reload is done. */
export async function reloadUnderLoad(base: Omit<ScenarioRun, 'kind' | 'untilAlongsideDone' | 'daemon'> & { readonly daemon: Daemon }, timeoutMs: number): Promise<ReloadReport> {
  const daemonPeakRssBeforeBytes = memoryBytes(base.daemon.pid)?.peak ?? 0;
  const settleMs = Math.round((base.durationSeconds * 1000) / 4);
  const { result, alongside } = await runScenario(
    { ...base, kind: 'getRoutes-reload', durationSeconds: base.durationSeconds + timeoutMs / 1000, untilAlongsideDone: true },
    () => forceReload(base.daemon, settleMs, timeoutMs),
  );
  const memory = memoryBytes(base.daemon.pid);
  const observed = alongside!;
  return {
    ...observed,
    daemonPeakRssBeforeBytes,
    daemonPeakRssAfterBytes: memory?.peak ?? 0,
    daemonRssAfterBytes: memory?.rss ?? 0,
    load: result,
  };
}

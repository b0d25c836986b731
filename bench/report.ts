// The benchmark's result: one JSON document (written under bench/results/)
// and a markdown table for people. Pure: everything measured is handed in.

import type { DataSetSizes } from './dataset.js';
import type { LoadReport } from './load-data.js';
import type { ScenarioResult } from './scenario.js';
import type { Transport } from './options.js';
import type { VerifyReport } from './verify.js';
import type { DaemonExit } from './daemon.js';
import { snapshotReasons, snapshotScenarios, snapshotSection, type SnapshotResults, type SnapshotStart } from './report-snapshot.js';
import { spreadSection } from './report-spread.js';
import { ceilingSection, turnsSection, type CeilingRatio, type RequestPools, type TurnsRun } from './report-ceiling.js';

export type { SnapshotResults, SnapshotStart };

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
  readonly platform: string;
  readonly node: string;
  readonly database: string;
}

export interface TransportRun {
  readonly transport: Transport;
  /** VmHWM of the daemon at the end: its peak RSS over its whole life. */
  readonly daemonPeakRssBytes: number;
  readonly daemonExit: DaemonExit;
  /** Checked while the highest-concurrency getRoutes load ran. */
  readonly correctness: VerifyReport;
  /** GET /rtjson answers checked while the highest-concurrency rtjson load ran. */
  readonly rtjsonCorrectness: VerifyReport;
  /** Calls of the memo-cold pool checked while the highest-concurrency memo-cold load ran; absent when it did not run. */
  readonly coldCorrectness?: VerifyReport;
  /** What ping said once the snapshot was loaded (the daemon runs the snapshot path). */
  readonly snapshot?: SnapshotStart;
}

/** The snapshot path's scenarios are `scenarios`; the SQL path, the forced reload and freshness are in SnapshotResults. */
export interface BenchResult extends SnapshotResults {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: Machine;
  readonly settings: Record<string, unknown>;
  readonly dataSet: DataSetSizes & { readonly prefixPool: number; readonly load: LoadReport };
  readonly scenarios: readonly ScenarioResult[];
  /** getRoutes requests/s divided by ping requests/s, per transport and concurrency. */
  readonly ratios: readonly { readonly transport: Transport; readonly concurrency: number; readonly getRoutesOverCeiling: number }[];
  /** GET /rtjson requests/s divided by getRoutes requests/s (the same calls), per transport and concurrency. */
  readonly rtjsonRatios: readonly { readonly transport: Transport; readonly concurrency: number; readonly rtjsonOverGetRoutes: number }[];
  /** The daemon against Node's own HTTP server at the same answer size, per transport and concurrency (report-ceiling.ts). */
  readonly ceilingRatios: readonly CeilingRatio[];
  /** What the memo-cold and Zipf scenarios asked; absent when they did not run. */
  readonly requestPools?: RequestPools;
  /** getRoutes and Node's own server at the same size taking turns, per transport; absent with --turn-rounds 0. */
  readonly takingTurns?: readonly TurnsRun[];
  readonly transports: readonly TransportRun[];
  readonly verdict: { readonly ok: boolean; readonly failedRequests: number; readonly wrongAnswers: number; readonly reasons: readonly string[] };
}

/** req/s of each `kind` scenario over that of the `base` scenario of the same transport and concurrency. */
function ratiosOver(scenarios: readonly ScenarioResult[], kind: ScenarioResult['kind'], base: ScenarioResult['kind']): { transport: Transport; concurrency: number; ratio: number }[] {
  const out: { transport: Transport; concurrency: number; ratio: number }[] = [];
  for (const s of scenarios) {
    if (s.kind !== kind) continue;
    const other = scenarios.find((c) => c.kind === base && c.transport === s.transport && c.concurrency === s.concurrency);
    if (other !== undefined && other.load.requestsPerSecond > 0) out.push({ transport: s.transport, concurrency: s.concurrency, ratio: s.load.requestsPerSecond / other.load.requestsPerSecond });
  }
  return out;
}

export function ratiosOf(scenarios: readonly ScenarioResult[]): BenchResult['ratios'] {
  return ratiosOver(scenarios, 'getRoutes', 'ceiling').map(({ transport, concurrency, ratio }) => ({ transport, concurrency, getRoutesOverCeiling: ratio }));
}

export function rtjsonRatiosOf(scenarios: readonly ScenarioResult[]): BenchResult['rtjsonRatios'] {
  return ratiosOver(scenarios, 'rtjson', 'getRoutes').map(({ transport, concurrency, ratio }) => ({ transport, concurrency, rtjsonOverGetRoutes: ratio }));
}

export function verdictOf(scenarios: readonly ScenarioResult[], transports: readonly TransportRun[], snapshot: SnapshotResults = {}): BenchResult['verdict'] {
  const reasons: string[] = [];
  let failedRequests = 0;
  for (const s of [...scenarios, ...snapshotScenarios(snapshot)]) {
    failedRequests += s.load.errors.total;
    if (s.load.errors.total > 0) {
      const e = s.load.errors;
      reasons.push(`${s.transport} ${s.kind} c${s.concurrency}: ${e.total} failed requests (non-2xx ${e.non2xx}, JSON-RPC errors ${e.rpcErrors}, connection errors ${e.connectionErrors}, timeouts ${e.timeouts}); first: ${s.load.errorSamples[0] ?? '-'}`);
    }
    if (s.load.requests === 0) reasons.push(`${s.transport} ${s.kind} c${s.concurrency}: no request was answered`);
  }
  let wrongAnswers = 0;
  for (const t of transports) {
    wrongAnswers += t.correctness.wrong;
    if (t.correctness.wrong > 0) reasons.push(`${t.transport}: ${t.correctness.wrong} of ${t.correctness.checked} sampled answers wrong; first: ${t.correctness.problems[0]}`);
    wrongAnswers += t.rtjsonCorrectness.wrong;
    if (t.rtjsonCorrectness.wrong > 0) reasons.push(`${t.transport}: ${t.rtjsonCorrectness.wrong} of ${t.rtjsonCorrectness.checked} sampled GET /rtjson answers wrong; first: ${t.rtjsonCorrectness.problems[0]}`);
    const cold = t.coldCorrectness;
    wrongAnswers += cold?.wrong ?? 0;
    if (cold !== undefined && cold.wrong > 0) reasons.push(`${t.transport}: ${cold.wrong} of ${cold.checked} sampled memo-cold answers wrong; first: ${cold.problems[0]}`);
    if (t.daemonExit.code !== 0) reasons.push(`${t.transport}: the daemon did not exit cleanly on SIGTERM (code ${t.daemonExit.code}, signal ${t.daemonExit.signal})`);
  }
  wrongAnswers += snapshot.spread?.correctness.wrong ?? 0;
  reasons.push(...snapshotReasons(snapshot));
  return { ok: reasons.length === 0, failedRequests, wrongAnswers, reasons };
}

const ms = (value: number): string => (value < 10 ? value.toFixed(2) : value.toFixed(1));
const percent = (cores: number): string => `${Math.round(cores * 100)}%`;
const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MiB`;

export function markdownTable(result: BenchResult): string {
  const m = result.machine;
  const d = result.dataSet;
  const lines = [
    `Machine: ${m.cpus} × ${m.cpuModel}, ${mib(m.memoryBytes)}, ${m.platform}; Node ${m.node}; database ${m.database}.`,
    `Data: ${d.routes.toLocaleString('en')} routes in ${d.destinationSets} destination sets, ${d.connections} connections, ${d.groups} groups × ${d.entriesPerGroup} entries; loaded by ${d.load.method} in ${d.load.seconds.toFixed(1)} s.`,
    ...(typeof result.settings.source === 'string' ? [`Daemon under test: ${result.settings.daemonScript} built from ${result.settings.source}.`] : []),
    `Each scenario ${result.settings.durationSeconds} s (node-ping and node-same-size: Node's own HTTP server, not the daemon, whose CPU and RSS the daemon columns then show; getRoutes-reload and getRoutes-freshness: until the reload or the edits are done; getRoutes-sql: the daemon with --data-source sql). CPU is % of one core, averaged over the scenario; DB share = database / (daemon + database); other CPU = the rest of the machine (should be near 0%).`,
    '',
    '| transport | scenario | conc. | req/s | p50 ms | p99 ms | max ms | errors | daemon CPU | daemon peak RSS | DB CPU | DB share | load gen. CPU | other CPU | getRoutes / ceiling |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const sqlRatio = (s: ScenarioResult): number | null | undefined =>
    s.kind === 'getRoutes-sql' ? result.sqlPath?.ratios.find((r) => r.concurrency === s.concurrency)?.sqlOverCeiling : undefined;
  for (const s of [...result.scenarios, ...snapshotScenarios(result)]) {
    const found = s.kind === 'getRoutes' ? result.ratios.find((r) => r.transport === s.transport && r.concurrency === s.concurrency)?.getRoutesOverCeiling : sqlRatio(s);
    const ratio = found ?? undefined;
    lines.push(
      `| ${s.transport} | ${s.kind} | ${s.concurrency} | ${Math.round(s.load.requestsPerSecond).toLocaleString('en')} | ${ms(s.load.latencyMs.p50)} | ${ms(s.load.latencyMs.p99)} | ${ms(s.load.latencyMs.max)} | ${s.load.errors.total} | ${percent(s.cpuCores.daemon)} | ${mib(s.daemonPeakRssBytes)} | ${percent(s.cpuCores.database)} | ${percent(s.databaseShare)} | ${percent(s.cpuCores.loadGenerator)} | ${percent(s.cpuCores.otherProcesses)} | ${ratio === undefined ? '' : ratio.toFixed(ratio < 0.1 ? 3 : 2)} |`,
    );
  }
  lines.push('');
  for (const t of result.transports) {
    lines.push(`Correctness (${t.transport}, checked under load): ${t.correctness.checked - t.correctness.wrong} of ${t.correctness.checked} sampled answers right (${t.correctness.withRoutes} with routes); GET /rtjson ${t.rtjsonCorrectness.checked - t.rtjsonCorrectness.wrong} of ${t.rtjsonCorrectness.checked}${t.coldCorrectness === undefined ? '' : `; memo-cold ${t.coldCorrectness.checked - t.coldCorrectness.wrong} of ${t.coldCorrectness.checked}`}.`);
  }
  if (result.rtjsonRatios.length > 0) {
    lines.push(`GET /rtjson against getRoutes (requests/s, the same calls): ${result.rtjsonRatios.map((r) => `${r.transport} c${r.concurrency} ${r.rtjsonOverGetRoutes.toFixed(2)}`).join(', ')}.`);
  }
  const starts = [
    ...result.transports.map((t) => ({ label: t.transport, start: t.snapshot, peakBytes: t.daemonPeakRssBytes })),
    ...(result.freshness !== undefined ? [{ label: `${result.freshness.transport}, freshness daemon`, start: result.freshness.snapshot, peakBytes: result.freshness.daemonPeakRssBytes }] : []),
  ];
  lines.push(...ceilingSection(result.ceilingRatios, result.requestPools), ...turnsSection(result.takingTurns ?? []), ...snapshotSection(result, starts), ...spreadSection(result.spread), '');
  lines.push(result.verdict.ok ? 'Verdict: OK: no failed request, no wrong answer, every edit seen within the bound.' : `Verdict: FAILED:\n${result.verdict.reasons.map((r) => `- ${r}`).join('\n')}`);
  return lines.join('\n') + '\n';
}

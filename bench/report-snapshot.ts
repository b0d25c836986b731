// The snapshot part of the result (snapshot.md): the SQL path beside the
// snapshot path, the full-load and forced-reload times, the daemons' peak
// RSS, and freshness under load; their verdict reasons and markdown. Pure,
// like report.ts.

import type { DaemonExit } from './daemon.js';
import type { FreshnessRun, SqlPathRun } from './phases.js';
import type { ReloadReport } from './reload.js';
import { spreadReasons } from './report-spread.js';
import type { SpreadRun } from './spread.js';
import type { ScenarioResult } from './scenario.js';
import type { Transport } from './options.js';

/** What ping said once a snapshot daemon was ready. */
export interface SnapshotStart {
  /** ping's data.full_load_ms: the daemon's own timing of its first full load. */
  readonly fullLoadMs: number;
  /** Spawn -> ping answering from the snapshot, as the harness saw it. */
  readonly readyAfterMs: number;
  readonly rows: number;
  readonly generation: number;
  readonly triggers: boolean | null;
  /** VmHWM once the snapshot was loaded. */
  readonly daemonPeakRssAfterLoadBytes: number;
}

export interface SnapshotResults {
  readonly sqlPath?: SqlPathRun & {
    /** getRoutes-sql ÷ ping, and snapshot getRoutes ÷ getRoutes-sql, same transport and concurrency. */
    readonly ratios: readonly { readonly concurrency: number; readonly sqlOverCeiling: number | null; readonly snapshotOverSql: number | null }[];
  };
  readonly reload?: ReloadReport & { readonly transport: Transport };
  readonly freshness?: FreshnessRun;
  readonly spread?: SpreadRun;
}

/** snapshot.md: "at 1,000,000 routes the daemon's peak RSS, including a full rebuild, stays within 300 MB". */
export const RSS_BOUND_BYTES = 300_000_000;

export function sqlRatios(snapshotScenarios: readonly ScenarioResult[], sql: SqlPathRun): NonNullable<SnapshotResults['sqlPath']>['ratios'] {
  const rate = (kind: string, concurrency: number): number | undefined =>
    snapshotScenarios.find((s) => s.kind === kind && s.transport === sql.transport && s.concurrency === concurrency)?.load.requestsPerSecond;
  return sql.scenarios.map((s) => {
    const ceiling = rate('ceiling', s.concurrency);
    const snapshot = rate('getRoutes', s.concurrency);
    const sqlRate = s.load.requestsPerSecond;
    return {
      concurrency: s.concurrency,
      sqlOverCeiling: ceiling !== undefined && ceiling > 0 ? sqlRate / ceiling : null,
      snapshotOverSql: snapshot !== undefined && sqlRate > 0 ? snapshot / sqlRate : null,
    };
  });
}

/** The load scenarios of this part, for the main table and the failed-request count. */
export function snapshotScenarios(r: SnapshotResults): ScenarioResult[] {
  return [...(r.sqlPath?.scenarios ?? []), ...(r.reload !== undefined ? [r.reload.load] : []), ...(r.freshness !== undefined ? [r.freshness.load] : []), ...(r.spread !== undefined ? [r.spread.load] : [])];
}

function exitReason(what: string, exit: DaemonExit): string[] {
  return exit.code === 0 ? [] : [`${what}: the daemon did not exit cleanly on SIGTERM (code ${exit.code}, signal ${exit.signal})`];
}

/** Why this part fails the verdict (failed requests are counted with the other scenarios'). */
export function snapshotReasons(r: SnapshotResults): string[] {
  const reasons: string[] = [];
  if (r.sqlPath !== undefined) reasons.push(...exitReason(`${r.sqlPath.transport} SQL path`, r.sqlPath.daemonExit));
  if (r.reload !== undefined) {
    reasons.push(...r.reload.problems);
    if (r.reload.generationAfter === null && r.reload.problems.length === 0) reasons.push('forced reload: not seen to finish');
  }
  if (r.freshness !== undefined) {
    reasons.push(...r.freshness.report.problems);
    reasons.push(...exitReason(`${r.freshness.transport} freshness`, r.freshness.daemonExit));
  }
  reasons.push(...spreadReasons(r.spread));
  return reasons;
}

const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MiB`;
const over = (bytes: number): string => (bytes > RSS_BOUND_BYTES ? ` (over snapshot.md's 300 MB)` : '');

export function snapshotSection(r: SnapshotResults, starts: readonly { readonly label: string; readonly start: SnapshotStart | undefined; readonly peakBytes: number }[]): string[] {
  const lines: string[] = [''];
  for (const { label, start, peakBytes } of starts) {
    if (start === undefined) continue;
    lines.push(
      `Snapshot (${label}): ${start.rows.toLocaleString('en')} rows, full load ${start.fullLoadMs} ms (ping data.full_load_ms; answering from it ${start.readyAfterMs} ms after spawn), triggers ${start.triggers}; daemon peak RSS after the load ${mib(start.daemonPeakRssAfterLoadBytes)}, over its life ${mib(peakBytes)}${over(peakBytes)}.`,
    );
  }
  if (r.reload !== undefined) {
    const x = r.reload;
    lines.push(
      x.fullLoadMs === null
        ? `Forced full reload (${x.transport}, SIGHUP under getRoutes load at concurrency ${x.load.concurrency}): NOT DONE.`
        : `Forced full reload (${x.transport}, SIGHUP under getRoutes load at concurrency ${x.load.concurrency}): ${x.fullLoadMs} ms (data.full_load_ms), seen by ping ${x.observedMs} ms after SIGHUP, generation ${x.generationBefore} -> ${x.generationAfter}; ${x.load.load.requests.toLocaleString('en')} requests meanwhile, ${x.load.load.errors.total} failed; daemon peak RSS before ${mib(x.daemonPeakRssBeforeBytes)}, after ${mib(x.daemonPeakRssAfterBytes)}${over(x.daemonPeakRssAfterBytes)} (RSS now ${mib(x.daemonRssAfterBytes)}).`,
    );
  }
  if (r.sqlPath !== undefined) {
    const parts = r.sqlPath.ratios.map((q) => `c${q.concurrency}: getRoutes-sql / ceiling ${q.sqlOverCeiling?.toFixed(3) ?? '-'}, snapshot ÷ SQL ${q.snapshotOverSql?.toFixed(1) ?? '-'}×`);
    lines.push(`SQL path (${r.sqlPath.transport}, --data-source sql): ${parts.join('; ')}.`);
  }
  if (r.freshness !== undefined) {
    const f = r.freshness;
    const rep = f.report;
    lines.push(
      `Freshness (${f.transport}, ${rep.edits.length} edits committed one after another under getRoutes load at concurrency ${f.load.concurrency}, ${f.load.load.errors.total} of ${f.load.load.requests.toLocaleString('en')} load requests failed): COMMIT -> first answer showing it: max ${rep.maxMs ?? '-'} ms, median ${rep.medianMs ?? '-'} ms (bound ${rep.boundMs} ms; each then confirmed by the next ${rep.confirmations} answers).`,
      '',
      '| # | edit | COMMIT ms | seen after ms | probe answers | confirmed |',
      '|---:|---|---:|---:|---:|---:|',
      ...rep.edits.map((e) => `| ${e.index} | ${e.kind}: ${e.description} | ${e.commitMs} | ${e.latencyMs ?? `never (> ${rep.neverSeenMs})`} | ${e.probes} | ${e.confirmed}/${rep.confirmations} |`),
    );
  }
  return lines;
}

// The daemon against Node's own HTTP server (ceiling.ts): the ratios of
// the result and their markdown. Pure, like report.ts.

import type { Transport } from './options.js';
import type { ScenarioKind, ScenarioResult } from './scenario.js';

export interface CeilingRatio {
  readonly transport: Transport;
  readonly concurrency: number;
  /** Median answer bytes of the daemon's getRoutes and ping: what node-same-size and node-ping answer. */
  readonly getRoutesAnswerBytes: number | null;
  readonly pingAnswerBytes: number | null;
  /** req/s over req/s; null when either scenario did not run. */
  readonly getRoutesOverSameSize: number | null;
  readonly pingOverNodePing: number | null;
  readonly coldOverSameSize: number | null;
  readonly zipfOverSameSize: number | null;
}

/** What the memo-cold and the Zipf scenarios asked (cold-requests.ts). */
export interface RequestPools {
  readonly cold: { readonly requests: number; readonly distinctClds: number; readonly distinctKeys: number };
  readonly zipf: { readonly draws: number; readonly distinctCalls: number; readonly s: number; readonly topShare: number; readonly topPercentShare: number };
}

export function ceilingRatiosOf(scenarios: readonly ScenarioResult[]): CeilingRatio[] {
  const out: CeilingRatio[] = [];
  for (const s of scenarios) {
    if (s.kind !== 'node-same-size') continue;
    const find = (kind: ScenarioKind): ScenarioResult | undefined => scenarios.find((c) => c.kind === kind && c.transport === s.transport && c.concurrency === s.concurrency);
    const over = (kind: ScenarioKind, base: ScenarioKind): number | null => {
      const top = find(kind)?.load.requestsPerSecond;
      const bottom = find(base)?.load.requestsPerSecond;
      return top === undefined || bottom === undefined || bottom <= 0 ? null : top / bottom;
    };
    out.push({
      transport: s.transport,
      concurrency: s.concurrency,
      getRoutesAnswerBytes: find('getRoutes')?.load.answerBytesMedian ?? null,
      pingAnswerBytes: find('ceiling')?.load.answerBytesMedian ?? null,
      getRoutesOverSameSize: over('getRoutes', 'node-same-size'),
      pingOverNodePing: over('ceiling', 'node-ping'),
      coldOverSameSize: over('getRoutes-cold', 'node-same-size'),
      zipfOverSameSize: over('getRoutes-zipf', 'node-same-size'),
    });
  }
  return out;
}

const ratio = (r: number | null): string => (r === null ? '-' : r.toFixed(2));
const bytes = (b: number | null): string => (b === null ? '-' : `${b.toLocaleString('en')} B`);

export function ceilingSection(ratios: readonly CeilingRatio[], pools: RequestPools | undefined): string[] {
  if (ratios.length === 0) return [];
  const lines = [
    '',
    "Against Node's own HTTP server on the same transport (bench/ceiling-server.ts answering every request with one answer the daemon gave in this run, its getRoutes answer of the median size or its ping answer; the same requests, load runner and concurrency; req/s ÷ req/s):",
    '',
    '| transport | conc. | getRoutes ÷ Node, same size | ping ÷ Node, same size | memo-cold getRoutes ÷ Node, same size | Zipf getRoutes ÷ Node, same size | getRoutes answer (median) | ping answer (median) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...ratios.map(
      (r) =>
        `| ${r.transport} | ${r.concurrency} | ${ratio(r.getRoutesOverSameSize)} | ${ratio(r.pingOverNodePing)} | ${ratio(r.coldOverSameSize)} | ${ratio(r.zipfOverSameSize)} | ${bytes(r.getRoutesAnswerBytes)} | ${bytes(r.pingAnswerBytes)} |`,
    ),
  ];
  if (pools !== undefined) {
    lines.push(
      '',
      `Memo-cold: ${pools.cold.requests.toLocaleString('en')} requests, ${pools.cold.distinctClds.toLocaleString('en')} distinct CLDs on ${pools.cold.distinctKeys.toLocaleString('en')} distinct (group, longest prefix) pairs. ` +
        `Zipf s=${pools.zipf.s}: ${pools.zipf.draws.toLocaleString('en')} draws over those ${pools.zipf.distinctCalls.toLocaleString('en')} calls, ` +
        `the most asked ${(pools.zipf.topShare * 100).toFixed(1)}% of them, the top 1% of calls ${(pools.zipf.topPercentShare * 100).toFixed(0)}%.`,
    );
  }
  return lines;
}

/** getRoutes and Node's own server at the same size taking turns (ceiling-turns.ts). */
export interface TurnsRun {
  readonly transport: Transport;
  readonly concurrency: number;
  /** Seconds of each half of a round. */
  readonly secondsEach: number;
  /** Each round: the daemon's getRoutes req/s, then Node's at the same size, and getRoutes ÷ Node. */
  readonly rounds: readonly { readonly getRoutes: number; readonly node: number; readonly ratio: number }[];
  readonly medianRatio: number;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The markdown lines of the runs taking turns (after the table against Node's server). */
export function turnsSection(runs: readonly TurnsRun[]): string[] {
  if (runs.length === 0) return [];
  const lines = ['', "getRoutes and Node's own server at the same size taking turns (ceiling-turns.ts; each round the daemon, then Node's server, seconds apart):", ''];
  for (const run of runs) {
    const each = run.rounds.map((r) => `${Math.round(r.getRoutes).toLocaleString('en')} ÷ ${Math.round(r.node).toLocaleString('en')} = ${r.ratio.toFixed(2)}`).join('; ');
    lines.push(`- ${run.transport}, concurrency ${run.concurrency}, ${run.rounds.length} rounds of ${run.secondsEach} s each: median getRoutes ÷ Node, same size ${run.medianRatio.toFixed(2)} (${each})`);
  }
  return lines;
}

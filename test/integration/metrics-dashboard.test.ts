import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DaemonMetrics } from '../../src/metrics/daemon-metrics.js';
import { PREFIX, SERIES } from '../../src/metrics/series.js';
import { metricNames } from '../harness/promql-names.js';

// etc/grafana/sippy_routed.json draws only what the daemon exports: every
// PromQL expression (panel targets and template queries) names series of
// the daemon's registry, prom-client's default process metrics included
// (histograms by their _bucket, _sum and _count series).

const DASHBOARD = fileURLToPath(new URL('../../../etc/grafana/sippy_routed.json', import.meta.url));

interface Panel {
  readonly title?: string;
  readonly type: string;
  readonly targets?: readonly { readonly expr: string }[];
  readonly panels?: readonly Panel[];
  readonly fieldConfig?: { readonly defaults?: { readonly thresholds?: { readonly steps: readonly { value: number | null }[] }; readonly custom?: { readonly thresholdsStyle?: { readonly mode: string } } } };
}

interface Dashboard {
  readonly panels: readonly Panel[];
  readonly templating: { readonly list: readonly { readonly query: { readonly query: string } | string }[] };
}

function expressions(dashboard: Dashboard): { where: string; expr: string }[] {
  const found: { where: string; expr: string }[] = [];
  const walk = (panels: readonly Panel[]): void => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) found.push({ where: panel.title ?? panel.type, expr: target.expr });
      walk(panel.panels ?? []);
    }
  };
  walk(dashboard.panels);
  for (const variable of dashboard.templating.list) found.push({ where: 'template', expr: typeof variable.query === 'string' ? variable.query : variable.query.query });
  return found;
}

async function exportedNames(): Promise<Set<string>> {
  const metrics = new DaemonMetrics();
  const names = new Set<string>();
  for (const metric of await metrics.series.registry.getMetricsAsJSON()) {
    // Each of the daemon's own series is of the type SERIES (and so the docs) gives it.
    if (metric.name.startsWith(PREFIX)) expect(String(metric.type), metric.name).to.equal(SERIES[metric.name.slice(PREFIX.length) as keyof typeof SERIES].type);
    if (String(metric.type) === 'histogram' || String(metric.type) === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
    else names.add(metric.name);
  }
  return names;
}

describe('metrics: the Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;

  it('every PromQL expression names only series the daemon exports', async () => {
    const exported = await exportedNames();
    const all = expressions(dashboard);
    expect(all.length).to.be.greaterThan(10);
    for (const { where, expr } of all) {
      const names = metricNames(expr);
      expect(names, `${where}: ${expr}`).to.not.be.empty;
      for (const name of names) expect(exported.has(name), `${where}: ${name} is not exported`).to.equal(true);
    }
  });

  it('has the panels the issue asks for, and the snapshot age has a threshold line', () => {
    const titles = dashboard.panels.map((p) => p.title);
    for (const title of ['Requests/s by environment and outcome', 'Errors/s by environment and outcome', 'Latency p50 and p99', 'Rejected clients/s', 'Snapshot age', 'Reloads by result', 'Database pool usage']) {
      expect(titles).to.include(title);
    }
    const age = dashboard.panels.find((p) => p.title === 'Snapshot age')!;
    expect(age.fieldConfig?.defaults?.custom?.thresholdsStyle?.mode).to.equal('line');
    expect(age.fieldConfig?.defaults?.thresholds?.steps.some((step) => typeof step.value === 'number')).to.equal(true);
  });
});

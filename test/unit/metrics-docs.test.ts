import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DaemonMetrics } from '../../src/metrics/daemon-metrics.js';
import { PREFIX, SERIES } from '../../src/metrics/series.js';
import { metricNames } from '../harness/promql-names.js';
import { DEMO_HELP, DEMO_METRICS } from '../../src/cli/demo-command.js';

// docs/operations.md's table of series against the registry the daemon
// builds: every series it defines is documented with its type and labels,
// and the docs name no series that does not exist.

const OPERATIONS = fileURLToPath(new URL('../../../docs/operations.md', import.meta.url));

/** Rows of the table under "### Series": series, type, labels. */
function documentedSeries(): Map<string, { type: string; labels: string[] }> {
  const text = readFileSync(OPERATIONS, 'utf8');
  const section = text.slice(text.indexOf('### Series'), text.indexOf('### Grafana'));
  const rows = new Map<string, { type: string; labels: string[] }>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const name = /^`(sippy_routed_[a-z_]+)`$/.exec(cells[1] ?? '')?.[1];
    if (name === undefined) continue;
    rows.set(name, { type: cells[2]!, labels: [...cells[3]!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!) });
  }
  return rows;
}

describe('metrics: docs/operations.md lists every series with its labels', () => {
  it('each series the registry holds is a row with its type and labels, and each row is a series', () => {
    // The registry's own metric objects (read without collecting: no process metrics are read here).
    const registry = new DaemonMetrics().series.registry;
    const registered = registry.getMetricsAsArray().map((m) => (m as unknown as { name: string; labelNames: string[] })).filter((m) => m.name.startsWith(PREFIX));
    const documented = documentedSeries();
    expect([...documented.keys()].sort()).to.deep.equal(registered.map((m) => m.name).sort());
    for (const metric of registered) {
      const row = documented.get(metric.name)!;
      const own = SERIES[metric.name.slice(PREFIX.length) as keyof typeof SERIES];
      expect(row.type, metric.name).to.equal(own.type);
      expect(row.labels, metric.name).to.deep.equal([...metric.labelNames]);
      expect(row.labels, metric.name).to.deep.equal([...own.labels]);
    }
  });

  it('the PromQL name reader finds metric names and skips functions, label lists, matchers and ranges (the dashboard test relies on it)', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, environment) (rate(a_bucket{environment=~"$environment", x="b_c"}[$__rate_interval])))')).to.deep.equal(['a_bucket']);
    expect(metricNames('sum without (x) (a) / on (y) group_left (z) b offset 5m')).to.deep.equal(['a', 'b']);
    expect(metricNames('label_values(sippy_routed_listener_info, environment)')).to.deep.equal(['sippy_routed_listener_info']);
  });
});

describe('metrics: where they are served, as the docs say', () => {
  const section = (text: string): string => text.slice(text.indexOf('## Metrics'), text.indexOf('### Series'));

  it("operations.md and README.md give the demo's default endpoint, the one demo serves", () => {
    expect(section(readFileSync(OPERATIONS, 'utf8'))).to.include(`\`${DEMO_METRICS}\``);
    expect(readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')).to.include(`\`${DEMO_METRICS}\``);
    expect(DEMO_HELP).to.include(DEMO_METRICS);
  });

  it('operations.md says supervise serves none without --metrics, and never calls them simply "off by default"', () => {
    const text = section(readFileSync(OPERATIONS, 'utf8')).replace(/\s+/g, ' ');
    expect(text).to.include('serve no metrics unless `--metrics` is given');
    expect(text).to.not.match(/off by default/i);
  });
});

// sippy_routed_request_duration_seconds as a prom-client registry reads it:
// a metric object whose get() turns the environments' DurationCells into
// the histogram's samples (cumulative `le` buckets, `_sum`, `_count`) at
// scrape time. The request path only adds to the cells.

import type { DurationCell } from './environment-metrics.js';
import { DURATION_BUCKETS, PREFIX, SERIES } from './series.js';

/** The cells to show: environment, method, cell. */
export type DurationSource = () => Iterable<readonly [string, string, DurationCell]>;

interface Sample {
  readonly metricName: string;
  readonly labels: Record<string, string | number>;
  readonly value: number;
}

export class DurationHistogram {
  readonly name = `${PREFIX}request_duration_seconds`;
  readonly help: string = SERIES.request_duration_seconds.help;
  readonly labelNames: readonly string[] = SERIES.request_duration_seconds.labels;
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(private readonly source: DurationSource) {}

  async get(): Promise<{ name: string; help: string; type: string; values: Sample[]; aggregator: string }> {
    const values: Sample[] = [];
    for (const [environment, method, cell] of this.source()) {
      let cumulative = 0;
      for (let i = 0; i <= DURATION_BUCKETS.length; i++) {
        cumulative += cell.buckets[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { environment, method, le: i < DURATION_BUCKETS.length ? DURATION_BUCKETS[i]! : '+Inf' }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_sum`, labels: { environment, method }, value: cell.sum });
      values.push({ metricName: `${this.name}_count`, labels: { environment, method }, value: cell.count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The cells belong to the environments: nothing to reset here (prom-client's Registry.resetMetrics calls it). */
  reset(): void {}
}

// sippy_routed_request_duration_seconds as a prom-client registry reads it:
// a metric object whose get() turns the environments' DurationCells into
// the histogram's samples (cumulative `le` buckets, `_sum`, `_count`) at
// scrape time. The request path only adds to the cells. Its name, help and
// labels are series.ts's (SERIES), handed in by createSeries: this module
// imports none of the metrics', and both the series and the environments'
// cells import it.

/** Request latency buckets, s: 0.1 ms to 1 s (operations.md). */
export const DURATION_BUCKETS: readonly number[] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** One histogram's samples: per bucket (not cumulative; the last is +Inf), their sum and count. */
export class DurationCell {
  readonly buckets = new Float64Array(DURATION_BUCKETS.length + 1);
  sum = 0;
  count = 0;

  observe(seconds: number): void {
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++;
    this.buckets[i]! += 1;
    this.sum += seconds;
    this.count += 1;
  }
}

/** The series' name (prefixed), help and labels, as SERIES defines them. */
export interface HistogramNaming {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
}

/** The cells to show: environment, method, cell. */
export type DurationSource = () => Iterable<readonly [string, string, DurationCell]>;

interface Sample {
  readonly metricName: string;
  readonly labels: Record<string, string | number>;
  readonly value: number;
}

export class DurationHistogram {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(
    naming: HistogramNaming,
    private readonly source: DurationSource,
  ) {
    this.name = naming.name;
    this.help = naming.help;
    this.labelNames = naming.labelNames;
  }

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

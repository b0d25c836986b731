// A process's metrics: the series of series.ts, the views of the daemon's
// state they are read from at each scrape (snapshots, pools), and the events
// the supervisor and the routing layer report (reloads, upstream calls,
// listeners). One per process; the metrics listener serves its text.

import type { Counter } from 'prom-client';
import { createSeries, type SeriesSet } from './series.js';
import { EnvironmentMetrics } from './environment-metrics.js';
import type { DurationCell } from './duration-histogram.js';

/** One routing snapshot as the snapshot series show it. */
export interface SnapshotMetricsView {
  /** The DSN, password redacted. */
  readonly database: string;
  /** s since the data was last known current; undefined before the first load. */
  readonly ageSeconds: number | undefined;
  readonly generation: number;
  /** Rows held, by table. */
  readonly tables: Readonly<Record<string, number>>;
  /** Rows left out of routing because a value cannot be held (DataStatus.bad_rows). */
  readonly badRows: number;
  /** Failed refreshes since the snapshot started. */
  readonly syncFailures: number;
}

/** One database pool as db_pool_connections shows it. */
export interface PoolMetricsView {
  /** The DSN, password redacted. */
  readonly database: string;
  readonly used: number;
  readonly idle: number;
  readonly waiting: number;
}

export interface MetricsSources {
  readonly snapshots?: () => readonly SnapshotMetricsView[];
  readonly pools?: () => readonly PoolMetricsView[];
}

/** reloads_total's result label: applied, the file did not validate, or a step failed (file unreadable, a listener could not start). */
export type ReloadOutcome = 'ok' | 'invalid' | 'failed';

/** What the external forwarder reports: one upstream call, redacted URI, ok or a code of src/errors.ts. */
export interface UpstreamObserver {
  upstream(uri: string, outcome: string): void;
}

export class DaemonMetrics implements UpstreamObserver {
  readonly series: SeriesSet;
  private sources: MetricsSources = {};
  private readonly environments = new Map<number, EnvironmentMetrics>();
  private readonly upstreams = new Map<string, Map<string, Counter.Internal>>();

  constructor() {
    this.series = createSeries({
      requests: () => this.collectRequests(),
      durations: () => this.durationCells(),
      snapshots: () => this.collectSnapshots(),
      pools: () => this.collectPools(),
    });
  }

  /** Where the scrape-time series are read from; set once the process has built them. */
  setSources(sources: MetricsSources): void {
    this.sources = sources;
  }

  /** The request series of an environment (one object per environment, kept). */
  forEnvironment(environment: number): EnvironmentMetrics {
    let metrics = this.environments.get(environment);
    if (metrics === undefined) this.environments.set(environment, (metrics = new EnvironmentMetrics(environment)));
    return metrics;
  }

  listenerStarted(environment: number, socket: string): void {
    this.guard(() => this.series.listenerInfo.labels(String(environment), socket).set(1));
  }

  listenerStopped(environment: number, socket: string): void {
    this.guard(() => this.series.listenerInfo.remove(String(environment), socket));
  }

  reload(result: ReloadOutcome, trigger: string): void {
    // Triggers are the supervisor's own words ("file change", "SIGHUP"): label values in snake case.
    this.guard(() => this.series.reloads.labels(result, trigger.replace(/[^A-Za-z0-9]+/g, '_')).inc());
  }

  upstream(uri: string, outcome: string): void {
    this.guard(() => {
      let byOutcome = this.upstreams.get(uri);
      if (byOutcome === undefined) this.upstreams.set(uri, (byOutcome = new Map()));
      let child = byOutcome.get(outcome);
      if (child === undefined) byOutcome.set(outcome, (child = this.series.upstream.labels(uri, outcome)));
      child.inc();
    });
  }

  /** The exposition text (Prometheus text format 0.0.4) and its content type. */
  async scrape(): Promise<{ text: string; contentType: string }> {
    return { text: await this.series.registry.metrics(), contentType: this.series.registry.contentType };
  }

  /** The request counters from the environments' cells (they are only ever added to, so the counters never go down). */
  private collectRequests(): void {
    const { requests, rejected } = this.series;
    requests.reset();
    rejected.reset();
    for (const metrics of this.environments.values()) {
      rejected.labels(metrics.environment).inc(metrics.rejectedClients);
      for (const [method, byOutcome] of metrics.calls) {
        for (const [outcome, cell] of byOutcome) requests.labels(metrics.environment, method, outcome).inc(cell.count);
      }
    }
  }

  private *durationCells(): Iterable<readonly [string, string, DurationCell]> {
    for (const metrics of this.environments.values()) for (const [method, cell] of metrics.durations) yield [metrics.environment, method, cell];
  }

  private collectSnapshots(): void {
    const views = this.sources.snapshots?.() ?? [];
    const { snapshotAge, snapshotGeneration, snapshotRows, snapshotFailures, snapshotBadRows } = this.series;
    // Reset first: a snapshot that was released must not linger as a series.
    for (const series of [snapshotAge, snapshotGeneration, snapshotRows, snapshotFailures, snapshotBadRows]) series.reset();
    for (const view of views) {
      if (view.ageSeconds !== undefined) snapshotAge.labels(view.database).set(view.ageSeconds);
      snapshotGeneration.labels(view.database).set(view.generation);
      for (const [table, rows] of Object.entries(view.tables)) snapshotRows.labels(view.database, table).set(rows);
      snapshotFailures.labels(view.database).inc(view.syncFailures);
      snapshotBadRows.labels(view.database).set(view.badRows);
    }
  }

  private collectPools(): void {
    const views = this.sources.pools?.() ?? [];
    const pool = this.series.pool;
    pool.reset();
    for (const view of views) {
      // Several pools of one database (listeners with other limits) add up.
      pool.labels(view.database, 'used').inc(view.used);
      pool.labels(view.database, 'idle').inc(view.idle);
      pool.labels(view.database, 'waiting').inc(view.waiting);
    }
  }

  private guard(record: () => void): void {
    try {
      record();
    } catch {
      // Recording a metric never fails what reported it.
    }
  }
}

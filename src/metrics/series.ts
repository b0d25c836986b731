// The daemon's Prometheus series (operations.md, Metrics): one prom-client
// Registry per process, with prom-client's default process metrics. Names,
// types and labels are defined here and nowhere else: docs/operations.md and
// the Grafana dashboard are tested against SERIES.
//
// Every label value comes from a bounded set: environment ids and sockets of
// the econfig file, method names the daemon serves, error codes of
// src/errors.ts, redacted DSNs and upstream URIs of the configuration, table
// names. Nothing a client sends (CLD, address, method name it made up)
// becomes a label value.

import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { DurationHistogram, type DurationSource } from './duration-histogram.js';

export const PREFIX = 'sippy_routed_';

/** Name (without the prefix), type and labels of every series the daemon defines; the docs and the dashboard test read it. */
export const SERIES = {
  requests_total: { type: 'counter', labels: ['environment', 'method', 'outcome'], help: 'JSON-RPC calls answered (each entry of a batch counts), by outcome: ok or the error code.' },
  request_duration_seconds: { type: 'histogram', labels: ['environment', 'method'], help: 'Time from the request read to its answer written, s (one per HTTP request; method batch for batches).' },
  rejected_clients_total: { type: 'counter', labels: ['environment'], help: 'Clients refused by the listener allow-list.' },
  listener_info: { type: 'gauge', labels: ['environment', 'socket'], help: 'One per listener running (value 1).' },
  snapshot_age_seconds: { type: 'gauge', labels: ['database'], help: 'Seconds since the routing snapshot was last known current.' },
  snapshot_generation: { type: 'gauge', labels: ['database'], help: 'Generation of the routing snapshot (grows with every refresh that changed it).' },
  snapshot_rows: { type: 'gauge', labels: ['database', 'table'], help: 'Rows held in the routing snapshot, by table.' },
  snapshot_sync_failures_total: { type: 'counter', labels: ['database'], help: 'Snapshot refreshes that failed (database unreachable, query failed).' },
  snapshot_bad_rows: { type: 'gauge', labels: ['database'], help: 'Rows left out of routing because a value cannot be held exactly (explain shows bad_row; the log names each).' },
  reloads_total: { type: 'counter', labels: ['result', 'trigger'], help: 'Supervisor reloads that applied a change or failed, by result (ok, invalid, failed) and trigger.' },
  db_pool_connections: { type: 'gauge', labels: ['database', 'state'], help: 'Database pool checkouts by state: used (held), idle (free permits), waiting (requests queued for one).' },
  upstream_requests_total: { type: 'counter', labels: ['uri', 'outcome'], help: 'getRoutes forwarded to the upstream of an external group, by outcome: ok or the error code.' },
} as const;

export type SeriesName = keyof typeof SERIES;

/** The collectors of the series, in a registry of their own (never prom-client's global one). */
export interface SeriesSet {
  readonly registry: Registry;
  readonly requests: Counter<'environment' | 'method' | 'outcome'>;
  readonly duration: DurationHistogram;
  readonly rejected: Counter<'environment'>;
  readonly listenerInfo: Gauge<'environment' | 'socket'>;
  readonly snapshotAge: Gauge<'database'>;
  readonly snapshotGeneration: Gauge<'database'>;
  readonly snapshotRows: Gauge<'database' | 'table'>;
  readonly snapshotFailures: Counter<'database'>;
  readonly snapshotBadRows: Gauge<'database'>;
  readonly reloads: Counter<'result' | 'trigger'>;
  readonly pool: Gauge<'database' | 'state'>;
  readonly upstream: Counter<'uri' | 'outcome'>;
}

/**
 * `collect`: called at each scrape, to set the series read from the daemon's
 * state (request cells, snapshots, pools); each must be idempotent (it may run once per
 * series it feeds). prom-client's default process metrics keep their
 * standard names (process_*, nodejs_*), so the usual Node.js dashboards
 * work on them as they are.
 */
export function createSeries(collect: { requests: () => void; durations: DurationSource; snapshots: () => void; pools: () => void }): SeriesSet {
  const registry = new Registry();
  const named = <N extends SeriesName>(name: N) => ({ name: PREFIX + name, help: SERIES[name].help, labelNames: [...SERIES[name].labels], registers: [registry] });
  const set: SeriesSet = {
    registry,
    requests: new Counter({ ...named('requests_total'), collect: collect.requests }) as SeriesSet['requests'],
    duration: new DurationHistogram(named('request_duration_seconds'), collect.durations),
    rejected: new Counter({ ...named('rejected_clients_total'), collect: collect.requests }) as SeriesSet['rejected'],
    listenerInfo: new Gauge(named('listener_info')) as SeriesSet['listenerInfo'],
    snapshotAge: new Gauge({ ...named('snapshot_age_seconds'), collect: collect.snapshots }) as SeriesSet['snapshotAge'],
    snapshotGeneration: new Gauge({ ...named('snapshot_generation'), collect: collect.snapshots }) as SeriesSet['snapshotGeneration'],
    snapshotRows: new Gauge({ ...named('snapshot_rows'), collect: collect.snapshots }) as SeriesSet['snapshotRows'],
    snapshotFailures: new Counter({ ...named('snapshot_sync_failures_total'), collect: collect.snapshots }) as SeriesSet['snapshotFailures'],
    snapshotBadRows: new Gauge({ ...named('snapshot_bad_rows'), collect: collect.snapshots }) as SeriesSet['snapshotBadRows'],
    reloads: new Counter(named('reloads_total')) as SeriesSet['reloads'],
    pool: new Gauge({ ...named('db_pool_connections'), collect: collect.pools }) as SeriesSet['pool'],
    upstream: new Counter(named('upstream_requests_total')) as SeriesSet['upstream'],
  };
  registry.registerMetric(set.duration as never);
  collectDefaultMetrics({ register: registry });
  return set;
}

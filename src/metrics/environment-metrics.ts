// The request series of one environment, as the hot path records them.
//
// Label children are looked up in maps keyed by strings the caller already
// holds (a method name the dispatcher knows, a catalogue code): no string is
// built and no closure made per request, and each child is created once, on
// first use, then reused. Recording never throws into a request: prom-client
// cannot fail on a cached child, and the guard below turns a bug into a lost
// sample rather than a failed call.

import type { Counter, Histogram } from 'prom-client';
import type { SeriesSet } from './series.js';

/** What the JSON-RPC layer reports: one call answered, with its method label and outcome (ok or a code of src/errors.ts). */
export interface CallObserver {
  call(method: string, outcome: string): void;
}

/**
 * Method label values: the methods the daemon serves, `other` for a name it
 * does not serve or a request that is not a request object, `none` for an
 * answer with no call (parse error, HTTP refusal), `batch` for a batch's
 * latency.
 */
export const METHOD_LABELS = ['getRoutes', 'ping', 'listGroups', 'listRoutes', 'other', 'none', 'batch'] as const;
const KNOWN_METHODS: ReadonlySet<string> = new Set(METHOD_LABELS);

export class EnvironmentMetrics implements CallObserver {
  private readonly environment: string;
  private readonly calls = new Map<string, Map<string, Counter.Internal>>();
  private readonly durations = new Map<string, Histogram.Internal<'environment' | 'method'>>();
  private readonly rejectedChild: Counter.Internal;

  constructor(
    environment: number,
    private readonly series: SeriesSet,
  ) {
    this.environment = String(environment);
    this.rejectedChild = series.rejected.labels(this.environment);
    // The usual series exist from the start, at 0: rate() over them works from the first scrape.
    this.rejectedChild.inc(0);
    this.callChild('getRoutes', 'ok').inc(0);
    series.duration.zero({ environment: this.environment, method: 'getRoutes' });
  }

  call(method: string, outcome: string): void {
    try {
      this.callChild(method, outcome).inc();
    } catch {
      // A lost sample, never a failed request.
    }
  }

  /** An HTTP request answered: `seconds` from the request read to its answer written. */
  answered(method: string, seconds: number): void {
    try {
      this.durationChild(method).observe(seconds);
    } catch {
      // As above.
    }
  }

  rejected(): void {
    try {
      this.rejectedChild.inc();
    } catch {
      // As above.
    }
  }

  private callChild(method: string, outcome: string): Counter.Internal {
    const label = KNOWN_METHODS.has(method) ? method : 'other';
    let byOutcome = this.calls.get(label);
    if (byOutcome === undefined) this.calls.set(label, (byOutcome = new Map()));
    let child = byOutcome.get(outcome);
    if (child === undefined) byOutcome.set(outcome, (child = this.series.requests.labels(this.environment, label, outcome)));
    return child;
  }

  private durationChild(method: string): Histogram.Internal<'environment' | 'method'> {
    const label = KNOWN_METHODS.has(method) ? method : 'other';
    let child = this.durations.get(label);
    if (child === undefined) this.durations.set(label, (child = this.series.duration.labels(this.environment, label)));
    return child;
  }
}

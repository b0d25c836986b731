// The request series of one environment, as the hot path records them.
//
// A request adds to plain numbers: one cell per method and outcome, one
// histogram per method, kept in maps keyed by strings the caller already
// holds (a method name the dispatcher knows, a catalogue code), each cell
// made once on first use. No string is built, no closure made and nothing
// can throw per request; prom-client's own label children would hash their
// labels into a string at every update. The registry reads the cells at
// each scrape (daemon-metrics.ts).

import { DurationCell } from './duration-histogram.js';

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

export interface CallCell {
  count: number;
}

export class EnvironmentMetrics implements CallObserver {
  readonly environment: string;
  /** method → outcome → calls. */
  readonly calls = new Map<string, Map<string, CallCell>>();
  /** method → latency of its HTTP requests. */
  readonly durations = new Map<string, DurationCell>();
  rejectedClients = 0;

  constructor(environment: number) {
    this.environment = String(environment);
    // The usual series exist from the start, at 0: rate() over them works from the first scrape.
    this.callCell('getRoutes', 'ok');
    this.durationCell('getRoutes');
  }

  call(method: string, outcome: string): void {
    this.callCell(method, outcome).count += 1;
  }

  /** An HTTP request answered: `seconds` from the request read to its answer written. */
  answered(method: string, seconds: number): void {
    this.durationCell(method).observe(seconds);
  }

  rejected(): void {
    this.rejectedClients += 1;
  }

  private callCell(method: string, outcome: string): CallCell {
    const label = KNOWN_METHODS.has(method) ? method : 'other';
    let byOutcome = this.calls.get(label);
    if (byOutcome === undefined) this.calls.set(label, (byOutcome = new Map()));
    let cell = byOutcome.get(outcome);
    if (cell === undefined) byOutcome.set(outcome, (cell = { count: 0 }));
    return cell;
  }

  private durationCell(method: string): DurationCell {
    const label = KNOWN_METHODS.has(method) ? method : 'other';
    let cell = this.durations.get(label);
    if (cell === undefined) this.durations.set(label, (cell = new DurationCell()));
    return cell;
  }
}

// The load generator: a process of its own (`node dist/bench/load-runner.js
// JOB.json`) that drives the daemon with autocannon and reports on stdout,
// one JSON line per event: {"event":"started"} when the load begins, then
// {"event":"result", ...}. It is the only thing that measures latency and
// throughput.
//
// Latency: autocannon's own histogram has a resolution of 1 ms, too coarse
// for a daemon that answers in tenths of a millisecond; so every response
// time autocannon measures (send to last byte, float ms, its 'response'
// event) is kept here and the percentiles are exact order statistics.
//
// Errors: a non-2xx status, a connection error or timeout, and a 2xx answer
// that is a JSON-RPC error (or not a JSON-RPC result at all) each count.
// The body check is a substring test on every answer (the synthetic data
// holds no names containing "error"), plus a full JSON parse of every 100th.
//
// A stoppable job runs until its duration or until a line `stop` arrives on
// stdin, whichever is first: for loads that last as long as something done
// alongside them (a reload, a series of edits) and no longer.

import { readFileSync } from 'node:fs';
import autocannon, { type AutocannonResult } from 'autocannon';

export interface LoadJob {
  /** Host header and path; over a UNIX socket the host part is ignored. */
  readonly url: string;
  readonly socketPath?: string;
  readonly connections: number;
  readonly durationSeconds: number;
  /** Bodies sent in turn across all connections (POST). */
  readonly bodies: readonly string[];
  /** Instead of bodies: request targets (`/rtjson?...`) asked in turn with GET; a success is an rtjson document. */
  readonly gets?: readonly string[];
  /** Stop early on a `stop` line on stdin; durationSeconds is then the upper bound. */
  readonly stoppable?: boolean;
}

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Median bytes of the answers' bodies: the size the Node ceiling server answers with (ceiling.ts). */
  readonly answerBytesMedian: number;
  readonly errors: { readonly non2xx: number; readonly rpcErrors: number; readonly connectionErrors: number; readonly timeouts: number; readonly total: number };
  /** The first few bad answers, truncated, for the report. */
  readonly errorSamples: readonly string[];
}

const FULL_PARSE_EVERY = 100;
const ERROR_SAMPLES = 3;

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** Whether a 2xx body is a JSON-RPC success answer; `full` parses it. */
export function isRpcSuccess(body: string, full: boolean): boolean {
  if (!body.includes('"result":') || body.includes('"error":')) return false;
  if (!full) return true;
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    return typeof parsed === 'object' && parsed !== null && 'result' in parsed && !('error' in parsed);
  } catch {
    return false;
  }
}

/** Whether a 2xx body is an rtjson document (GET /rtjson); `full` parses it. */
export function isRtjsonDocument(body: string, full: boolean): boolean {
  if (!body.startsWith('{"version":"1.0","routing":"serial","routes":[') || body.includes('"error":')) return false;
  if (!full) return true;
  try {
    return Array.isArray((JSON.parse(body) as { routes?: unknown }).routes);
  } catch {
    return false;
  }
}

/** Numbers kept to take exact order statistics of: response times, answer sizes. */
class Samples {
  private values = new Float64Array(1 << 16);
  private count = 0;

  add(ms: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = ms;
  }

  sorted(): Float64Array {
    return this.values.slice(0, this.count).sort();
  }
}

function emit(event: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(event) + '\n');
}

async function run(job: LoadJob): Promise<LoadResult> {
  const latencies = new Samples();
  const answerBytes = new Samples();
  let non2xx = 0;
  let rpcErrors = 0;
  let answered = 0;
  let next = 0;
  const errorSamples: string[] = [];
  const gets = job.gets;
  const success = gets === undefined ? isRpcSuccess : isRtjsonDocument;
  const onResponse = (status: number, body: string): void => {
    answerBytes.add(Buffer.byteLength(body, 'utf8'));
    if (status < 200 || status > 299) {
      non2xx++;
    } else if (!success(body, ++answered % FULL_PARSE_EVERY === 0)) {
      rpcErrors++;
    } else {
      return;
    }
    if (errorSamples.length < ERROR_SAMPLES) errorSamples.push(`HTTP ${status}: ${body.slice(0, 300)}`);
  };
  // One counter across all connections: they walk the pool together, each
  // taking the next body (or target), so concurrent requests ask different things.
  const request =
    gets === undefined
      ? {
          method: 'POST',
          path: new URL(job.url).pathname,
          headers: { 'content-type': 'application/json' },
          body: job.bodies[0]!,
          onResponse,
          ...(job.bodies.length > 1 ? { setupRequest: (req: { body?: string }) => ({ ...req, body: job.bodies[next++ % job.bodies.length]! }) } : {}),
        }
      : {
          method: 'GET',
          path: gets[0]!,
          onResponse,
          ...(gets.length > 1 ? { setupRequest: (req: { path?: string }) => ({ ...req, path: gets[next++ % gets.length]! }) } : {}),
        };
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.url,
        ...(job.socketPath !== undefined ? { socketPath: job.socketPath } : {}),
        connections: job.connections,
        duration: job.durationSeconds,
        timeout: 10,
        requests: [request],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_client, _status, _bytes, ms) => latencies.add(ms));
    if (job.stoppable === true) {
      process.stdin.setEncoding('utf8').on('data', (chunk: string) => {
        if (chunk.split('\n').includes('stop')) instance.stop();
      });
    }
    emit({ event: 'started' });
  });
  // A pipe left open would keep this process alive after the result.
  if (job.stoppable === true) process.stdin.destroy();
  const sorted = latencies.sorted();
  const connectionErrors = Math.max(0, result.errors - result.timeouts);
  return {
    requests: sorted.length,
    seconds: result.duration,
    requestsPerSecond: sorted.length / result.duration,
    latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.length > 0 ? sorted[sorted.length - 1]! : 0 },
    answerBytesMedian: percentile(answerBytes.sorted(), 50),
    errors: { non2xx, rpcErrors, connectionErrors, timeouts: result.timeouts, total: non2xx + rpcErrors + connectionErrors + result.timeouts },
    errorSamples,
  };
}

// Run only as a program, not when imported (tests import the pure helpers).
if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadJob;
  run(job).then(
    (result) => emit({ event: 'result', ...result }),
    (err: unknown) => {
      process.stderr.write(`load runner: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

// Database failures and recoveries as requests see them (operations.md,
// Logging). The RPC layer logs each failed request at debug only, so without
// this an operator at the default level would see nothing while the
// database is down. State changes only, with hysteresis so a database that
// fails some requests and answers others (a saturated pool, the seconds of a
// recovery) does not flap: one error line when requests start failing with a
// database error, one info line when the outage is over (a request that
// began after the last failure succeeded, and no database failure for
// RECOVERY_QUIET_MS), with how many requests failed and were answered in
// between. Never a line per request.

import { catalogue, isSippyError, type ErrorCode } from '../errors.js';
import { describeForLog } from '../log.js';
import type { DataStatus, Resolver, RouteRequest, RouteResult, RoutingInspector, RtjsonDocument } from './contract.js';
import { rtjsonOf } from './answer/rtjson.js';

export interface HealthLogger {
  error(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
}

const DATABASE_FAILURES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['DB_UNAVAILABLE', 'DB_ACCESS_DENIED', 'DB_UNKNOWN_DATABASE', 'DB_QUERY_FAILED']);

/** How long without a database failure before an outage is logged as over (docs/operations.md). */
export const RECOVERY_QUIET_MS = 5000;

interface Outage {
  readonly since: number;
  lastFailure: number;
  failed: number;
  answered: number;
}

export class DatabaseHealthLog implements Resolver {
  /** The outage in progress; undefined while healthy. */
  private outage: Outage | undefined;

  constructor(
    private readonly inner: Resolver,
    private readonly logger: HealthLogger,
    private readonly now: () => number = Date.now,
    private readonly quietMs: number = RECOVERY_QUIET_MS,
  ) {}

  async resolve(environment: number, request: RouteRequest): Promise<RouteResult> {
    return this.resolveNow(environment, request);
  }

  resolveNow(environment: number, request: RouteRequest): RouteResult | Promise<RouteResult> {
    const inner = this.inner;
    return this.watched(environment, () => (inner.resolveNow !== undefined ? inner.resolveNow(environment, request) : inner.resolve(environment, request)));
  }

  /**
   * The rtjson document, watched as getRoutes is: its own path when the inner
   * resolver has one (written as bytes, rtjson-json.ts), else made from the
   * getRoutes answer (rtjsonOf).
   */
  resolveRtjson(environment: number, request: RouteRequest): RtjsonDocument | Promise<RtjsonDocument> {
    const inner = this.inner;
    if (inner.resolveRtjson === undefined) return Promise.resolve(this.watched(environment, () => inner.resolve(environment, request))).then(rtjsonOf);
    return this.watched(environment, () => inner.resolveRtjson!(environment, request));
  }

  /** Runs one request's resolution, noting its failure or success (an answer from memory while healthy is returned untouched). */
  private watched<T>(environment: number, run: () => T | Promise<T>): T | Promise<T> {
    let answer: T | Promise<T>;
    try {
      answer = run();
    } catch (err) {
      this.failed(environment, err);
      throw err;
    }
    // Healthy and answered from memory: nothing to record (the snapshot's hot path).
    if (!(answer instanceof Promise)) return this.outage === undefined ? answer : this.succeeded(environment, answer, this.now());
    const started = this.now();
    return answer.then(
      (result) => this.succeeded(environment, result, started),
      (err: unknown) => {
        this.failed(environment, err);
        throw err;
      },
    );
  }

  private failed(environment: number, err: unknown): void {
    if (!isSippyError(err) || !DATABASE_FAILURES.has(err.code)) return;
    const now = this.now();
    if (this.outage !== undefined) {
      this.outage.failed++;
      this.outage.lastFailure = now;
      return;
    }
    this.outage = { since: now, lastFailure: now, failed: 1, answered: 0 };
    this.logger.error(`database failing: getRoutes answers ${catalogue.DB_UNAVAILABLE.rpc} until it is back`, {
      i_environment: environment, code: err.code, error: describeForLog(err),
    });
  }

  /** `started`: when the request began; one that began before the last failure says nothing about now. */
  private succeeded<T>(environment: number, result: T, started: number): T {
    const outage = this.outage;
    if (outage === undefined) return result;
    outage.answered++;
    const now = this.now();
    if (started >= outage.lastFailure && now - outage.lastFailure >= this.quietMs) {
      this.outage = undefined;
      this.logger.info('database available again', {
        i_environment: environment, failing_ms: outage.lastFailure - outage.since, failed: outage.failed, answered: outage.answered,
      });
    }
    return result;
  }

  dataStatus(): DataStatus | undefined {
    return this.inner.dataStatus?.();
  }

  get inspector(): RoutingInspector | undefined {
    return this.inner.inspector;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

// Database failures and recoveries as requests see them (operations.md,
// Logging). The RPC layer logs each failed request at debug only, so without
// this an operator at the default level would see nothing while the
// database is down. State changes only: one error line when requests start
// failing with a database error, one info line when one succeeds again;
// never a line per request.

import { isSippyError, type ErrorCode } from '../errors.js';
import { describeForLog } from '../db/pool.js';
import type { Resolver, RouteRequest, RouteResult } from './types.js';
import type { DataStatus } from './snapshot-follower.js';
import type { RoutingInspector } from './inspect.js';

export interface HealthLogger {
  error(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
}

const DATABASE_FAILURES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['DB_UNAVAILABLE', 'DB_ACCESS_DENIED', 'DB_UNKNOWN_DATABASE', 'DB_QUERY_FAILED']);

/** A Resolver that answers exactly as `inner` does, and logs when its database fails and recovers. */
export class DatabaseHealthLog implements Resolver {
  /** Epoch ms of the first failure of the current outage; undefined while healthy. */
  private failingSince: number | undefined;

  constructor(
    private readonly inner: Resolver,
    private readonly logger: HealthLogger,
    private readonly now: () => number = Date.now,
  ) {}

  async resolve(environment: number, request: RouteRequest): Promise<RouteResult> {
    return this.resolveNow(environment, request);
  }

  resolveNow(environment: number, request: RouteRequest): RouteResult | Promise<RouteResult> {
    let answer: RouteResult | Promise<RouteResult>;
    try {
      answer = this.inner.resolveNow !== undefined ? this.inner.resolveNow(environment, request) : this.inner.resolve(environment, request);
    } catch (err) {
      this.failed(environment, err);
      throw err;
    }
    if (!(answer instanceof Promise)) return this.succeeded(environment, answer);
    return answer.then(
      (result) => this.succeeded(environment, result),
      (err: unknown) => {
        this.failed(environment, err);
        throw err;
      },
    );
  }

  private failed(environment: number, err: unknown): void {
    if (this.failingSince === undefined && isSippyError(err) && DATABASE_FAILURES.has(err.code)) {
      this.failingSince = this.now();
      this.logger.error('database failing: getRoutes answers -32010 until it is back', {
        i_environment: environment, code: err.code, error: describeForLog(err),
      });
    }
  }

  private succeeded(environment: number, result: RouteResult): RouteResult {
    if (this.failingSince !== undefined) {
      this.logger.info('database available again', { i_environment: environment, failing_ms: this.now() - this.failingSince });
      this.failingSince = undefined;
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

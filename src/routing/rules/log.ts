// The little logging the resolver needs: the interface it is handed (the
// project's Logger satisfies it), and "log this once" filters for
// per-request errors that would otherwise flood the log (a bad policy, a bad
// translation rule, an upstream that is down).

export interface RoutingLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Remembers which keys were logged. Bounded: when full it forgets everything,
 * so a problem still present is logged again now and then, never per request.
 */
export class OnceFilter {
  private readonly seen = new Set<string>();
  constructor(private readonly capacity = 1000) {}

  /** True the first time `key` is seen (since the last reset). */
  first(key: string): boolean {
    if (this.seen.has(key)) return false;
    if (this.seen.size >= this.capacity) this.seen.clear();
    this.seen.add(key);
    return true;
  }
}

/**
 * "At most once per interval" for a condition that can come and go (an
 * upstream down, up, down again). Bounded like OnceFilter.
 */
export class IntervalFilter {
  private readonly last = new Map<string, number>();
  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
    private readonly capacity = 1000,
  ) {}

  /** True when `key` was not allowed within the last interval. */
  allow(key: string): boolean {
    const now = this.now();
    const last = this.last.get(key);
    if (last !== undefined && now - last < this.intervalMs) return false;
    if (last === undefined && this.last.size >= this.capacity) this.last.clear();
    this.last.set(key, now);
    return true;
  }
}

/** The log line of a row left out of routing (route-values.ts), from the snapshot's follower and the SQL path alike. */
export const BAD_ROW_MESSAGE = 'routing row left out: a value the daemon cannot hold exactly (explain shows bad_row)';

/** A connection left out because a setting of it does not parse: a translation rule (routing.md step 2), or its destination. */
export interface BadRuleReport {
  readonly i_connection: number;
  readonly connection_name: string;
  readonly field: 'cli_translation_rule' | 'cld_translation_rule' | 'destination';
  /** The setting as stored. */
  readonly rule: string | null;
  readonly error: Error;
}

/**
 * Logs a bad setting once per connection, field and error: local and
 * external routes alike. The value is logged under `rule` for a rule and
 * under `destination` for a destination.
 */
export function logBadRule(logger: RoutingLogger, once: OnceFilter, environment: number, bad: BadRuleReport): void {
  if (!once.first(`rule:${bad.i_connection}:${bad.field}:${bad.error.message}`)) return;
  logger.warn(`connection ${JSON.stringify(bad.connection_name)} left out of routing: ${bad.error.message}`, {
    i_environment: environment, i_connection: bad.i_connection, connection_name: bad.connection_name, field: bad.field,
    [bad.field === 'destination' ? 'destination' : 'rule']: bad.rule,
  });
}

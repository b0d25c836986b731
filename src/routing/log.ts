// The little logging the resolver needs until the project's structured
// logger is wired in: an interface to inject, a silent one for tests, a JSON
// line on stderr as the default, and "log this once" for per-request errors
// that would otherwise flood the log (a bad policy, a bad translation rule).

export interface RoutingLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: RoutingLogger = Object.freeze({ warn: () => undefined, error: () => undefined });

/** One JSON object per line on stderr: {"level","msg",...fields}. */
export const stderrLogger: RoutingLogger = Object.freeze({
  warn: (message: string, fields?: Record<string, unknown>) => writeLine('warn', message, fields),
  error: (message: string, fields?: Record<string, unknown>) => writeLine('error', message, fields),
});

function writeLine(level: string, message: string, fields: Record<string, unknown> | undefined): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields })}\n`);
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

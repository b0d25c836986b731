// The wait for a database connection, with a deadline (issue 12, item 3).
//
// mysql2's own queue has none: with the server hung, requests waited in waves
// of connectionLimit, one connect timeout each, and a request its client had
// abandoned stayed queued. This gate sits in front of the pool and hands out
// at most `permits` checkouts at once, so mysql2 never queues. Waiters are
// served first in, first out; each leaves the queue at its own deadline (or
// at once when the queue is full), rejected with what `expired`/`full` make.

interface Waiter {
  readonly grant: () => void;
  readonly timer: NodeJS.Timeout;
}

export interface PoolGateStats {
  /** Checkouts held (a connection being opened or in use). */
  readonly active: number;
  /** Requests waiting for a checkout. */
  readonly waiting: number;
}

export class PoolGate {
  private active = 0;
  /** Insertion order is arrival order; a waiter that gives up deletes itself in O(1). */
  private readonly waiters = new Set<Waiter>();

  constructor(
    private readonly permits: number,
    private readonly queueLimit: number,
  ) {
    if (!Number.isInteger(permits) || permits < 1) throw new RangeError(`PoolGate: permits must be a positive integer, got ${permits}`);
  }

  /**
   * Resolves once a checkout is this caller's (give it back with release()),
   * or rejects with `full()` when `queueLimit` callers already wait, or with
   * `expired()` once `waitMs` has passed.
   */
  acquire(waitMs: number, full: () => Error, expired: () => Error): Promise<void> {
    if (this.active < this.permits) {
      this.active++;
      return Promise.resolve();
    }
    if (this.waiters.size >= this.queueLimit) return Promise.reject(full());
    if (waitMs <= 0) return Promise.reject(expired());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: resolve,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(expired());
        }, waitMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Gives a checkout back: to the first waiter, else to the pool. */
  release(): void {
    const next = this.waiters.values().next();
    if (!next.done) {
      const waiter = next.value;
      this.waiters.delete(waiter);
      clearTimeout(waiter.timer);
      waiter.grant();
      return;
    }
    this.active--;
  }

  stats(): PoolGateStats {
    return { active: this.active, waiting: this.waiters.size };
  }
}

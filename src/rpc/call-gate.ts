// How many method calls of one client connection run at once (issue 12,
// item 4). A batch's entries and the requests pipelined on one HTTP
// connection share their connection's gate: past the limit they wait their
// turn in arrival order (they are never failed for it), so one client cannot
// hold more of the database pool than the limit while others queue behind.

export class CallGate {
  private active = 0;
  /** Waiting calls, first at `head`: a batch of 10,000 must not shift an array 10,000 times. */
  private queue: (() => void)[] = [];
  private head = 0;
  private readonly done = (): void => this.next();

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`CallGate: limit must be a positive integer, got ${limit}`);
  }

  /** Runs `work` now if fewer than `limit` calls run, else once one of them has finished. */
  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) {
      this.active++;
      return this.start(work);
    }
    return new Promise<void>((resolve) => this.queue.push(resolve)).then(() => this.start(work));
  }

  /** Calls running and waiting (tests, stats). */
  get size(): { running: number; waiting: number } {
    return { running: this.active, waiting: this.queue.length - this.head };
  }

  private start<T>(work: () => Promise<T>): Promise<T> {
    let answer: Promise<T>;
    try {
      answer = work();
    } catch (err) {
      answer = Promise.reject(err);
    }
    answer.then(this.done, this.done);
    return answer;
  }

  /** Hands the finished call's turn to the first waiter, if any. */
  private next(): void {
    if (this.head < this.queue.length) {
      const resolve = this.queue[this.head]!;
      this.queue[this.head++] = undefined as never;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      resolve();
      return;
    }
    this.active--;
  }
}

// A listener's method calls still waiting on the resolver (a database, an
// upstream daemon). When a stop's drain ends, each is rejected, so its
// client gets an error answer (RPC_STOPPING) rather than a closed
// connection; so is any call that starts waiting after that (an entry of a
// batch that was still waiting its turn), until the connections close.

export type Abandon = (reason: unknown) => void;

export class WaitingCalls {
  private readonly calls = new Set<Abandon>();
  private reason: unknown;
  private abandoned = false;

  /** A call starts waiting; `abandon` rejects it. Rejected at once if the listener already gave up. */
  add(abandon: Abandon): void {
    if (this.abandoned) abandon(this.reason);
    else this.calls.add(abandon);
  }

  /** The call is over (answered, failed or timed out). */
  delete(abandon: Abandon): void {
    this.calls.delete(abandon);
  }

  /** Rejects every waiting call, and every later one, with `reason`; returns how many were waiting. */
  abandonAll(reason: unknown): number {
    this.abandoned = true;
    this.reason = reason;
    const waiting = [...this.calls];
    this.calls.clear();
    for (const abandon of waiting) abandon(reason);
    return waiting.length;
  }
}

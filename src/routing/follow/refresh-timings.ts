// Where one refresh's time went, phase by phase, and how much it read: the
// follower logs it for every poll that applied changes (snapshot-follower.ts),
// so an operator sees why new rates took the time they took (a big journal
// backlog, a large set re-read whole, its build) without a profiler, and the
// rate-deck benchmark reads the same lines (bench/rates/daemon-phase.ts).

/**
 * The phases of a refresh:
 * - journal: the journal's state, head, the entry at the cursor, its islands;
 * - keys: what the entries name (journalKeys), and the distinct routes where that decides;
 * - tables: the six small tables;
 * - ids: the routes the journal names for the sets refreshed by row;
 * - read: rows streamed from the server into a builder (driver, values, interning);
 * - build: sorting the rows into sets (RouteSetBuilder.buildYielding; the
 *   turns it gives requests included).
 */
export type RefreshPhase = 'journal' | 'keys' | 'tables' | 'ids' | 'read' | 'build';

const PHASES: readonly RefreshPhase[] = ['journal', 'keys', 'tables', 'ids', 'read', 'build'];

export class RefreshTimings {
  private readonly ms = new Map<RefreshPhase, number>(PHASES.map((phase) => [phase, 0]));
  /** Journal entries read. */
  entries = 0;
  /** Sets re-read whole, and sets refreshed by their changed routes. */
  sets = 0;
  byRowSets = 0;
  /** Route rows streamed from the server. */
  rows = 0;

  constructor(private readonly clock: () => number = () => performance.now()) {}

  async time<T>(phase: RefreshPhase, work: () => Promise<T>): Promise<T> {
    const started = this.clock();
    try {
      return await work();
    } finally {
      this.add(phase, this.clock() - started);
    }
  }

  /** The log line's fields: counts, then whole milliseconds per phase (`<phase>_ms`). */
  fields(): Record<string, number> {
    const fields: Record<string, number> = { entries: this.entries, sets: this.sets, by_row_sets: this.byRowSets, rows: this.rows };
    for (const [phase, ms] of this.ms) fields[`${phase}_ms`] = Math.round(ms);
    return fields;
  }

  private add(phase: RefreshPhase, ms: number): void {
    this.ms.set(phase, this.ms.get(phase)! + ms);
  }
}

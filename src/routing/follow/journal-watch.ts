// Whether the change journal can be followed (snapshot.md): its tables
// exist and every trigger is on its live table. When it stops being so, or
// becomes so again, the follower reloads in full: edits made meanwhile were
// not journaled, or the journal can no longer be trusted to announce the
// next ones. What is wrong is logged once per change of it.

import { journalFollowable, type JournalState } from './snapshot-refresh.js';

export class JournalWatch {
  /** The journal's tables exist and every trigger is on its live table: polls follow it. */
  followable = false;
  /** The triggers were found in place at the last check; null until checked. */
  triggers: boolean | null = null;
  /** What was last logged as wrong with the journal ('' while it is followable). */
  private problems = '';

  constructor(
    private readonly logger: { info(message: string, fields?: Record<string, unknown>): void; error(message: string, fields?: Record<string, unknown>): void },
    /** --data-reconcile, for the log line: how fresh the data stays without the journal. */
    private readonly reconcileS: number,
  ) {}

  /**
   * Takes in the journal's state as a refresh saw it; true when the journal
   * just became followable again or stopped being so, which calls for a
   * full reload: edits made meanwhile were not journaled (or the journal
   * can no longer be trusted to announce the next ones).
   */
  note(state: JournalState): boolean {
    const followable = journalFollowable(state);
    const was = this.triggers;
    // Logged again when what is wrong changes: a table swap passes through "missing" on its way to "misplaced".
    const problems = followable ? '' : JSON.stringify([state.journal, state.triggers]);
    if (!followable && problems !== this.problems) {
      const { missing, misplaced } = state.triggers;
      this.logger.error(
        state.journal
          ? 'the change journal triggers are missing or not on the live tables: edits reach the routing snapshot only by the reconcile and reload --data; run sippy_routed db migrate'
          : 'the database has no change journal (schema older than version 2): edits reach the routing snapshot only by the reconcile and reload --data; run sippy_routed db migrate',
        { reconcile_s: this.reconcileS, ...(state.journal ? { missing, misplaced: misplaced.map((m) => `${m.name} on ${m.table}`) } : {}) },
      );
    } else if (followable && was === false) {
      this.logger.info('the change journal triggers are in place again: full reload, then following the journal');
    }
    this.problems = problems;
    this.followable = followable;
    this.triggers = followable;
    return was !== null && was !== followable;
  }
}

// Rows left out of routing because a value cannot be held exactly
// (docs/routing.md "Rows the daemon cannot represent"), logged by the
// follower: one line per row the first time it is seen with that value, so
// the operator sees it at the refresh that read it, not at every refresh
// after, and the rest of the data keeps following.

import { BAD_ROW_MESSAGE, OnceFilter } from '../rules/log.js';
import { destinationSetProblem } from '../rules/route-values.js';
import type { RouteSetBuilder } from '../snapshot/route-set-builder.js';
import type { SmallTables } from '../snapshot/snapshot.js';

export class BadRowLog {
  /** Bad rows already logged (by key, column and value). */
  private readonly logged = new OnceFilter(10_000);

  constructor(private readonly logger: { warn(message: string, fields?: Record<string, unknown>): void }) {}

  /** The routes `builder` left out since it was last asked, and the destination sets of `tables` (undefined: unchanged). */
  log(builder: RouteSetBuilder, tables: SmallTables | undefined): void {
    const { reports, total } = builder.takeBadRows();
    for (const report of reports) {
      if (!this.logged.first(`routes|${report.i_route}|${report.column}|${report.value}`)) continue;
      this.logger.warn(BAD_ROW_MESSAGE, { table: 'routes', ...report });
    }
    if (total > reports.length) this.logger.warn('more routing rows left out than are logged one by one', { logged: reports.length, total });
    for (const set of tables?.destinationSets.values() ?? []) {
      const bad = destinationSetProblem(set);
      if (bad === undefined || !this.logged.first(`destination_sets|${set.i_destination_set}|${bad.value}`)) continue;
      this.logger.warn(BAD_ROW_MESSAGE, { table: 'destination_sets', i_destination_set: set.i_destination_set, ...bad });
    }
  }
}

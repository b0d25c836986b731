// The rows one batch may list (docs/rpc.md, Bounds of listGroups and
// listRoutes). A page is at most MAX_PAGE_LIMIT rows, but a batch of them
// is one reply, built whole in memory: 100 pages of 1,000 rows made a reply
// of 45 MB, and concurrent batches took the process past a gigabyte. So the
// listGroups and listRoutes entries of one batch reserve their `limit` from
// one budget as they start (in the batch's order: the connection's CallGate
// starts them in order), and an entry that does not fit in what is left is
// refused before any work, with LISTING_TOO_LARGE naming the bound. Reserved
// by the limit asked for, not the rows found, so that which entries are
// refused depends on the batch alone, never on timing.

import { SippyError } from '../errors.js';
import { MAX_LISTED_ROWS_PER_BATCH } from '../limits.js';

export class ListingBudget {
  private reserved = 0;

  constructor(readonly rows = MAX_LISTED_ROWS_PER_BATCH) {}

  /** Takes `limit` rows of the budget, or throws LISTING_TOO_LARGE (nothing taken). */
  reserve(limit: number): void {
    if (this.reserved + limit > this.rows) {
      throw new SippyError(
        'LISTING_TOO_LARGE',
        `The listGroups and listRoutes requests of one batch may ask for ${this.rows} rows in all (the sum of their limits); ` +
          `this one's limit of ${limit} is more than the ${this.rows - this.reserved} left: ask for smaller pages, or in another request.`,
        { data: { limit: 'listed_rows_per_batch', value: this.rows } },
      );
    }
    this.reserved += limit;
  }
}

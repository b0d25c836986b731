// Where the supervisor's environment list comes from: fixed by
// --environments, or the `environments` table, re-read at every reload and
// on a timer. If the database cannot be read the current list stays (a
// database hiccup must never stop listeners).

import type { Database } from '../db/pool.js';
import { describeForLog } from '../log.js';
import type { Logger } from '../log.js';

export interface EnvironmentSource {
  /** The list to use now; `current` is what the supervisor runs with. */
  list(current: readonly number[]): Promise<readonly number[]>;
  /** Whether the list can change by itself (worth polling). */
  readonly dynamic: boolean;
  close(): Promise<void>;
}

export class FixedEnvironments implements EnvironmentSource {
  readonly dynamic = false;
  constructor(private readonly environments: readonly number[]) {}
  async list(): Promise<readonly number[]> {
    return this.environments;
  }
  async close(): Promise<void> {}
}

export class DatabaseEnvironments implements EnvironmentSource {
  readonly dynamic = true;
  private failing = false;

  constructor(private readonly db: Database, private readonly logger: Logger) {}

  /** The list from the table, or the catalogued database error (used at start, when there is no current list). */
  async listOrThrow(): Promise<readonly number[]> {
    const rows = await this.db.select('SELECT i_environment FROM environments ORDER BY i_environment');
    return rows.map((row) => Number(row.i_environment));
  }

  async list(current: readonly number[]): Promise<readonly number[]> {
    try {
      const list = await this.listOrThrow();
      if (this.failing) this.logger.info('environment list readable again', { dsn: this.db.dsn.redacted });
      this.failing = false;
      return list;
    } catch (err) {
      // Log the first failure and the recovery, not every poll in between.
      if (!this.failing) {
        this.logger.warn('cannot read the environment list; keeping the current one', { error: describeForLog(err), current: current.join(',') });
      }
      this.failing = true;
      return current;
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

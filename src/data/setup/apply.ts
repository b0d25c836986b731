// `apply`: a validated setup made true in the database, whole or not at
// all. One connection: the environment's lock (GET_LOCK, so two applies of
// one environment never interleave), one transaction in which the state is
// read, the names resolved, the diff made and written. Nothing is written
// when a name does not resolve or --prune would orphan rows; a failure of
// the database rolls everything back. A dry run reads in a read-only
// transaction and takes no lock. `export` reads the same way.

import { createHash } from 'node:crypto';
import { SippyError } from '../../errors.js';
import type { Database } from '../../db/pool.js';
import type { SetupProblem, SetupSpec, SetupState } from './model.js';
import { diffSetup, type SetupStep } from './diff.js';
import { readSetupState, SetupSql } from './read.js';
import { resolveSetup } from './resolve.js';
import { writeSteps } from './write.js';

/** How long an apply waits for another apply of the same environment to finish (docs/setup.md). */
export const SETUP_LOCK_WAIT_SECONDS = 10;

export type ApplyOutcome =
  /** A name of the file does not resolve in the database: nothing written. */
  | { readonly status: 'invalid'; readonly problems: readonly SetupProblem[] }
  /** --prune would orphan rows the file does not cover: nothing written. */
  | { readonly status: 'refused'; readonly steps: readonly SetupStep[] }
  /** --dry-run: the diff, nothing written. */
  | { readonly status: 'planned'; readonly steps: readonly SetupStep[] }
  | { readonly status: 'applied'; readonly steps: readonly SetupStep[] };

export interface ApplyOptions {
  readonly prune: boolean;
  readonly dryRun: boolean;
  /** Default SETUP_LOCK_WAIT_SECONDS. */
  readonly lockWaitSeconds?: number;
  /** Told the diff once it is known, before anything is written. */
  readonly onPlan?: (steps: readonly SetupStep[]) => void;
}

/** Steps that write something (a setup with none is already in place). */
export function writes(steps: readonly SetupStep[]): boolean {
  return steps.some((s) => s.action === 'add' || s.action === 'change' || s.action === 'remove');
}

/**
 * GET_LOCK names are server-wide: the database's name is part of it, hashed
 * to stay within the 64 characters a lock name may have.
 */
export function setupLockName(database: string, environment: number): string {
  return `sippy_routed.setup.${environment}.${createHash('sha256').update(database).digest('hex').slice(0, 16)}`;
}

function plan(setup: SetupSpec, state: SetupState, options: ApplyOptions): ApplyOutcome {
  const resolution = resolveSetup(setup, state, { prune: options.prune });
  if (!resolution.ok) return { status: 'invalid', problems: resolution.problems };
  const steps = diffSetup(setup, state, resolution.entries, { prune: options.prune });
  options.onPlan?.(steps);
  if (steps.some((s) => s.action === 'refuse')) return { status: 'refused', steps };
  return { status: 'planned', steps };
}

export async function applySetup(db: Database, setup: SetupSpec, options: ApplyOptions): Promise<ApplyOutcome> {
  if (options.dryRun) return readOnly(db, async (sql) => plan(setup, await readSetupState(sql, setup.environment), options));
  return db.withConnection(async (conn) => {
    const sql = new SetupSql(conn, db.limits.queryTimeoutMs);
    const lock = setupLockName(db.dsn.database, setup.environment);
    const wait = options.lockWaitSeconds ?? SETUP_LOCK_WAIT_SECONDS;
    const [got] = await sql.rows('SELECT GET_LOCK(?, ?) AS got', [lock, wait]);
    if (Number(got?.got) !== 1) {
      throw new SippyError('SETUP_LOCKED', `another apply to environment ${setup.environment} has held its lock for ${wait} s; nothing was written, try again`);
    }
    try {
      await sql.control('START TRANSACTION');
      const state = await readSetupState(sql, setup.environment);
      const outcome = plan(setup, state, options);
      if (outcome.status !== 'planned') {
        await sql.control('ROLLBACK');
        return outcome;
      }
      await writeSteps(sql, state, outcome.steps);
      await sql.control('COMMIT');
      return { status: 'applied', steps: outcome.steps };
    } catch (err) {
      // Undone before the lock is given up, so the next apply never reads around a half-written one.
      await sql.control('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      // If the connection itself failed it is destroyed, which frees the lock as well.
      await sql.rows('SELECT RELEASE_LOCK(?)', [lock]).catch(() => undefined);
    }
  });
}

/** `work` in a read-only transaction: every table as of one moment. */
export async function readOnly<T>(db: Database, work: (sql: SetupSql) => Promise<T>): Promise<T> {
  return db.withConnection(async (conn) => {
    const sql = new SetupSql(conn, db.limits.queryTimeoutMs);
    await sql.control('START TRANSACTION READ ONLY');
    try {
      return await work(sql);
    } finally {
      await sql.control('ROLLBACK').catch(() => undefined);
    }
  });
}

// The freshness scenario (snapshot.md: "a change committed in the database
// is in answers within 1 s, also under full load"): while the load runner
// drives getRoutes, edits are committed one after another on a connection of
// their own, and a probe client (one kept-alive connection, one request at a
// time) repeats the call each edit affects until an answer shows it. The
// latency is from the moment COMMIT returned to the arrival of the first
// answer that shows the edit; then the next answers must show it too, since
// a snapshot that flips back would be worse than a slow one.

import mysql from 'mysql2/promise';
import { RpcClient } from '../src/client/rpc-client.js';
import { seededRandom } from '../src/seeded-random.js';
import type { RouteResult } from '../src/routing/contract.js';
import type { Edit, EditKind, Statement } from './freshness-edits.js';

/** snapshot.md's promise; an edit slower than this fails the verdict. */
export const FRESHNESS_BOUND_MS = 1000;
/** An edit no probe answer shows within this is "never seen". */
export const NEVER_SEEN_MS = 10_000;
/** Answers after the first that must show the edit as well. */
export const CONFIRMATIONS = 5;

export interface EditResult {
  readonly index: number;
  readonly kind: EditKind;
  readonly description: string;
  /** How long COMMIT itself took. */
  readonly commitMs: number;
  /** COMMIT returned -> first answer showing the edit arrived; null if none did within NEVER_SEEN_MS. */
  readonly latencyMs: number | null;
  /** Probe answers received after COMMIT, the first showing one included. */
  readonly probes: number;
  /** Of the CONFIRMATIONS answers after the first showing one, how many showed it. */
  readonly confirmed: number;
  readonly problems: readonly string[];
}

export interface FreshnessReport {
  readonly boundMs: number;
  readonly neverSeenMs: number;
  readonly confirmations: number;
  readonly edits: readonly EditResult[];
  /** Over the edits that were seen. */
  readonly maxMs: number | null;
  readonly medianMs: number | null;
  readonly problems: readonly string[];
}

const now = (): number => performance.now();
const round = (ms: number): number => Math.round(ms * 10) / 10;

/** Asks `edit.call` once: the answer, or the error as text. */
async function ask(probe: RpcClient, edit: Edit): Promise<RouteResult | string> {
  try {
    return (await probe.call('getRoutes', { ...edit.call })) as RouteResult;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

async function commit(conn: mysql.Connection, statements: readonly Statement[]): Promise<{ committedAt: number; commitMs: number }> {
  await conn.beginTransaction();
  try {
    for (const s of statements) await conn.query(s.sql, [...s.values]);
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  }
  const started = now();
  await conn.commit();
  const committedAt = now();
  return { committedAt, commitMs: committedAt - started };
}

async function runEdit(conn: mysql.Connection, probe: RpcClient, edit: Edit): Promise<EditResult> {
  const problems: string[] = [];
  const where = `edit ${edit.index} (${edit.kind})`;
  const before = await ask(probe, edit);
  if (typeof before === 'string' && !edit.errorsBeforeExpected) problems.push(`${where}: the probe failed before the edit: ${before}`);
  if (typeof before !== 'string' && edit.shows(before)) problems.push(`${where}: the answer showed the edit before its commit (a planning error)`);

  const { committedAt, commitMs } = await commit(conn, edit.statements);
  let latencyMs: number | null = null;
  let probes = 0;
  while (latencyMs === null && now() - committedAt < NEVER_SEEN_MS) {
    const answer = await ask(probe, edit);
    const arrived = now();
    probes++;
    if (typeof answer !== 'string' && edit.shows(answer)) latencyMs = arrived - committedAt;
    else if (typeof answer === 'string' && !edit.errorsBeforeExpected && problems.length < 5) problems.push(`${where}: probe answer ${probes} failed: ${answer}`);
  }
  let confirmed = 0;
  if (latencyMs === null) {
    problems.push(`${where}: no answer showed it within ${NEVER_SEEN_MS} ms of COMMIT (${probes} answers)`);
  } else {
    for (let i = 0; i < CONFIRMATIONS; i++) {
      const answer = await ask(probe, edit);
      if (typeof answer !== 'string' && edit.shows(answer)) confirmed++;
      else problems.push(`${where}: answer ${i + 1} after the first showing one did not show it: ${typeof answer === 'string' ? answer : 'the old data'}`);
    }
  }
  return { index: edit.index, kind: edit.kind, description: edit.description, commitMs: round(commitMs), latencyMs: latencyMs === null ? null : round(latencyMs), probes, confirmed, problems: problems.slice(0, 5) };
}

export interface FreshnessRun {
  readonly uri: string;
  /** Where the edits are committed: the benchmark database. */
  readonly database: { readonly socketPath: string; readonly database: string };
  readonly edits: readonly Edit[];
  /** The daemon's --data-poll, ms: the spread of the pause before each edit. */
  readonly pollMs: number;
  readonly seed: number;
}

/**
 * Runs every edit in turn. Never rejects: a failure (the database refusing
 * an edit, say) ends the series and is one of the problems, so the load
 * alongside is stopped and reported either way.
 */
export async function runFreshness(run: FreshnessRun, progress: (line: string) => void): Promise<FreshnessReport> {
  const results: EditResult[] = [];
  const problems: string[] = [];
  // Edits started right after the previous one was seen would all land at
  // the same point of the daemon's poll cycle; a pause drawn from [0, poll)
  // spreads them over it, so the figures cover the best and the worst case.
  const random = seededRandom(run.seed ^ 0x5eed);
  const probe = new RpcClient(run.uri, { timeoutMs: 5000, maxResponseBytes: 16 * 1024 * 1024 });
  let conn: mysql.Connection | undefined;
  try {
    conn = await mysql.createConnection({ socketPath: run.database.socketPath, user: 'root', database: run.database.database });
    for (const edit of run.edits) {
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * run.pollMs)));
      const result = await runEdit(conn, probe, edit);
      results.push(result);
      problems.push(...result.problems);
      progress(`freshness edit ${edit.index} ${edit.kind}: ${result.latencyMs === null ? 'never seen' : `${result.latencyMs} ms`}`);
    }
  } catch (err) {
    problems.push(`freshness: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    probe.close();
    await conn?.end().catch(() => undefined);
  }
  const seen = results.map((r) => r.latencyMs).filter((ms): ms is number => ms !== null).sort((a, b) => a - b);
  for (const r of results) if (r.latencyMs !== null && r.latencyMs > FRESHNESS_BOUND_MS) problems.push(`edit ${r.index} (${r.kind}) took ${r.latencyMs} ms, over ${FRESHNESS_BOUND_MS} ms: ${r.description}`);
  if (results.length < run.edits.length) problems.push(`freshness: ${run.edits.length - results.length} of ${run.edits.length} edits were not run`);
  return {
    boundMs: FRESHNESS_BOUND_MS,
    neverSeenMs: NEVER_SEEN_MS,
    confirmations: CONFIRMATIONS,
    edits: results,
    maxMs: seen.length > 0 ? seen[seen.length - 1]! : null,
    medianMs: seen.length > 0 ? (seen.length % 2 === 1 ? seen[(seen.length - 1) / 2]! : round((seen[seen.length / 2 - 1]! + seen[seen.length / 2]!) / 2)) : null,
    problems,
  };
}

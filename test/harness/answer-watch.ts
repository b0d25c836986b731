// Watches what a daemon answers while a test edits its database: several
// clients call getRoutes back to back, each answer reduced to a "view" (the
// few fields the test follows, as one string), kept in the order each
// client saw them. What a test asserts of the views (one committed state
// at a time, never going back) is its own; this only samples, bounded by a
// deadline so no loop outlives a failed test.

import { RoutingClient, type GetRoutesCall } from '../../src/client/routing-client.js';
import type { RouteResult } from '../../src/routing/index.js';
import { delay } from './rpc.js';

/** One view and how many answers in a row showed it, from `at` (ms, Date.now) on. */
export interface ViewRun {
  readonly view: string;
  count: number;
  readonly at: number;
}

export class AnswerWatch {
  /** Per client, the views in answer order, repeated views folded into runs. */
  readonly runs: ViewRun[][];
  readonly failures: string[] = [];
  answers = 0;
  private stopping = false;
  private readonly clients: RoutingClient[];
  private readonly loops: Promise<void>[];

  /** `pauseMs` between one client's calls (0: back to back) leaves CPU to what is under test on a small machine. */
  constructor(uri: string, call: GetRoutesCall, view: (result: RouteResult) => string, options: { concurrency?: number; pauseMs?: number; deadlineMs?: number } = {}) {
    const { concurrency = 4, pauseMs = 0, deadlineMs = 300_000 } = options;
    const deadline = Date.now() + deadlineMs;
    this.clients = Array.from({ length: concurrency }, () => new RoutingClient(uri, { timeoutMs: 5000 }));
    this.runs = this.clients.map(() => []);
    this.loops = this.clients.map(async (client, i) => {
      const runs = this.runs[i]!;
      while (!this.stopping && Date.now() < deadline) {
        try {
          const seen = view(await client.getRoutes(call));
          const last = runs[runs.length - 1];
          if (last?.view === seen) last.count += 1;
          else runs.push({ view: seen, count: 1, at: Date.now() });
          this.answers += 1;
          if (pauseMs > 0) await delay(pauseMs);
        } catch (err) {
          this.failures.push(`${new Date().toISOString()}: ${(err as Error).message}`);
          await delay(5); // a refused connection would otherwise spin
        }
      }
    });
  }

  /** Answers per distinct view, over every client. */
  counts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const run of this.runs.flat()) counts.set(run.view, (counts.get(run.view) ?? 0) + run.count);
    return counts;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    for (const client of this.clients) client.close();
  }
}

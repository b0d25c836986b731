// Asks the daemon for the sampled calls, one after another on one kept-alive
// connection, and compares every answer with the expected one. A failed
// call (error answer, timeout) is a problem like a wrong answer.

import { RpcClient } from '../src/client/rpc-client.js';
import { compareAnswer, type SampledCall } from './check.js';
import type { SyntheticDataSet } from './dataset.js';
import { expectedResult } from './expected.js';

export interface VerifyReport {
  readonly checked: number;
  readonly withRoutes: number;
  readonly wrong: number;
  /** The first problems found, one line each. */
  readonly problems: readonly string[];
}

const PROBLEMS_KEPT = 20;

export async function verifyAnswers(uri: string, ds: SyntheticDataSet, calls: readonly SampledCall[]): Promise<VerifyReport> {
  const client = new RpcClient(uri, { timeoutMs: 10_000, maxResponseBytes: 16 * 1024 * 1024 });
  const problems: string[] = [];
  let wrong = 0;
  let withRoutes = 0;
  try {
    for (const call of calls) {
      const group = ds.groups.find((g) => g.name === call.routing_group)!;
      const expected = expectedResult(ds, group, call.cli, call.cld);
      if (expected.routes.length > 0) withRoutes++;
      let found: string[];
      try {
        found = compareAnswer(call, expected, await client.call('getRoutes', { ...call }));
      } catch (err) {
        found = [`${call.routing_group} cld ${call.cld}: ${err instanceof Error ? err.message : String(err)}`];
      }
      if (found.length > 0) wrong++;
      problems.push(...found.slice(0, Math.max(0, PROBLEMS_KEPT - problems.length)));
    }
  } finally {
    client.close();
  }
  return { checked: calls.length, withRoutes, wrong, problems };
}

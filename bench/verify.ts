// Asks the daemon for the sampled calls, one after another on one kept-alive
// connection, and compares every answer with the expected one. A failed
// call (error answer, timeout) is a problem like a wrong answer. The same
// for GET /rtjson: its document must be the expected answer written as rtjson.

import { Agent, request } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { RpcClient } from '../src/client/rpc-client.js';
import { rtjsonOf } from '../src/routing/rtjson.js';
import { rtjsonTarget } from './requests.js';
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

/** GET /rtjson for each sampled call; each document must equal the expected getRoutes answer written as rtjson. */
export async function verifyRtjson(target: { readonly url: string; readonly socketPath?: string }, ds: SyntheticDataSet, calls: readonly SampledCall[]): Promise<VerifyReport> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const where = target.socketPath !== undefined ? { socketPath: target.socketPath } : { host: new URL(target.url).hostname, port: Number(new URL(target.url).port) };
  const problems: string[] = [];
  let wrong = 0;
  let withRoutes = 0;
  try {
    for (const call of calls) {
      const group = ds.groups.find((g) => g.name === call.routing_group)!;
      const expected = rtjsonOf(expectedResult(ds, group, call.cli, call.cld));
      if (expected.routes.length > 0) withRoutes++;
      let problem: string | undefined;
      try {
        const { status, text } = await get(agent, where, rtjsonTarget(call));
        if (status !== 200) problem = `HTTP ${status}: ${text.slice(0, 200)}`;
        else if (!isDeepStrictEqual(JSON.parse(text), expected)) problem = `document ${text.slice(0, 200)} is not the expected ${JSON.stringify(expected).slice(0, 200)}`;
      } catch (err) {
        problem = err instanceof Error ? err.message : String(err);
      }
      if (problem === undefined) continue;
      wrong++;
      if (problems.length < PROBLEMS_KEPT) problems.push(`GET /rtjson ${call.routing_group} cld ${call.cld}: ${problem}`);
    }
  } finally {
    agent.destroy();
  }
  return { checked: calls.length, withRoutes, wrong, problems };
}

function get(agent: Agent, where: { socketPath: string } | { host: string; port: number }, path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ ...where, agent, path, method: 'GET', timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end();
  });
}

// Asks the daemon for the sampled calls, one after another on one kept-alive
// connection, and compares every answer with the expected one. A failed
// call (error answer, timeout) is a problem like a wrong answer. The same
// for GET /rtjson: its document must be the expected answer written as rtjson.

import { Agent, request } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { RpcClient } from '../src/client/rpc-client.js';
import { rtjsonOf } from '../src/routing/answer/rtjson.js';
import { rtjsonTarget } from './requests.js';
import { compareAnswer, type SampledCall } from './check.js';
import type { SyntheticDataSet } from './dataset.js';
import { expectedResult } from './expected.js';
import type { RouteResult } from '../src/routing/contract.js';

export interface VerifyReport {
  readonly checked: number;
  readonly withRoutes: number;
  readonly wrong: number;
  /** The first problems found, one line each. */
  readonly problems: readonly string[];
}

const PROBLEMS_KEPT = 20;

/**
 * Checks each sampled call with `check`, given its expected getRoutes answer:
 * the problems it finds (none when the answer is right; a failed call is one).
 */
async function verifySample(ds: SyntheticDataSet, calls: readonly SampledCall[], check: (call: SampledCall, expected: RouteResult) => Promise<string[]>): Promise<VerifyReport> {
  const problems: string[] = [];
  let wrong = 0;
  let withRoutes = 0;
  for (const call of calls) {
    const group = ds.groups.find((g) => g.name === call.routing_group)!;
    const expected = expectedResult(ds, group, call.cli, call.cld);
    if (expected.routes.length > 0) withRoutes++;
    let found: string[];
    try {
      found = await check(call, expected);
    } catch (err) {
      found = [`${call.routing_group} cld ${call.cld}: ${err instanceof Error ? err.message : String(err)}`];
    }
    if (found.length > 0) wrong++;
    problems.push(...found.slice(0, Math.max(0, PROBLEMS_KEPT - problems.length)));
  }
  return { checked: calls.length, withRoutes, wrong, problems };
}

export async function verifyAnswers(uri: string, ds: SyntheticDataSet, calls: readonly SampledCall[]): Promise<VerifyReport> {
  const client = new RpcClient(uri, { timeoutMs: 10_000, maxResponseBytes: 16 * 1024 * 1024 });
  try {
    return await verifySample(ds, calls, async (call, expected) => compareAnswer(call, expected, await client.call('getRoutes', { ...call })));
  } finally {
    client.close();
  }
}

/** GET /rtjson for each sampled call; each document must equal the expected getRoutes answer written as rtjson. */
export async function verifyRtjson(target: { readonly url: string; readonly socketPath?: string }, ds: SyntheticDataSet, calls: readonly SampledCall[]): Promise<VerifyReport> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(target.url);
  const where = target.socketPath !== undefined ? { socketPath: target.socketPath } : { host: url.hostname, port: Number(url.port) };
  try {
    return await verifySample(ds, calls, async (call, expected) => {
      const document = rtjsonOf(expected);
      const { status, text } = await get(agent, where, rtjsonTarget(call));
      const asked = `GET /rtjson ${call.routing_group} cld ${call.cld}`;
      if (status !== 200) return [`${asked}: HTTP ${status}: ${text.slice(0, 200)}`];
      if (!isDeepStrictEqual(JSON.parse(text), document)) return [`${asked}: document ${text.slice(0, 200)} is not the expected ${JSON.stringify(document).slice(0, 200)}`];
      return [];
    });
  } finally {
    agent.destroy();
  }
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

// What Node's own server answers in the ceiling scenarios (ceiling.ts):
// answers the daemon itself gave in this run, taken from it before it is
// stopped. Of the same size is not enough: the load runner reads every
// answer (it scans each body for `"result":` and `"error":` and parses one
// in a hundred), and a body of padding is cheaper to read than an answer of
// the same size (measured: about 4 µs of the load runner's CPU per 8 KB
// answer, 3 to 6% of the ceiling's req/s), so a padded ceiling would be
// higher than any answer of that size can reach. One real answer of the
// median size, answered to every request, costs the load runner what the
// daemon's answers cost it.

import { request } from 'node:http';
import type { Daemon } from './daemon.js';
import { PING_BODY } from './requests.js';
import type { ScenarioResult } from './scenario.js';

/** Pings, and getRoutes bodies of the pool, asked in order for one whose answer is of the median size. */
const SAMPLE_TRIES = 400;

export interface AnswerSizes {
  readonly ping: number;
  readonly getRoutes: number;
}

/** Answers of the daemon for the ceiling server to give: the bytes of one ping answer and of one getRoutes answer of the median size. */
export interface SampleAnswers {
  readonly ping: Buffer;
  readonly getRoutes: Buffer;
}

/** The median ping and getRoutes answers of a transport's scenarios (the highest concurrency's: every one asks the same pool); 0 for one not run. */
export function answerSizes(scenarios: readonly ScenarioResult[]): AnswerSizes {
  const median = (kind: 'ceiling' | 'getRoutes'): number => scenarios.filter((s) => s.kind === kind).sort((a, b) => b.concurrency - a.concurrency)[0]?.load.answerBytesMedian ?? 0;
  return { ping: median('ceiling'), getRoutes: median('getRoutes') };
}

function post(target: Daemon['target'], body: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const url = new URL(target.url);
    const req = request(
      { ...(target.socketPath !== undefined ? { socketPath: target.socketPath } : { host: url.hostname, port: url.port }), path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`the daemon answered HTTP ${res.statusCode}`))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Of up to SAMPLE_TRIES pings and the first SAMPLE_TRIES getRoutes bodies,
 * the answers nearest their median sizes (the first of that size when one
 * is; a ping's answer varies by a byte or two with the snapshot's age): a
 * success each, else the sampling fails.
 */
export async function sampleAnswers(target: Daemon['target'], sizes: AnswerSizes, getRoutesBodies: readonly string[]): Promise<SampleAnswers> {
  const ping = await nearestAnswer(target, new Array<string>(SAMPLE_TRIES).fill(PING_BODY), sizes.ping);
  const getRoutes = await nearestAnswer(target, getRoutesBodies.slice(0, SAMPLE_TRIES), sizes.getRoutes);
  if (ping === undefined || getRoutes === undefined) throw new Error('no answer of the daemon to give the Node ceiling server: none of the sampled requests succeeded');
  return { ping, getRoutes };
}

/** The successful answer to `bodies`, asked in order, nearest `size` bytes; asking stops at one of exactly that size. */
async function nearestAnswer(target: Daemon['target'], bodies: readonly string[], size: number): Promise<Buffer | undefined> {
  let best: Buffer | undefined;
  for (const body of bodies) {
    const answer = await post(target, body);
    if (!answer.includes('"result":')) continue;
    if (best === undefined || Math.abs(answer.length - size) < Math.abs(best.length - size)) best = answer;
    if (best.length === size) break;
  }
  return best;
}

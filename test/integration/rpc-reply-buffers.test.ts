// Answers are written to pooled buffers that the HTTP front gives back once
// the socket has taken their bytes (routing/reply-buffers.ts), and the next
// answers are written over them. A buffer given back too early would show as
// one answer's bytes in another's reply: under concurrent and pipelined
// load, every reply must be exactly the answer to its own request.

import { expect } from 'chai';
import { join } from 'node:path';
import { replyBuffers, type RouteRequest } from '../../src/routing/index.js';
import { useFreshDatabase } from '../harness/database.js';
import { startListenerRig, type ListenerRig } from '../harness/listener-rig.js';
import { RoutingFixture } from '../harness/routing-fixture.js';
import { call, makeSpec, makeTempDir, pipelinedPosts, post, type TempDir } from '../harness/rpc.js';

const SETS = 12;
const TIME = '2026-01-01T00:00:00Z';

/** Request i: one of the groups, a CLD that picks routes of different lengths and prices, and numbers of its own. */
function paramsOf(i: number): { routing_group: string; cld: string; cli: string; call_start_time: string } {
  return { routing_group: `G${i % 3}`, cld: `4${i % 10}${(i * 7) % 10}${i}`, cli: `${1000 + i}`, call_start_time: TIME };
}

describe('pooled reply buffers: every reply is its own answer', function () {
  this.timeout(120_000);
  const database = useFreshDatabase();
  let dir: TempDir;
  let rig: ListenerRig | undefined;
  let socketPath: string;

  before(async () => {
    const fixture = new RoutingFixture(database().db, 2);
    await fixture.environmentRow();
    const vendor = await fixture.vendor('Carrier');
    const groups = [await fixture.group({ name: 'G0' }), await fixture.group({ name: 'G1', policy: 'prefix,lcr' }), await fixture.group({ name: 'G2', policy: 'preference,lcr' })];
    for (let s = 0; s < SETS; s++) {
      const connection = await fixture.connection({ vendor, name: `carrier-${s}`, cli_translation_rule: s % 4 === 0 ? 's/^/00/' : null });
      const set = await fixture.destinationSet({ name: `set ${s}` });
      for (let d = 0; d < 10; d++) {
        await fixture.route(set, { prefix: `4${d}`, price_1: `0.${String(10_000 + s * 37 + d).slice(1)}00`, preference: (s + d) % 4 });
        await fixture.route(set, { prefix: `4${d}${(s + d) % 10}`, price_1: `0.0${s}${d}000`, huntstop: s === 11 && d === 3 });
      }
      for (const group of groups) await fixture.entry(group, connection, set, { entry_order: s % 3 });
    }
    dir = makeTempDir('sr-reply-buffers-');
    socketPath = join(dir.path, 'sr.sock');
    const spec = makeSpec({ kind: 'unix', path: socketPath }, { limits: { dataSource: 'snapshot' } });
    rig = await startListenerRig({ dsn: database().dsn, spec, snapshot: true });
  });

  after(async () => {
    await rig?.close();
    dir?.remove();
  });

  /** What request i must be answered with, from the same resolver in-process. */
  async function expected(i: number): Promise<string> {
    const p = paramsOf(i);
    const request: RouteRequest = { routing_group: p.routing_group, cld: p.cld, cli: p.cli, time: new Date(TIME), hops: 0 };
    return JSON.stringify({ jsonrpc: '2.0', id: i, result: await rig!.resolver.resolve(2, request) });
  }

  it('2,000 requests pipelined on each of 8 connections at once, and 16 clients of single requests meanwhile', async () => {
    const reusedBefore = replyBuffers.reused;
    const pipes = Array.from({ length: 8 }, (_, c) => pipelinedPosts(socketPath, Array.from({ length: 2000 }, (_, k) => call('getRoutes', paramsOf(c * 2000 + k), c * 2000 + k))));
    const singles = Array.from({ length: 16 }, async (_, c) => {
      const texts: string[] = [];
      for (let k = 0; k < 50; k++) texts.push((await post({ socketPath }, call('getRoutes', paramsOf(100_000 + c * 50 + k), 100_000 + c * 50 + k))).text);
      return texts;
    });
    const pipeTexts = (await Promise.all(pipes)).flat();
    const singleTexts = (await Promise.all(singles)).flat();
    let routes = 0;
    for (const [i, text] of pipeTexts.entries()) {
      const want = await expected(i);
      if (text !== want) expect(text, `request ${i}`).to.equal(want);
      routes += (JSON.parse(text) as { result: { routes: unknown[] } }).result.routes.length;
    }
    for (const [k, text] of singleTexts.entries()) {
      const want = await expected(100_000 + k);
      if (text !== want) expect(text, `single request ${k}`).to.equal(want);
    }
    expect(routes / pipeTexts.length, 'answers of several routes').to.be.above(5);
    // The buffers went back to the pool and were written again, most of the 16,800 times.
    expect(replyBuffers.reused - reusedBefore).to.be.above(10_000);
  });
});

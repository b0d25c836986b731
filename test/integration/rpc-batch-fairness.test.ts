// One client cannot take the database pool from the others (issue 12, item
// 4): on a healthy database and `--data-source sql`, a batch of 1,000 and
// 1,000 requests pipelined on one connection are all answered (entries past
// the pool's queue wait their turn, they are not failed with -32010), and
// other clients' single requests are answered meanwhile.

import { expect } from 'chai';
import { join } from 'node:path';
import { useFreshDatabase } from '../harness/database.js';
import { startListenerRig, type ListenerRig } from '../harness/listener-rig.js';
import { RoutingFixture } from '../harness/routing-fixture.js';
import { call, makeSpec, makeTempDir, pipelinedPosts, post, type TempDir } from '../harness/rpc.js';

const PARAMS = { routing_group: 'Group 1', cld: '44207', cli: '1' };
const N = 1000;

type Answer = { id?: unknown; result?: { routes: { connection_name: string }[] }; error?: { code: number } };

/** `count` getRoutes requests pipelined on one connection, their answers in order. */
async function pipelined(socketPath: string, count: number): Promise<Answer[]> {
  const texts = await pipelinedPosts(socketPath, Array.from({ length: count }, (_, i) => call('getRoutes', PARAMS, i)));
  return texts.map((text) => JSON.parse(text) as Answer);
}

describe('batches and pipelines share the database pool fairly', function () {
  this.timeout(120_000);
  const database = useFreshDatabase();
  let dir: TempDir;
  let rig: ListenerRig | undefined;
  let socketPath: string;

  before(async () => {
    const fixture = new RoutingFixture(database().db, 2);
    await fixture.environmentRow();
    const connection = await fixture.connection({ vendor: await fixture.vendor('Carrier'), name: 'carrier-a' });
    const set = await fixture.destinationSet({ name: 'UK' });
    await fixture.route(set, { prefix: '44' });
    await fixture.entry(await fixture.group({ name: 'Group 1' }), connection, set);
    dir = makeTempDir('sr-batch-fair-');
    socketPath = join(dir.path, 'sr.sock');
    // A small pool makes "past connections + queue" small: 2 + 100.
    const spec = makeSpec({ kind: 'unix', path: socketPath }, { limits: { dataSource: 'sql', dbConnections: 2, maxBatch: 10_000, bodyLimitBytes: 1024 * 1024 } });
    rig = await startListenerRig({ dsn: database().dsn, spec });
  });

  after(async () => {
    await rig?.close();
    dir?.remove();
  });

  function codesOf(answers: Answer[]): Map<string, number> {
    const counts = new Map<string, number>();
    for (const a of answers) {
      const key = a.error !== undefined ? String(a.error.code) : a.result?.routes[0]?.connection_name ?? 'no route';
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  it(`answers every entry of a batch of ${N}, while other clients' single requests are answered too`, async () => {
    const body = JSON.stringify(Array.from({ length: N }, (_, i) => ({ jsonrpc: '2.0', method: 'getRoutes', params: PARAMS, id: i })));
    const batch = post({ socketPath }, body);
    const singles = await Promise.all(Array.from({ length: 5 }, () => post({ socketPath }, call('getRoutes', PARAMS))));
    expect(singles.map((s) => (s.json as Answer).error?.code ?? 'ok')).to.deep.equal(['ok', 'ok', 'ok', 'ok', 'ok']);
    const reply = await batch;
    const answers = reply.json as Answer[];
    expect(Array.isArray(answers), reply.text.slice(0, 300)).to.equal(true);
    expect(answers).to.have.length(N);
    expect([...codesOf(answers)]).to.deep.equal([['carrier-a', N]]);
    expect(answers.map((a) => a.id)).to.deep.equal(Array.from({ length: N }, (_, i) => i));
  });

  it(`answers every one of ${N} requests pipelined on one connection`, async () => {
    const answers = await pipelined(socketPath, N);
    expect([...codesOf(answers)]).to.deep.equal([['carrier-a', N]]);
    expect(answers.map((a) => a.id)).to.deep.equal(Array.from({ length: N }, (_, i) => i));
  });
});

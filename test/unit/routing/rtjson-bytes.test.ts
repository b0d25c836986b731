import { expect } from 'chai';
import { ChosenRoutesMemo } from '../../../src/routing/snapshot/chosen-routes.js';
import { RuleCache } from '../../../src/routing/rules/translation.js';
import { seededRandom } from '../../../src/seeded-random.js';
import { answerBytesOf } from '../../../src/routing/answer/local-answer.js';
import { RtjsonWriter } from '../../../src/routing/answer/rtjson-json.js';
import { rtjsonOf } from '../../../src/routing/answer/rtjson.js';
import { RoutingResolver } from '../../../src/routing/resolver.js';
import { SnapshotDataSource, SqlDataSource } from '../../../src/routing/data-source.js';
import type { SnapshotFollower } from '../../../src/routing/follow/snapshot-follower.js';
import type { RouteRequest, RouteResult, RtjsonDocument } from '../../../src/routing/contract.js';
import { createLogger } from '../../../src/log.js';
import { randomSnapshot, T, word } from '../../harness/random-snapshot.js';

// Kamailio's rtjson document written as bytes (rtjson-json.ts) must be
// exactly JSON.stringify of the document rtjson.ts makes for the same routes,
// and hold the routes getRoutes answers for the same request.

/** The resolver over a snapshot, as the daemon has it; `random` read through `seed` so that two calls can choose alike. */
function snapshotResolver(withBytes: boolean): { resolver: RoutingResolver; snapshot: ReturnType<typeof randomSnapshot>; seed: (n: number) => void } {
  const snapshot = randomSnapshot(53, ['1', '2', '3'], withBytes);
  const memo = new ChosenRoutesMemo(200_000, 30_000);
  const follower = { current: snapshot, choices: memo, ageMs: () => 0, status: () => undefined } as unknown as SnapshotFollower;
  const source = new SnapshotDataSource(follower, new SqlDataSource(() => { throw new Error('no database here'); }), 0);
  let random = seededRandom(0);
  const resolver = new RoutingResolver({
    source, external: { resolve: () => Promise.reject(new Error('no external groups')) }, rules: new RuleCache(), random: () => random(),
    logger: createLogger({ level: 'error', stream: { write: () => true } as never }),
  });
  return { resolver, snapshot, seed: (n) => (random = seededRandom(n)) };
}

describe('the rtjson document as bytes (rtjson-json.ts)', () => {
  it('equals JSON.stringify of the document made of objects, and holds getRoutes\' routes, for 20,000 random requests', () => {
    for (const withBytes of [true, false]) {
      const { resolver, snapshot, seed } = snapshotResolver(withBytes);
      const random = seededRandom(59);
      const instants = [...T.flatMap((t) => [t - 1, t, t + 1]), Date.UTC(2040, 0, 1)];
      // Plain, empty, escaped in a SIP user part (space, quote, backslash, non-ASCII).
      const clis = ['', '15551234567', '1', '+4420', 'anonymous', 'Ünï "code"\\'];
      const seen = { documents: 0, headers: 0, fromWithoutUser: 0, uriWithoutUser: 0, escaped: 0, excluded: 0, timers: 0, routes: 0 };
      for (let q = 0; q < 20_000; q++) {
        const group = snapshot.group(1, `g${1 + Math.floor(random() * 5)}`)!;
        const request: RouteRequest = {
          routing_group: group.row.name, cld: word(random, ['1', '2', '3'], 5) || '2', cli: clis[Math.floor(random() * clis.length)]!,
          time: new Date(instants[Math.floor(random() * instants.length)]!), max_routes: random() < 0.2 ? 1 + Math.floor(random() * 3) : undefined,
          explain: random() < 0.1, hops: 0,
        };
        const where = `${group.row.name} ${request.cld} ${JSON.stringify(request.cli)} at ${request.time.toISOString()} max ${request.max_routes} explain ${request.explain}`;
        seed(q);
        const document = resolver.resolveRtjson(1, request) as RtjsonDocument;
        const bytes = answerBytesOf(document)!.toString('utf8');
        expect(bytes, where).to.equal(JSON.stringify(document));
        seed(q);
        expect(JSON.parse(bytes), where).to.deep.equal(JSON.parse(JSON.stringify(rtjsonOf(resolver.resolveNow(1, request) as RouteResult))));
        seen.documents++;
        seen.routes += document.routes.length;
        if (bytes.includes('"headers"')) seen.headers++;
        if (/"from":\{"display":"","uri":"sips?:[^@"]*"/.test(bytes)) seen.fromWithoutUser++;
        if (/"uri":"sips?:[^@"]*","dst_uri"/.test(bytes)) seen.uriWithoutUser++;
        if (bytes.includes('%')) seen.escaped++;
        if (bytes.includes('"excluded"')) seen.excluded++;
        if (bytes.includes('"fr_inv_timer"')) seen.timers++;
      }
      for (const [what, count] of Object.entries(seen)) expect(count, `${what} (entry bytes kept: ${withBytes})`).to.be.above(50);
    }
  });

  it('begin() during a document throws; abandon() frees the writer; the next document is exact', () => {
    const writer = new RtjsonWriter();
    writer.begin();
    expect(() => writer.begin()).to.throw(/reentrant/);
    writer.abandon();
    writer.begin();
    expect(writer.finish([{ i_connection: 1, connection_name: 'c', reason: 'disabled' }]).toString()).to.equal(
      JSON.stringify({ version: '1.0', routing: 'serial', routes: [], excluded: [{ i_connection: 1, connection_name: 'c', reason: 'disabled' }] }),
    );
  });
});

// The differential check of the two data sources (snapshot.md: "for any
// database state, an answer from the snapshot equals, field by field, the
// answer the SQL path gives for the same state"): the same requests to a
// resolver over SQL and one over a follower's snapshot, in the same order,
// each with the same seeded random source (the weight key). The caller
// makes sure the database does not change during a pass.

import { expect } from 'chai';
import type { Database } from '../../src/db/pool.js';
import { isSippyError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { answerBytesOf, createResolver, rtjsonOf, type Resolver, type RouteRequest, type RouteResult, type SnapshotFollower } from '../../src/routing/index.js';
import { seededRandom } from '../../src/seeded-random.js';

/** An answer or the error, comparable across resolvers. */
async function outcome(resolver: Resolver, environment: number, request: RouteRequest): Promise<unknown> {
  try {
    return await resolver.resolve(environment, request);
  } catch (err) {
    if (!isSippyError(err)) throw err;
    return { code: err.code, message: err.message, data: err.data };
  }
}

/** What a pass saw: routes answered, errors answered, answers whose prepared JSON is JSON.stringify's. */
export interface PassCounts {
  routes: number;
  errors: number;
  json: number;
  /**
   * Answers of a policy without `weight` asked three times more of the
   * snapshot: from the kept choice written from the sets' rows (twice, the
   * second keeping its bytes), then from its prepared route bytes
   * (routing.md, "Chosen routes are kept"), each the same bytes as the first.
   */
  repeated: number;
  /**
   * Of those, answers asked once more as Kamailio's rtjson document of each
   * source (its bytes, rtjson-json.ts), each equal to the document made of
   * the SQL path's answer objects (rtjsonOf).
   */
  rtjson: number;
}

/** Asserts that both sources answer `requests` alike (and the snapshot's prepared JSON says what its object says). */
export async function compareSources(
  db: Database,
  follower: SnapshotFollower,
  requests: readonly { environment: number; request: RouteRequest }[],
  seed: number,
): Promise<PassCounts> {
  const sql = createResolver(db, { logger: silentLogger, random: seededRandom(seed) });
  const snapshot = createResolver(db, { logger: silentLogger, random: seededRandom(seed), snapshot: { follower } });
  const counts = { routes: 0, errors: 0, json: 0, repeated: 0, rtjson: 0 };
  try {
    for (const [i, { environment, request }] of requests.entries()) {
      const expected = await outcome(sql, environment, request);
      const actual = await outcome(snapshot, environment, request);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        expect(actual, `request ${i}: ${JSON.stringify(request)} in environment ${environment}`).to.deep.equal(expected);
      }
      // What is sent is the JSON built with the answer: it must say exactly what the object says.
      const sent = answerBytesOf(actual)?.toString();
      if (sent !== undefined && sent !== JSON.stringify(actual)) {
        expect(JSON.parse(sent), `request ${i}: the answer's JSON`).to.deep.equal(JSON.parse(JSON.stringify(actual)));
      }
      const routes = (expected as { routes?: unknown[] }).routes;
      if (routes === undefined) counts.errors += 1;
      else counts.routes += routes.length;
      if (routes !== undefined) counts.json += answerBytesOf(actual)?.toString() === JSON.stringify(actual) ? 1 : 0;
      // A deterministic answer (no draws: the random sources stay in step), three times more: the second request of
      // its (group, prefix) keeps the choice, the third prepares its bytes, the fourth is written from them.
      const policy = (actual as { routing_group?: { policy?: string } }).routing_group?.policy;
      if (routes !== undefined && sent !== undefined && policy !== undefined && !policy.includes('weight')) {
        for (const time of ['kept', 'kept, preparing', 'prepared']) {
          const again = answerBytesOf(await outcome(snapshot, environment, request))?.toString();
          if (again !== sent) expect(again, `request ${i}: answered again (${time})`).to.equal(sent);
        }
        counts.repeated += 1;
        // After the repeats, so that they keep their order: the snapshot's from the kept choice, SQL's from its selection.
        const document = JSON.stringify(rtjsonOf(expected as RouteResult));
        for (const [source, resolver] of [['snapshot', snapshot], ['SQL', sql]] as const) {
          const written = answerBytesOf(await resolver.resolveRtjson(environment, request))?.toString();
          if (written !== document) expect(written, `request ${i}: the ${source}'s rtjson document`).to.equal(document);
        }
        counts.rtjson += 1;
      }
    }
  } finally {
    await sql.close();
    await snapshot.close();
  }
  return counts;
}

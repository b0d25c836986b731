import { expect } from 'chai';
import { ChosenRoutes, ChosenRoutesMemo, chosenRoutes } from '../../../src/routing/snapshot/chosen-routes.js';
import type { PolicyKey } from '../../../src/routing/rules/policy.js';
import { selectRoutes } from '../../../src/routing/rules/select.js';
import { snapshotCandidates } from '../../../src/routing/snapshot/snapshot-candidates.js';
import { RuleCache } from '../../../src/routing/rules/translation.js';
import { seededRandom } from '../../../src/seeded-random.js';
import { answerBytesOf } from '../../../src/routing/answer/local-answer.js';
import { RoutingResolver } from '../../../src/routing/resolver.js';
import { SnapshotDataSource, SqlDataSource } from '../../../src/routing/data-source.js';
import type { SnapshotFollower } from '../../../src/routing/follow/snapshot-follower.js';
import type { RouteRequest } from '../../../src/routing/contract.js';
import { createLogger } from '../../../src/log.js';

import { randomSets, randomSnapshot, T, word } from '../../harness/random-snapshot.js';

// The choices a snapshot keeps per (group, longest prefix) must be exactly
// what the full path chooses for every request they answer: same routes,
// same order, same costs, at every request time inside their window.

/** A choice as the answer shows it: connection, route and cost, in order. */
function shownChosen(chosen: ChosenRoutes): string[] {
  const shown: string[] = [];
  for (let k = 0; k < chosen.length; k++) {
    const entry = chosen.entries[chosen.entryIndex(k)]!;
    shown.push(`${entry.row.i_connection}:${entry.routes!.route(chosen.row(k)).i_route}:${chosen.cost(k)}`);
  }
  return shown;
}

describe('routes chosen once per (group, longest prefix) (chosen-routes.ts)', () => {
  it('longestIdOf is the first of prefixIdsOf, for digit pools and any other', () => {
    for (const alphabet of [['1', '2', '3'], ['1', '2', '\u{1F4DE}', ' ']]) {
      const random = seededRandom(5);
      const { prefixes } = randomSets(9, alphabet);
      for (let q = 0; q < 5000; q++) {
        const cld = word(random, alphabet, 7) || '1';
        expect(prefixes.longestIdOf(cld), JSON.stringify(cld)).to.equal(prefixes.prefixIdsOf(cld)[0] ?? -1);
      }
    }
  });

  it("matchIndex's window: at every instant inside it the match is the one found", () => {
    const random = seededRandom(17);
    const alphabet = ['1', '2', '3'];
    const { prefixes, sets } = randomSets(21, alphabet);
    const instants = [...T.flatMap((t) => [t - 1, t, t + 1]), 0, Date.UTC(2040, 0, 1)];
    let narrowed = 0;
    for (let q = 0; q < 5000; q++) {
      const set = [...sets.values()][Math.floor(random() * sets.size)]!;
      const ids = prefixes.prefixIdsOf(word(random, alphabet, 6) || '1');
      const t = instants[Math.floor(random() * instants.length)]!;
      const window = new Float64Array([-Infinity, Infinity]);
      const index = set.matchIndex(ids, t, window);
      expect(window[0]).to.be.at.most(t);
      expect(window[1]).to.be.above(t);
      if (window[0] !== -Infinity || window[1] !== Infinity) narrowed++;
      for (const other of instants) {
        if (other >= window[0]! && other < window[1]!) expect(set.matchIndex(ids, other), `at ${other}, found at ${t}`).to.equal(index);
      }
    }
    expect(narrowed, 'dated rows narrowed some windows').to.be.above(500);
  });

  it('answers every request as the full path does (5 policies, dated, forbidden, huntstop rows, a disabled connection, a bad rule), with the memo reset often', () => {
    const snapshot = randomSnapshot(31, ['1', '2', '3']);
    const memo = new ChosenRoutesMemo(100_000);
    const random = seededRandom(41);
    const rules = new RuleCache();
    const instants = [...T.flatMap((t) => [t - 1, t, t + 1]), Date.UTC(2040, 0, 1)];
    let kept = 0;
    let routes = 0;
    let firstRequests = 0;
    for (let q = 0; q < 20_000; q++) {
      const group = snapshot.group(1, `g${1 + Math.floor(random() * 5)}`)!;
      const cld = word(random, ['1', '2', '3'], 6) || '1';
      const t = instants[Math.floor(random() * instants.length)]!;
      const keys = group.policy as PolicyKey[];
      const before = memo.mapOf(group.index).get(snapshot.prefixes.longestIdOf(cld));
      const chosen = chosenRoutes(memo, group, keys, snapshot.prefixes, cld, t, rules);
      // A prefix's first request is the full path's (the doorkeeper).
      if (chosen === undefined) {
        firstRequests++;
        continue;
      }
      if (chosen === before) kept++;
      const full = snapshotCandidates(group, snapshot.prefixes, cld, t, rules, false);
      const expected = selectRoutes(full.candidates, { keys, random: Math.random, maxRoutes: undefined }).routes.map(
        (r) => `${r.entry.i_connection}:${r.route.i_route}:${String(r.costMicros)}`,
      );
      expect(shownChosen(chosen), `${group.row.name} ${cld} at ${t}`).to.deep.equal(expected);
      expect(chosen.badRules.map((b) => b.entry.i_connection)).to.deep.equal(full.badRules.map((b) => b.entry.i_connection));
      expect(memo.bytes).to.be.at.most(100_000);
      routes += chosen.length;
    }
    expect(kept, 'requests answered from kept choices').to.be.above(1_500);
    expect(firstRequests, 'first requests of a prefix, answered by the full path').to.be.above(500);
    expect(routes, 'choices with routes').to.be.above(20_000);
  });

  it("answers from a choice's prepared route bytes exactly as written field by field, the prepared bytes starting again often", () => {
    for (const withBytes of [true, false]) {
      const snapshot = randomSnapshot(37, ['1', '2', '3'], withBytes);
      const memo = new ChosenRoutesMemo(200_000, 30_000);
      const follower = { current: snapshot, choices: memo, ageMs: () => 0, status: () => undefined } as unknown as SnapshotFollower;
      const source = new SnapshotDataSource(follower, new SqlDataSource(() => { throw new Error('no database here'); }), 0);
      const resolver = new RoutingResolver({ source, external: { resolve: () => Promise.reject(new Error('no external groups')) }, rules: new RuleCache(), logger: createLogger({ level: 'error', stream: { write: () => true } as never }) });
      const random = seededRandom(43);
      const instants = [...T.flatMap((t) => [t - 1, t, t + 1]), Date.UTC(2040, 0, 1)];
      const clis = ['', '15551234567', '1', '+4420', 'anonymous'];
      let fromPrepared = 0;
      let fromPieces = 0;
      let translated = 0;
      let startedAgain = 0;
      let held = 0;
      for (let q = 0; q < 20_000; q++) {
        const group = snapshot.group(1, `g${1 + Math.floor(random() * 5)}`)!;
        const cld = word(random, ['1', '2', '3'], 5) || '2';
        const kept = memo.mapOf(group.index).get(snapshot.prefixes.longestIdOf(cld));
        if (kept?.prepared !== undefined) {
          fromPrepared++;
          // With the rows' bytes, a choice whose numbers no entry translates is written from the group's pieces (preparedRoutes).
          if (kept.sameNumbers) fromPieces++;
          else translated++;
        }
        const request: RouteRequest = {
          routing_group: group.row.name, cld, cli: clis[Math.floor(random() * clis.length)]!, time: new Date(instants[Math.floor(random() * instants.length)]!),
          max_routes: random() < 0.2 ? 1 + Math.floor(random() * 3) : undefined, explain: false, hops: 0,
        };
        let answer: unknown;
        try {
          answer = resolver.resolveNow(1, request);
        } catch (err) {
          // A policy that does not parse is not a choice (g2's `prefix,lcr` parses; all five do).
          throw new Error(`${group.row.name} ${cld}: ${(err as Error).message}`);
        }
        expect(answerBytesOf(answer)!.toString('utf8'), `${group.row.name} ${cld} ${request.cli} at ${request.time.toISOString()} max ${request.max_routes}`).to.equal(JSON.stringify(answer));
        if (memo.preparedBytes.bytes < held) startedAgain++;
        held = memo.preparedBytes.bytes;
        expect(held).to.be.at.most(30_000);
      }
      expect(fromPrepared, 'answers written from prepared bytes').to.be.above(1_500);
      expect(fromPieces, 'of them, with the numbers untranslated').to.be.above(50);
      expect(translated, 'of them, with numbers translated').to.be.above(300);
      expect(startedAgain, 'times the prepared bytes started again').to.be.above(5);
    }
  });

  it('the memo never holds more bytes than its bound, and starts again empty when full', () => {
    const choice = (routes: number): ChosenRoutes =>
      new ChosenRoutes(0, 1, [], new Int32Array(routes * 2), new Float64Array(routes), []);
    expect(choice(20).bytes).to.equal(200 + 20 * (8 + 8));
    const memo = new ChosenRoutesMemo(3 * choice(10).bytes);
    const a = memo.groupMap();
    const b = memo.groupMap();
    memo.keep(a, 1, choice(10));
    memo.keep(a, 1, choice(10));
    memo.keep(b, 1, choice(10));
    memo.keep(b, 2, choice(10));
    expect([memo.size, memo.bytes]).to.deep.equal([3, 3 * choice(10).bytes]);
    memo.keep(a, 5, choice(10));
    expect([memo.size, a.size, b.size]).to.deep.equal([1, 1, 0]);
    // A choice counts for its size: one of 40 routes does not fit beside the one kept.
    memo.keep(b, 7, choice(40));
    expect([memo.size, a.size, b.size]).to.deep.equal([1, 0, 1]);
    expect(memo.bytes).to.be.at.most(3 * choice(10).bytes);
  });
});

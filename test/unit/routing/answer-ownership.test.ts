import { expect } from 'chai';
import { replyJson } from '../../../src/rpc/reply-json.js';
import { answerBytesOf, createResolver, replyBuffers, type RouteResult } from '../../../src/routing/index.js';
import { AnswerWriter } from '../../../src/routing/answer/answer-json.js';
import { ByteSlab, envelopeInPlace, ScratchBytes, type RoomyBytes } from '../../../src/routing/answer/json-bytes.js';
import { parseDestination } from '../../../src/routing/rules/destination.js';
import { MoneyTable, PrefixPool, TimeTable } from '../../../src/routing/snapshot/interned.js';
import type { EntryRow, GroupRow, RouteRow } from '../../../src/routing/rules/model.js';
import { RouteSetBuilder } from '../../../src/routing/snapshot/route-set-builder.js';
import { snapshotCandidates } from '../../../src/routing/snapshot/snapshot-candidates.js';
import type { SnapshotGroup } from '../../../src/routing/snapshot/snapshot.js';
import { RuleCache } from '../../../src/routing/rules/translation.js';

// Who may read an answer's pooled bytes, and when (local-answer.ts,
// reply-buffers.ts): each guard here has a test that fails without it.

const GROUP: GroupRow = { i_routing_group: 7, name: 'G', policy: 'lcr', average_duration: 60, external: false, uri: null };

/** A resolver over one group with no entries: answers of their own numbers, no database. */
function resolverOfOneGroup(): (cld: string) => Promise<RouteResult> {
  const resolver = createResolver(() => {
    throw new Error('no database here');
  });
  const source = { lookup: () => ({ group: GROUP, external: false as const, policy: ['lcr' as const], candidates: [], excluded: [], badRules: [] }), status: () => undefined };
  (resolver as unknown as { source: typeof source }).source = source;
  return (cld) => resolver.resolve(1, { routing_group: 'G', cld, cli: `cli-${cld}`, time: new Date(), hops: 0 });
}

/** What the HTTP front does on a response's 'finish' (http-reply.ts): the sent bytes' pooled buffer goes back. */
function sent(reply: Buffer): void {
  replyBuffers.giveBack(reply);
}

describe('answer bytes and their pooled buffer: ownership', () => {
  it('an answer serialised again after its reply was sent and its buffer written by other answers is its own JSON, not theirs', async () => {
    const ask = resolverOfOneGroup();
    // Interleaved as concurrent requests are: many answers held at once, their replies sent in another order.
    const held: { body: Record<string, unknown>; text: string; reply: Buffer }[] = [];
    for (let i = 0; i < 64; i++) {
      const body = { jsonrpc: '2.0', id: i, result: await ask(`${i}`.repeat(1 + (i % 5))) };
      const reply = replyJson(body);
      held.push({ body, text: JSON.stringify(body), reply });
    }
    for (const h of held.filter((_, i) => i % 2 === 0)) sent(h.reply);
    // The buffers given back are taken by new answers and written over.
    const later = await Promise.all(Array.from({ length: 64 }, (_, i) => ask(`9${i}`)));
    for (const [i, h] of held.entries()) {
      // The reply not yet sent is still its own bytes; the answer, serialised again, is its own text either way.
      if (i % 2 === 1) expect(h.reply.toString(), `reply ${i}`).to.equal(h.text);
      expect(replyJson(h.body).toString(), `answer ${i} again`).to.equal(h.text);
      expect(replyJson({ result: (h.body as { result: unknown }).result, error: null, id: i }).toString()).to.equal(JSON.stringify({ result: (h.body as { result: unknown }).result, error: null, id: i }));
    }
    for (const result of later) expect(answerBytesOf(result)?.toString()).to.equal(JSON.stringify(result));
  });

  it('an answer\'s bytes read as undefined once their buffer is given back', async () => {
    const ask = resolverOfOneGroup();
    const result = await ask('44');
    const reply = replyJson({ jsonrpc: '2.0', id: 1, result });
    expect(answerBytesOf(result)).to.not.equal(undefined);
    sent(reply);
    expect(answerBytesOf(result)).to.equal(undefined);
    // Taken again by another answer: still not the first answer's.
    const other = await ask('55');
    expect(answerBytesOf(other)!.buffer).to.equal(reply.buffer);
    expect(answerBytesOf(result)).to.equal(undefined);
  });

  it('a batch gives each answer\'s pooled buffer back once copied; the batch reply and later answers stay exact', async () => {
    const ask = resolverOfOneGroup();
    for (let round = 0; round < 20; round++) {
      const bodies = await Promise.all(Array.from({ length: 8 }, async (_, i) => ({ jsonrpc: '2.0', id: i, result: await ask(`${round}${i}`) })));
      const want = JSON.stringify(bodies);
      const freeBefore = replyBuffers.freeCount;
      const reply = replyJson(bodies);
      expect(replyBuffers.freeCount - freeBefore, `round ${round}: buffers given back`).to.equal(8);
      // The next answers are written over those buffers; the batch is a copy, untouched.
      const next = await Promise.all(Array.from({ length: 8 }, (_, i) => ask(`x${round}${i}`)));
      expect(reply.toString()).to.equal(want);
      expect(JSON.stringify(bodies)).to.equal(want);
      for (const result of next) sent(replyJson({ jsonrpc: '2.0', id: 0, result }));
    }
  });

  it('a single reply whose envelope does not fit the room is a copy, and gives the answer\'s buffer back', async () => {
    const ask = resolverOfOneGroup();
    const result = await ask('44');
    const body = { jsonrpc: '2.0', id: 'i'.repeat(300), result };
    const freeBefore = replyBuffers.freeCount;
    const reply = replyJson(body);
    expect(replyBuffers.freeCount - freeBefore).to.equal(1);
    await ask('4455');
    expect(reply.toString()).to.equal(JSON.stringify(body));
  });

  it('an answer written around in place and then copied leaves the buffer to the first reply', async () => {
    const ask = resolverOfOneGroup();
    const result = await ask('44');
    const first = replyJson({ jsonrpc: '2.0', id: 1, result });
    const freeBefore = replyBuffers.freeCount;
    replyJson([{ jsonrpc: '2.0', id: 2, result }]);
    expect(replyBuffers.freeCount).to.equal(freeBefore);
    await ask('4455');
    expect(first.toString()).to.equal(JSON.stringify({ jsonrpc: '2.0', id: 1, result }));
  });

  it('envelopeInPlace writes only around bytes laid out by copyWithRoom, never over a neighbour', () => {
    const memory = Buffer.alloc(1024, 0x41);
    const slab = new ByteSlab();
    const neighbour = slab.take(200).fill(0x42);
    const inSlab = slab.take(100).fill(0x43);
    for (const bytes of [memory.subarray(100, 200), memory.subarray(96, 200), inSlab, Buffer.alloc(10)]) {
      expect(envelopeInPlace(bytes as RoomyBytes, '{"id":1,"result":', '}')).to.equal(undefined);
    }
    expect(memory.every((b) => b === 0x41)).to.equal(true);
    expect(neighbour.every((b) => b === 0x42)).to.equal(true);
  });
});

describe('scratch writers refuse reentrant use', () => {
  it('ScratchBytes: a second claim before the first ends throws; writing without a claim throws', () => {
    const scratch = new ScratchBytes();
    expect(() => scratch.reserve(0, 10)).to.throw(/without claim/);
    scratch.claim();
    scratch.reserve(0, 10);
    expect(() => scratch.claim()).to.throw(/reentrant/);
    scratch.copyWithRoom(0);
    scratch.claim();
    scratch.release();
    scratch.claim();
    scratch.release();
  });

  it('AnswerWriter: begin() during an answer throws; abandon() frees the writer; the next answer is exact', () => {
    const writer = new AnswerWriter();
    writer.begin(1, GROUP, '1', '2');
    expect(() => writer.begin(1, GROUP, '3', '4')).to.throw(/reentrant/);
    writer.abandon();
    writer.begin(1, GROUP, '5', '6');
    const bytes = writer.finish(undefined);
    expect(JSON.parse(bytes.toString())).to.deep.equal({ i_environment: 1, routing_group: { i_routing_group: 7, name: 'G', policy: 'lcr' }, cli: '5', cld: '6', routes: [] });
  });

  it('the resolver frees its writers when an answer or an rtjson document fails halfway: the next one is written', async () => {
    const rules = new RuleCache();
    const entry: EntryRow = {
      i_routing_group_entry: 1, entry_order: 1, weight: null, i_connection: 1, connection_name: 'c', destination: 'gw.example', sipDestination: parseDestination('gw.example'),
      cli_translation_rule: null, cld_translation_rule: null, capacity: 1, enabled: true, i_vendor: 1, vendor_name: 'v', i_destination_set: 1,
      destination_set_name: 's', currency: 'EUR', connect_fee: '0.000000', free_seconds: 0, grace_period: 0, post_call_surcharge: '0.000000',
    };
    const route: RouteRow = {
      i_route: 1, i_destination_set: 1, prefix: '44', preference: 1, huntstop: false, timeout: null, timeout_1xx: null,
      price_1: '0.010000', price_n: '0.010000', interval_1: 60, interval_n: 60, forbidden: false, activation: 0, expiration: null,
    };
    // A row the writers cannot write (no prefix text; a timeout that is not a number): the answer throws after begin().
    let broken: 'prefix' | 'timeout' | undefined = 'prefix';
    const resolver = createResolver(() => {
      throw new Error('no database here');
    });
    const candidate = () => ({ entry, route: broken === undefined ? route : ({ ...route, [broken]: broken === 'prefix' ? undefined : Symbol('not a number') } as unknown as RouteRow), cliRule: rules.get(null), cldRule: rules.get(null), costMicros: 1, prefixLength: 2 });
    const source = { lookup: () => ({ group: GROUP, external: false as const, policy: ['lcr' as const], candidates: [candidate()], excluded: [], badRules: [] }), status: () => undefined };
    (resolver as unknown as { source: typeof source }).source = source;
    const ask = () => resolver.resolve(1, { routing_group: 'G', cld: '4412', cli: '', time: new Date(), hops: 0 });
    let failed: unknown;
    await ask().catch((err: unknown) => (failed = err));
    expect(failed).to.be.an.instanceOf(TypeError);
    broken = 'timeout';
    const request = { routing_group: 'G', cld: '4412', cli: '', time: new Date(), hops: 0 };
    expect(() => resolver.resolveRtjson(1, request)).to.throw(TypeError);
    broken = undefined;
    const result = await ask();
    expect(answerBytesOf(result)?.toString()).to.equal(JSON.stringify(result));
    const document = await resolver.resolveRtjson(1, request);
    expect(answerBytesOf(document)?.toString()).to.equal(JSON.stringify(document));
  });

  it('snapshotCandidates: a lookup started inside another throws, and the outer lookup keeps its own matches', () => {
    const prefixes = new PrefixPool();
    const builder = new RouteSetBuilder(new MoneyTable(), prefixes, new TimeTable());
    const sets = [1, 2].map((s) => {
      builder.begin(s);
      const row: RouteRow = {
        i_route: s, i_destination_set: s, prefix: '44', preference: 1, huntstop: false, timeout: null, timeout_1xx: null,
        price_1: '0.010000', price_n: '0.010000', interval_1: 60, interval_n: 60, forbidden: false, activation: 0, expiration: null,
      };
      builder.add(row);
      return builder.build();
    });
    const entryRow = (s: number): EntryRow => ({
      i_routing_group_entry: s, entry_order: s, weight: null, i_connection: s, connection_name: `c${s}`, destination: 'gw.example', sipDestination: parseDestination('gw.example'),
      cli_translation_rule: null, cld_translation_rule: null, capacity: 1, enabled: true, i_vendor: 1, vendor_name: 'v', i_destination_set: s,
      destination_set_name: `s${s}`, currency: 'EUR', connect_fee: '0.000000', free_seconds: 0, grace_period: 0, post_call_surcharge: '0.000000',
    });
    const group = (): SnapshotGroup =>
      ({ row: GROUP, policy: ['lcr'], entries: [1, 2].map((s) => ({ row: entryRow(s), routes: sets[s - 1], connectFeeMicros: 0, bad: undefined })), deterministic: true }) as unknown as SnapshotGroup;
    const real = new RuleCache();
    const outer = group();
    const inner = group();
    let nested: unknown = 'not called';
    // A rule cache that calls back into a lookup (for a CLD that matches nothing) while the outer one is under way.
    const calling = {
      get(rule: string | null) {
        if (nested === 'not called') {
          try {
            nested = snapshotCandidates(inner, prefixes, '99', 0, real, false);
          } catch (err) {
            nested = err;
          }
        }
        return real.get(rule);
      },
    } as unknown as RuleCache;
    const found = snapshotCandidates(outer, prefixes, '4412', 0, calling, false);
    expect(nested).to.be.an.instanceOf(Error);
    expect((nested as Error).message).to.match(/reentrant/);
    expect(found.candidates.map((c) => c.entry.i_connection)).to.deep.equal([1, 2]);
    // The guard is released: the next lookup runs.
    expect(snapshotCandidates(group(), prefixes, '4412', 0, real, false).candidates).to.have.length(2);
  });
});

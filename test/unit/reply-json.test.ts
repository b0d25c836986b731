import { expect } from 'chai';
import { replyJson } from '../../src/rpc/reply-json.js';
import { answerBytesOf, createResolver } from '../../src/routing/index.js';

// replyJson must write what JSON.stringify writes, splicing a prepared
// answer in place of its object; the resolver's answers are checked against
// JSON.stringify in the differential test.
describe('reply JSON', () => {
  it('is JSON.stringify for replies without a prepared answer: objects, batches, undefined members', () => {
    for (const body of [
      { jsonrpc: '2.0', id: 1, result: { i_environment: 1, version: 'x' } },
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } },
      { result: null, error: { code: 1 }, id: 'a"b' },
      { jsonrpc: '2.0', id: 2, result: { a: undefined, b: [1, '\u2028'] } },
    ]) {
      expect(replyJson(body).toString()).to.equal(JSON.stringify(body));
      expect(replyJson([body, body]).toString()).to.equal(JSON.stringify([body, body]));
    }
  });

  it('plain objects have no prepared answer', () => {
    expect(answerBytesOf({ routes: [] })).to.equal(undefined);
    expect(answerBytesOf(null)).to.equal(undefined);
    expect(answerBytesOf('text')).to.equal(undefined);
  });

  it('splices a prepared answer where the result is, keeping the other members', async () => {
    // A resolver over a data source that knows one group with no entries: no database involved.
    const group = { i_routing_group: 7, name: 'G "quoted"', policy: 'lcr', average_duration: 60, external: false, uri: null };
    const resolver = createResolver(() => {
      throw new Error('no database here');
    });
    const source = { lookup: () => ({ group, external: false as const, policy: ['lcr' as const], candidates: [], excluded: [], badRules: [] }), status: () => undefined };
    (resolver as unknown as { source: typeof source }).source = source;
    const result = await resolver.resolve(1, { routing_group: 'G "quoted"', cld: '44', cli: '\u00e9', time: new Date(), hops: 0, explain: true });
    expect(answerBytesOf(result)?.toString()).to.equal(JSON.stringify(result));
    const body = { jsonrpc: '2.0', id: 5, result };
    expect(replyJson(body).toString()).to.equal(JSON.stringify(body));
    expect(replyJson([body, { jsonrpc: '2.0', id: 6, error: { code: 1 } }]).toString()).to.equal(JSON.stringify([body, { jsonrpc: '2.0', id: 6, error: { code: 1 } }]));
  });

  it('writes the envelope in the room around the answer once, over the answer\'s own memory; later, longer or 1.0 envelopes stay correct and leave earlier replies intact', async () => {
    const group = { i_routing_group: 7, name: 'G', policy: 'lcr', average_duration: 60, external: false, uri: null };
    const resolver = createResolver(() => {
      throw new Error('no database here');
    });
    const source = { lookup: () => ({ group, external: false as const, policy: ['lcr' as const], candidates: [], excluded: [], badRules: [] }), status: () => undefined };
    (resolver as unknown as { source: typeof source }).source = source;
    const ask = (cld: string): Promise<object> => resolver.resolve(1, { routing_group: 'G', cld, cli: '', time: new Date(), hops: 0 });
    const sent: [Buffer, string][] = [];
    const ids: unknown[] = [1, 'x'.repeat(60), 'é'.repeat(40), 'y'.repeat(200), null, 2 ** 53];
    for (const [i, id] of ids.entries()) {
      const result = await ask(`4${i}`);
      const own = answerBytesOf(result)!;
      const versionTwo = { jsonrpc: '2.0', id, result };
      const first = replyJson(versionTwo);
      expect(first.toString(), `id ${String(id)}`).to.equal(JSON.stringify(versionTwo));
      // In place exactly when the envelope fits the room: the reply is a view of the answer's own memory.
      const fits = Buffer.byteLength(JSON.stringify(id)) + 32 <= 96;
      expect(first.buffer === own.buffer && first.byteOffset < own.byteOffset, `id ${String(id)} in place`).to.equal(fits);
      // The same answer again (and as JSON-RPC 1.0, members after the result): a copy, the first reply untouched.
      const versionOne = { result, error: null, id };
      const second = replyJson(versionOne);
      expect(second.toString()).to.equal(JSON.stringify(versionOne));
      expect(second.buffer === own.buffer && second.byteOffset < own.byteOffset).to.equal(false);
      expect(own.toString()).to.equal(JSON.stringify(result));
      sent.push([first, JSON.stringify(versionTwo)]);
    }
    for (const [bytes, text] of sent) expect(bytes.toString()).to.equal(text);
  });
});

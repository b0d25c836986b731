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
});

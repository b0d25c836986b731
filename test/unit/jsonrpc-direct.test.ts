import { expect } from 'chai';
import { SippyError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { CallGate } from '../../src/rpc/call-gate.js';
import { scannedRequest } from '../../src/rpc/json-shape.js';
import { JsonRpcDispatcher, type MethodHandler } from '../../src/rpc/jsonrpc.js';
import type { MethodContext } from '../../src/rpc/methods.js';
import { replyJson } from '../../src/rpc/reply-json.js';

// The dispatcher calls a plain single 2.0 request directly (jsonrpc.ts,
// callDirect) and everything else through jayson. A batch of one always goes
// through jayson, so each request answered alone must give, byte for byte,
// the entry its batch of one gives, and tell the metrics the same.
describe('JSON-RPC: a single request called directly answers as jayson does', () => {
  const handlers: Record<string, MethodHandler> = {
    echo: async (params) => ({ params: params ?? 'none' }),
    nothing: async () => undefined,
    nullResult: async () => null,
    refuses: async () => {
      throw new SippyError('RPC_INVALID_PARAMS', 'invalid echo parameters: /x must be a number', { data: { errors: [{ path: '/x', message: 'must be a number' }] } });
    },
    breaks: async () => {
      throw new Error('a bug with a secret in it');
    },
    throwsAtOnce: (() => {
      throw new SippyError('ROUTING_GROUP_NOT_FOUND', 'no routing group named "x"', { data: { routing_group: 'x' } });
    }) as MethodHandler,
  };
  const context: MethodContext = { environment: 1, resolver: {} as MethodContext['resolver'], deadline: Infinity, now: Date.now, logger: createLogger({ level: 'error', stream: { write: () => true } as never }) };

  const requests = [
    '{"jsonrpc":"2.0","method":"echo","params":{"a":[1,2]},"id":1}',
    '{"jsonrpc":"2.0","method":"echo","params":[1,"two"],"id":"text"}',
    '{"jsonrpc":"2.0","method":"echo","id":null}',
    '{"id":7,"params":{},"method":"echo","jsonrpc":"2.0","extra":true}',
    '{"jsonrpc":"2.0","method":"nothing","id":2}',
    '{"jsonrpc":"2.0","method":"nullResult","id":3}',
    '{"jsonrpc":"2.0","method":"refuses","params":{"x":"y"},"id":4}',
    '{"jsonrpc":"2.0","method":"breaks","id":5}',
    '{"jsonrpc":"2.0","method":"throwsAtOnce","id":-6}',
    '{"jsonrpc":"2.0","method":"missing","id":8}',
    '{"jsonrpc":"2.0","method":"constructor","id":9}',
    '{"jsonrpc":"2.0","method":"__proto__","id":10}',
    '{"jsonrpc":"2.0","method":"echo","params":"text","id":11}',
    '{"jsonrpc":"2.0","method":"echo","params":null,"id":12}',
    '{"jsonrpc":"2.0","method":"echo","params":{},"id":{"an":"object"}}',
    '{"jsonrpc":"2.0","method":"echo","params":{},"id":1.5}',
    '{"jsonrpc":"2.0","method":"echo","params":{},"id":123456789012345678901234567890}',
    '{"jsonrpc":"1.0","method":"echo","params":{},"id":13}',
    '{"method":"echo","params":[],"id":14}',
    '{"jsonrpc":"2.0","method":7,"id":15}',
  ];

  /** The reply bytes of a single request, and of its batch of one (unwrapped), with the outcomes told to the metrics and jayson's calls. */
  async function both(text: string, gate?: () => CallGate): Promise<{ single: string; batch: string; singleCalls: string[]; batchCalls: string[]; jaysonCalls: number }> {
    const dispatcher = new JsonRpcDispatcher(handlers);
    const server = (dispatcher as unknown as { server: { call: (...args: unknown[]) => unknown } }).server;
    const call = server.call.bind(server);
    let jaysonCalls = 0;
    server.call = (...args: unknown[]) => {
      jaysonCalls++;
      return call(...args);
    };
    const observed = (into: string[]) => ({ call: (method: string, outcome: string) => into.push(`${method} ${outcome}`) });
    const singleCalls: string[] = [];
    const batchCalls: string[] = [];
    const single = await dispatcher.handle(scannedRequest(text), context, 100, gate?.(), observed(singleCalls) as never);
    const singleJayson = jaysonCalls;
    const batch = await dispatcher.handle(scannedRequest(`[${text}]`), context, 100, gate?.(), observed(batchCalls) as never);
    const batchBytes = batch.body === undefined ? '' : replyJson(batch.body).toString('utf8');
    return {
      single: single.body === undefined ? '' : replyJson(single.body).toString('utf8'),
      batch: batchBytes === '' ? '' : batchBytes.slice(1, -1),
      singleCalls,
      batchCalls,
      jaysonCalls: singleJayson,
    };
  }

  for (const text of requests) {
    it(`${text}`, async () => {
      for (const gate of [undefined, () => new CallGate(1)]) {
        const answer = await both(text, gate);
        expect(answer.single, 'the reply').to.equal(answer.batch);
        expect(answer.singleCalls, 'what the metrics were told').to.deep.equal(answer.batchCalls);
      }
    });
  }

  it('plain 2.0 requests for served methods are answered without jayson; the others are not', async () => {
    const direct = requests.filter((text) => {
      const r = JSON.parse(text) as Record<string, unknown>;
      const params = r.params;
      return r.jsonrpc === '2.0' && typeof r.method === 'string' && r.method in handlers && Object.hasOwn(handlers, r.method)
        && (typeof r.id === 'string' || r.id === null || Number.isSafeInteger(r.id)) && (params === undefined || (typeof params === 'object' && params !== null));
    });
    expect(direct).to.have.length(9);
    for (const text of direct) expect((await both(text)).jaysonCalls, text).to.equal(0);
    // The others are refused before jayson (a bad shape) or answered by it (a method not served, an id kept as text).
    for (const text of [requests[9]!, requests[15]!, requests[16]!]) expect((await both(text)).jaysonCalls, text).to.equal(1);
  });
});

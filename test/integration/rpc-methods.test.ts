import { expect } from 'chai';
import { join } from 'node:path';
import { SippyError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { Listener } from '../../src/rpc/listener.js';
import type { RouteRequest, RouteResult } from '../../src/routing/contract.js';
import { call, emptyResult, FakeResolver, makeSpec, makeTempDir, post, type TempDir } from '../harness/rpc.js';

describe('rpc listener: methods, params and errors', () => {
  let dir: TempDir;
  let listener: Listener;
  let socketPath: string;
  let behaviour: (environment: number, request: RouteRequest) => Promise<RouteResult>;
  let resolver: FakeResolver;
  let logText: string;

  const send = (body: string, options = {}) => post({ socketPath }, body, options);
  const getRoutes = async (params: unknown) => (await send(call('getRoutes', params))).json as { result?: RouteResult; error?: { code: number; message: string; data?: unknown } };

  before(async () => {
    dir = makeTempDir();
    socketPath = join(dir.path, 'rpc.sock');
    resolver = new FakeResolver((environment, request) => behaviour(environment, request));
    const logger = createLogger({ level: 'debug', format: 'json', stream: { write: (text: string) => (logText += text) } });
    listener = new Listener(makeSpec({ kind: 'unix', path: socketPath }, { limits: { maxBatch: 3, requestTimeoutMs: 400, headersTimeoutMs: 400 } }), resolver, logger);
    await listener.start();
  });

  beforeEach(() => {
    behaviour = async (environment, request) => emptyResult(environment, request);
    resolver.requests.length = 0;
    logText = '';
  });

  after(async () => {
    await listener.stop(0);
    dir.remove();
  });

  describe('getRoutes params', () => {
    it('builds the RouteRequest: defaults, ignored extras, hops', async () => {
      const before = Date.now();
      const answer = await getRoutes({ routing_group: 'Group 1', cld: '4420712345678', cli: '1555', hops: 2, explain: true, max_routes: 5, call_id: 'abc', remote_ip: '192.0.2.1', future_field: { deep: [1, 2] } });
      expect(answer.result?.cld).to.equal('4420712345678');
      const request = resolver.requests[0]!;
      expect(request).to.include({ routing_group: 'Group 1', cld: '4420712345678', cli: '1555', hops: 2, explain: true, max_routes: 5, call_id: 'abc', remote_ip: '192.0.2.1' });
      expect(request.time.getTime()).to.be.within(before, Date.now());
      expect(request).not.to.have.property('future_field');
      await getRoutes({ routing_group: 'g', cld: '1' });
      expect(resolver.requests[1]).to.include({ cli: '', hops: 0, explain: undefined, max_routes: undefined });
    });

    it('call_start_time: ISO 8601 with an offset, or integer Unix seconds', async () => {
      await getRoutes({ routing_group: 'g', cld: '1', call_start_time: '2026-01-31T12:00:00+01:00' });
      await getRoutes({ routing_group: 'g', cld: '1', call_start_time: '2026-01-31T11:00:00.250Z' });
      await getRoutes({ routing_group: 'g', cld: '1', call_start_time: 1769857200 });
      expect(resolver.requests.map((r) => r.time.toISOString())).to.deep.equal(['2026-01-31T11:00:00.000Z', '2026-01-31T11:00:00.250Z', '2026-01-31T11:00:00.000Z']);
    });

    it('answers -32602 with data.errors naming each bad parameter', async () => {
      const answer = await send(call('getRoutes', { routing_group: '', cld: 'x'.repeat(65), hops: 17 }, 'q'));
      expect(answer.json).to.deep.equal({
        jsonrpc: '2.0',
        id: 'q',
        error: {
          code: -32602,
          message: 'Invalid params: /routing_group must be at least 1 character long (and 2 more).',
          data: {
            errors: [
              { path: '/routing_group', message: 'must be at least 1 character long' },
              { path: '/cld', message: 'must be at most 64 characters long' },
              { path: '/hops', message: 'must be at most 16' },
            ],
          },
        },
      });
      expect(resolver.requests).to.have.length(0);
    });

    const bad: [string, unknown, string][] = [
      ['missing cld', { routing_group: 'g' }, '/cld'],
      ['cld not a string', { routing_group: 'g', cld: 4420 }, '/cld'],
      ['cli too long', { routing_group: 'g', cld: '1', cli: '9'.repeat(65) }, '/cli'],
      ['time without offset', { routing_group: 'g', cld: '1', call_start_time: '2026-01-31T12:00:00' }, '/call_start_time'],
      ['impossible date', { routing_group: 'g', cld: '1', call_start_time: '2026-02-30T12:00:00Z' }, '/call_start_time'],
      ['fractional seconds', { routing_group: 'g', cld: '1', call_start_time: 1769857200.5 }, '/call_start_time'],
      ['negative seconds', { routing_group: 'g', cld: '1', call_start_time: -1 }, '/call_start_time'],
      ['boolean time', { routing_group: 'g', cld: '1', call_start_time: true }, '/call_start_time'],
      ['max_routes 0', { routing_group: 'g', cld: '1', max_routes: 0 }, '/max_routes'],
      ['max_routes 101', { routing_group: 'g', cld: '1', max_routes: 101 }, '/max_routes'],
      ['explain as a string', { routing_group: 'g', cld: '1', explain: 'yes' }, '/explain'],
      ['i_environment as a string', { routing_group: 'g', cld: '1', i_environment: '2' }, '/i_environment'],
      ['params null', null, ''],
    ];
    for (const [what, params, path] of bad) {
      it(`-32602 for ${what}`, async () => {
        const answer = await send(JSON.stringify({ jsonrpc: '2.0', method: 'getRoutes', params, id: 1 }));
        const body = answer.json as { error: { code: number; data?: { errors: { path: string }[] } } };
        // params: null is not a structured value: the request itself is invalid.
        if (params === null) return expect(body.error.code).to.equal(-32600);
        expect(body.error.code).to.equal(-32602);
        expect(body.error.data?.errors.map((e) => e.path)).to.include(path);
      });
    }

    it('i_environment other than the listener\'s answers -32002; equal is accepted', async () => {
      const answer = await getRoutes({ routing_group: 'g', cld: '1', i_environment: 3 });
      expect(answer.error).to.deep.equal({ code: -32002, message: 'The request is for environment 3 but this listener serves environment 2.', data: { i_environment: 2 } });
      expect((await getRoutes({ routing_group: 'g', cld: '1', i_environment: 2 })).result).to.have.property('i_environment', 2);
    });
  });

  describe('resolver errors', () => {
    it('a catalogued error keeps its code, message and data', async () => {
      behaviour = async () => {
        throw new SippyError('ROUTING_GROUP_NOT_FOUND', 'No routing group "X" in environment 2.', { data: { routing_group: 'X' } });
      };
      expect((await getRoutes({ routing_group: 'X', cld: '1' })).error).to.deep.equal({ code: -32001, message: 'No routing group "X" in environment 2.', data: { routing_group: 'X' } });
    });

    it('DB_UNAVAILABLE answers -32010 with a clean message', async () => {
      behaviour = async () => {
        throw new SippyError('DB_UNAVAILABLE', 'The routing database is unavailable; retry later.', { cause: new Error('connect ECONNREFUSED 10.0.0.1:3306') });
      };
      expect((await getRoutes({ routing_group: 'g', cld: '1' })).error).to.deep.equal({ code: -32010, message: 'The routing database is unavailable; retry later.' });
      expect(logText).to.include('ECONNREFUSED');
    });

    it('any other exception is a generic -32603: no SQL, stack or DSN reaches the client; the log has the detail, redacted', async () => {
      behaviour = async () => {
        throw new Error("ER_PARSE_ERROR near 'SELECT * FROM routes WHERE prefix = ?' using mysql://routing:s3cretPass@db.example:3306/routing");
      };
      const answer = await send(call('getRoutes', { routing_group: 'g', cld: '1' }, 8));
      expect(answer.json).to.deep.equal({ jsonrpc: '2.0', id: 8, error: { code: -32603, message: 'Internal error: the daemon could not answer; details are in its log.' } });
      for (const secret of ['SELECT', 'mysql://', 's3cretPass', 'ER_PARSE_ERROR', 'at ', '.js']) expect(answer.text).not.to.include(secret);
      expect(logText).to.include('SELECT * FROM routes');
      expect(logText).to.include('mysql://routing:***@db.example');
      expect(logText).not.to.include('s3cretPass');
    });

    it('a resolver that never answers is cut by the request timeout: the client gets -32603 RPC_TIMEOUT', async () => {
      behaviour = () => new Promise<never>(() => undefined);
      const answer = await send(call('getRoutes', { routing_group: 'g', cld: '1' }, 'slow'));
      expect(answer.json).to.deep.equal({
        jsonrpc: '2.0',
        id: 'slow',
        error: { code: -32603, message: 'The routing answer was not ready within the request timeout; the request can be retried.' },
      });
    });
  });

  describe('ping', () => {
    it('ignores params given by name, refuses positional ones', async () => {
      expect(((await send(call('ping', { anything: 1 }))).json as { result: unknown }).result).to.have.property('i_environment', 2);
      expect(((await send(call('ping', [1]))).json as { error: { code: number } }).error.code).to.equal(-32602);
    });
  });

  describe('HTTP front', () => {
    it('a batch over the limit is one -32600 naming the limit', async () => {
      const batch = JSON.stringify([1, 2, 3, 4].map((id) => ({ jsonrpc: '2.0', method: 'ping', id })));
      expect((await send(batch)).json).to.deep.equal({
        jsonrpc: '2.0',
        error: { code: -32600, message: "Invalid Request: a batch of 4 requests is over this listener's limit of 3." },
        id: null,
      });
      expect((await send(JSON.stringify([1, 2, 3].map((id) => ({ jsonrpc: '2.0', method: 'ping', id }))))).json).to.have.length(3);
    });

    it('404 for another path, 405 with Allow: POST for another method, both with JSON bodies', async () => {
      const missing = await send(call('ping'), { path: '/other' });
      expect(missing.status).to.equal(404);
      expect(missing.headers['content-type']).to.equal('application/json');
      expect((missing.json as { error: { code: number } }).error.code).to.equal(-32600);
      const get = await send('', { method: 'GET' });
      expect(get.status).to.equal(405);
      expect(get.headers.allow).to.equal('POST');
      expect((get.json as { error: { code: number } }).error.code).to.equal(-32600);
      const queryString = await send(call('ping'), { path: '/?x=1' });
      expect(queryString.status).to.equal(200);
    });

    it('counts requests and errors', async () => {
      const before = listener.stats();
      await send(call('ping'));
      await send('[1,2]');
      await send('', { method: 'GET' });
      const after = listener.stats();
      expect(after.requests - before.requests).to.equal(3);
      expect(after.errors - before.errors).to.equal(3);
      expect(after).to.include({ state: 'listening', inFlight: 0, socket: `unix:${socketPath}` });
    });
  });
});

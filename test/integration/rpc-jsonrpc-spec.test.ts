import { expect } from 'chai';
import { join } from 'node:path';
import { silentLogger } from '../../src/log.js';
import { Listener } from '../../src/rpc/listener.js';
import { VERSION } from '../../src/version.js';
import { FakeResolver, makeSpec, makeTempDir, post, type TempDir } from '../harness/rpc.js';

// The request/response examples of section 7 of the JSON-RPC 2.0
// specification, with this daemon's methods in place of subtract/sum/update,
// over a real HTTP-over-UNIX-socket listener. Whole bodies are compared.
describe('JSON-RPC 2.0 specification examples (section 7) over a UNIX socket', () => {
  let dir: TempDir;
  let listener: Listener;
  let socketPath: string;

  const routes = (id: unknown, group = 'Group 1', cld = '4420712345678', cli = '') => ({
    jsonrpc: '2.0',
    id,
    result: { i_environment: 2, routing_group: { i_routing_group: 7, name: group, policy: 'lcr' }, cli, cld, routes: [] },
  });
  const pong = (id: unknown) => ({ jsonrpc: '2.0', id, result: { i_environment: 2, version: VERSION } });
  const invalidRequest = { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' }, id: null };
  const parseError = { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null };

  const send = (body: string) => post({ socketPath }, body);

  before(async () => {
    dir = makeTempDir();
    socketPath = join(dir.path, 'rpc.sock');
    listener = new Listener(makeSpec({ kind: 'unix', path: socketPath }), new FakeResolver(), silentLogger);
    await listener.start();
  });

  after(async () => {
    await listener.stop(0);
    dir.remove();
  });

  it('rpc call with named parameters', async () => {
    const answer = await send('{"jsonrpc": "2.0", "method": "getRoutes", "params": {"routing_group": "Group 1", "cld": "4420712345678"}, "id": 3}');
    expect(answer.status).to.equal(200);
    expect(answer.headers['content-type']).to.equal('application/json');
    expect(answer.json).to.deep.equal(routes(3));
  });

  it('rpc call with positional parameters: this daemon takes params by name only (-32602)', async () => {
    const answer = await send('{"jsonrpc": "2.0", "method": "getRoutes", "params": ["Group 1", "4420712345678"], "id": 1}');
    expect(answer.json).to.deep.equal({
      jsonrpc: '2.0',
      id: 1,
      error: {
        code: -32602,
        message: 'Invalid params: params must be an object of named parameters (by name), not positional.',
        data: { errors: [{ path: '', message: 'must be an object of named parameters (by name), not positional' }] },
      },
    });
  });

  it('a notification gets no response body (HTTP 204)', async () => {
    for (const body of ['{"jsonrpc": "2.0", "method": "ping"}', '{"jsonrpc": "2.0", "method": "getRoutes", "params": {"routing_group": "g", "cld": "1"}}', '{"jsonrpc": "2.0", "method": "foobar"}']) {
      const answer = await send(body);
      expect(answer.status, body).to.equal(204);
      expect(answer.text, body).to.equal('');
    }
  });

  it('rpc call of a non-existent method', async () => {
    const answer = await send('{"jsonrpc": "2.0", "method": "foobar", "id": "1"}');
    expect(answer.json).to.deep.equal({ jsonrpc: '2.0', id: '1', error: { code: -32601, message: 'Method not found' } });
  });

  it('rpc call with invalid JSON', async () => {
    const answer = await send('{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]');
    expect(answer.status).to.equal(200);
    expect(answer.json).to.deep.equal(parseError);
  });

  it('rpc call with invalid Request object', async () => {
    const answer = await send('{"jsonrpc": "2.0", "method": 1, "params": "bar"}');
    expect(answer.json).to.deep.equal(invalidRequest);
  });

  it('rpc call Batch, invalid JSON', async () => {
    const answer = await send('[\n  {"jsonrpc": "2.0", "method": "ping", "id": "1"},\n  {"jsonrpc": "2.0", "method"\n]');
    expect(answer.json).to.deep.equal(parseError);
  });

  it('rpc call with an empty Array', async () => {
    const answer = await send('[]');
    expect(answer.json).to.deep.equal(invalidRequest);
  });

  it('rpc call with an invalid Batch (but not empty)', async () => {
    const answer = await send('[1]');
    expect(answer.json).to.deep.equal([invalidRequest]);
  });

  it('rpc call with invalid Batch', async () => {
    const answer = await send('[1,2,3]');
    expect(answer.json).to.deep.equal([invalidRequest, invalidRequest, invalidRequest]);
  });

  it('rpc call Batch: results, a notification, an invalid entry, an unknown method', async () => {
    const answer = await send(`[
      {"jsonrpc": "2.0", "method": "getRoutes", "params": {"routing_group": "A", "cld": "441"}, "id": "1"},
      {"jsonrpc": "2.0", "method": "ping"},
      {"jsonrpc": "2.0", "method": "getRoutes", "params": {"routing_group": "B", "cld": "442", "cli": "15551230000"}, "id": "2"},
      {"foo": "boo"},
      {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
      {"jsonrpc": "2.0", "method": "ping", "id": "9"}
    ]`);
    expect(answer.json).to.be.an('array').with.deep.members([
      routes('1', 'A', '441'),
      routes('2', 'B', '442', '15551230000'),
      invalidRequest,
      { jsonrpc: '2.0', id: '5', error: { code: -32601, message: 'Method not found' } },
      pong('9'),
    ]);
    expect(answer.json).to.have.length(5);
  });

  it('rpc call Batch (all notifications): nothing is returned (HTTP 204)', async () => {
    const answer = await send('[{"jsonrpc": "2.0", "method": "ping"}, {"jsonrpc": "2.0", "method": "getRoutes", "params": {"routing_group": "g", "cld": "1"}}]');
    expect(answer.status).to.equal(204);
    expect(answer.text).to.equal('');
  });

  it('a nested array inside a batch is an invalid entry, not dropped', async () => {
    const answer = await send('[[{"jsonrpc": "2.0", "method": "ping", "id": 1}], {"jsonrpc": "2.0", "method": "ping", "id": 2}]');
    expect(answer.json).to.deep.equal([invalidRequest, pong(2)]);
  });

  it('"id": null is a request (answered with id null), not a notification', async () => {
    const answer = await send('{"jsonrpc": "2.0", "method": "ping", "id": null}');
    expect(answer.json).to.deep.equal(pong(null));
  });

  it('a request object with a bad id or a wrong jsonrpc version is an Invalid Request', async () => {
    for (const body of ['{"jsonrpc": "2.0", "method": "ping", "id": {}}', '{"jsonrpc": "2.0", "method": "ping", "id": true}', '{"jsonrpc": "1.5", "method": "ping", "id": 1}', '"ping"', 'null', '7']) {
      expect((await send(body)).json, body).to.deep.equal(invalidRequest);
    }
  });

  describe('JSON-RPC 1.0 requests', () => {
    it('are answered in 1.0 form', async () => {
      const answer = await send('{"method": "ping", "params": [], "id": 4}');
      expect(answer.json).to.deep.equal({ result: { i_environment: 2, version: VERSION }, error: null, id: 4 });
    });

    it('take named params as a one-object array', async () => {
      const answer = await send('{"method": "getRoutes", "params": [{"routing_group": "G", "cld": "44"}], "id": "x"}');
      expect(answer.json).to.deep.equal({ result: routes('x', 'G', '44').result, error: null, id: 'x' });
    });

    it('answer errors in 1.0 form', async () => {
      expect((await send('{"method": "nope", "params": [], "id": 4}')).json).to.deep.equal({ result: null, error: { code: -32601, message: 'Method not found' }, id: 4 });
      const positional = (await send('{"method": "getRoutes", "params": ["G", "44"], "id": 5}')).json as { error: { code: number }; result: unknown; id: number };
      expect(positional.error.code).to.equal(-32602);
      expect(positional.result).to.equal(null);
      expect(positional.id).to.equal(5);
    });

    it('with id null are notifications', async () => {
      const answer = await send('{"method": "ping", "params": [], "id": null}');
      expect(answer.status).to.equal(204);
    });
  });
});

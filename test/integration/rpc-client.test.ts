import { expect } from 'chai';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcClient, RpcCallError } from '../../src/client/rpc-client.js';

// A scripted peer on a UNIX socket: each test sets how it answers.
type Behaviour = (body: Record<string, unknown>, res: http.ServerResponse) => void;

describe('JSON-RPC client against a scripted peer', function () {
  let dir: string;
  let server: http.Server;
  let behaviour: Behaviour;
  let client: RpcClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sippy_routed-client-'));
    server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => behaviour(JSON.parse(text) as Record<string, unknown>, res));
    });
    await new Promise<void>((r) => server.listen(join(dir, 'peer.sock'), r));
    client = new RpcClient(`unix:${join(dir, 'peer.sock')}`, { timeoutMs: 300, maxResponseBytes: 10_000 });
  });
  after(async () => {
    client.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const json = (res: http.ServerResponse, value: unknown, status = 200) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };

  async function failure(): Promise<RpcCallError> {
    try {
      await client.call('ping', {});
    } catch (err) {
      expect(err).to.be.instanceOf(RpcCallError);
      return err as RpcCallError;
    }
    throw new Error('expected the call to fail');
  }

  it('returns the result of a well-formed answer, sending named params', async () => {
    behaviour = (body, res) => json(res, { jsonrpc: '2.0', id: body.id, result: { echo: body.params } });
    expect(await client.call('ping', { a: 1 })).to.deep.equal({ echo: { a: 1 } });
  });

  it('a JSON-RPC error object is a remote failure carrying code, message and data', async () => {
    behaviour = (body, res) => json(res, { jsonrpc: '2.0', id: body.id, error: { code: -32001, message: 'no such group', data: { routing_group: 'x' } } });
    const err = await failure();
    expect(err.failure).to.equal('remote');
    expect(err.remote).to.deep.equal({ code: -32001, message: 'no such group', data: { routing_group: 'x' } });
  });

  const invalid: [string, Behaviour][] = [
    ['not JSON', (_b, res) => res.end('<html>oops</html>')],
    ['a JSON array', (_b, res) => json(res, [1, 2])],
    ['another id', (body, res) => json(res, { jsonrpc: '2.0', id: Number(body.id) + 1, result: 1 })],
    ['no jsonrpc member', (body, res) => json(res, { id: body.id, result: 1 })],
    ['neither result nor error', (body, res) => json(res, { jsonrpc: '2.0', id: body.id })],
    ['a malformed error', (body, res) => json(res, { jsonrpc: '2.0', id: body.id, error: 'bad' })],
    ['HTTP 500 with text', (_b, res) => { res.writeHead(500); res.end('boom'); }],
    ['an oversized answer', (body, res) => json(res, { jsonrpc: '2.0', id: body.id, result: 'x'.repeat(20_000) })],
  ];
  for (const [what, answer] of invalid) {
    it(`an answer that is ${what} is an invalid failure, not a crash`, async () => {
      behaviour = answer;
      expect((await failure()).failure).to.equal('invalid');
    });
  }

  it('no answer before the deadline is a timeout', async () => {
    behaviour = () => undefined;
    const err = await failure();
    expect(err.failure).to.equal('timeout');
    expect(err.message).to.match(/did not answer within 300 ms/);
  });

  it('a connection cut mid-answer is unreachable', async () => {
    behaviour = (_b, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"jsonrpc":');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    expect((await failure()).failure).to.equal('unreachable');
  });

  it('a socket nobody listens on is unreachable', async () => {
    const nobody = new RpcClient(`unix:${join(dir, 'absent.sock')}`, { timeoutMs: 300 });
    try {
      await nobody.call('ping');
      expect.fail('should fail');
    } catch (err) {
      expect((err as RpcCallError).failure).to.equal('unreachable');
      expect((err as Error).message).to.match(/ENOENT/);
    } finally {
      nobody.close();
    }
  });

  it('rejects URIs it cannot use', () => {
    expect(() => new RpcClient('unix:relative.sock')).to.throw(RpcCallError, /absolute path/);
    expect(() => new RpcClient('ftp://h/')).to.throw(RpcCallError, /expected unix:, http: or https:/);
  });
});

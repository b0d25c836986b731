import { expect } from 'chai';
import { existsSync, lstatSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { RpcCallError, RpcClient } from '../../src/client/rpc-client.js';
import { SippyError } from '../../src/errors.js';
import { ControlServer } from '../../src/supervisor/control.js';
import { call, makeTempDir, post, type TempDir } from '../harness/rpc.js';

describe('supervisor: ControlServer on a real UNIX socket', () => {
  let dir: TempDir;
  let path: string;
  let control: ControlServer | undefined;
  let reloads: number;
  const clients: RpcClient[] = [];
  const others: Server[] = [];

  const methods = {
    status: async () => ({ pid: 1, listeners: [] }),
    reload: async () => ({ result: 'ok', reloads: (reloads += 1) }),
    refuse: async () => {
      throw new SippyError('SUPERVISOR_START_FAILED', 'refused for a reason the caller may read');
    },
    crash: async () => {
      throw new Error('secret internals mysql://u:hunter2@db/x');
    },
  };

  async function started(at = path): Promise<ControlServer> {
    control = new ControlServer(at, methods);
    await control.start();
    return control;
  }

  function client(): RpcClient {
    const c = new RpcClient(`unix:${path}`, { timeoutMs: 5000 });
    clients.push(c);
    return c;
  }

  function listenOn(at: string): Promise<Server> {
    const server = createServer((socket) => socket.destroy());
    others.push(server);
    return new Promise((resolve) => server.listen(at, () => resolve(server)));
  }

  beforeEach(() => {
    dir = makeTempDir('sr-ctl-');
    path = join(dir.path, 'sippy_routed.ctl.sock');
    reloads = 0;
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await control?.stop();
    control = undefined;
    await Promise.all(others.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
    dir.remove();
  });

  it('serves status and reload to RpcClient, on a socket of mode 0600', async () => {
    await started();
    expect(statSync(path).isSocket()).to.equal(true);
    expect(statSync(path).mode & 0o777).to.equal(0o600);
    expect(await client().call('status')).to.deep.equal({ pid: 1, listeners: [] });
    expect(await client().call('reload')).to.deep.equal({ result: 'ok', reloads: 1 });
    expect(await client().call('reload')).to.deep.equal({ result: 'ok', reloads: 2 });
  });

  it('answers a parse error, an invalid request and an unknown method with their JSON-RPC codes', async () => {
    await started();
    const parse = await post({ socketPath: path }, '{"jsonrpc": "2.0", "method": ');
    expect(parse.status).to.equal(200);
    expect(parse.json).to.deep.include({ jsonrpc: '2.0', id: null });
    expect((parse.json as { error: { code: number } }).error.code).to.equal(-32700);

    for (const body of ['null', '[]', '42', '{"method": "status", "id": 1}', '{"jsonrpc": "2.0", "method": 7, "id": 1}', '{"jsonrpc": "1.0", "method": "status", "id": 1}']) {
      const answer = await post({ socketPath: path }, body);
      expect(answer.status, body).to.equal(200);
      expect((answer.json as { error: { code: number } }).error.code, body).to.equal(-32600);
    }

    const unknown = await post({ socketPath: path }, call('getRoutes', undefined, 'abc'));
    const error = (unknown.json as { id: unknown; error: { code: number; message: string } });
    expect(error.id).to.equal('abc');
    expect(error.error.code).to.equal(-32601);
    expect(error.error.message).to.include('status').and.to.include('reload');

    // Inherited names are not methods.
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const answer = await post({ socketPath: path }, call(name));
      expect((answer.json as { error: { code: number } }).error.code, name).to.equal(-32601);
    }
  });

  it('answers with the id as the client wrote it, for results and errors', async () => {
    await started();
    for (const id of ['1e400', '-0', '1.50', '123456789012345678901234567890', '7', '"x"']) {
      for (const [method, member] of [['status', '"result":'], ['nosuch', '"error":'], ['refuse', '"error":']]) {
        const answer = await post({ socketPath: path }, `{"jsonrpc":"2.0","method":"${method}","id":${id}}`);
        expect(answer.text, `${method} ${id}`).to.contain(member).and.to.match(new RegExp(`"id":${id.replace(/[.+]/g, '\\$&')}}$`));
      }
    }
  });

  it('GET is 405 with Allow: POST; a body over 64 KiB is 413; the server keeps serving', async () => {
    await started();
    const get = await post({ socketPath: path }, '', { method: 'GET' });
    expect(get.status).to.equal(405);
    expect(get.headers.allow).to.equal('POST');
    const big = await post({ socketPath: path }, JSON.stringify({ jsonrpc: '2.0', method: 'status', id: 1, pad: 'x'.repeat(70 * 1024) }));
    expect(big.status).to.equal(413);
    expect(await client().call('status')).to.deep.equal({ pid: 1, listeners: [] });
  });

  it('a method that fails with a SippyError answers its message; any other failure hides its details', async () => {
    await started();
    const refused = await client().call('refuse').then(() => undefined, (err: unknown) => err);
    expect(refused).to.be.instanceOf(RpcCallError);
    expect((refused as RpcCallError).remote).to.deep.equal({ code: -32603, message: 'refused for a reason the caller may read' });
    const crashed = await client().call('crash').then(() => undefined, (err: unknown) => err);
    expect((crashed as RpcCallError).remote?.code).to.equal(-32603);
    expect((crashed as RpcCallError).message).to.not.include('hunter2').and.to.not.include('internals');
  });

  it('replaces a stale socket file', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(`${path}.tmp`, resolve));
    renameSync(`${path}.tmp`, path);
    await new Promise((resolve) => server.close(resolve));
    expect(lstatSync(path).isSocket()).to.equal(true);
    await started();
    expect(await client().call('status')).to.deep.equal({ pid: 1, listeners: [] });
  });

  it('refuses a socket another process answers on (SOCKET_IN_USE) and leaves it alone', async () => {
    await listenOn(path);
    const refused = await started().then(() => undefined, (err: unknown) => err);
    expect(refused).to.be.instanceOf(SippyError);
    expect((refused as SippyError).code).to.equal('SOCKET_IN_USE');
    expect(lstatSync(path).isSocket()).to.equal(true);
    // The failed server holds nothing: stopping it must not remove the other's socket.
    await control!.stop();
    expect(lstatSync(path).isSocket()).to.equal(true);
  });

  it('never removes a path that is not a socket', async () => {
    writeFileSync(path, 'a regular file');
    const refused = await started().then(() => undefined, (err: unknown) => err);
    expect((refused as SippyError).code).to.equal('SOCKET_BIND_FAILED');
    expect(lstatSync(path).isFile()).to.equal(true);
  });

  it('start() and stop() are idempotent; stop removes the socket', async () => {
    const server = await started();
    await server.start();
    expect(await client().call('status')).to.deep.equal({ pid: 1, listeners: [] });
    await server.stop();
    expect(existsSync(path)).to.equal(false);
    await server.stop();
    expect(existsSync(path)).to.equal(false);
  });

  it('stop leaves alone a socket that another server now owns at the path', async () => {
    const server = await started();
    unlinkSync(path);
    await listenOn(path);
    await server.stop();
    expect(lstatSync(path).isSocket()).to.equal(true);
  });

  it('stop ends kept-alive client connections, so it never hangs on them', async () => {
    const server = await started();
    const kept = client();
    await kept.call('status');
    await server.stop();
    expect(existsSync(path)).to.equal(false);
    const after = await kept.call('status').then(() => undefined, (err: unknown) => err);
    expect((after as RpcCallError).failure).to.equal('unreachable');
  });
});

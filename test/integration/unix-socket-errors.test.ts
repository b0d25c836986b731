import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { RpcClient } from '../../src/client/rpc-client.js';
import { bindUnixSocket } from '../../src/rpc/unix-socket.js';
import { ControlServer } from '../../src/supervisor/control.js';
import { makeTempDir, type TempDir } from '../harness/rpc.js';

// A listening server emits 'error' when accept() fails (EMFILE, ENFILE under
// a descriptor shortage). Without a listener that is an uncaught exception:
// the whole process ends. Every server bound by bindUnixSocket survives it.
describe('unix sockets: a failing accept() does not end the process', () => {
  let dir: TempDir;
  const acceptFailure = (): Error => Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', syscall: 'accept' });

  before(() => {
    dir = makeTempDir('sr-accept-');
  });

  after(() => dir.remove());

  it('a server bound by bindUnixSocket', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    await bindUnixSocket(server, join(dir.path, 'plain.sock'), 0o600);
    try {
      expect(() => server.emit('error', acceptFailure())).not.to.throw();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("the supervisor's control socket, which then still answers", async () => {
    const path = join(dir.path, 'ctl.sock');
    const control = new ControlServer(path, { status: async () => ({ up: true }) });
    await control.start();
    const client = new RpcClient(`unix:${path}`);
    try {
      const server = (control as unknown as { server: Server }).server;
      expect(() => server.emit('error', acceptFailure())).not.to.throw();
      expect(await client.call('status')).to.deep.equal({ up: true });
    } finally {
      client.close();
      await control.stop();
    }
  });
});

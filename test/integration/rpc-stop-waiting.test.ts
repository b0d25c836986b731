// Issue 12, item 16: at a stop, requests still waiting (on an upstream
// daemon of an external group) when the drain ends get a JSON-RPC error
// answer before their connection closes, never an empty reply.

import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { loadDemo } from '../../src/db/demo.js';
import { Listener } from '../../src/rpc/listener.js';
import { createLogger } from '../../src/log.js';
import { useFreshDatabase } from '../harness/database.js';
import { DaemonProcess } from '../harness/daemon.js';
import { call, FakeResolver, makeSpec, makeTempDir, post, untilTrue, type HttpAnswer, type TempDir } from '../harness/rpc.js';

const STOPPING = { code: -32603, message: 'The listener stopped before the routing answer was ready; the request can be retried.' };

describe('stop: requests still waiting at the end of the drain get an error answer (issue 12, item 16)', function () {
  this.timeout(60_000);
  let dir: TempDir;

  beforeEach(() => {
    dir = makeTempDir('sr-stopwait-');
  });

  afterEach(async () => {
    await DaemonProcess.killAll();
    dir.remove();
  });

  it('a listener answers each waiting call with RPC_STOPPING and its own id, single and batch', async () => {
    let logText = '';
    const logger = createLogger({ level: 'info', format: 'json', stream: { write: (text: string) => (logText += text) } });
    let arrived = 0;
    const resolver = new FakeResolver(() => {
      arrived += 1;
      return new Promise(() => undefined);
    });
    const socketPath = join(dir.path, 'rpc.sock');
    const listener = new Listener(makeSpec({ kind: 'unix', path: socketPath }, { limits: { requestTimeoutMs: 60_000 } }), resolver, logger);
    await listener.start();
    const params = { routing_group: 'G', cld: '44' };
    const single = post({ socketPath }, call('getRoutes', params, 'a'));
    const batch = post({ socketPath }, `[${call('getRoutes', params, 7)},${call('ping', undefined, 8)}]`);
    await untilTrue(() => arrived >= 2, 'the calls reaching the resolver');
    await listener.stop(100);
    const [one, many] = (await Promise.all([single, batch])) as [HttpAnswer, HttpAnswer];
    expect(one.status).to.equal(200);
    expect(one.json).to.deep.equal({ jsonrpc: '2.0', id: 'a', error: STOPPING });
    expect(many.json).to.deep.equal([
      { jsonrpc: '2.0', id: 7, error: STOPPING },
      { jsonrpc: '2.0', id: 8, result: { i_environment: 2, version: (many.json as { result?: { version: string } }[])[1]!.result!.version } },
    ]);
    expect(logText).to.include('"msg":"answered requests still waiting at the end of the drain"');
    expect(logText).to.include('"requests":2');
  });

  describe('the daemon process on SIGTERM', () => {
    const database = useFreshDatabase();
    let upstream: Server | undefined;

    after(async () => {
      upstream?.closeAllConnections();
      await new Promise((resolve) => (upstream === undefined ? resolve(undefined) : upstream.close(resolve)));
    });

    it('answers a request waiting on an external group\'s upstream with -32603 and its id, then exits 0', async () => {
      const { db, dsn } = database();
      await loadDemo(db, dir.path);
      // Environment 2's external Group 1 asks an upstream that takes the call and never answers.
      const upstreamSocket = join(dir.path, 'upstream.sock');
      let calls = 0;
      upstream = createServer(() => (calls += 1));
      await new Promise<void>((resolve) => upstream!.listen(upstreamSocket, resolve));
      await db.modify("UPDATE routing_groups SET uri = ? WHERE i_environment = 2 AND name = 'Group 1'", [`unix:${upstreamSocket}`]);

      const socket = join(dir.path, 'env2.sock');
      const daemon = new DaemonProcess(['-e', '2', '-s', `unix:${socket}`, '-d', dsn, '--upstream-timeout', '60000', '--request-timeout', '60000']);
      await daemon.waitUntilServing(`unix:${socket}`);
      const waiting = post({ socketPath: socket }, call('getRoutes', { routing_group: 'Group 1', cld: '12125551234' }, 41));
      await untilTrue(() => calls > 0, 'the request reaching the upstream');
      const exit = daemon.stop('SIGTERM');
      const answer = await waiting;
      expect(answer.status, answer.text).to.equal(200);
      expect(answer.json).to.deep.equal({ jsonrpc: '2.0', id: 41, error: STOPPING });
      expect(await exit).to.deep.equal({ code: 0, signal: null });
    });
  });
});

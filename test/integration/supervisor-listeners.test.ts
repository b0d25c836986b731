import { expect } from 'chai';
import { mkdirSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { RoutingClient } from '../../src/client/routing-client.js';
import { loadDemo } from '../../src/db/demo.js';
import { freshDatabase, useFreshDatabase, type TestDatabase } from '../harness/database.js';
import { call, untilTrue } from '../harness/rpc.js';
import { PLAIN_ECONFIG, supervisorRig, type SupervisorRig } from '../harness/supervisor.js';
import { waitClosed } from '../harness/supervisor-process.js';

// What a reload does to the listeners themselves: a DSN change swaps the
// pool under an open socket; a socket that cannot be bound fails that
// environment alone, and is retried by the next reload.

function econfigWith(cases: Record<number, string>): string {
  const items = Object.entries(cases).map(([env, args]) => `${env}) command_args="\${command_args} ${args}" ;;`);
  return `${PLAIN_ECONFIG}case %%I_ENVIRONMENT%% in\n${items.join('\n')}\nesac\n`;
}

/** A ping over `agent`; says whether the request went over a kept-alive connection. */
function pingOver(agent: Agent, socketPath: string): Promise<{ status: number; reused: boolean; environment: number }> {
  return new Promise((resolve, reject) => {
    const body = call('ping', {});
    const req = request({ socketPath, agent, method: 'POST', path: '/', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket, environment: (JSON.parse(text) as { result: { i_environment: number } }).result.i_environment }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('supervisor: listeners across reloads', function () {
  this.timeout(60_000);
  const database = useFreshDatabase();
  let other: TestDatabase;
  let rig: SupervisorRig | undefined;
  const clients: RoutingClient[] = [];

  before(async () => {
    await loadDemo(database().db, '/nonexistent-rundir');
    // A second database that answers differently: Group 1 of environment 1 is 'order' there.
    other = await freshDatabase();
    await loadDemo(other.db, '/nonexistent-rundir');
    await other.db.modify("UPDATE routing_groups SET policy = 'order' WHERE i_environment = 1 AND name = 'Group 1'");
  });

  after(async () => {
    await other?.drop();
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await rig?.dispose();
    rig = undefined;
  });

  function clientAt(path: string): RoutingClient {
    const client = new RoutingClient(`unix:${path}`, { timeoutMs: 5000 });
    clients.push(client);
    return client;
  }

  it('a DSN change swaps the pool under the open socket: a kept-alive client keeps working and sees the new database', async () => {
    const r = (rig = supervisorRig({ dsn: database().dsn, environments: [1, 2], econfig: PLAIN_ECONFIG }));
    expect((await r.supervisor.reload('start')).result).to.equal('ok');
    expect(r.registry.size, 'environments 1 and 2 share one pool').to.equal(1);
    const policy = async () => (await r.client(1).getRoutes({ routing_group: 'Group 1', cld: '4420712345678' })).routing_group.policy;
    expect(await policy()).to.equal('lcr');

    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await pingOver(agent, r.socketOf(1))).to.deep.include({ status: 200, environment: 1 });
      const inode = statSync(r.socketOf(1)).ino;

      r.write(econfigWith({ 1: `-d "${other.dsn}"` }));
      const result = await r.supervisor.reload('file change');
      expect(result.result, result.messages.join('\n')).to.equal('ok');
      expect(result.changes).to.deep.equal([`environment 1: update in place on unix:${r.socketOf(1)}`]);
      expect(statSync(r.socketOf(1)).ino, 'the same socket file').to.equal(inode);
      expect(await pingOver(agent, r.socketOf(1))).to.deep.equal({ status: 200, reused: true, environment: 1 });
      expect(await policy()).to.equal('order');
      expect(r.registry.size, 'environment 2 still holds the first pool').to.equal(2);

      // Back to the shared DSN: the second pool closes once its last user lets go.
      r.write(PLAIN_ECONFIG);
      expect((await r.supervisor.reload('file change')).result).to.equal('ok');
      expect(await policy()).to.equal('lcr');
      await untilTrue(() => r.registry.size === 1, 'the unused pool is closed after the drain bound');
      expect(await pingOver(agent, r.socketOf(1))).to.deep.equal({ status: 200, reused: true, environment: 1 });
    } finally {
      agent.destroy();
    }
  });

  it('a socket that cannot be bound fails that environment alone; a later reload starts it', async () => {
    const r = (rig = supervisorRig({ dsn: database().dsn, environments: [1, 2, 3], econfig: PLAIN_ECONFIG }));
    const missing = join(r.dir.path, 'missing');
    const path3 = join(missing, 'e3.sock');
    r.write(econfigWith({ 3: `-s unix:${path3}` }));

    const first = await r.supervisor.reload('start');
    expect(first.result).to.equal('error');
    expect(first.changes).to.deep.equal([`environment 1: start on unix:${r.socketOf(1)}`, `environment 2: start on unix:${r.socketOf(2)}`]);
    expect(first.messages).to.have.length(1);
    expect(first.messages[0]).to.match(/^environment 3: start on unix:\S+e3\.sock: /).and.to.include('the directory does not exist');
    expect(r.supervisor.status().listeners.map((l) => l.i_environment)).to.deep.equal([1, 2]);
    expect((await r.client(1).ping()).i_environment).to.equal(1);
    expect((await r.client(2).ping()).i_environment).to.equal(2);

    // Same file, still unbindable: the failed step is tried again, not skipped as "unchanged".
    const again = await r.supervisor.reload('SIGHUP');
    expect(again).to.not.equal(first);
    expect(again.result).to.equal('error');
    expect(again.changes).to.deep.equal([]);

    mkdirSync(missing);
    const fixed = await r.supervisor.reload('SIGHUP');
    expect(fixed.result, fixed.messages.join('\n')).to.equal('ok');
    expect(fixed.changes).to.deep.equal([`environment 3: start on unix:${path3}`]);
    expect((await clientAt(path3).ping()).i_environment).to.equal(3);
    expect(await r.supervisor.reload('SIGHUP')).to.deep.include({ result: 'ok', unchanged: true, hash: fixed.hash });
    expect(r.supervisor.status().last_reload).to.equal(fixed);
  });

  it('a move to a socket that cannot be bound leaves the old listener serving, and is retried', async () => {
    const r = (rig = supervisorRig({ dsn: database().dsn, environments: [1, 2], econfig: PLAIN_ECONFIG }));
    expect((await r.supervisor.reload('start')).result).to.equal('ok');
    const missing = join(r.dir.path, 'missing');
    const moved = join(missing, 'e2.sock');
    r.write(econfigWith({ 2: `-s unix:${moved}` }));

    const failed = await r.supervisor.reload('file change');
    expect(failed.result).to.equal('error');
    expect(failed.messages).to.have.length(1);
    expect(failed.messages[0]).to.match(/^environment 2: move from /);
    expect(r.supervisor.status().listeners.map((l) => l.socket)).to.deep.equal([`unix:${r.socketOf(1)}`, `unix:${r.socketOf(2)}`]);
    expect((await r.client(2).ping()).i_environment).to.equal(2);

    mkdirSync(missing);
    const done = await r.supervisor.reload('file change');
    expect(done.result, done.messages.join('\n')).to.equal('ok');
    expect(done.changes).to.deep.equal([`environment 2: move from unix:${r.socketOf(2)} to unix:${moved}`]);
    // The old listener drains in the background: its socket file goes when the drain ends.
    await waitClosed({ path: r.socketOf(2) }, 2000);
    expect((await clientAt(moved).ping()).i_environment).to.equal(2);
  });
});

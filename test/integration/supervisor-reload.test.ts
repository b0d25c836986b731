import { expect } from 'chai';
import { existsSync, rmSync, statSync } from 'node:fs';
import { loadDemo } from '../../src/db/demo.js';
import { useFreshDatabase } from '../harness/database.js';
import { PLAIN_ECONFIG, supervisorRig, type SupervisorRig } from '../harness/supervisor.js';
import { waitClosed } from '../harness/supervisor-process.js';
import { untilTrue } from '../harness/rpc.js';

// The Supervisor in-process: real econfig file, real listeners on UNIX
// sockets, the demo database. Reloads are called directly (the watcher and
// signals are supervise-command's wiring, tested end to end elsewhere).

const MODE_ECONFIG = `${PLAIN_ECONFIG}case %%I_ENVIRONMENT%% in\n2) command_args="\${command_args} --socket-mode 0600" ;;\nesac\n`;
const INVALID_ECONFIG = `${PLAIN_ECONFIG}case %%I_ENVIRONMENT%% in\n2) command_args="\${command_args} --no-such-option" ;;\nesac\n`;

describe('supervisor: reloads in-process', function () {
  this.timeout(30_000);
  const database = useFreshDatabase();
  let rig: SupervisorRig;

  before(async function () {
    this.timeout(60_000);
    await loadDemo(database().db, '/nonexistent-rundir');
  });

  beforeEach(() => {
    rig = supervisorRig({ dsn: database().dsn, environments: [1, 2], econfig: PLAIN_ECONFIG });
  });

  afterEach(async () => {
    await rig.dispose();
  });

  async function expectServing(...environments: number[]): Promise<void> {
    for (const environment of environments) {
      expect((await rig.client(environment).ping()).i_environment, `environment ${environment} answers`).to.equal(environment);
    }
  }

  it('the first reload starts one listener per environment, each answering ping', async () => {
    const result = await rig.supervisor.reload('start');
    expect(result.result, result.messages.join('\n')).to.equal('ok');
    expect(result.trigger).to.equal('start');
    expect(result.hash).to.match(/^[0-9a-f]{64}$/);
    expect(result.environments).to.deep.equal([1, 2]);
    expect(result.messages).to.deep.equal([]);
    expect(result.changes).to.deep.equal([
      `environment 1: start on unix:${rig.socketOf(1)}`,
      `environment 2: start on unix:${rig.socketOf(2)}`,
    ]);
    await expectServing(1, 2);
    const routes = await rig.client(1).getRoutes({ routing_group: 'Group 1', cld: '4420712345678' });
    expect(routes.routes.length).to.be.at.least(1);
  });

  it('the same content again changes nothing and says so in a result of its own ("unchanged"); status keeps the reload that applied', async () => {
    const first = await rig.supervisor.reload('start');
    expect(first.unchanged).to.equal(false);
    const since = rig.supervisor.status().listeners.map((l) => l.since);
    rig.write(PLAIN_ECONFIG);
    const again = await rig.supervisor.reload('file change');
    expect(again).to.not.equal(first);
    expect(again).to.deep.include({ result: 'ok', trigger: 'file change', hash: first.hash, environments: [1, 2], messages: [], changes: [], unchanged: true });
    expect(rig.supervisor.status().last_reload).to.equal(first);
    expect(rig.supervisor.status().listeners.map((l) => l.since)).to.deep.equal(since);
  });

  it('an edit of one environment updates it in place; the other is untouched', async () => {
    await rig.supervisor.reload('start');
    const inode = statSync(rig.socketOf(2)).ino;
    const since = rig.supervisor.status().listeners.map((l) => l.since);
    rig.write(MODE_ECONFIG);
    const result = await rig.supervisor.reload('file change');
    expect(result.result, result.messages.join('\n')).to.equal('ok');
    expect(result.changes).to.deep.equal([`environment 2: update in place on unix:${rig.socketOf(2)}`]);
    expect(statSync(rig.socketOf(2)).ino).to.equal(inode);
    const status = rig.supervisor.status();
    expect(status.listeners.map((l) => l.since)).to.deep.equal(since);
    expect(statSync(rig.socketOf(1)).mode & 0o777).to.equal(0o660);
    expect(statSync(rig.socketOf(2)).mode & 0o777).to.equal(0o600);
    await expectServing(1, 2);
  });

  it('an invalid file is an error with file:line:column messages, and changes nothing', async () => {
    const applied = await rig.supervisor.reload('start');
    const before = rig.supervisor.status().listeners;
    rig.write(INVALID_ECONFIG);
    const result = await rig.supervisor.reload('file change');
    expect(result.result).to.equal('error');
    expect(result.changes).to.deep.equal([]);
    expect(result.hash).to.match(/^[0-9a-f]{64}$/).and.to.not.equal(applied.hash);
    expect(result.messages.length).to.be.at.least(1);
    for (const message of result.messages) expect(message).to.match(new RegExp(`^${rig.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: `));
    expect(rig.supervisor.status().listeners).to.deep.equal(before);
    expect(rig.supervisor.status().last_reload).to.equal(result);
    await expectServing(1, 2);
  });

  it('the same invalid file again is not re-validated: the same result comes back; a deletion in between is reported', async () => {
    await rig.supervisor.reload('start');
    rig.write(INVALID_ECONFIG);
    const first = await rig.supervisor.reload('file change');
    expect(await rig.supervisor.reload('SIGHUP')).to.equal(first);
    rmSync(rig.file);
    const deleted = await rig.supervisor.reload('file change');
    expect(deleted.hash).to.equal(undefined);
    rig.write(INVALID_ECONFIG);
    const again = await rig.supervisor.reload('file change');
    expect(again).to.not.equal(deleted);
    expect(again.result).to.equal('error');
    expect(again.messages).to.deep.equal(first.messages);
  });

  it('a deleted file is an error naming it, and changes nothing', async () => {
    await rig.supervisor.reload('start');
    const before = rig.supervisor.status().listeners;
    rmSync(rig.file);
    const result = await rig.supervisor.reload('file change');
    expect(result.result).to.equal('error');
    expect(result.hash).to.equal(undefined);
    expect(result.messages).to.have.length(1);
    expect(result.messages[0]).to.include(rig.file).and.to.include('ENOENT');
    expect(rig.supervisor.status().listeners).to.deep.equal(before);
    await expectServing(1, 2);
  });

  it('restoring the applied file after a failed reload reports ok again, with no change', async () => {
    await rig.supervisor.reload('start');
    rmSync(rig.file);
    expect((await rig.supervisor.reload('file change')).result).to.equal('error');
    rig.write(PLAIN_ECONFIG);
    const restored = await rig.supervisor.reload('file change');
    expect(restored.result, restored.messages.join('\n')).to.equal('ok');
    expect(restored.trigger).to.equal('file change');
    expect(restored.messages).to.deep.equal([]);
    expect(restored.changes).to.deep.equal([]);
    expect(rig.supervisor.status().last_reload).to.equal(restored);

    rig.write(INVALID_ECONFIG);
    expect((await rig.supervisor.reload('file change')).result).to.equal('error');
    rig.write(PLAIN_ECONFIG);
    expect((await rig.supervisor.reload('control socket')).result).to.equal('ok');
  });

  it('a change of the environment list alone, with the same file, is applied', async () => {
    await rig.supervisor.reload('start');
    rig.environments.current = [1];
    const shrunk = await rig.supervisor.reload('environment poll');
    expect(shrunk.result, shrunk.messages.join('\n')).to.equal('ok');
    expect(shrunk.environments).to.deep.equal([1]);
    expect(shrunk.changes).to.deep.equal([`environment 2: stop on unix:${rig.socketOf(2)}`]);
    // The stopped listener drains in the background: its socket file goes when the drain ends.
    await waitClosed({ path: rig.socketOf(2) }, 2000);
    rig.environments.current = [1, 2];
    const grown = await rig.supervisor.reload('environment poll');
    expect(grown.changes).to.deep.equal([`environment 2: start on unix:${rig.socketOf(2)}`]);
    await expectServing(1, 2);
    expect(rig.supervisor.status().environments).to.deep.equal([1, 2]);
  });

  it('reloads asked for while one runs are coalesced into one more', async () => {
    await rig.supervisor.reload('start');
    const before = rig.environments.calls;
    rig.environments.hold();
    const running = rig.supervisor.reload('SIGHUP');
    // A bound of its own was 1 s, short on a busy machine: the harness's until.
    await untilTrue(() => rig.environments.calls !== before, 'the first reload running');
    expect(rig.environments.calls, 'the first reload is running').to.equal(before + 1);
    rig.write(MODE_ECONFIG);
    const second = rig.supervisor.reload('file change');
    const third = rig.supervisor.reload('control socket');
    const fourth = rig.supervisor.reload('file change');
    expect(third).to.equal(second);
    expect(fourth).to.equal(second);
    rig.environments.release();
    const [first, next] = await Promise.all([running, second, third, fourth]);
    expect(rig.environments.calls - before, 'reloads that ran').to.equal(2);
    // Each reads the file when it starts (the first one after the held
    // environment list): the edit is applied once, and the other one finds
    // nothing left to do.
    expect([...first!.changes, ...next!.changes]).to.deep.equal([`environment 2: update in place on unix:${rig.socketOf(2)}`]);
    expect(next!.unchanged).to.equal(true);
    expect(first!.result).to.equal('ok');
  });

  it('status() lists the listeners and the last reload', async () => {
    const empty = rig.supervisor.status();
    expect(empty).to.deep.equal({ pid: process.pid, file: rig.file, environments: [], listeners: [], snapshots: [], last_reload: undefined });
    const result = await rig.supervisor.reload('start');
    await rig.client(2).ping();
    const status = rig.supervisor.status();
    expect(Object.keys(status).sort()).to.deep.equal(['environments', 'file', 'last_reload', 'listeners', 'pid', 'snapshots']);
    expect(status.environments).to.deep.equal([1, 2]);
    expect(status.last_reload).to.equal(result);
    expect(status.listeners.map((l) => Object.keys(l).sort())).to.deep.equal(Array(2).fill(['allow', 'data', 'database', 'errors', 'i_environment', 'in_flight', 'requests', 'since', 'socket']));
    expect(status.listeners.map((l) => [l.i_environment, l.socket])).to.deep.equal([[1, `unix:${rig.socketOf(1)}`], [2, `unix:${rig.socketOf(2)}`]]);
    expect(status.listeners[1]!.requests).to.equal(1);
    expect(status.listeners[0]!.errors).to.equal(0);
    for (const l of status.listeners) expect(new Date(l.since).toISOString()).to.equal(l.since);
    // What the control socket sends must survive JSON.
    expect(JSON.parse(JSON.stringify(status))).to.deep.equal({ ...status, last_reload: { ...result } });
  });

  it('stop() closes every listener and removes its socket; it is idempotent; later reloads change nothing', async () => {
    await rig.supervisor.reload('start');
    await rig.supervisor.stop();
    expect(existsSync(rig.socketOf(1))).to.equal(false);
    expect(existsSync(rig.socketOf(2))).to.equal(false);
    expect(rig.supervisor.status().listeners).to.deep.equal([]);
    await rig.supervisor.stop();
    const late = await rig.supervisor.reload('SIGHUP');
    expect(late.result).to.equal('error');
    expect(existsSync(rig.socketOf(1))).to.equal(false);
  });
});

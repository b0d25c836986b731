// Starting and asking the supervisor (operations.md): an invalid econfig at
// start is exit 2 with every error located and nothing left behind; a second
// supervisor on the same pidfile is exit 1 and disturbs nothing; a stale
// pidfile is taken over; `status` and `reload` answer (exit 1 when nobody
// does); SIGHUP re-reads the environments table; default sockets live in
// the rundir.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useFreshDatabase } from '../harness/database.js';
import { RoutingFixture } from '../harness/routing-fixture.js';
import { DaemonProcess } from '../harness/daemon.js';
import { runCliProcess, Supervisor, type SupervisorStatus } from '../harness/supervisor-process.js';
import { untilTrue } from '../harness/rpc.js';

const VALID = 'command_args="/opt/sippy_routed/sippy_routed.${extension} -e %%I_ENVIRONMENT%%"\n';
const INVALID = [
  '# two errors in two environments: both must be reported',
  'command_args="/opt/sippy_routed/sippy_routed.${extension} -e %%I_ENVIRONMENT%%"',
  'case %%I_ENVIRONMENT%% in',
  '2) command_args="${command_args} -x" ;;',
  '1) enable="${enabled}" ;;',
  'esac',
  '',
].join('\n');

describe('supervisor: start, pidfile, status and reload commands', function () {
  this.timeout(60_000);
  const database = useFreshDatabase();
  let dir: string;
  let count = 0;
  const started: Supervisor[] = [];

  /** A new directory under the suite's own: rundir and econfig of one case. */
  const caseDir = (): string => {
    const path = join(dir, `case${++count}`);
    mkdirSync(path);
    return path;
  };

  const startSupervisor = (run: string, options: { environments?: number[]; pidfile?: string } = {}): Supervisor => {
    const supervisor = new Supervisor({
      econfig: join(run, 'econfig'), rundir: run, pidfile: options.pidfile ?? join(run, 'sippy_routed.pid'), dsn: database().dsn,
      ...(options.environments === undefined ? {} : { environments: options.environments }),
    });
    started.push(supervisor);
    return supervisor;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sr-start-'));
    await new RoutingFixture(database().db, 1).environmentRow();
  });

  after(async () => {
    await Promise.all(started.map((s) => s.kill()));
    await DaemonProcess.killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 2 on an invalid econfig, every error with file:line:column on stderr, leaving no pidfile or socket', async () => {
    const run = caseDir();
    writeFileSync(join(run, 'econfig'), INVALID);
    const supervisor = startSupervisor(run, { environments: [1, 2] });
    const exit = await supervisor.exited;
    expect(exit.code, supervisor.stderr).to.equal(2);
    expect(supervisor.stderr).to.match(/econfig:4:\d+: environment 2: .*unknown option -x/);
    expect(supervisor.stderr).to.match(/econfig:5:\d+: environment 1: .*enabled/);
    expect(readdirSync(run)).to.deep.equal(['econfig']);
    // It never started: no stop line before or after the real error.
    expect(supervisor.stderr).not.to.contain('supervisor stopped');
  });

  it('exits 2 when the econfig file does not exist', async () => {
    const run = caseDir();
    const supervisor = startSupervisor(run, { environments: [1] });
    expect((await supervisor.exited).code, supervisor.stderr).to.equal(2);
    expect(supervisor.stderr).to.contain(join(run, 'econfig'));
    expect(readdirSync(run)).to.deep.equal([]);
    expect(supervisor.stderr).not.to.contain('supervisor stopped');
  });

  it('exits 1 when the database that lists the environments is unreachable, saying so in one line and nothing else', async () => {
    const run = caseDir();
    writeFileSync(join(run, 'econfig'), VALID);
    const supervisor = new Supervisor({
      econfig: join(run, 'econfig'), rundir: run, pidfile: join(run, 'sippy_routed.pid'),
      dsn: `mysql://root@localhost/nosuchdb?socket=${join(run, 'no-server.sock')}`,
    });
    started.push(supervisor);
    expect((await supervisor.exited).code, supervisor.stderr).to.equal(1);
    expect(supervisor.stderr.trim().split('\n'), supervisor.stderr).to.have.length(1);
    expect(supervisor.stderr).to.match(/unreachable/);
    expect(supervisor.stderr).not.to.contain('supervisor stopped');
  });

  it('a second supervisor on the same pidfile exits 1 and leaves the first one serving', async () => {
    const first = caseDir();
    const second = caseDir();
    const pidfile = join(first, 'sippy_routed.pid');
    writeFileSync(join(first, 'econfig'), VALID);
    writeFileSync(join(second, 'econfig'), VALID);
    const running = startSupervisor(first, { environments: [1] });
    await running.waitServing();
    expect(readFileSync(pidfile, 'utf8').trim()).to.equal(String(running.pid));

    // Its own rundir and control socket: only the pidfile is shared.
    const intruder = startSupervisor(second, { environments: [1], pidfile });
    expect((await intruder.exited).code, intruder.stderr).to.equal(1);
    expect(intruder.stderr).to.contain(`pid ${running.pid}`);
    expect(intruder.stderr).not.to.contain('supervisor stopped');
    expect(readdirSync(second)).to.deep.equal(['econfig']);

    expect(running.alive).to.equal(true);
    expect(readFileSync(pidfile, 'utf8').trim()).to.equal(String(running.pid));
    const status = await runCliProcess(['status', '--control', running.control, '--json']);
    expect(status.code, status.stderr).to.equal(0);
    const parsed = JSON.parse(status.stdout) as SupervisorStatus;
    expect(parsed).to.have.all.keys('pid', 'file', 'environments', 'listeners', 'snapshots', 'last_reload');
    expect(parsed.last_reload).to.include.all.keys('result', 'time', 'trigger', 'hash', 'environments', 'messages', 'changes');
    expect(parsed.listeners[0]).to.have.all.keys('i_environment', 'socket', 'allow', 'since', 'requests', 'errors', 'in_flight', 'data', 'database');
    expect(parsed).to.include({ pid: running.pid, file: join(first, 'econfig') });
    expect(parsed.listeners.map((l) => l.socket)).to.deep.equal([`unix:${join(first, 'sippy_routed.1.sock')}`]);
  });

  it('takes over a stale pidfile; control socket mode 0600; status and reload exit 1 once it is gone', async () => {
    const run = caseDir();
    const pidfile = join(run, 'sippy_routed.pid');
    // The pid of a process that has exited.
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(pidfile, `${dead}\n`);
    writeFileSync(join(run, 'econfig'), VALID);
    const supervisor = startSupervisor(run, { environments: [1, 2] });
    const first = await supervisor.waitServing();
    expect(first.environments).to.deep.equal([1, 2]);
    expect(first.last_reload).to.include({ result: 'ok' });
    expect(readFileSync(pidfile, 'utf8').trim()).to.equal(String(supervisor.pid));
    expect(statSync(supervisor.control).mode & 0o777).to.equal(0o600);

    const table = await runCliProcess(['status', '--control', supervisor.control]);
    expect(table.code, table.stderr).to.equal(0);
    expect(table.stdout).to.contain(`unix:${join(run, 'sippy_routed.2.sock')}`);
    const reload = await runCliProcess(['reload', '--control', supervisor.control]);
    expect(reload.code, reload.stderr).to.equal(0);
    expect(reload.stdout).to.match(/^reload: unchanged at \S+: file sha256 [0-9a-f]{64} and environments 1,2 are those already applied\n$/);
    // SIGHUP with nothing changed is logged too, as "unchanged".
    supervisor.signal('SIGHUP');
    await untilTrue(() => supervisor.stderr.split('"reload unchanged"').length >= 3, () => `a second "reload unchanged" line: ${supervisor.stderr}`);
    expect(supervisor.stderr).to.match(/"msg":"reload unchanged".*"trigger":"SIGHUP"/);

    supervisor.signal('SIGINT');
    expect((await supervisor.exited).code, supervisor.stderr).to.equal(0);
    expect(existsSync(pidfile)).to.equal(false);
    for (const command of ['status', 'reload']) {
      const gone = await runCliProcess([command, '--control', supervisor.control]);
      expect(gone.code, `${command} with no supervisor`).to.equal(1);
      expect(gone.stderr).to.contain(supervisor.control);
    }
  });

  it('SIGHUP re-reads the environments table: a new environment starts on its default socket, a removed one stops', async () => {
    const run = caseDir();
    writeFileSync(join(run, 'econfig'), VALID);
    const supervisor = startSupervisor(run);
    const first = await supervisor.waitServing();
    expect(first.environments).to.deep.equal([1]);
    await new RoutingFixture(database().db, 7).environmentRow();
    supervisor.signal('SIGHUP');
    // `environments` shows the new list while its reload runs: wait for the reload's result.
    const status = await supervisor.waitStatus((s) => s.last_reload.trigger === 'SIGHUP' && s.environments.includes(7), 3000, 'environment 7 after SIGHUP');
    expect(status.last_reload).to.include({ result: 'ok', trigger: 'SIGHUP' });
    expect(status.last_reload.changes).to.deep.equal([`environment 7: start on unix:${join(run, 'sippy_routed.7.sock')}`]);
    expect(status.listeners.map((l) => l.i_environment)).to.deep.equal([1, 7]);

    await database().db.modify('DELETE FROM environments WHERE i_environment = 7');
    supervisor.signal('SIGHUP');
    const after = await supervisor.waitStatus((s) => s.last_reload.time !== status.last_reload.time && !s.environments.includes(7), 3000, 'environment 7 gone after SIGHUP');
    expect(after.last_reload.changes).to.deep.equal([`environment 7: stop on unix:${join(run, 'sippy_routed.7.sock')}`]);
    expect(after.listeners.map((l) => l.i_environment)).to.deep.equal([1]);
    expect(existsSync(join(run, 'sippy_routed.7.sock'))).to.equal(false);
  });
});

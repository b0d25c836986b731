import { expect } from 'chai';
import { join } from 'node:path';
import { SippyError } from '../../src/errors.js';
import { DEFAULT_UPSTREAM_TIMEOUT_MS } from '../../src/limits.js';
import { ControlServer } from '../../src/supervisor/control.js';
import type { ReloadResult, SupervisorStatus } from '../../src/supervisor/supervisor.js';
import { runCli } from '../harness/cli.js';
import { makeTempDir, type TempDir } from '../harness/rpc.js';

// `sippy_routed status` and `sippy_routed reload`, in-process, against a
// real ControlServer serving canned answers.

const HASH = 'a'.repeat(64);

const OK_RELOAD: ReloadResult = {
  result: 'ok', time: '2026-11-26T10:00:00.000Z', trigger: 'start', hash: HASH, environments: [1, 2],
  messages: [], changes: ['environment 1: start on unix:/run/s1.sock', 'environment 2: start on unix:/run/s2.sock'], unchanged: false,
};

const FAILED_RELOAD: ReloadResult = {
  result: 'error', time: '2026-11-26T10:05:00.000Z', trigger: 'control socket', hash: HASH, environments: [1, 2],
  messages: ['/etc/econfig:3:14: environment 2: -x: unknown option', '/etc/econfig:4:1: environment 2: something else'], changes: [], unchanged: false,
};

const STATUS: SupervisorStatus = {
  pid: 4242,
  file: '/etc/econfig',
  environments: [1, 2, 3],
  listeners: [
    { i_environment: 1, socket: 'unix:/run/s1.sock', allow: [], since: '2026-11-26T10:00:00.000Z', requests: 17, errors: 2, in_flight: 0, data: null,
      database: { dsn: 'mysql://sippy:***@db1/routing', answers: true, schema_version: 2, triggers: null, problem: null, checked_at: '2026-11-26T10:00:02.000Z' } },
    { i_environment: 3, socket: 'http://127.0.0.1:8088/', allow: ['127.0.0.1/32', '::1/128'], since: '2026-11-26T10:00:01.000Z', requests: 0, errors: 0, in_flight: 0, data: null,
      database: { dsn: 'mysql://u@db2/nosuchdb', answers: false, schema_version: null, triggers: null, problem: 'cannot be used: database "nosuchdb" does not exist at db2:3306', checked_at: '2026-11-26T10:00:02.000Z' } },
  ],
  snapshots: [],
  last_reload: OK_RELOAD,
};

const SNAPSHOT = {
  dsn: 'mysql://sippy:***@db1/routing', poll_ms: 250, reconcile_s: 300, listeners: 2, source: 'snapshot', generation: 41, rows: 1001801,
  last_sync: '2026-11-30T05:01:12.250Z', age_ms: 1800, triggers: false, last_error: null, full_load_ms: 5698, bad_rows: 0,
};

describe('status and reload commands against a control socket', function () {
  this.timeout(20_000);
  let dir: TempDir;
  let path: string;
  let control: ControlServer | undefined;
  let status: unknown;
  let reload: () => Promise<unknown>;
  let snapshots: unknown[];

  beforeEach(async () => {
    dir = makeTempDir('sr-ctlcli-');
    path = join(dir.path, 'ctl.sock');
    status = STATUS;
    reload = async () => OK_RELOAD;
    snapshots = [SNAPSHOT];
    control = new ControlServer(path, { status: async () => status, reload: () => reload(), reloadData: async () => snapshots });
    await control.start();
  });

  afterEach(async () => {
    await control?.stop();
    control = undefined;
    dir.remove();
  });

  it('status prints the supervisor, a table of its listeners and the last reload', async () => {
    const out = await runCli(['status', '--control', path]);
    expect(out.code, out.stderr).to.equal(0);
    expect(out.stderr).to.equal('');
    const lines = out.stdout.split('\n');
    expect(lines[0]).to.equal('supervisor pid 4242, /etc/econfig, environments 1,2,3');
    expect(lines[1]).to.match(/^env\s+socket\s+allow\s+since\s+requests\s+errors\s+source\s+database\s+schema\s+data age$/);
    expect(lines[2]).to.match(/^-+(\s+-+){9}$/);
    expect(lines[3]!.split(/\s{2,}/)).to.deep.equal(['1', 'unix:/run/s1.sock', '-', '2026-11-26T10:00:00.000Z', '17', '2', 'sql', 'answers', '2', '-']);
    expect(lines[4]!.split(/\s{2,}/)).to.deep.equal(['3', 'http://127.0.0.1:8088/', '127.0.0.1/32,::1/128', '2026-11-26T10:00:01.000Z', '0', '0', 'sql', 'NO ANSWER', '-', '-']);
    // Each database problem on its own line, with its environments.
    expect(lines[5]).to.equal('  environment 3: database mysql://u@db2/nosuchdb: cannot be used: database "nosuchdb" does not exist at db2:3306');
    expect(lines[6]).to.equal(`last reload: ok at 2026-11-26T10:00:00.000Z (start), file sha256 ${HASH}`);
    expect(lines.slice(7)).to.deep.equal(['  environment 1: start on unix:/run/s1.sock', '  environment 2: start on unix:/run/s2.sock', '']);
    // Columns line up: every row's socket starts where the header's does.
    const column = lines[1]!.indexOf('socket');
    expect(lines[3]!.indexOf('unix:')).to.equal(column);
    expect(lines[4]!.indexOf('http:')).to.equal(column);
  });

  it('status shows each routing snapshot: source, generation, table rows, last sync, age, triggers (MISSING), last error', async () => {
    status = { ...STATUS, listeners: [{ ...STATUS.listeners[0]!, data: SNAPSHOT }], snapshots: [SNAPSHOT, { ...SNAPSHOT, dsn: 'mysql://u@db2/r', source: 'sql', generation: 0, rows: 0, last_sync: null, age_ms: null, triggers: null, last_error: 'database server unreachable' }] };
    const out = await runCli(['status', '--control', path]);
    expect(out.code, out.stderr).to.equal(0);
    const lines = out.stdout.split('\n');
    // The listener's data age comes from its snapshot.
    expect(lines[3]!.split(/\s{2,}/).slice(6)).to.deep.equal(['snapshot', 'answers', '2', '1.8 s']);
    const at = lines.indexOf('routing data:');
    expect(lines[at + 1]).to.match(/^database\s+source\s+generation\s+table rows\s+last sync\s+age\s+triggers\s+last error$/);
    expect(lines[at + 3]!.split(/\s{2,}/)).to.deep.equal(['mysql://sippy:***@db1/routing', 'snapshot', '41', '1001801', '2026-11-30T05:01:12.250Z', '1.8 s', 'MISSING', '-']);
    expect(lines[at + 4]!.split(/\s{2,}/)).to.deep.equal(['mysql://u@db2/r', 'sql', '0', '0', 'never', '-', '?', 'database server unreachable']);
  });

  it('reload --data prints every snapshot after its full reload: exit 0, or 1 when one could not reload', async () => {
    const ok = await runCli(['reload', '--data', '--control', path]);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.match(/^routing data:\n/).and.to.include('mysql://sippy:***@db1/routing');
    snapshots = [{ ...SNAPSHOT, last_error: 'database server unreachable' }];
    const failed = await runCli(['reload', '--data', '--json', '--control', path]);
    expect(failed.code).to.equal(1);
    expect(JSON.parse(failed.stdout)).to.deep.equal(snapshots);
    const usage = await runCli(['status', '--data', '--control', path]);
    expect(usage.code).to.equal(2);
  });

  it('status --json prints the status as the supervisor sent it', async () => {
    const out = await runCli(['status', '--control', path, '--json']);
    expect(out.code, out.stderr).to.equal(0);
    expect(JSON.parse(out.stdout)).to.deep.equal(STATUS);
  });

  it('status of a supervisor with no listeners and no reload yet says so', async () => {
    status = { pid: 7, file: '/etc/econfig', environments: [], listeners: [] };
    const out = await runCli(['status', '--control', path]);
    expect(out.code, out.stderr).to.equal(0);
    expect(out.stdout).to.equal('supervisor pid 7, /etc/econfig, environments none\nno listeners running\nlast reload: none yet\n');
  });

  it('status shows a failed last reload with its messages, and exits 3 (not 0: the file did not apply; not 1: the supervisor answered)', async () => {
    status = { ...STATUS, last_reload: FAILED_RELOAD };
    const out = await runCli(['status', '--control', path]);
    expect(out.code).to.equal(3);
    expect(out.stdout).to.include(`last reload: error at 2026-11-26T10:05:00.000Z (control socket), file sha256 ${HASH}\n`);
    for (const message of FAILED_RELOAD.messages) expect(out.stdout).to.include(`  ${message}\n`);
    const json = await runCli(['status', '--control', path, '--json']);
    expect(json.code).to.equal(3);
    expect(JSON.parse(json.stdout)).to.deep.equal(status);
  });

  it('reload that applied prints the result and its changes, exit 0', async () => {
    const out = await runCli(['reload', '--control', path]);
    expect(out.code, out.stderr).to.equal(0);
    expect(out.stdout).to.equal(
      `reload: ok at 2026-11-26T10:00:00.000Z (start), file sha256 ${HASH}\n  environment 1: start on unix:/run/s1.sock\n  environment 2: start on unix:/run/s2.sock\n`,
    );
  });

  it('reload with nothing changed says "unchanged", not the previous result as if new; exit 0', async () => {
    reload = async () => ({ ...OK_RELOAD, time: '2026-11-26T11:00:00.000Z', trigger: 'control socket', changes: [], unchanged: true });
    const out = await runCli(['reload', '--control', path]);
    expect(out.code, out.stderr).to.equal(0);
    expect(out.stdout).to.equal(`reload: unchanged at 2026-11-26T11:00:00.000Z: file sha256 ${HASH} and environments 1,2 are those already applied\n`);
  });

  it('reload that did not apply prints its messages, exit 1', async () => {
    reload = async () => FAILED_RELOAD;
    const out = await runCli(['reload', '--control', path]);
    expect(out.code).to.equal(1);
    expect(out.stdout).to.match(/^reload: error at /);
    for (const message of FAILED_RELOAD.messages) expect(out.stdout).to.include(`  ${message}\n`);
  });

  it('reload --json prints the result; its exit status still says whether it applied', async () => {
    reload = async () => FAILED_RELOAD;
    const failed = await runCli(['reload', '--control', path, '--json']);
    expect(failed.code).to.equal(1);
    expect(JSON.parse(failed.stdout)).to.deep.equal(FAILED_RELOAD);
    reload = async () => OK_RELOAD;
    snapshots = [SNAPSHOT];
    const ok = await runCli(['reload', '--control', path, '--json']);
    expect(ok.code).to.equal(0);
    expect(JSON.parse(ok.stdout)).to.deep.equal(OK_RELOAD);
  });

  it('a reload whose answer takes a while (listeners draining) is waited for', async () => {
    // Slower than a plain call's default deadline: the reload must not be cut off at it.
    reload = () => new Promise((resolve) => setTimeout(() => resolve(OK_RELOAD), DEFAULT_UPSTREAM_TIMEOUT_MS + 500));
    const out = await runCli(['reload', '--control', path]);
    expect(out.code, out.stderr).to.equal(0);
  });

  it('a supervisor that answers an error: exit 1 with its message', async () => {
    reload = async () => {
      throw new SippyError('SUPERVISOR_START_FAILED', 'supervisor is stopping');
    };
    const out = await runCli(['reload', '--control', path]);
    expect(out.code).to.equal(1);
    expect(out.stdout).to.equal('');
    expect(out.stderr).to.include('the supervisor answered an error').and.to.include('supervisor is stopping');
  });

  for (const command of ['status', 'reload']) {
    it(`${command} with no supervisor on the socket: exit 1, SUPERVISOR_UNREACHABLE's message naming the socket`, async () => {
      await control!.stop();
      const out = await runCli([command, '--control', path]);
      expect(out.code).to.equal(1);
      expect(out.stdout).to.equal('');
      expect(out.stderr).to.match(new RegExp(`^sippy_routed: ${command}: no supervisor answers on ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(`));
      expect(out.stderr.trim().split('\n')).to.have.length(1);
    });
  }

  it('a control path in a directory that does not exist is the same: exit 1', async () => {
    const out = await runCli(['status', '--control', join(dir.path, 'nowhere', 'ctl.sock')]);
    expect(out.code).to.equal(1);
    expect(out.stderr).to.include('no supervisor answers on');
  });

  it('--help prints the usage of both, exit 0; an unknown option is a usage error, exit 2', async () => {
    for (const command of ['status', 'reload']) {
      const help = await runCli([command, '--help']);
      expect(help.code).to.equal(0);
      expect(help.stdout).to.include('sippy_routed status').and.to.include('sippy_routed reload');
      const bad = await runCli([command, '--bogus']);
      expect(bad.code, bad.stderr).to.equal(2);
    }
  });
});

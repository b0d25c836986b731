import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useFreshDatabase } from '../harness/database.js';
import { loadDemo } from '../../src/db/demo.js';
import { RoutingClient } from '../../src/client/routing-client.js';
import { alive } from '../harness/processes.js';
import { until, untilTrue } from '../harness/rpc.js';
import { parseDsn } from '../../src/db/dsn.js';
import { DEFAULT_RUNDIR } from '../../src/econfig/index.js';
import { DEFAULT_ECONFIG } from '../../src/cli/check-command.js';
import { DEFAULT_CONTROL, controlSocketIn, pidfileIn } from '../../src/supervisor/run-paths.js';

const REPO = new URL('../../../', import.meta.url).pathname;


// The installed rc.d script under dash: start returns once serving, status,
// reload after an edit, stop waits for the exit, status fails after.
describe('rc.d script (dash) after make install', function () {
  this.timeout(120_000);
  const database = useFreshDatabase();
  let root: string;
  let env: NodeJS.ProcessEnv;
  let script: string;
  let pid: number | undefined;

  const rc = (command: string, overrides: NodeJS.ProcessEnv = {}) => spawnSync('dash', [script, command], { env: { ...env, ...overrides }, encoding: 'utf8', timeout: 60_000 });

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'sippy_routed-rc-'));
    const install = spawnSync('make', ['-s', 'install', `DESTDIR=${join(root, 'dest')}`, 'PREFIX=/usr/local'], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
    expect(install.status, install.stderr + install.stdout).to.equal(0);
    script = join(root, 'dest/usr/local/etc/rc.d/sippy_routed');
    const run = join(root, 'run');
    mkdirSync(run);
    await loadDemo(database().db, run);
    writeFileSync(join(root, 'econfig'), readFileSync(join(root, 'dest/usr/local/etc/sippy_routed/econfig.sample')));
    env = {
      PATH: process.env.PATH,
      sippy_routed_enable: 'YES',
      sippy_routed_program: join(root, 'dest/usr/local/bin/sippy_routed'),
      sippy_routed_econfig: join(root, 'econfig'),
      sippy_routed_db: database().dsn,
      sippy_routed_rundir: run,
      sippy_routed_pidfile: join(run, 'sippy_routed.pid'),
      sippy_routed_logfile: join(root, 'sippy_routed.log'),
    };
  });

  after(() => {
    if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('installs the program, rc.d script, systemd unit and sample econfig under DESTDIR', () => {
    for (const path of ['usr/local/bin/sippy_routed', 'usr/local/etc/rc.d/sippy_routed', 'usr/local/lib/systemd/system/sippy_routed.service', 'usr/local/etc/sippy_routed/econfig.sample']) {
      expect(existsSync(join(root, 'dest', path)), path).to.equal(true);
    }
    expect(readFileSync(script, 'utf8')).not.to.include('@PREFIX@');
    const version = spawnSync(join(root, 'dest/usr/local/bin/sippy_routed'), ['--version'], { encoding: 'utf8' });
    expect(version.stdout.trim()).to.match(/^\d+\.\d+\.\d+$/);
  });

  it('passes sh -n under dash, and shellcheck', function () {
    for (const file of [join(REPO, 'rc.d/sippy_routed'), script]) {
      const syntax = spawnSync('dash', ['-n', file], { encoding: 'utf8' });
      expect(syntax.status, syntax.stderr).to.equal(0);
    }
    if (spawnSync('shellcheck', ['--version']).status !== 0) {
      console.log('      shellcheck is not installed: its check of rc.d/sippy_routed is skipped (make deps installs it as root)');
      this.skip();
    }
    const lint = spawnSync('shellcheck', ['-s', 'sh', join(REPO, 'rc.d/sippy_routed'), script], { encoding: 'utf8' });
    expect(lint.status, lint.stdout + lint.stderr).to.equal(0);
  });

  it("the installed systemd unit uses the program's default paths, so a plain status finds its supervisor; rc.d's defaults are the same", () => {
    const unit = readFileSync(join(root, 'dest/usr/local/lib/systemd/system/sippy_routed.service'), 'utf8');
    const line = (key: string) => unit.split('\n').find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1) ?? '';
    const option = (command: string, name: string) => {
      const words = command.split(/\s+/);
      const at = words.indexOf(name);
      return at < 0 ? undefined : words[at + 1];
    };
    const start = line('ExecStart');
    expect(start).to.match(/^\/usr\/local\/bin\/sippy_routed supervise /);
    expect(option(start, '-f')).to.equal(DEFAULT_ECONFIG);
    expect(option(start, '--rundir')).to.equal(DEFAULT_RUNDIR);
    expect(option(start, '--pidfile')).to.equal(pidfileIn(DEFAULT_RUNDIR));
    expect(option(start, '--control') ?? controlSocketIn(option(start, '--rundir')!)).to.equal(DEFAULT_CONTROL);
    // More supervise options come from the EnvironmentFile's flags variable.
    expect(start).to.match(/ \$SIPPY_ROUTED_FLAGS$/);
    expect(line('EnvironmentFile')).to.equal('-/etc/default/sippy_routed');
    const pre = line('ExecStartPre');
    expect(option(pre, '-f')).to.equal(DEFAULT_ECONFIG);
    expect(option(pre, '--rundir')).to.equal(DEFAULT_RUNDIR);
    // status and reload ask the default control socket.
    expect(spawnSync(join(root, 'dest/usr/local/bin/sippy_routed'), ['status', '--help'], { encoding: 'utf8' }).stdout).to.include(`(default ${DEFAULT_CONTROL})`);
    const rcText = readFileSync(script, 'utf8');
    expect(rcText).to.include(`: "\${sippy_routed_rundir:=${DEFAULT_RUNDIR}}"`);
    expect(rcText).to.include(`: "\${sippy_routed_pidfile:=${pidfileIn(DEFAULT_RUNDIR)}}"`);
    expect(rcText).to.include(`: "\${sippy_routed_econfig:=${DEFAULT_ECONFIG}}"`);
  });

  it('start, database unreachable: "the database is unreachable", not that the file does not validate', () => {
    const start = rc('start', { sippy_routed_db: `mysql://root@localhost/sippy?socket=${join(root, 'no-server.sock')}`, sippy_routed_db_wait: '0' });
    expect(start.status, start.stdout + start.stderr).to.equal(1);
    expect(start.stderr).to.match(/not started: the database is unreachable; check sippy_routed_db and that the database server runs/);
    expect(start.stderr).not.to.match(/does not validate/);
    expect(existsSync(env.sippy_routed_pidfile!)).to.equal(false);
  });

  it('start, no DSN: "no database DSN" and how to give one', () => {
    const start = rc('start', { sippy_routed_db: '' });
    expect(start.status, start.stdout + start.stderr).to.equal(1);
    expect(start.stderr.trim()).to.equal('sippy_routed: not started: no database DSN; set sippy_routed_db="mysql://USER:PASSWORD@HOST/DATABASE" (or give --environments LIST in sippy_routed_flags)');
  });

  it('start, econfig invalid: its errors, then that it does not validate', () => {
    const bad = join(root, 'bad.econfig');
    writeFileSync(bad, 'command_args="/usr/local/bin/sippy_routed -e %%I_ENVIRONMENT%% -x"\n');
    const start = rc('start', { sippy_routed_econfig: bad });
    expect(start.status, start.stdout + start.stderr).to.equal(1);
    expect(start.stderr).to.match(/bad\.econfig:1:\d+: environment 1: /);
    expect(start.stderr).to.include(`not started: ${bad} does not validate (errors above); fix it, then run: ${script} check`);
    expect(start.stderr).not.to.match(/unreachable/);
  });

  it('start, econfig missing: says which file, and where the sample is', () => {
    const start = rc('start', { sippy_routed_econfig: join(root, 'missing.econfig') });
    expect(start.status, start.stdout + start.stderr).to.equal(1);
    expect(start.stderr).to.include(`cannot read the econfig file ${join(root, 'missing.econfig')}; copy /usr/local/etc/sippy_routed/econfig.sample there`);
  });

  it('start returns once serving; status is 0', async () => {
    const start = rc('start');
    expect(start.status, start.stderr + start.stdout).to.equal(0);
    pid = Number(readFileSync(env.sippy_routed_pidfile!, 'utf8'));
    const client = new RoutingClient(`unix:${join(env.sippy_routed_rundir!, 'sippy_routed.1.sock')}`);
    try {
      expect((await client.ping()).i_environment).to.equal(1);
    } finally {
      client.close();
    }
    expect(rc('status').status).to.equal(0);
    expect(rc('start').stdout).to.match(/already running/);
  });

  it('reload applies an edit of the econfig file', async () => {
    const moved = join(env.sippy_routed_rundir!, 'moved.2.sock');
    writeFileSync(env.sippy_routed_econfig!, `${readFileSync(env.sippy_routed_econfig!, 'utf8')}\nif [ %%I_ENVIRONMENT%% = 2 ]; then command_args="\${command_args} -s unix:${moved}"; fi\n`);
    const check = rc('check');
    expect(check.status, check.stdout + check.stderr).to.equal(0);
    // check honours sippy_routed_rundir: the default sockets are there.
    expect(check.stdout).to.include(`socket:   unix:${join(env.sippy_routed_rundir!, 'sippy_routed.1.sock')}`);
    const reload = rc('reload');
    expect(reload.status, reload.stderr).to.equal(0);
    const client = new RoutingClient(`unix:${moved}`);
    try {
      const answer = await until(() => client.ping().catch((err: Error) => err), (got) => !(got instanceof Error), 10_000, 'environment 2 answering on the moved socket');
      expect(answer).to.include({ i_environment: 2 });
    } finally {
      client.close();
    }
  });

  it('stop waits for the exit; status is then non-zero and nothing is left', () => {
    const stop = rc('stop');
    expect(stop.status, stop.stderr).to.equal(0);
    expect(alive(pid!)).to.equal(false);
    expect(rc('status').status).to.not.equal(0);
    expect(existsSync(env.sippy_routed_pidfile!)).to.equal(false);
    expect(existsSync(join(env.sippy_routed_rundir!, 'sippy_routed.ctl.sock'))).to.equal(false);
  });

  it('at boot with a database that comes later: says that it waits and for how long, then starts once it answers', async () => {
    const late = join(root, 'late.sock');
    const dsn = parseDsn(env.sippy_routed_db!);
    const lateDsn = env.sippy_routed_db!.replace(/socket=[^&]*/, `socket=${late}`);
    const child = spawn('dash', [script, 'start'], { env: { ...env, sippy_routed_db: lateDsn, sippy_routed_db_wait: '60' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await untilTrue(() => {
      if (child.exitCode !== null) throw new Error(`start exited before saying it waits: ${stdout}${stderr}`);
      return stdout.includes('waiting up to');
    }, () => `start saying it waits: ${stdout}${stderr}`, 30_000);
    expect(stdout).to.include('sippy_routed: the database does not answer yet; waiting up to 60s for it (sippy_routed_db_wait)');
    // The database "comes up": its socket appears where the DSN points.
    symlinkSync(dsn.socketPath!, late);
    expect(await exited, stderr).to.equal(0);
    expect(stdout).to.match(/started as pid \d+/);
    pid = Number(readFileSync(env.sippy_routed_pidfile!, 'utf8'));
    const stop = rc('stop');
    expect(stop.status, stop.stderr).to.equal(0);
    expect(alive(pid)).to.equal(false);
  });

  it('uninstall removes what install put there', () => {
    const uninstall = spawnSync('make', ['-s', 'uninstall', `DESTDIR=${join(root, 'dest')}`, 'PREFIX=/usr/local'], { cwd: REPO, encoding: 'utf8' });
    expect(uninstall.status, uninstall.stderr).to.equal(0);
    expect(existsSync(join(root, 'dest/usr/local/bin/sippy_routed'))).to.equal(false);
    expect(existsSync(script)).to.equal(false);
  });
});

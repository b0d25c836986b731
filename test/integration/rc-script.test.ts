import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useFreshDatabase } from '../harness/database.js';
import { loadDemo } from '../../src/db/demo.js';
import { RoutingClient } from '../../src/client/routing-client.js';
import { alive } from '../harness/processes.js';

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

  const rc = (command: string) => spawnSync('dash', [script, command], { env, encoding: 'utf8', timeout: 60_000 });

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
    const reload = rc('reload');
    expect(reload.status, reload.stderr).to.equal(0);
    const client = new RoutingClient(`unix:${moved}`);
    try {
      const deadline = Date.now() + 5000;
      for (;;) {
        try {
          expect((await client.ping()).i_environment).to.equal(2);
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
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

  it('uninstall removes what install put there', () => {
    const uninstall = spawnSync('make', ['-s', 'uninstall', `DESTDIR=${join(root, 'dest')}`, 'PREFIX=/usr/local'], { cwd: REPO, encoding: 'utf8' });
    expect(uninstall.status, uninstall.stderr).to.equal(0);
    expect(existsSync(join(root, 'dest/usr/local/bin/sippy_routed'))).to.equal(false);
    expect(existsSync(script)).to.equal(false);
  });
});

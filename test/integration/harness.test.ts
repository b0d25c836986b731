import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { alive } from '../harness/processes.js';
import { untilTrue } from '../harness/rpc.js';

const HOLD = new URL('../fixtures/hold-db-server.js', import.meta.url).pathname;
const FAILING = new URL('../fixtures/failing-suite.fixture.js', import.meta.url).pathname;
const HOOKS = new URL('../harness/root-hooks.js', import.meta.url).pathname;
const MOCHA = new URL('../../../node_modules/.bin/mocha', import.meta.url).pathname;

async function startHolder(mode: 'exit' | 'hang'): Promise<{ child: ReturnType<typeof spawn>; pid: number; dir: string }> {
  const child = spawn(process.execPath, [HOLD, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.once('exit', (code) => reject(new Error(`holder exited early with ${code}`)));
  });
  const { pid, dir } = JSON.parse(line) as { pid: number; dir: string };
  return { child, pid, dir };
}

describe('test database harness clean-up', function () {
  this.timeout(60_000);

  it('a clean stop leaves no server process and no directory', async () => {
    const { child, pid, dir } = await startHolder('exit');
    await new Promise((r) => child.once('exit', r));
    expect(alive(pid), 'server process').to.equal(false);
    expect(existsSync(dir), dir).to.equal(false);
  });

  it('an owner killed with SIGKILL still leaves nothing behind (the watchdog cleans up)', async () => {
    const { child, pid, dir } = await startHolder('hang');
    expect(alive(pid)).to.equal(true);
    expect(existsSync(dir)).to.equal(true);
    child.kill('SIGKILL');
    await untilTrue(() => !alive(pid), `server ${pid} gone`, 20_000);
    await untilTrue(() => !existsSync(dir), `${dir} removed`, 20_000);
  });

  it('a mocha run whose test fails still stops its server and removes its directory', async () => {
    const run = spawnSync(MOCHA, ['--require', HOOKS, FAILING], { encoding: 'utf8', env: { ...process.env, MYSQL_URL: '' }, timeout: 60_000 });
    expect(run.status, run.stdout + run.stderr).to.equal(1);
    const match = /SERVER (\{.*\})/.exec(run.stdout);
    expect(match, run.stdout).to.not.equal(null);
    const { pidFile } = JSON.parse(match![1]!) as { pidFile: string };
    // The pid file is gone with the directory; the server wrote it, so it lived there.
    expect(existsSync(dirname(pidFile)), dirname(pidFile)).to.equal(false);
    expect(run.stdout).to.match(/1 failing/);
  });
});

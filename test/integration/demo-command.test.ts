import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../harness/cli.js';

const MAIN = new URL('../../src/main.js', import.meta.url).pathname;

// `make demo` is `make deps build` and then exactly this command: a clean
// checkout with no database running gets a serving daemon.
describe('the demo command (make demo)', function () {
  this.timeout(120_000);
  let dir: string;
  let child: ChildProcess | undefined;
  let stdout = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sippy_routed-demo-'));
    child = spawn(process.execPath, [MAIN, 'demo', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.resume();
    const deadline = Date.now() + 60_000;
    while (!stdout.includes('Ctrl-C stops everything')) {
      if (child.exitCode !== null) throw new Error(`demo exited early with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('demo did not announce itself within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(() => {
    if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints a query line that works', async () => {
    const line = stdout.split('\n').find((l) => l.includes('query unix:') && l.includes('sippy_routed.1.sock'));
    expect(line, stdout).to.not.equal(undefined);
    const result = await runCli(['query', `unix:${join(dir, 'run', 'sippy_routed.1.sock')}`, '--group', 'Group 1', '--cld', '4420712345678', '--json']);
    expect(result.code, result.stderr).to.equal(0);
    const answer = JSON.parse(result.stdout) as { i_environment: number; routes: { connection_name: string; prefix: string }[] };
    expect(answer.i_environment).to.equal(1);
    expect(answer.routes.length).to.be.at.least(2);
    expect(answer.routes[0]!.prefix).to.equal('44207');
  });

  it("environment 2's external Group 1 returns environment 1's routes through the supervisor, on the autocreated vendor", async () => {
    const ask = async (environment: number) => {
      const result = await runCli(['query', `unix:${join(dir, 'run', `sippy_routed.${environment}.sock`)}`, '--group', 'Group 1', '--cld', '4420712345678', '--json']);
      expect(result.code, result.stderr).to.equal(0);
      return JSON.parse(result.stdout) as { i_environment: number; routes: { connection_name: string; vendor_name: string; price_1: string; estimated_cost: string }[] };
    };
    const upstream = await ask(1);
    const local = await ask(2);
    expect(local.i_environment).to.equal(2);
    expect(local.routes.map((r) => r.connection_name)).to.deep.equal(upstream.routes.map((r) => r.connection_name));
    expect(local.routes.map((r) => [r.price_1, r.estimated_cost])).to.deep.equal(upstream.routes.map((r) => [r.price_1, r.estimated_cost]));
    for (const route of local.routes) expect(route.vendor_name).to.equal('External Connections (autocreated)');
  });

  it('Ctrl-C stops the supervisor and the database server it started, exit 0', async () => {
    const server = spawnSync('pgrep', ['-f', `datadir=${join(dir, 'mysql')}`], { encoding: 'utf8' }).stdout.trim();
    expect(server, 'the private server runs while the demo runs').to.not.equal('');
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child!.kill('SIGINT');
    expect(await exited).to.equal(0);
    expect(spawnSync('pgrep', ['-f', `datadir=${join(dir, 'mysql')}`], { encoding: 'utf8' }).stdout.trim()).to.equal('');
    expect(existsSync(join(dir, 'run', 'sippy_routed.1.sock'))).to.equal(false);
    expect(existsSync(join(dir, 'run', 'sippy_routed.ctl.sock'))).to.equal(false);
  });
});

describe('the demo command when the supervisor cannot start', function () {
  this.timeout(120_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sippy_routed-demo-busy-'));
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('says why in one line, exits 1 and stops the database server it started (no unhandled rejection)', async () => {
    // A live process (this one) holds the demo's pidfile: supervise refuses to start.
    mkdirSync(join(dir, 'run'), { recursive: true });
    writeFileSync(join(dir, 'run', 'sippy_routed.pid'), `${process.pid}\n`);
    const child = spawn(process.execPath, [MAIN, 'demo', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout!.resume();
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code, stderr).to.equal(1);
    expect(stderr).to.include(`sippy_routed: another sippy_routed supervisor is running as pid ${process.pid}`);
    expect(stderr).to.include('demo: stopping the private database server');
    expect(stderr).not.to.match(/unhandled|\n\s+at /i);
    expect(spawnSync('pgrep', ['-f', `datadir=${join(dir, 'mysql')}`], { encoding: 'utf8' }).stdout.trim()).to.equal('');
  });
});

import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../harness/cli.js';
import { freePorts } from '../harness/supervisor-process.js';
import { parseExposition, sampleValue, scrape } from '../harness/prometheus.js';

const MAIN = new URL('../../src/main.js', import.meta.url).pathname;
const SAMPLE = new URL('../../../etc/econfig.sample', import.meta.url).pathname;

function pgrepServer(dir: string): string {
  return spawnSync('pgrep', ['-f', `datadir=${join(dir, 'mysql')}`], { encoding: 'utf8' }).stdout.trim();
}

/** Runs a demo to its exit: code, stdout, stderr. */
async function demoToExit(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, 'demo', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { code, stdout, stderr };
}

// `make demo` is `make deps build` and then exactly this command: a clean
// checkout with no database running gets a serving daemon.
describe('the demo command (make demo)', function () {
  this.timeout(120_000);
  let dir: string;
  let child: ChildProcess | undefined;
  let stdout = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sippy_routed-demo-'));
    // An edited var/econfig (the copy the demo runs on): environment 2 moved
    // off its default socket. The banner must print where it really is.
    writeFileSync(join(dir, 'econfig'), `${readFileSync(SAMPLE, 'utf8')}\nif [ %%I_ENVIRONMENT%% = 2 ]; then command_args="\${command_args} -s unix:${join(dir, 'run', 'moved.2.sock')}"; fi\n`);
    // A free port: the default (9477) may be another demo's on a shared machine.
    const [metricsPort] = await freePorts(1);
    child = spawn(process.execPath, [MAIN, 'demo', '--dir', dir, '--metrics', `http://127.0.0.1:${metricsPort}/metrics`], { stdio: ['ignore', 'pipe', 'pipe'] });
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

  it('serves metrics and prints a curl line for them that works', async () => {
    const line = stdout.split('\n').find((l) => l.trim().startsWith('curl -s http://127.0.0.1:'));
    expect(line, stdout).to.not.equal(undefined);
    const exposition = await scrape(line!.trim().split(' ').at(-1)!);
    expect(exposition.status).to.equal(200);
    const families = parseExposition(exposition.text);
    expect(sampleValue(families, 'sippy_routed_reloads_total', { result: 'ok', trigger: 'start' })).to.equal(1);
  });

  it('the banner prints the sockets the econfig configured (environment 2 moved), not the defaults', () => {
    const queries = stdout.split('\n').filter((l) => l.includes(' query '));
    expect(queries, stdout).to.have.length(2);
    expect(queries[0]).to.include(`query unix:${join(dir, 'run', 'sippy_routed.1.sock')} `);
    expect(queries[1]).to.include(`query unix:${join(dir, 'run', 'moved.2.sock')} `);
    expect(stdout).not.to.include('sippy_routed.2.sock');
  });

  it('a second demo on the same directory says so at once in one line, exit 1, and the first keeps serving', async () => {
    const supervisorPid = Number(readFileSync(join(dir, 'run', 'sippy_routed.pid'), 'utf8'));
    const serverPid = Number(readFileSync(join(dir, 'mysql', 'mysqld.pid'), 'utf8'));
    const second = await demoToExit(['--dir', dir]);
    expect(second.code, second.stderr).to.equal(1);
    expect(second.stdout).to.equal('');
    expect(second.stderr.trim().split('\n'), second.stderr).to.have.length(1);
    expect(second.stderr).to.include(`a demo is already running in ${dir} (supervisor pid ${supervisorPid}, database server pid ${serverPid})`);
    expect(pgrepServer(dir).split('\n'), 'no second database server was started').to.have.length(1);
    const result = await runCli(['query', `unix:${join(dir, 'run', 'sippy_routed.1.sock')}`, '--group', 'Group 1', '--cld', '4420712345678', '--json']);
    expect(result.code, result.stderr).to.equal(0);
  });

  it("environment 2's external Group 1 returns environment 1's routes through the supervisor, on the autocreated vendor", async () => {
    const ask = async (environment: number) => {
      const socket = environment === 2 ? 'moved.2.sock' : `sippy_routed.${environment}.sock`;
      const result = await runCli(['query', `unix:${join(dir, 'run', socket)}`, '--group', 'Group 1', '--cld', '4420712345678', '--json']);
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

describe('the demo command when it cannot start', function () {
  this.timeout(120_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sippy_routed-demo-busy-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('an econfig that does not validate: the errors, exit 2, and the database server it started is stopped (no unhandled rejection)', async () => {
    writeFileSync(join(dir, 'bad.econfig'), 'command_args="/usr/local/bin/sippy_routed -e %%I_ENVIRONMENT%% -x"\n');
    const demo = await demoToExit(['--dir', dir, '--econfig', join(dir, 'bad.econfig')]);
    expect(demo.code, demo.stderr).to.equal(2);
    expect(demo.stderr).to.match(/bad\.econfig:1:\d+: environment 1: .*-x/);
    expect(demo.stderr).to.include('demo: stopping the private database server');
    expect(demo.stderr).not.to.match(/unhandled|\n\s+at /i);
    expect(demo.stderr).not.to.include('supervisor stopped');
    expect(pgrepServer(dir)).to.equal('');
  });

  it("a live process holding the demo's supervisor pidfile: one line naming it, exit 1, no database server started", async () => {
    mkdirSync(join(dir, 'run'), { recursive: true });
    writeFileSync(join(dir, 'run', 'sippy_routed.pid'), `${process.pid}\n`);
    const demo = await demoToExit(['--dir', dir]);
    expect(demo.code, demo.stderr).to.equal(1);
    expect(demo.stderr).to.equal(`sippy_routed: demo: a demo is already running in ${dir} (supervisor pid ${process.pid}): use that one, stop it (Ctrl-C in its terminal), or give --dir another directory [DEMO_RUNNING]\n`);
    expect(existsSync(join(dir, 'mysql'))).to.equal(false);
  });

  it("a live process holding the demo's database server pidfile (a demo still starting): refused the same way", async () => {
    mkdirSync(join(dir, 'mysql'), { recursive: true });
    writeFileSync(join(dir, 'mysql', 'mysqld.pid'), `${process.pid}\n`);
    const demo = await demoToExit(['--dir', dir]);
    expect(demo.code, demo.stderr).to.equal(1);
    expect(demo.stderr).to.include(`(database server pid ${process.pid})`);
    expect(demo.stderr.trim().split('\n')).to.have.length(1);
    expect(pgrepServer(dir)).to.equal('');
  });
});

// `bench-quick` end to end against the real daemon, a private database and
// autocannon: no failed request, every sampled answer right, and nothing
// left behind. Speed is never asserted. It loads the machine for minutes, so
// it is not part of `make test` (whose glob is *.test.js): run it with
// `make bench-quick-test`. The checker and the verdict it relies on are
// tested in the suite (test/integration/bench-checker.test.ts).

import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from '../../bench/report.js';

const BENCH_MAIN = fileURLToPath(new URL('../../bench/main.js', import.meta.url));

describe('bench-quick end to end (the daemon, a private database, autocannon)', function () {
  this.timeout(300_000);
  let code: number | null;
  let stdout = '';
  let stderr = '';
  let resultsDir: string;

  before(async () => {
    resultsDir = mkdtempSync(join(tmpdir(), 'sippy_routed-bench-results-'));
    const child = spawn(process.execPath, [BENCH_MAIN, '--preset', 'quick', '--results-dir', resultsDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    code = await new Promise((resolve) => child.once('exit', (c) => resolve(c)));
  });

  after(() => rmSync(resultsDir, { recursive: true, force: true }));

  it('exits 0 with a table and an OK verdict', () => {
    expect(code, stderr).to.equal(0);
    expect(stdout).to.match(/\| unix \| ceiling \| 1 \|/);
    expect(stdout).to.match(/\| http \| getRoutes \| 64 \|/);
    expect(stdout).to.match(/\| http \| rtjson \| 64 \|/);
    expect(stdout).to.match(/GET \/rtjson against getRoutes \(requests\/s, the same calls\): unix c1 \d+\.\d\d, /);
    expect(stdout).to.match(/\| http \| node-same-size \| 64 \|/);
    expect(stdout).to.match(/\| unix \| getRoutes-cold \| 1 \|/);
    expect(stdout).to.match(/Against Node's own HTTP server on the same transport/);
    expect(stdout).to.match(/\| unix \| 16 \| \d+\.\d\d \| \d+\.\d\d \| \d+\.\d\d \| \d+\.\d\d \| [\d,]+ B \| [\d,]+ B \|/);
    expect(stdout).to.contain('Verdict: OK');
  });

  it('runs the spread scenario on a database of its own, with the memory traced', () => {
    expect(stdout).to.match(/Memory under spread traffic \(unix, a database of its own: 5,000 routes in 1 destination set, 6 groups × 10 entries/);
    const result = JSON.parse(readFileSync(join(resultsDir, readdirSync(resultsDir)[0]!), 'utf8')) as BenchResult;
    const spread = result.spread!;
    expect(spread.load.load.errors.total).to.equal(0);
    expect(spread.correctness.wrong, spread.correctness.problems.join('\n')).to.equal(0);
    expect(spread.distinctClds).to.be.above(1900);
    expect(spread.samples.length).to.be.above(0);
    expect(spread.samples.every((s) => s.rssBytes > 0 && s.heapUsedBytes !== null && s.externalBytes !== null)).to.equal(true);
    expect(spread.daemonExit.code).to.equal(0);
  });

  it('writes a result in which no request failed and every sampled answer was right', () => {
    const files = readdirSync(resultsDir);
    expect(files).to.have.length(1);
    const result = JSON.parse(readFileSync(join(resultsDir, files[0]!), 'utf8')) as BenchResult;
    // Per transport: ping, getRoutes, rtjson, memo-cold, Zipf, Node's ping and Node's same size, at 1, 16, 64.
    expect(result.scenarios).to.have.length(42);
    expect(result.rtjsonRatios.map((r) => `${r.transport} ${r.concurrency}`)).to.deep.equal(['unix 1', 'unix 16', 'unix 64', 'http 1', 'http 16', 'http 64']);
    for (const s of result.scenarios) {
      expect(s.load.errors.total, `${s.transport} ${s.kind} c${s.concurrency}: ${s.load.errorSamples.join(' | ')}`).to.equal(0);
      expect(s.load.requests).to.be.greaterThan(0);
    }
    expect(result.transports.map((t) => t.transport)).to.deep.equal(['unix', 'http']);
    for (const t of result.transports) {
      expect(t.correctness.checked).to.equal(50);
      expect(t.correctness.wrong, t.correctness.problems.join('\n')).to.equal(0);
      expect(t.correctness.withRoutes).to.be.greaterThan(0);
      expect([t.rtjsonCorrectness.checked, t.rtjsonCorrectness.wrong], t.rtjsonCorrectness.problems.join('\n')).to.deep.equal([50, 0]);
      expect([t.coldCorrectness?.checked, t.coldCorrectness?.wrong], t.coldCorrectness?.problems.join('\n')).to.deep.equal([50, 0]);
      expect(t.daemonExit.code).to.equal(0);
    }
    expect(result.machine.database).to.match(/\d+\.\d+/);
  });

  it("sets the daemon against Node's own HTTP server at the same answer sizes, also memo-cold and skewed, and taking turns", () => {
    const result = JSON.parse(readFileSync(join(resultsDir, readdirSync(resultsDir)[0]!), 'utf8')) as BenchResult;
    expect(result.ceilingRatios.map((r) => `${r.transport} ${r.concurrency}`)).to.deep.equal(['unix 1', 'unix 16', 'unix 64', 'http 1', 'http 16', 'http 64']);
    for (const r of result.ceilingRatios) {
      for (const value of [r.getRoutesOverSameSize, r.pingOverNodePing, r.coldOverSameSize, r.zipfOverSameSize, r.getRoutesAnswerBytes, r.pingAnswerBytes]) {
        expect(value, JSON.stringify(r)).to.be.a('number').and.above(0);
      }
    }
    for (const s of result.scenarios) expect(s.load.answerBytesMedian, `${s.transport} ${s.kind} c${s.concurrency}`).to.be.a('number').and.above(0);
    // Node's server answered exactly the daemon's median sizes.
    for (const t of ['unix', 'http'] as const) {
      const median = (kind: string): number => result.scenarios.find((s) => s.transport === t && s.kind === kind && s.concurrency === 64)!.load.answerBytesMedian;
      expect(median('node-same-size')).to.equal(median('getRoutes'));
      expect(median('node-ping')).to.equal(median('ceiling'));
    }
    // And taking turns, per transport: each round's getRoutes and Node's req/s, and the median of their ratios.
    expect(result.takingTurns!.map((t) => [t.transport, t.concurrency, t.rounds.length])).to.deep.equal([['unix', 16, 2], ['http', 16, 2]]);
    for (const turns of result.takingTurns!) {
      for (const round of turns.rounds) expect(round.ratio, JSON.stringify(round)).to.be.above(0).and.equal(round.getRoutes / round.node);
      expect(turns.medianRatio).to.equal((turns.rounds[0]!.ratio + turns.rounds[1]!.ratio) / 2);
    }
    const pools = result.requestPools!;
    expect([pools.cold.requests, pools.cold.distinctClds, pools.zipf.draws, pools.zipf.s]).to.deep.equal([2000, 2000, 2000, 1]);
    expect(pools.cold.distinctKeys).to.equal(2000);
    expect(pools.zipf.topShare).to.be.a('number').and.above(0.05);
  });

  it('leaves no directory and no process behind', () => {
    const workDir = /working directory (\S+)/.exec(stderr)?.[1];
    expect(workDir, stderr).to.be.a('string');
    expect(existsSync(workDir!)).to.equal(false);
    const users = readdirSync('/proc').filter((pid) => /^\d+$/.test(pid)).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(workDir!);
      } catch {
        return false;
      }
    });
    expect(users).to.deep.equal([]);
  });
});

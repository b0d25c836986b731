// The benchmark harness: its answer checker must catch wrong answers (pure
// tests, and a scripted daemon over a UNIX socket), its verdict must fail on
// a failed request, a wrong answer or memory growth, and its options, the
// Node ceiling server and the daemon's answers it is given, and the
// memo-cold and Zipf request pools
// are checked. This is what guards the benchmark in `make test`; the run end to
// end (minutes of load) is `make bench-quick-test`
// (test/bench/bench-quick.e2e.ts). Speed is never asserted.

import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { answerPath } from '../../bench/ceiling-server.js';
import { sampleAnswers } from '../../bench/sample-answers.js';
import { compareAnswer, type SampledCall } from '../../bench/check.js';
import { coldCalls, zipfCalls } from '../../bench/cold-requests.js';
import { SyntheticDataSet, type DataSetSizes } from '../../bench/dataset.js';
import { estimatedCostMicros, expectedResult, formatMicros } from '../../bench/expected.js';
import { isRpcSuccess, isRtjsonDocument, percentile } from '../../bench/load-runner.js';
import { parseBenchOptions } from '../../bench/options.js';
import { drawCalls } from '../../bench/requests.js';
import { verdictOf, type BenchResult } from '../../bench/report.js';
import { median, turnsSection } from '../../bench/report-ceiling.js';
import { spreadReasons, TRAFFIC_MEMORY_BYTES } from '../../bench/report-spread.js';
import type { SpreadRun } from '../../bench/spread.js';
import { verifyAnswers } from '../../bench/verify.js';
import type { RouteResult } from '../../src/routing/contract.js';

const SMALL: DataSetSizes = { routes: 2000, destinationSets: 8, connections: 30, groups: 4, entriesPerGroup: 12, seed: 7 };

/** A call whose expected answer has at least `n` routes. */
function callWithRoutes(ds: SyntheticDataSet, n: number): { call: SampledCall; expected: RouteResult } {
  for (const call of drawCalls(ds, 500, 1, 'check')) {
    const expected = expectedResult(ds, ds.groups.find((g) => g.name === call.routing_group)!, call.cli, call.cld);
    if (expected.routes.length >= n) return { call, expected };
  }
  throw new Error(`no call with ${n} routes in the small data set`);
}

describe('bench: expected answers and the checker (pure)', () => {
  const ds = new SyntheticDataSet(SMALL);

  it('computes costs by the routing.md formula, exactly, rounded half-up', () => {
    const base = { connectFeeMicros: 0, freeSeconds: 0, interval1: 1, intervalN: 1 };
    // rpc.md's example: 0.012/min for 200 s.
    expect(formatMicros(estimatedCostMicros({ ...base, averageDuration: 200, price1Micros: 12000, priceNMicros: 12000 }))).to.equal('0.040000');
    // 30 s first interval, then 6 s steps: 0.06*30/60 + 0.06*6*ceil(70/6)/60 = 0.03 + 0.072.
    expect(formatMicros(estimatedCostMicros({ ...base, averageDuration: 100, price1Micros: 60000, priceNMicros: 60000, interval1: 30, intervalN: 6 }))).to.equal('0.102000');
    // 0.000030/60 = 0.0000005: half-up gives one micro-unit; 0.000029/60 rounds down to zero.
    expect(estimatedCostMicros({ ...base, averageDuration: 1, price1Micros: 30, priceNMicros: 0 })).to.equal(1n);
    expect(estimatedCostMicros({ ...base, averageDuration: 1, price1Micros: 29, priceNMicros: 0 })).to.equal(0n);
    // Free seconds cover the whole call: the connect fee only.
    expect(estimatedCostMicros({ ...base, connectFeeMicros: 5000, freeSeconds: 10, averageDuration: 10, price1Micros: 99999, priceNMicros: 99999 })).to.equal(5000n);
  });

  it('finds the longest matching prefix, and a forbidden one blocks shorter ones', () => {
    const set = ds.destinationSets[0]!;
    const row = ds.routeAt(set, 0);
    expect(ds.longestMatch(set, row.prefix + '0000000')?.prefix.startsWith(row.prefix)).to.equal(true);
    expect(ds.longestMatch(set, '0' + row.prefix)).to.equal(undefined);
    const { expected } = callWithRoutes(ds, 2);
    const costs = expected.routes.map((r) => Number(r.estimated_cost));
    expect(costs).to.deep.equal([...costs].sort((a, b) => a - b));
    expect(new Set(expected.routes.map((r) => r.i_connection)).size).to.equal(expected.routes.length);
    for (const route of expected.routes) {
      const set = ds.destinationSet(route.i_destination_set);
      expect(ds.longestMatch(set, route.cld)?.forbidden).to.equal(false);
    }
  });

  it('accepts the expected answer and rejects every kind of wrong one', () => {
    const { call, expected } = callWithRoutes(ds, 3);
    expect(compareAnswer(call, expected, JSON.parse(JSON.stringify(expected)))).to.deep.equal([]);

    const swapped = { ...expected, routes: [expected.routes[1], expected.routes[0], ...expected.routes.slice(2)] };
    expect(compareAnswer(call, expected, swapped).join('\n')).to.match(/routes\[0\]\.i_connection expected/);

    const costlier = { ...expected, routes: [{ ...expected.routes[0]!, estimated_cost: formatMicros(BigInt(Math.round(Number(expected.routes[0]!.estimated_cost) * 1e6)) + 1n) }, ...expected.routes.slice(1)] };
    expect(compareAnswer(call, expected, costlier).join('\n')).to.match(/routes\[0\]\.estimated_cost expected "\d+\.\d{6}", got/);

    expect(compareAnswer(call, expected, { ...expected, routes: expected.routes.slice(1) }).join('\n')).to.match(/expected \d+ routes .* got \d+/);
    expect(compareAnswer(call, expected, { ...expected, routing_group: { ...expected.routing_group, policy: 'order' } })).to.have.length(1);
    expect(compareAnswer(call, expected, { ...expected, routes: [{ ...expected.routes[0]!, price_1: Number(expected.routes[0]!.price_1) }, ...expected.routes.slice(1)] })).to.have.length(1);
    expect(compareAnswer(call, expected, null)[0]).to.match(/not an object/);
    expect(compareAnswer(call, expected, { ...expected, routes: 'none' })[0]).to.match(/routes is not an array/);
  });

  it('counts JSON-RPC error answers as errors, and takes nearest-rank percentiles', () => {
    expect(isRpcSuccess('{"jsonrpc":"2.0","id":1,"result":{"routes":[]}}', true)).to.equal(true);
    expect(isRpcSuccess('{"jsonrpc":"2.0","id":1,"error":{"code":-32010,"message":"db"}}', false)).to.equal(false);
    expect(isRpcSuccess('{"jsonrpc":"2.0","id":1,"result":', true)).to.equal(false);
    expect(isRpcSuccess('<html>', false)).to.equal(false);
    expect(isRtjsonDocument('{"version":"1.0","routing":"serial","routes":[]}', true)).to.equal(true);
    expect(isRtjsonDocument('{"jsonrpc":"2.0","error":{"code":-32001,"message":"x"},"id":null}', false)).to.equal(false);
    expect(isRtjsonDocument('{"version":"1.0","routing":"serial","routes":[', true)).to.equal(false);
    const sorted = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect([percentile(sorted, 50), percentile(sorted, 99), percentile(sorted, 100)]).to.deep.equal([5, 10, 10]);
  });

  it('fails the verdict on a failed request or a wrong answer', () => {
    const errors = { non2xx: 0, rpcErrors: 0, connectionErrors: 0, timeouts: 0, total: 0 };
    const scenario = {
      transport: 'unix', kind: 'getRoutes', concurrency: 1, databaseShare: 0, daemonPeakRssBytes: 0,
      cpuCores: { daemon: 0, database: 0, loadGenerator: 0, harness: 0, otherProcesses: 0 },
      load: { requests: 10, seconds: 1, requestsPerSecond: 10, latencyMs: { p50: 1, p99: 1, max: 1 }, answerBytesMedian: 100, errors, errorSamples: [] },
    } as const;
    const checked = { checked: 5, withRoutes: 5, wrong: 0, problems: [] } as const;
    const run = { transport: 'unix', daemonPeakRssBytes: 0, daemonExit: { code: 0, signal: null, killed: false }, correctness: checked, rtjsonCorrectness: checked } as const;
    expect(verdictOf([scenario], [run]).ok).to.equal(true);
    const failing: BenchResult['verdict'] = verdictOf([{ ...scenario, load: { ...scenario.load, errors: { ...errors, rpcErrors: 1, total: 1 } } }], [run]);
    expect(failing.ok).to.equal(false);
    expect(verdictOf([scenario], [{ ...run, correctness: { ...run.correctness, wrong: 1, problems: ['x'] } }]).wrongAnswers).to.equal(1);
    const rtjsonWrong = verdictOf([scenario], [{ ...run, rtjsonCorrectness: { ...checked, wrong: 2, problems: ['y'] } }]);
    expect([rtjsonWrong.ok, rtjsonWrong.wrongAnswers, rtjsonWrong.reasons[0]]).to.deep.equal([false, 2, 'unix: 2 of 5 sampled GET /rtjson answers wrong; first: y']);
    expect(verdictOf([scenario], [{ ...run, daemonExit: { code: null, signal: 'SIGKILL', killed: true } }]).ok).to.equal(false);
    const coldWrong = verdictOf([scenario], [{ ...run, coldCorrectness: { ...checked, wrong: 1, problems: ['z'] } }]);
    expect([coldWrong.ok, coldWrong.wrongAnswers, coldWrong.reasons[0]]).to.deep.equal([false, 1, 'unix: 1 of 5 sampled memo-cold answers wrong; first: z']);
  });

  it("fails the verdict when the daemon's RSS grows under spread traffic by more than traffic may add", () => {
    const load = (peakMiB: number) => ({
      transport: 'unix', kind: 'getRoutes-spread', concurrency: 16, daemonPeakRssBytes: peakMiB * 1048576 + TRAFFIC_MEMORY_BYTES,
      load: { requests: 10, errors: { non2xx: 0, rpcErrors: 0, connectionErrors: 0, timeouts: 0, total: 0 }, errorSamples: [] },
    });
    const spread = {
      transport: 'unix', rssBeforeBytes: 300 * 1048576, daemonExit: { code: 0, signal: null, killed: false },
      correctness: { checked: 5, withRoutes: 5, wrong: 0, problems: [] }, load: load(300),
    } as unknown as SpreadRun;
    expect(spreadReasons(spread)).to.deep.equal([]);
    expect(verdictOf([], [], { spread }).ok).to.equal(true);
    const grown = { ...spread, load: load(301) } as unknown as SpreadRun;
    expect(verdictOf([], [], { spread: grown }).reasons).to.deep.equal([
      `unix spread: the daemon's RSS grew by ${TRAFFIC_MEMORY_BYTES / 1048576 + 1} MiB under the load, over the ${TRAFFIC_MEMORY_BYTES / 1048576} MiB that traffic may add (docs/operations.md, Memory)`,
    ]);
  });

  it('rejects bad options with a usage error naming the option', () => {
    expect(() => parseBenchOptions(['--routes', '12x'])).to.throw(/--routes must be a whole number/);
    expect(() => parseBenchOptions(['--entries', '51', '--connections', '50'])).to.throw(/--entries must be between 1 and 50/);
    expect(() => parseBenchOptions(['--transports', 'https'])).to.throw(/unknown "https"/);
    expect(() => parseBenchOptions(['--frobnicate'])).to.throw(/bench: /);
    expect(() => parseBenchOptions(['--spread-clds', '0'])).to.throw(/--spread-clds must be between 1 and/);
    const quick = parseBenchOptions(['--preset', 'quick']);
    expect('help' in quick ? undefined : quick.sizes.routes).to.equal(5000);
    expect(() => parseBenchOptions(['--preset', 'huge'])).to.throw(/--preset must be one of full, quick, big/);
    const big = parseBenchOptions(['--preset', 'big']);
    expect('help' in big ? undefined : [big.sizes.routes, big.transports, big.concurrency, big.sqlConcurrency, big.freshnessEdits, big.spread.routes, big.coldRequests]).to.deep.equal([
      5_000_000, ['unix'], [16], [], 0, 0, 200_000,
    ]);
    const bigHttp = parseBenchOptions(['--preset', 'big', '--transports', 'unix,http']);
    expect('help' in bigHttp ? undefined : bigHttp.transports).to.deep.equal(['unix', 'http']);
    expect(() => parseBenchOptions(['--turn-rounds', '101'])).to.throw(/--turn-rounds must be between 0 and 100/);
    const none = parseBenchOptions(['--turn-rounds', '0']);
    expect('help' in none ? undefined : none.turnRounds).to.equal(0);
  });

  it('taking turns: each round getRoutes ÷ Node, the median of the rounds, and its lines', () => {
    expect([median([3]), median([0.9, 0.5, 0.7]), median([4, 1, 3, 2])]).to.deep.equal([3, 0.7, 2.5]);
    const rounds = [{ getRoutes: 9000, node: 10000, ratio: 0.9 }, { getRoutes: 7000, node: 10000, ratio: 0.7 }, { getRoutes: 16000, node: 20000, ratio: 0.8 }];
    const lines = turnsSection([{ transport: 'unix', concurrency: 16, secondsEach: 5, rounds, medianRatio: median(rounds.map((r) => r.ratio)) }]);
    expect(lines.at(-1)).to.equal('- unix, concurrency 16, 3 rounds of 5 s each: median getRoutes ÷ Node, same size 0.80 (9,000 ÷ 10,000 = 0.90; 7,000 ÷ 10,000 = 0.70; 16,000 ÷ 20,000 = 0.80)');
    expect(turnsSection([])).to.deep.equal([]);
  });

  it("gives the Node ceiling server the daemon's own answers: a ping's, and the getRoutes answer nearest the median size", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sippy-bench-samples-'));
    // A scripted daemon: getRoutes answers of a size set by the request's CLD, ping one answer; one request fails.
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const call = JSON.parse(body) as { method: string; params: { cld?: string } };
        const answer = call.method === 'ping'
          ? '{"jsonrpc":"2.0","id":1,"result":{"i_environment":1}}'
          : call.params.cld === 'fail' ? '{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"no"}}' : `{"jsonrpc":"2.0","id":1,"result":{"pad":"${'x'.repeat(Number(call.params.cld))}"}}`;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(answer);
      });
    });
    const socketPath = join(dir, 'd.sock');
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const bodies = ['fail', '10', '500', '290', '4000'].map((cld) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getRoutes', params: { cld } }));
      const samples = await sampleAnswers({ url: 'http://localhost/', socketPath }, { ping: 55, getRoutes: 340 }, bodies);
      expect(samples.ping.toString()).to.equal('{"jsonrpc":"2.0","id":1,"result":{"i_environment":1}}');
      // 290 + 44 bytes of envelope = 334, nearest 340 of 54, 544, 334 and 4044; the error is never taken.
      expect(samples.getRoutes.length).to.equal(334);
      expect(isRpcSuccess(samples.getRoutes.toString(), true)).to.equal(true);
      await sampleAnswers({ url: 'http://localhost/', socketPath }, { ping: 55, getRoutes: 340 }, [bodies[0]!]).then(
        () => expect.fail('sampled from failures only'),
        (err: Error) => expect(err.message).to.match(/none of the sampled requests succeeded/),
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the Node ceiling server answers each answer file at its own target, byte for byte, and nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sippy-bench-ceiling-'));
    const files = ['{"jsonrpc":"2.0","id":1,"result":"a"}', '{"jsonrpc":"2.0","id":7,"result":{"routes":[]}}'].map((text, i) => {
      const file = join(dir, `answer-${i}.json`);
      writeFileSync(file, text);
      return file;
    });
    const socketPath = join(dir, 'ceiling.sock');
    const child = spawn(process.execPath, [new URL('../../bench/ceiling-server.js', import.meta.url).pathname, `unix:${socketPath}`, ...files], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      for await (const line of createInterface({ input: child.stdout! })) {
        expect(JSON.parse(line)).to.deep.equal({ event: 'listening', port: 0 });
        break;
      }
      const ask = (path: string): Promise<{ status: number; type: string | undefined; body: string }> =>
        new Promise((resolve, reject) => {
          const req = request({ socketPath, path, method: 'POST' }, (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
            res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body }));
          });
          req.on('error', reject);
          req.end('{"jsonrpc":"2.0","id":1,"method":"ping"}');
        });
      expect(await ask(answerPath(0))).to.deep.equal({ status: 200, type: 'application/json', body: '{"jsonrpc":"2.0","id":1,"result":"a"}' });
      expect(await ask(answerPath(1))).to.deep.equal({ status: 200, type: 'application/json', body: '{"jsonrpc":"2.0","id":7,"result":{"routes":[]}}' });
      expect((await ask(answerPath(2))).status).to.equal(404);
      expect((await ask('/bytes/100')).status).to.equal(404);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).to.equal(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('draws memo-cold calls on distinct (group, longest pool prefix) pairs, and Zipf draws skewed to the first ranks', () => {
    const { calls, sample, distinctKeys } = coldCalls(ds, 1000, 50);
    expect(calls).to.have.length(1000);
    expect(distinctKeys).to.equal(1000);
    expect(new Set(calls.map((c) => c.cld)).size).to.equal(1000);
    // The checked sample asks pairs the load does not.
    const keys = new Set([...calls, ...sample].map((c) => `${c.routing_group} ${ds.longestPoolPrefix(c.cld)}`));
    expect(keys.size).to.equal(1050);
    // More than the data's pairs: CLDs stay distinct, keys repeat.
    const pairs = ds.prefixes.length * ds.groups.length;
    const over = coldCalls(ds, pairs + 100);
    expect(new Set(over.calls.map((c) => c.cld)).size).to.equal(over.calls.length);
    expect(over.distinctKeys).to.be.at.most(pairs);
    expect(coldCalls(ds, 1000, 50).calls).to.deep.equal(calls);

    const zipf = zipfCalls(calls, 20_000, 1, 7);
    // s = 1 over 1,000 ranks: rank 1 has 1/H(1000) ≈ 13.4% of the draws, the top 1% (10 ranks) 2.93/7.49 ≈ 39%.
    expect(zipf.topShare).to.be.within(0.12, 0.15);
    expect(zipf.topPercentShare).to.be.within(0.36, 0.42);
    expect(zipf.calls.filter((c) => c === calls[0]).length).to.be.above(zipf.calls.filter((c) => c === calls[1]).length);
  });
});

describe('bench: the checker against a scripted daemon that answers wrong', () => {
  const ds = new SyntheticDataSet(SMALL);
  let dir: string;
  let server: Server;
  let answer: (call: SampledCall) => unknown;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sippy_routed-bench-test-'));
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const request = JSON.parse(body) as { id: number; params: SampledCall };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: request.id, ...(answer(request.params) as object) }));
      });
    });
    await new Promise<void>((resolve) => server.listen(join(dir, 'fake.sock'), resolve));
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const calls = (): SampledCall[] => drawCalls(ds, 20, 0.9, 'check');
  const right = (call: SampledCall): RouteResult => expectedResult(ds, ds.groups.find((g) => g.name === call.routing_group)!, call.cli, call.cld);

  it('passes a daemon that answers right', async () => {
    answer = (call) => ({ result: right(call) });
    const report = await verifyAnswers(`unix:${join(dir, 'fake.sock')}`, ds, calls());
    expect(report).to.include({ checked: 20, wrong: 0 });
    expect(report.problems).to.deep.equal([]);
  });

  it('fails a daemon that reverses the order of its routes', async () => {
    answer = (call) => {
      const result = right(call);
      return { result: { ...result, routes: [...result.routes].reverse() } };
    };
    const report = await verifyAnswers(`unix:${join(dir, 'fake.sock')}`, ds, calls());
    const withTwoOrMore = calls().filter((c) => right(c).routes.length > 1).length;
    expect(withTwoOrMore).to.be.greaterThan(0);
    expect(report.wrong).to.equal(withTwoOrMore);
  });

  it('fails a daemon that answers a JSON-RPC error', async () => {
    answer = () => ({ error: { code: -32010, message: 'database unavailable' } });
    const report = await verifyAnswers(`unix:${join(dir, 'fake.sock')}`, ds, calls());
    expect(report.wrong).to.equal(20);
    expect(report.problems[0]).to.match(/error -32010/);
  });
});

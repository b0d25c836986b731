// `make bench BENCH_ARGS=--daemon-metrics` (issue 14): the benchmark's
// daemon is started with --metrics, so its cost can be compared with a run
// without. The real program, on the SQL path (ping needs no database).

import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon } from '../../bench/daemon.js';
import { parseBenchOptions } from '../../bench/options.js';
import { parseExposition, sampleValue, scrape } from '../harness/prometheus.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '../../src/main.js');

describe('bench: --daemon-metrics', function () {
  this.timeout(60_000);
  let dir: string;
  const daemons: Daemon[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sippy_routed-bench-metrics-'));
  });

  after(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('is off unless given', () => {
    const plain = parseBenchOptions(['--preset', 'quick']);
    const metered = parseBenchOptions(['--preset', 'quick', '--daemon-metrics']);
    expect('help' in plain ? undefined : plain.daemonMetrics).to.equal(false);
    expect('help' in metered ? undefined : metered.daemonMetrics).to.equal(true);
  });

  it('starts the daemon with --metrics on a loopback port, which serves its series', async () => {
    const start = (metrics: boolean) =>
      Daemon.start({
        script: MAIN, transport: 'unix', dir, dsn: 'mysql://bench@127.0.0.1:1/none', dbConnections: undefined,
        dataSource: 'sql', snapshotTimeoutMs: 1000, label: metrics ? 'metered' : 'plain', metrics,
      });
    const plain = await start(false);
    daemons.push(plain);
    expect(plain.metricsUri).to.equal(undefined);
    const metered = await start(true);
    daemons.push(metered);
    expect(metered.metricsUri).to.match(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const exposition = await scrape(metered.metricsUri!);
    expect(exposition.status).to.equal(200);
    // Its start-up pings are counted.
    expect(sampleValue(parseExposition(exposition.text), 'sippy_routed_requests_total', { environment: '1', method: 'ping', outcome: 'ok' })).to.be.at.least(1);
  });
});

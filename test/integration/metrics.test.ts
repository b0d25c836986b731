// The Prometheus endpoint (operations.md, Metrics; issue 14): a supervisor
// with two environments and --metrics counts exactly what happened, under
// the right labels, in text a Prometheus parser reads; scrapers outside
// --metrics-allow get 403; a routing socket has no /metrics.

import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDemo } from '../../src/db/demo.js';
import { parseDsn } from '../../src/db/dsn.js';
import { useFreshDatabase } from '../harness/database.js';
import { DaemonProcess } from '../harness/daemon.js';
import { call, post } from '../harness/rpc.js';
import { freePorts, Supervisor } from '../harness/supervisor-process.js';
import { parseExposition, parseSamples, sampleValue, scrape, type MetricFamily } from '../harness/prometheus.js';

const GROUP = 'Group 1';
const CLD = '4420712345678';

describe('metrics: the Prometheus endpoint', function () {
  this.timeout(90_000);
  const database = useFreshDatabase();
  let dir: string;
  const started: Supervisor[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sr-metrics-'));
    await loadDemo(database().db, dir);
  });

  after(async () => {
    await Promise.all(started.map((s) => s.kill()));
    await DaemonProcess.killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts getRoutes, errors by code, a rejected client and reloads exactly, with the histogram count equal to the requests answered', async () => {
    const [metricsPort, tcpPort] = await freePorts(2);
    const econfig = join(dir, 'econfig');
    // Environment 2 listens on TCP and allows only a documentation prefix: a loopback client is refused.
    const text = [
      'command_args="/usr/local/bin/sippy_routed -e %%I_ENVIRONMENT%%"',
      'case %%I_ENVIRONMENT%% in',
      `2) command_args="\${command_args} -s http://127.0.0.1:${tcpPort}/ -a 192.0.2.0/24" ;;`,
      'esac',
      '',
    ].join('\n');
    writeFileSync(econfig, text);
    const supervisor = new Supervisor({
      econfig, rundir: dir, pidfile: join(dir, 'sup.pid'), dsn: database().dsn, environments: [1, 2],
      extraArgs: ['--metrics', `http://127.0.0.1:${metricsPort}/metrics`],
    });
    started.push(supervisor);
    const status = await supervisor.waitServing();
    expect(status.last_reload.result).to.equal('ok');
    const env1 = { socketPath: join(dir, 'sippy_routed.1.sock') };

    const N = 5;
    for (let i = 0; i < N; i += 1) {
      const answer = await post(env1, call('getRoutes', { routing_group: GROUP, cld: CLD }));
      expect((answer.json as { result?: unknown }).result, answer.text).to.not.equal(undefined);
    }
    // K = 3 errors of two kinds: an unknown group (twice), a missing parameter (once).
    for (let i = 0; i < 2; i += 1) {
      const answer = await post(env1, call('getRoutes', { routing_group: 'No such group', cld: CLD }));
      expect((answer.json as { error: { code: number } }).error.code).to.equal(-32001);
    }
    const invalid = await post(env1, call('getRoutes', { routing_group: GROUP }));
    expect((invalid.json as { error: { code: number } }).error.code).to.equal(-32602);
    const K = 3;
    const refused = await post({ host: '127.0.0.1', port: tcpPort }, call('ping', {}));
    expect(refused.status).to.equal(403);

    // One valid reload (a changed file) and one invalid one.
    writeFileSync(econfig, `# changed\n${text}`);
    expect((await supervisor.reload()).result).to.equal('ok');
    writeFileSync(econfig, `${text}-x\n`);
    expect((await supervisor.reload()).result).to.equal('error');

    const exposition = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(exposition.status).to.equal(200);
    expect(exposition.contentType).to.match(/^text\/plain; version=0\.0\.4/);
    const families = parseExposition(exposition.text);
    const value = (name: string, labels: Record<string, string>): number | undefined => sampleValue(families, name, labels);

    expect(value('sippy_routed_requests_total', { environment: '1', method: 'getRoutes', outcome: 'ok' })).to.equal(N);
    expect(value('sippy_routed_requests_total', { environment: '1', method: 'getRoutes', outcome: 'ROUTING_GROUP_NOT_FOUND' })).to.equal(2);
    expect(value('sippy_routed_requests_total', { environment: '1', method: 'getRoutes', outcome: 'RPC_INVALID_PARAMS' })).to.equal(1);
    const requestSamples = family(families, 'sippy_routed_requests_total').metrics;
    expect(requestSamples.reduce((sum, m) => sum + Number(m.value), 0), 'no other request counted').to.equal(N + K);
    expect(value('sippy_routed_rejected_clients_total', { environment: '2' })).to.equal(1);
    expect(value('sippy_routed_rejected_clients_total', { environment: '1' })).to.equal(0);

    expect(family(families, 'sippy_routed_request_duration_seconds').type).to.equal('HISTOGRAM');
    const counts = family(parseSamples(exposition.text), 'sippy_routed_request_duration_seconds_count').metrics.map((m) => ({ labels: m.labels, count: Number(m.value) }));
    expect(counts.filter((m) => m.count > 0)).to.deep.equal([{ labels: { environment: '1', method: 'getRoutes' }, count: N + K }]);

    const reloads = family(families, 'sippy_routed_reloads_total').metrics;
    const byResult = (result: string) => reloads.filter((m) => m.labels?.result === result).reduce((sum, m) => sum + Number(m.value), 0);
    expect(byResult('ok'), 'the start and the changed file').to.equal(2);
    expect(byResult('invalid')).to.equal(1);
    expect(byResult('failed')).to.equal(0);
    expect(value('sippy_routed_reloads_total', { result: 'ok', trigger: 'start' })).to.equal(1);

    expect(value('sippy_routed_listener_info', { environment: '1', socket: `unix:${env1.socketPath}` })).to.equal(1);
    expect(value('sippy_routed_listener_info', { environment: '2', socket: `http://127.0.0.1:${tcpPort}/` })).to.equal(1);
    // Labels name the database by its redacted DSN, never with a password.
    const redacted = parseDsn(database().dsn).redacted;
    for (const state of ['used', 'idle', 'waiting']) expect(value('sippy_routed_db_pool_connections', { database: redacted, state }), state).to.be.a('number');
    expect(value('sippy_routed_snapshot_generation', { database: redacted })).to.be.a('number');
    expect(value('sippy_routed_snapshot_rows', { database: redacted, table: 'routes' })).to.be.greaterThan(0);
    expect(value('sippy_routed_snapshot_sync_failures_total', { database: redacted })).to.equal(0);
    expect(value('sippy_routed_snapshot_age_seconds', { database: redacted })).to.be.at.least(0);
    // prom-client's default process metrics.
    expect(families.map((f) => f.name)).to.include.members(['process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']);
    expect(exposition.text, 'no CLD in any label').to.not.include(CLD);
    await supervisor.kill();
  });

  it('refuses a scraper outside --metrics-allow with 403, and a routing socket has no /metrics (404); -e N serves metrics too', async () => {
    const [metricsPort, tcpPort] = await freePorts(2);
    const daemon = new DaemonProcess(
      ['-e', '1', '-s', `http://127.0.0.1:${tcpPort}/`, '-a', '127.0.0.1', '--rundir', dir, '--metrics', `http://127.0.0.1:${metricsPort}/metrics`, '--metrics-allow', '192.0.2.0/24'],
      { SIPPY_ROUTED_DB: database().dsn },
    );
    try {
      await daemon.waitUntilServing(`http://127.0.0.1:${tcpPort}/`);
      const refused = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(refused.status).to.equal(403);
      const routing = await post({ host: '127.0.0.1', port: tcpPort }, '', { method: 'GET', path: '/metrics' });
      expect(routing.status).to.equal(404);
      expect(routing.text).to.not.include('sippy_routed_');
    } finally {
      await daemon.stop();
    }
    const open = new DaemonProcess(['-e', '1', '-s', `http://127.0.0.1:${tcpPort}/`, '-a', '127.0.0.1', '--rundir', dir, '--metrics', `http://127.0.0.1:${metricsPort}/metrics`], { SIPPY_ROUTED_DB: database().dsn });
    try {
      await open.waitUntilServing(`http://127.0.0.1:${tcpPort}/`);
      const exposition = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(exposition.status, 'loopback is allowed by default').to.equal(200);
      const families = parseExposition(exposition.text);
      expect(sampleValue(families, 'sippy_routed_requests_total', { environment: '1', method: 'ping', outcome: 'ok' })).to.be.at.least(1);
      expect((await scrape(`http://127.0.0.1:${metricsPort}/other`)).status).to.equal(404);
    } finally {
      await open.stop();
    }
  });

  it('a bad --metrics is a usage error naming the option (exit 2)', async () => {
    const bad = new DaemonProcess(['-e', '1', '--metrics', 'https://127.0.0.1:9/metrics'], { SIPPY_ROUTED_DB: database().dsn });
    const exit = await bad.exited;
    expect(exit.code).to.equal(2);
    expect(bad.stderr).to.match(/--metrics: expected http:\/\/HOST:PORT/);
    const allow = new DaemonProcess(['supervise', '--environments', '1', '--metrics', 'http://127.0.0.1:9/metrics', '--metrics-allow', '10.0.0.1/8'], {});
    expect((await allow.exited).code).to.equal(2);
    expect(allow.stderr).to.match(/--metrics-allow: '10\.0\.0\.1\/8' has host bits set/);
  });
});

function family(families: readonly MetricFamily[], name: string): MetricFamily {
  const found = families.find((f) => f.name === name);
  if (found === undefined) throw new Error(`no ${name} in the scrape`);
  return found;
}

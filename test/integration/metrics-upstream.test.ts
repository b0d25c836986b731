// sippy_routed_upstream_requests_total (issue 14): the external forwarder
// counts each upstream call by the upstream's URI (without credentials) and
// its outcome, ok or the error code, against a scripted upstream.

import { expect } from 'chai';
import { join } from 'node:path';
import { RoutingClient } from '../../src/client/routing-client.js';
import { DaemonMetrics } from '../../src/metrics/daemon-metrics.js';
import { useFreshDatabase } from '../harness/database.js';
import { answerJson, EnvironmentDaemon, fixedUpstreamResult, ScriptedPeer } from '../harness/external.js';
import { RoutingFixture } from '../harness/routing-fixture.js';
import { makeTempDir, type TempDir } from '../harness/rpc.js';

describe('metrics: upstream calls of external groups', function () {
  this.timeout(20_000);
  const database = useFreshDatabase();
  let dir: TempDir;
  let peer: ScriptedPeer;
  let daemon: EnvironmentDaemon;
  let client: RoutingClient;
  const metrics = new DaemonMetrics();

  before(async () => {
    dir = makeTempDir('sr-metrics-upstream-');
    peer = await new ScriptedPeer(join(dir.path, 'upstream.sock')).start();
    const fixture = new RoutingFixture(database().db, 2);
    await fixture.environmentRow();
    await fixture.group({ name: 'Upstream', external: true, uri: peer.uri });
    daemon = await new EnvironmentDaemon(database().db, dir.path, 2, { upstreamTimeoutMs: 1000, upstream: metrics }).start();
    client = new RoutingClient(daemon.uri, { timeoutMs: 10_000 });
  });

  after(async () => {
    client?.close();
    await daemon?.stop();
    await peer?.stop();
    dir?.remove();
  });

  it('counts an answered call as ok and an upstream error answer as UPSTREAM_ERROR, under the upstream URI', async () => {
    const call = { routing_group: 'Upstream', cld: '4420712345678', cli: '15551230000' };
    peer.behaviour = (body, res) => answerJson(res, { jsonrpc: '2.0', id: body.id, result: fixedUpstreamResult(body.params as Record<string, unknown>) });
    await client.getRoutes(call);
    peer.behaviour = (body, res) => answerJson(res, { jsonrpc: '2.0', id: body.id, error: { code: -32010, message: 'down' } });
    await client.getRoutes(call).then(() => expect.fail('the upstream error must fail the call'), () => undefined);
    const { values } = await metrics.series.upstream.get();
    expect(values.map((v) => ({ labels: v.labels, value: v.value })).sort((a, b) => (String(a.labels.outcome) < String(b.labels.outcome) ? -1 : 1))).to.deep.equal([
      { labels: { uri: peer.uri, outcome: 'UPSTREAM_ERROR' }, value: 1 },
      { labels: { uri: peer.uri, outcome: 'ok' }, value: 1 },
    ]);
  });
});

import { expect } from 'chai';
import { DaemonMetrics } from '../../src/metrics/daemon-metrics.js';

// The request series are plain cells on the request path, read into the
// registry's shapes at scrape time: cumulative `le` buckets, `_sum` and
// `_count`; counters by method and outcome, unknown method names as `other`.

describe('metrics: request cells as the registry reads them', () => {
  it('a latency lands in the first bucket whose bound it does not exceed; buckets are cumulative; +Inf counts all', async () => {
    const metrics = new DaemonMetrics();
    const env = metrics.forEnvironment(7);
    for (const seconds of [0.00005, 0.0001, 0.003, 2]) env.answered('getRoutes', seconds);
    const { values } = await metrics.series.duration.get();
    const mine = values.filter((v) => v.labels.environment === '7' && v.labels.method === 'getRoutes');
    const bucket = (le: number | string) => mine.find((v) => v.metricName.endsWith('_bucket') && v.labels.le === le)?.value;
    expect(bucket(0.0001), 'a bound is inclusive').to.equal(2);
    expect(bucket(0.0025)).to.equal(2);
    expect(bucket(0.005)).to.equal(3);
    expect(bucket(1)).to.equal(3);
    expect(bucket('+Inf')).to.equal(4);
    expect(mine.find((v) => v.metricName.endsWith('_count'))?.value).to.equal(4);
    expect(mine.find((v) => v.metricName.endsWith('_sum'))?.value).to.be.closeTo(2.00315, 1e-9);
  });

  it('counts calls by method and outcome; a method the daemon does not serve is `other`, never its name', async () => {
    const metrics = new DaemonMetrics();
    const env = metrics.forEnvironment(3);
    env.call('getRoutes', 'ok');
    env.call('getRoutes', 'ROUTING_GROUP_NOT_FOUND');
    env.call('4420712345678', 'RPC_METHOD_NOT_FOUND');
    env.rejected();
    const requests = await metrics.series.requests.get();
    const of = (method: string, outcome: string) => requests.values.find((v) => v.labels.environment === '3' && v.labels.method === method && v.labels.outcome === outcome)?.value;
    expect(of('getRoutes', 'ok')).to.equal(1);
    expect(of('getRoutes', 'ROUTING_GROUP_NOT_FOUND')).to.equal(1);
    expect(of('other', 'RPC_METHOD_NOT_FOUND')).to.equal(1);
    expect(requests.values.some((v) => String(v.labels.method).includes('4420'))).to.equal(false);
    expect((await metrics.series.rejected.get()).values).to.deep.equal([{ value: 1, labels: { environment: '3' } }]);
  });
});

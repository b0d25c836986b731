// External groups against a scripted upstream on a UNIX socket: exactly what
// is forwarded, and every way an upstream can misbehave (garbage, wrong shape,
// HTTP errors, hanging, cutting the connection) ends as -32011 or -32012,
// never a crash; the listener keeps serving.

import { expect } from 'chai';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { RoutingClient } from '../../src/client/routing-client.js';
import { RpcCallError } from '../../src/client/rpc-client.js';
import { createResolver, EXTERNAL_VENDOR_NAME, SnapshotRegistry, type RoutingLogger } from '../../src/routing/index.js';
import { useFreshDatabase } from '../harness/database.js';
import { answerJson, EnvironmentDaemon, fixedUpstreamResult, ScriptedPeer } from '../harness/external.js';
import { RoutingFixture } from '../harness/routing-fixture.js';
import { makeSpec, makeTempDir, type TempDir } from '../harness/rpc.js';
import { DatabaseRegistry } from '../../src/db/registry.js';
import { silentLogger } from '../../src/log.js';
import { supervisedListenerFactory } from '../../src/supervisor/managed-listener.js';

const TIMEOUT_MS = 300;
const CALL = { routing_group: 'Upstream', cld: '4420712345678', cli: '15551230000' } as const;

class RecordingLogger implements RoutingLogger {
  readonly lines: string[] = [];
  warn(message: string, fields?: Record<string, unknown>): void {
    this.lines.push(JSON.stringify({ message, ...fields }));
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.lines.push(JSON.stringify({ message, ...fields }));
  }
}

describe('external groups: a misbehaving upstream', function () {
  this.timeout(20_000);
  const database = useFreshDatabase();
  let dir: TempDir;
  let peer: ScriptedPeer;
  let daemon: EnvironmentDaemon;
  let client: RoutingClient;
  let logger: RecordingLogger;

  before(async () => {
    dir = makeTempDir('sr-external-faults-');
    peer = await new ScriptedPeer(join(dir.path, 'upstream.sock')).start();
    const fixture = new RoutingFixture(database().db, 2);
    await fixture.environmentRow();
    await fixture.group({ name: 'Upstream', external: true, uri: peer.uri });
    await fixture.group({ name: 'Local' });
    logger = new RecordingLogger();
    daemon = await new EnvironmentDaemon(database().db, dir.path, 2, { upstreamTimeoutMs: TIMEOUT_MS, logger }).start();
    client = new RoutingClient(daemon.uri, { timeoutMs: 10_000 });
  });

  after(async () => {
    client?.close();
    await daemon?.stop();
    await peer?.stop();
    dir?.remove();
  });

  async function failure(): Promise<{ code: number; message: string; data?: unknown; ms: number }> {
    const started = Date.now();
    try {
      await client.getRoutes(CALL);
    } catch (err) {
      if (err instanceof RpcCallError && err.remote !== undefined) return { ...err.remote, ms: Date.now() - started };
      throw err;
    }
    throw new Error('expected the call to fail');
  }

  it('forwards the group name, numbers, the time in UTC, hops + 1, max_routes and call_id; not explain, i_environment or remote_ip', async () => {
    peer.behaviour = (body, res) => answerJson(res, { jsonrpc: '2.0', id: body.id, result: fixedUpstreamResult(body.params as Record<string, unknown>) });
    peer.requests.length = 0;
    const result = await client.getRoutes({
      ...CALL, call_start_time: '2026-03-01T10:00:00.500+01:00', hops: 2, max_routes: 3, explain: true, i_environment: 2, call_id: 'c-1',
    });
    expect(peer.requests).to.have.length(1);
    expect(peer.requests[0]).to.include({ method: 'getRoutes' });
    expect(peer.requests[0]!.params).to.deep.equal({
      routing_group: 'Upstream', cli: CALL.cli, cld: CALL.cld, call_start_time: '2026-03-01T09:00:00.500Z', hops: 3, max_routes: 3, call_id: 'c-1',
    });
    expect(result.routes.map((r) => [r.connection_name, r.vendor_name, r.price_1, r.cld])).to.deep.equal([
      ['up-lon', EXTERNAL_VENDOR_NAME, '0.012000', `00${CALL.cld}`],
      ['up-nyc', EXTERNAL_VENDOR_NAME, '0.015000', `00${CALL.cld}`],
    ]);
    expect(result.excluded).to.deep.equal([]);
  });

  it('caps at max_routes itself when the upstream answers more (over_max_routes)', async () => {
    peer.behaviour = (body, res) => answerJson(res, { jsonrpc: '2.0', id: body.id, result: fixedUpstreamResult(body.params as Record<string, unknown>) });
    const result = await client.getRoutes({ ...CALL, max_routes: 1, explain: true });
    expect(result.routes.map((r) => r.connection_name)).to.deep.equal(['up-lon']);
    expect(result.excluded?.map((e) => [e.connection_name, e.reason])).to.deep.equal([['up-nyc', 'over_max_routes']]);
  });

  it('a hops count at the limit is refused before asking the upstream', async () => {
    peer.requests.length = 0;
    const err = await client.getRoutes({ ...CALL, hops: 4 }).catch((e: RpcCallError) => e.remote);
    expect(err).to.deep.include({ code: -32003, data: { routing_group: 'Upstream', hops: 4, max_hops: 4 } });
    expect(peer.requests).to.have.length(0);
  });

  it("passes an upstream's -32003 back unchanged", async () => {
    peer.behaviour = (body, res) => answerJson(res, { jsonrpc: '2.0', id: body.id, error: { code: -32003, message: 'loop further up', data: { hops: 4 } } });
    const err = await failure();
    expect(err).to.deep.include({ code: -32003, message: 'loop further up', data: { hops: 4 } });
  });

  it('an upstream error is -32012 with it in data.upstream; an over-long message is cut', async () => {
    peer.behaviour = (body, res) => answerJson(res, { jsonrpc: '2.0', id: body.id, error: { code: -32010, message: 'database unavailable', data: { retry: true } } });
    const err = await failure();
    expect(err).to.deep.include({ code: -32012, data: { uri: peer.uri, upstream: { code: -32010, message: 'database unavailable', data: { retry: true } } } });
    peer.behaviour = (body, res) => answerJson(res, { jsonrpc: '2.0', id: body.id, error: { code: -1, message: 'x'.repeat(10_000) } });
    const long = await failure();
    expect((long.data as { upstream: { message: string } }).upstream.message).to.have.length(501);
  });

  const garbage: [string, (body: Record<string, unknown>, res: ServerResponse) => void, number][] = [
    ['not JSON', (_body, res) => answerJson(res, 'hello, world'), -32012],
    ['JSON that is not JSON-RPC', (_body, res) => answerJson(res, [1, 2, 3]), -32012],
    ['a response to another id', (body, res) => answerJson(res, { jsonrpc: '2.0', id: Number(body.id) + 1, result: {} }), -32012],
    ['a result of the wrong shape', (body, res) => answerJson(res, { jsonrpc: '2.0', id: body.id, result: { routes: 'all of them' } }), -32012],
    ['a route missing a field', (body, res) => {
      const result = fixedUpstreamResult(body.params as Record<string, unknown>) as { routes: Record<string, unknown>[] };
      delete result.routes[1]!.price_1;
      answerJson(res, { jsonrpc: '2.0', id: body.id, result });
    }, -32012],
    ['a malformed error object', (body, res) => answerJson(res, { jsonrpc: '2.0', id: body.id, error: 'bad' }), -32012],
    ['HTTP 500 with a text body', (_body, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal server error');
    }, -32012],
    ['a connection cut mid-answer', (_body, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"jsonrpc":"2.0",');
      setTimeout(() => res.socket?.destroy(), 20);
    }, -32011],
    ['no answer at all (hangs)', () => undefined, -32011],
  ];
  for (const [what, behaviour, code] of garbage) {
    it(`${what} → ${code}`, async () => {
      peer.behaviour = behaviour;
      const err = await failure();
      expect(err.code).to.equal(code);
      expect(err.data).to.deep.include({ uri: peer.uri });
      // Correctness bound, not a performance assertion: the upstream timeout plus slack.
      expect(err.ms).to.be.below(TIMEOUT_MS + 1000);
    });
  }

  it('keeps serving after all that, and logged each kind of failure once without a crash', async () => {
    expect((await client.ping()).i_environment).to.equal(2);
    expect((await client.getRoutes({ ...CALL, routing_group: 'Local' })).routes).to.deep.equal([]);
    const kinds = logger.lines.map((line) => (JSON.parse(line) as { code: string }).code);
    expect(new Set(kinds)).to.deep.equal(new Set(['UPSTREAM_ERROR', 'UPSTREAM_UNREACHABLE', 'ROUTING_LOOP']));
    expect(kinds.length).to.equal(new Set(kinds).size);
  });
});

describe('external groups: URIs', function () {
  const database = useFreshDatabase();

  it('a group without a URI, or with one that cannot be used, answers -32011; credentials never show', async () => {
    const fixture = new RoutingFixture(database().db, 2);
    await fixture.environmentRow();
    await fixture.group({ name: 'No URI', external: true, uri: null });
    await fixture.group({ name: 'Bad URI', external: true, uri: 'ftp://user:secret@127.0.0.1/x' });
    await fixture.group({ name: 'Relative', external: true, uri: 'unix:relative.sock' });
    const logger = new RecordingLogger();
    const resolver = createResolver(database().db, { logger });
    try {
      const request = { cld: '4420712345678', cli: '', time: new Date(), hops: 0 };
      const outcomes = [];
      for (const routing_group of ['No URI', 'Bad URI', 'Relative']) {
        const err = await resolver.resolve(2, { ...request, routing_group }).then(() => undefined, (e: { code: string; data: unknown; message: string }) => e);
        outcomes.push([err?.code, err?.data]);
        expect(err?.message).not.to.contain('secret');
      }
      expect(outcomes).to.deep.equal([
        ['UPSTREAM_UNREACHABLE', { uri: null }],
        ['UPSTREAM_UNREACHABLE', { uri: 'ftp://user:***@127.0.0.1/x' }],
        ['UPSTREAM_UNREACHABLE', { uri: 'unix:relative.sock' }],
      ]);
      expect(logger.lines.join('\n')).not.to.contain('secret');
    } finally {
      await resolver.close();
    }
  });
});

describe("external groups: the supervisor's listener applies --max-hops and --upstream-timeout", function () {
  this.timeout(20_000);
  const database = useFreshDatabase();

  it('takes the limits from the spec, and from an updated spec without moving the socket', async () => {
    const dir = makeTempDir('sr-external-supervised-');
    const peer = await new ScriptedPeer(join(dir.path, 'upstream.sock')).start();
    peer.behaviour = (body, res) => answerJson(res, { jsonrpc: '2.0', id: body.id, result: fixedUpstreamResult(body.params as Record<string, unknown>) });
    const fixture = new RoutingFixture(database().db, 2);
    await fixture.environmentRow();
    await fixture.group({ name: 'Upstream', external: true, uri: peer.uri });
    const registry = new DatabaseRegistry();
    const snapshots = new SnapshotRegistry(silentLogger);
    const factory = supervisedListenerFactory({ registry, snapshots, defaultDsn: database().dsn, logger: silentLogger, drainMs: 0 });
    const endpoint = { kind: 'unix', path: join(dir.path, 'sippy_routed.2.sock') } as const;
    const managed = factory(makeSpec(endpoint, { environment: 2, limits: { maxHops: 1, upstreamTimeoutMs: 5_000 } }));
    const client = new RoutingClient(`unix:${endpoint.path}`, { timeoutMs: 10_000 });
    try {
      await managed.start();
      expect((await client.getRoutes({ ...CALL, hops: 0 })).routes).to.have.length(2);
      const loop = await client.getRoutes({ ...CALL, hops: 1 }).catch((e: RpcCallError) => e.remote);
      expect(loop).to.deep.include({ code: -32003, data: { routing_group: 'Upstream', hops: 1, max_hops: 1 } });

      await managed.update(makeSpec(endpoint, { environment: 2, limits: { maxHops: 3, upstreamTimeoutMs: 200 } }));
      expect((await client.getRoutes({ ...CALL, hops: 2 })).routes).to.have.length(2);
      peer.behaviour = () => undefined;
      const started = Date.now();
      const hung = await client.getRoutes(CALL).catch((e: RpcCallError) => e.remote);
      expect(hung).to.deep.include({ code: -32011 });
      // Correctness bound: the updated 200 ms, not the first spec's 5 s.
      expect(Date.now() - started).to.be.below(200 + 1000);
    } finally {
      client.close();
      await managed.stop();
      await snapshots.closeAll();
      await registry.closeAll();
      await peer.stop();
      dir.remove();
    }
  });
});

// External groups against hostile or looping upstreams (issue 12, items 11,
// 12 and 13): a connection name no column can store is refused for its
// route only; only the connections of returned routes are created, at most
// --upstream-new-connections a minute per upstream; a group that loops on
// its own listener ends in -32003 however many requests loop at once.

import { expect } from 'chai';
import { join } from 'node:path';
import { RoutingClient } from '../../src/client/routing-client.js';
import { RpcCallError } from '../../src/client/rpc-client.js';
import { DEFAULT_POOL_LIMITS } from '../../src/db/pool.js';
import { EXTERNAL_VENDOR_NAME, type RoutingLogger } from '../../src/routing/index.js';
import { useFreshDatabase } from '../harness/database.js';
import { answerJson, EnvironmentDaemon, fixedUpstreamResult, ScriptedPeer } from '../harness/external.js';
import { RoutingFixture } from '../harness/routing-fixture.js';
import { makeTempDir, type TempDir } from '../harness/rpc.js';

const CALL = { routing_group: 'Upstream', cld: '4420712345678', cli: '15551230000' } as const;

class RecordingLogger implements RoutingLogger {
  readonly lines: { message: string; fields: Record<string, unknown> | undefined }[] = [];
  warn(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ message, fields });
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ message, fields });
  }
}

/** A valid upstream answer whose routes are on connections `names`, in that order. */
function answerNaming(params: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const template = (fixedUpstreamResult(params).routes as Record<string, unknown>[])[0]!;
  return { ...fixedUpstreamResult(params), routes: names.map((name, i) => ({ ...template, connection_name: name, i_route: 1 + i })) };
}

describe('external groups: hostile and looping upstreams', function () {
  this.timeout(60_000);
  const database = useFreshDatabase({ limits: { ...DEFAULT_POOL_LIMITS, connectionLimit: 20 } });
  let dir: TempDir;
  let peer: ScriptedPeer;
  let second: ScriptedPeer;
  let daemon: EnvironmentDaemon;
  let client: RoutingClient;
  let logger: RecordingLogger;
  const PER_MINUTE = 5;

  before(async () => {
    dir = makeTempDir('sr-external-hardening-');
    peer = await new ScriptedPeer(join(dir.path, 'upstream.sock')).start();
    second = await new ScriptedPeer(join(dir.path, 'upstream2.sock')).start();
    const fixture = new RoutingFixture(database().db, 2);
    await fixture.environmentRow();
    await fixture.group({ name: 'Upstream', external: true, uri: peer.uri });
    await fixture.group({ name: 'Second', external: true, uri: second.uri });
    // The group asks the very listener that serves it.
    await fixture.group({ name: 'Loop', external: true, uri: `unix:${join(dir.path, 'sippy_routed.2.sock')}` });
    logger = new RecordingLogger();
    // A generous upstream deadline: 60 requests looping through one listener
    // at once, on a busy machine, took longer than the 2 s default per hop
    // and ended in -32011; the loop's end (-32003), not a deadline, is what
    // is tested.
    daemon = await new EnvironmentDaemon(database().db, dir.path, 2, { logger, newConnectionsPerMinute: PER_MINUTE, upstreamTimeoutMs: 30_000 }).start();
    client = new RoutingClient(daemon.uri, { timeoutMs: 20_000 });
  });

  after(async () => {
    client?.close();
    await daemon?.stop();
    await peer?.stop();
    await second?.stop();
    dir?.remove();
  });

  async function localNames(): Promise<string[]> {
    const rows = await database().db.select(
      'SELECT c.name FROM connections c JOIN vendors v ON v.i_vendor = c.i_vendor WHERE v.i_environment = 2 AND v.name = ? ORDER BY c.name',
      [EXTERNAL_VENDOR_NAME],
    );
    return rows.map((r) => String(r.name));
  }

  it('refuses an upstream connection name with a lone surrogate for that route only, logs it once, and the group stays usable', async () => {
    peer.behaviour = (body, res) =>
      answerJson(res, { jsonrpc: '2.0', id: body.id, result: answerNaming(body.params as Record<string, unknown>, ['gw\ud800x', 'up-lon', 'gw\udc00']) });
    for (let i = 0; i < 3; i++) {
      const result = await client.getRoutes(CALL);
      expect(result.routes.map((r) => r.connection_name)).to.deep.equal(['up-lon']);
    }
    const names = await localNames();
    expect(names).to.deep.equal(['up-lon']);
    expect(names.join('')).not.to.include('\ufffd');
    const refused = logger.lines.filter((l) => /lone UTF-16 surrogate/.test(l.message));
    expect(refused.map((l) => l.fields?.connection_name)).to.deep.equal(['gw\ud800x', 'gw\udc00']);
    // The group was never unusable: a clean answer maps as before.
    peer.behaviour = (body, res) => answerJson(res, { jsonrpc: '2.0', id: body.id, result: fixedUpstreamResult(body.params as Record<string, unknown>) });
    expect((await client.getRoutes(CALL)).routes.map((r) => r.connection_name)).to.deep.equal(['up-lon', 'up-nyc']);
  });

  it('with max_routes 1, an answer naming 1,000 new connections creates one', async () => {
    const before = await localNames();
    const fresh = Array.from({ length: 1000 }, (_, i) => `flood-${String(i).padStart(4, '0')}`);
    peer.behaviour = (body, res) => answerJson(res, { jsonrpc: '2.0', id: body.id, result: answerNaming(body.params as Record<string, unknown>, fresh) });
    const result = await client.getRoutes({ ...CALL, max_routes: 1 });
    expect(result.routes.map((r) => r.connection_name)).to.deep.equal(['flood-0000']);
    expect(await localNames()).to.deep.equal([...before, 'flood-0000'].sort());
  });

  it('creates at most --upstream-new-connections a minute per upstream, logs it once, and answers on the connections that exist', async () => {
    const before = await localNames();
    const budgetLines = () => logger.lines.filter((l) => /--upstream-new-connections/.test(l.message));
    const fresh = Array.from({ length: 50 }, (_, i) => `new-${String(i).padStart(2, '0')}`);
    // An upstream of its own: the budget is per upstream, and the other one spent some of its own already.
    second.behaviour = (body, res) => answerJson(res, { jsonrpc: '2.0', id: body.id, result: answerNaming(body.params as Record<string, unknown>, fresh) });
    const call = { ...CALL, routing_group: 'Second' };
    const first = await client.getRoutes(call);
    expect(first.routes.map((r) => r.connection_name)).to.deep.equal(fresh.slice(0, PER_MINUTE));
    const again = await client.getRoutes(call);
    expect(again.routes.map((r) => r.connection_name)).to.deep.equal(fresh.slice(0, PER_MINUTE));
    const created = (await localNames()).filter((n) => !before.includes(n));
    expect(created).to.deep.equal(fresh.slice(0, PER_MINUTE));
    expect(budgetLines()).to.have.length(1);
    expect(budgetLines()[0]!.fields).to.deep.include({ routing_group: 'Second', uri: second.uri, wanted: 50, created: PER_MINUTE });
  });

  it('a group looping on its own listener ends in -32003 for each of 60 concurrent requests, never a timeout', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, async () => {
        try {
          await client.getRoutes({ ...CALL, routing_group: 'Loop' });
          return 'answered';
        } catch (err) {
          if (err instanceof RpcCallError && err.remote !== undefined) return err.remote.code;
          throw err;
        }
      }),
    );
    expect(outcomes).to.deep.equal(Array.from({ length: 60 }, () => -32003));
  });
});

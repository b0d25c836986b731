// External groups end to end (routing.md "External groups", overview.md's
// call flow): two environments of the demo data set in ONE database, each
// served by a real Listener on a UNIX socket; environment 2's external
// `Group 1` asks environment 1's daemon.

import { expect } from 'chai';
import { loadDemo } from '../../src/db/demo.js';
import { DEFAULT_POOL_LIMITS } from '../../src/db/pool.js';
import { RoutingClient } from '../../src/client/routing-client.js';
import { RpcCallError } from '../../src/client/rpc-client.js';
import { EXTERNAL_VENDOR_NAME, type RouteResult } from '../../src/routing/index.js';
import { useFreshDatabase } from '../harness/database.js';
import { EnvironmentDaemon } from '../harness/external.js';
import { RoutingFixture } from '../harness/routing-fixture.js';
import { makeTempDir, type TempDir } from '../harness/rpc.js';

const CALL = { routing_group: 'Group 1', cld: '4420712345678', cli: '15551230000', call_start_time: '2026-01-15T12:00:00Z' } as const;

async function remoteFailure(promise: Promise<unknown>): Promise<{ code: number; message: string; data?: unknown }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RpcCallError && err.remote !== undefined) return err.remote;
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe('external groups: two environments, two listeners, one database', function () {
  this.timeout(30_000);
  const database = useFreshDatabase({ limits: { ...DEFAULT_POOL_LIMITS, connectionLimit: 20 } });
  let dir: TempDir;
  let switchB: EnvironmentDaemon;
  let switchA: EnvironmentDaemon;
  let toA: RoutingClient;
  let toB: RoutingClient;

  before(async () => {
    dir = makeTempDir('sr-external-');
    // The demo's environment 2 Group 1 points at `unix:<dir>/sippy_routed.1.sock`.
    await loadDemo(database().db, dir.path);
    switchB = await new EnvironmentDaemon(database().db, dir.path, 1).start();
    switchA = await new EnvironmentDaemon(database().db, dir.path, 2).start();
    toA = new RoutingClient(switchA.uri, { timeoutMs: 10_000 });
    toB = new RoutingClient(switchB.uri, { timeoutMs: 10_000 });
  });

  after(async () => {
    toA?.close();
    toB?.close();
    await switchA?.stop();
    await switchB?.stop();
    dir?.remove();
  });

  async function externalVendor(environment: number): Promise<{ i_vendor: number; count: number }> {
    const rows = await database().db.select('SELECT i_vendor FROM vendors WHERE i_environment = ? AND name = ?', [environment, EXTERNAL_VENDOR_NAME]);
    return { i_vendor: Number(rows[0]?.i_vendor ?? 0), count: rows.length };
  }

  async function connectionsOf(i_vendor: number): Promise<Map<string, Record<string, unknown>>> {
    const rows = await database().db.select(
      'SELECT i_connection, i_environment, name, destination, cli_translation_rule, cld_translation_rule, capacity, enabled FROM connections WHERE i_vendor = ? ORDER BY name',
      [i_vendor],
    );
    return new Map(rows.map((r) => [String(r.name), { ...r }]));
  }

  it("returns environment 1's routes in its order, on environment 2's autocreated vendor and connections, with environment 1's prices", async () => {
    expect((await externalVendor(2)).count).to.equal(0);
    const upstream = await toB.getRoutes(CALL);
    expect(upstream.routes.length).to.be.greaterThan(1);
    const result = await toA.getRoutes(CALL);

    const vendor = await externalVendor(2);
    expect(vendor.count).to.equal(1);
    const local = await connectionsOf(vendor.i_vendor);
    expect([...local.keys()]).to.have.members(upstream.routes.map((r) => r.connection_name));

    expect(result.i_environment).to.equal(2);
    const [group] = await database().db.select("SELECT i_routing_group, policy FROM routing_groups WHERE i_environment = 2 AND name = 'Group 1'");
    expect(result.routing_group).to.deep.equal({ i_routing_group: Number(group!.i_routing_group), name: 'Group 1', policy: String(group!.policy) });
    expect(result).to.include({ cli: CALL.cli, cld: CALL.cld });
    expect(result).not.to.have.property('excluded');
    expect(result.routes.map((r) => r.connection_name)).to.deep.equal(upstream.routes.map((r) => r.connection_name));
    result.routes.forEach((route, i) => {
      const up = upstream.routes[i]!;
      const row = local.get(route.connection_name)!;
      // Created from the upstream route: its destination and capacity, enabled, in environment 2.
      expect(row).to.include({ i_environment: 2, destination: up.destination, capacity: up.capacity, enabled: 1, cli_translation_rule: null, cld_translation_rule: null });
      expect(route).to.deep.equal({
        ...up,
        i_connection: Number(row.i_connection),
        destination: up.destination,
        i_vendor: vendor.i_vendor,
        vendor_name: EXTERNAL_VENDOR_NAME,
        capacity: up.capacity,
      });
    });
    // The upstream's own rules ran there (carrier-b prefixes 00); no local rule changes them here.
    expect(result.routes.find((r) => r.connection_name === 'carrier-b')?.cld).to.equal(`00${CALL.cld}`);
  });

  it('a second request reuses the rows it created', async () => {
    const vendor = await externalVendor(2);
    const before = await connectionsOf(vendor.i_vendor);
    const result = await toA.getRoutes(CALL);
    expect((await externalVendor(2)).count).to.equal(1);
    expect(await connectionsOf(vendor.i_vendor)).to.deep.equal(before);
    expect(result.routes.map((r) => r.i_connection)).to.deep.equal(result.routes.map((r) => Number(before.get(r.connection_name)!.i_connection)));
  });

  it('forwards the call: group name, numbers, time in UTC, hops + 1, max_routes; not explain', async () => {
    const capped = await toA.getRoutes({ ...CALL, max_routes: 1, explain: true });
    const upstream = await toB.getRoutes({ ...CALL, max_routes: 1 });
    expect(capped.routes.map((r) => r.connection_name)).to.deep.equal(upstream.routes.map((r) => r.connection_name));
    expect(capped.excluded).to.deep.equal([]);
    // The call time decides which rate applies: in 2031 the new London rate of carrier-a-lon is active.
    const later = await toA.getRoutes({ ...CALL, call_start_time: '2031-06-01T00:00:00+02:00' });
    const laterUpstream = await toB.getRoutes({ ...CALL, call_start_time: '2031-05-31T22:00:00Z' });
    expect(later.routes.map((r) => [r.connection_name, r.price_1])).to.deep.equal(laterUpstream.routes.map((r) => [r.connection_name, r.price_1]));
    expect(later.routes.map((r) => r.price_1)).not.to.deep.equal((await toA.getRoutes(CALL)).routes.map((r) => r.price_1));
  });

  it('50 concurrent first requests on a fresh environment create one vendor and one connection per name, and all succeed', async () => {
    const fixture = new RoutingFixture(database().db, 3);
    await fixture.environmentRow('Switch C');
    await fixture.group({ name: 'Group 1', external: true, uri: switchB.uri });
    const switchC = await new EnvironmentDaemon(database().db, dir.path, 3).start();
    const toC = new RoutingClient(switchC.uri, { timeoutMs: 20_000 });
    try {
      const results = await Promise.all(Array.from({ length: 50 }, () => toC.getRoutes(CALL)));
      const vendor = await externalVendor(3);
      expect(vendor.count).to.equal(1);
      const local = await connectionsOf(vendor.i_vendor);
      const names = results[0]!.routes.map((r) => r.connection_name);
      expect(names.length).to.be.greaterThan(1);
      expect([...local.keys()].sort()).to.deep.equal([...names].sort());
      const [count] = await database().db.select('SELECT COUNT(*) AS n FROM connections WHERE i_environment = 3');
      expect(Number(count!.n)).to.equal(names.length);
      for (const result of results) {
        expect(result.routes.map((r) => [r.connection_name, r.i_connection, r.i_vendor])).to.deep.equal(
          names.map((name) => [name, Number(local.get(name)!.i_connection), vendor.i_vendor]),
        );
      }
    } finally {
      toC.close();
      await switchC.stop();
    }
  });

  it("keeps an operator's edits of a local connection: its destination, capacity and translation rules apply", async () => {
    const vendor = await externalVendor(2);
    await database().db.modify(
      `UPDATE connections SET destination = 'sbc-edited.example:5060', capacity = 7, cli_translation_rule = 's/^1/+1/', cld_translation_rule = 's/^00/+/'
        WHERE i_vendor = ? AND name = 'carrier-b'`,
      [vendor.i_vendor],
    );
    const result = await toA.getRoutes(CALL);
    const route = result.routes.find((r) => r.connection_name === 'carrier-b')!;
    expect(route).to.include({ destination: 'sbc-edited.example:5060', capacity: 7, cli: '+15551230000', cld: `+${CALL.cld}` });
    const row = (await connectionsOf(vendor.i_vendor)).get('carrier-b')!;
    expect(row).to.include({ destination: 'sbc-edited.example:5060', capacity: 7, cli_translation_rule: 's/^1/+1/', cld_translation_rule: 's/^00/+/' });
    // Prices and route fields stay the upstream's.
    const upstream = (await toB.getRoutes(CALL)).routes.find((r) => r.connection_name === 'carrier-b')!;
    expect(route).to.include({ price_1: upstream.price_1, price_n: upstream.price_n, estimated_cost: upstream.estimated_cost, i_route: upstream.i_route, prefix: upstream.prefix });
  });

  it('leaves out a local connection the operator disabled or gave a bad rule, and says why when explaining', async () => {
    const vendor = await externalVendor(2);
    const before = (await toA.getRoutes(CALL)).routes.map((r) => r.connection_name);
    const [disabled, broken] = [before[0]!, before[1]!];
    await database().db.modify('UPDATE connections SET enabled = 0 WHERE i_vendor = ? AND name = ?', [vendor.i_vendor, disabled]);
    await database().db.modify("UPDATE connections SET cld_translation_rule = 's/(/x/' WHERE i_vendor = ? AND name = ?", [vendor.i_vendor, broken]);
    try {
      const result = await toA.getRoutes({ ...CALL, explain: true });
      expect(result.routes.map((r) => r.connection_name)).to.deep.equal(before.slice(2));
      const local = await connectionsOf(vendor.i_vendor);
      expect(result.excluded).to.deep.equal([
        { i_connection: Number(local.get(disabled)!.i_connection), connection_name: disabled, reason: 'disabled' },
        { i_connection: Number(local.get(broken)!.i_connection), connection_name: broken, reason: 'bad_translation_rule' },
      ]);
    } finally {
      await database().db.modify('UPDATE connections SET enabled = 1, cld_translation_rule = NULL WHERE i_vendor = ? AND name IN (?, ?)', [vendor.i_vendor, disabled, broken]);
    }
  });

  it('a loop between the two environments ends with -32003, passed back to the origin', async () => {
    await new RoutingFixture(database().db, 1).group({ name: 'Loop', external: true, uri: switchA.uri });
    await new RoutingFixture(database().db, 2).group({ name: 'Loop', external: true, uri: switchB.uri });
    const err = await remoteFailure(toA.getRoutes({ ...CALL, routing_group: 'Loop' }));
    expect(err.code).to.equal(-32003);
    // Raised where hops reached the limit (4 by default): environment 2 on its third visit.
    expect(err.data).to.deep.equal({ routing_group: 'Loop', hops: 4, max_hops: 4 });
  });

  it("an upstream's error comes back as -32012 with the upstream error in data.upstream", async () => {
    await new RoutingFixture(database().db, 2).group({ name: 'Nowhere', external: true, uri: switchB.uri });
    const err = await remoteFailure(toA.getRoutes({ ...CALL, routing_group: 'Nowhere' }));
    expect(err.code).to.equal(-32012);
    const data = err.data as { uri: string; upstream: { code: number; message: string; data: unknown } };
    expect(data.uri).to.equal(switchB.uri);
    expect(data.upstream).to.deep.include({ code: -32001, data: { routing_group: 'Nowhere' } });
    expect(err.message).to.contain('answered error -32001');
  });

  it('a stopped upstream gives -32011 with data.uri', async () => {
    const spare = await new EnvironmentDaemon(database().db, dir.path, 1, { socketName: 'spare.sock' }).start();
    await new RoutingFixture(database().db, 1).group({ name: 'Spare' });
    await new RoutingFixture(database().db, 2).group({ name: 'Spare', external: true, uri: spare.uri });
    expect((await toA.getRoutes({ ...CALL, routing_group: 'Spare' })).routes.length).to.equal(0);
    await spare.stop();
    const err = await remoteFailure(toA.getRoutes({ ...CALL, routing_group: 'Spare' }));
    expect(err).to.deep.include({ code: -32011, data: { uri: spare.uri } });
  });

  it('switch A keeps answering its local groups throughout', async () => {
    const local: RouteResult = await toA.getRoutes({ ...CALL, routing_group: 'Local', cld: '12125550100' });
    expect(local.routes.map((r) => r.connection_name)).to.deep.equal(['local-pstn']);
  });
});

// The resolver around the selection rules: finding the group, the answer's
// shape, errors, logging once, external groups.

import { expect } from 'chai';
import { useFreshDatabase } from '../harness/database.js';
import { RoutingFixture } from '../harness/routing-fixture.js';
import { createResolver, type ExternalGroupHandler, type RouteRequest, type RoutingLogger } from '../../src/routing/index.js';
import { isSippyError, type SippyError } from '../../src/errors.js';
import { seededRandom } from '../../src/seeded-random.js';

const T = new Date('2026-01-15T12:00:00Z');

function request(routing_group: string, extra: Partial<RouteRequest> = {}): RouteRequest {
  return { routing_group, cld: '4420712345678', cli: '15551230000', time: T, hops: 0, ...extra };
}

class RecordingLogger implements RoutingLogger {
  readonly lines: { level: string; message: string; fields: Record<string, unknown> | undefined }[] = [];
  warn(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'warn', message, fields });
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'error', message, fields });
  }
}

async function failure(promise: Promise<unknown>): Promise<SippyError> {
  try {
    await promise;
  } catch (err) {
    if (isSippyError(err)) return err;
    throw err;
  }
  throw new Error('expected the promise to fail');
}

describe('route resolver: groups, answer, errors', function () {
  const database = useFreshDatabase();
  let fixture: RoutingFixture;
  let vendor: number;
  let carrierA: number;
  let ukSet: number;
  let i_route: number;

  before(async () => {
    fixture = new RoutingFixture(database().db);
    await fixture.environmentRow();
    await new RoutingFixture(database().db, 2).environmentRow();
    vendor = await fixture.vendor('Carrier A');
    carrierA = await fixture.connection({ vendor, name: 'carrier-a-lon', destination: '198.51.100.7:5060', capacity: 30 });
    ukSet = await fixture.destinationSet({ name: 'A-UK', connect_fee: '0.005000', free_seconds: 5, grace_period: 3, post_call_surcharge: '0.000100', currency: 'GBP' });
    i_route = await fixture.route(ukSet, { prefix: '44207', price_1: '0.012000', price_n: '0.006000', interval_1: 60, interval_n: 30, timeout: 30, preference: 7 });
    for (const name of ['Group 1', 'group 1']) {
      const group = await fixture.group({ name, policy: 'lcr', average_duration: 125 });
      await fixture.entry(group, carrierA, ukSet);
    }
    await fixture.group({ name: 'Empty', policy: 'lcr' });
  });

  it('answers the full route shape of rpc.md, money as exact decimal strings', async () => {
    const resolver = createResolver(database().db, { logger: new RecordingLogger() });
    const result = await resolver.resolve(1, request('Group 1'));
    const group = await database().db.select('SELECT i_routing_group FROM routing_groups WHERE name = ?', ['Group 1']);
    expect(result).to.deep.equal({
      i_environment: 1,
      routing_group: { i_routing_group: Number(group[0]!.i_routing_group), name: 'Group 1', policy: 'lcr' },
      cli: '15551230000',
      cld: '4420712345678',
      routes: [{
        i_connection: carrierA, connection_name: 'carrier-a-lon', destination: '198.51.100.7:5060',
        i_vendor: vendor, vendor_name: 'Carrier A', i_destination_set: ukSet, destination_set_name: 'A-UK',
        i_route, prefix: '44207', preference: 7, huntstop: false, timeout: 30, timeout_1xx: null,
        price_1: '0.012000', price_n: '0.006000', interval_1: 60, interval_n: 30,
        connect_fee: '0.005000', free_seconds: 5, grace_period: 3, post_call_surcharge: '0.000100', currency: 'GBP',
        // D = 125 - 5 = 120: 0.005 + 0.012*60/60 + 0.006*30*ceil(60/30)/60 = 0.005 + 0.012 + 0.006
        estimated_cost: '0.023000',
        capacity: 30, cli: '15551230000', cld: '4420712345678',
      }],
    });
    expect(result).to.not.have.property('excluded');
  });

  it('finds group names exactly: Group 1 and group 1 are two groups, GROUP 1 and "Group 1 " none', async () => {
    const resolver = createResolver(database().db);
    const upper = await resolver.resolve(1, request('Group 1'));
    const lower = await resolver.resolve(1, request('group 1'));
    expect(upper.routing_group.name).to.equal('Group 1');
    expect(lower.routing_group.name).to.equal('group 1');
    expect(upper.routing_group.i_routing_group).to.not.equal(lower.routing_group.i_routing_group);
    for (const name of ['GROUP 1', 'Group 1 ', 'Group1']) {
      const err = await failure(resolver.resolve(1, request(name)));
      expect(err.code, name).to.equal('ROUTING_GROUP_NOT_FOUND');
    }
  });

  it('answers ROUTING_GROUP_NOT_FOUND (-32001) with data.routing_group, also for another environment', async () => {
    const resolver = createResolver(database().db);
    const err = await failure(resolver.resolve(2, request('Group 1')));
    expect(err.code).to.equal('ROUTING_GROUP_NOT_FOUND');
    expect(err.rpcCode).to.equal(-32001);
    expect(err.data).to.deep.equal({ routing_group: 'Group 1' });
    expect(err.message).to.equal('no routing group named "Group 1" in environment 2');
  });

  it('answers an empty route list for a group without entries', async () => {
    const result = await createResolver(database().db).resolve(1, request('Empty', { explain: true }));
    expect(result.routes).to.deep.equal([]);
    expect(result.excluded).to.deep.equal([]);
  });

  it('uses databaseFor(environment) for each request', async () => {
    const asked: number[] = [];
    const resolver = createResolver((env) => (asked.push(env), database().db));
    await resolver.resolve(1, request('Group 1'));
    await failure(resolver.resolve(2, request('Group 1')));
    expect(asked).to.deep.equal([1, 2]);
  });

  it('refuses a bad policy with ROUTING_BAD_POLICY (-32603), logged once', async () => {
    const group = await fixture.group({ name: 'Bad policy', policy: 'lcr,cheapest' });
    await fixture.entry(group, carrierA, ukSet);
    const logger = new RecordingLogger();
    const resolver = createResolver(database().db, { logger });
    for (let i = 0; i < 3; i++) {
      const err = await failure(resolver.resolve(1, request('Bad policy')));
      expect(err.code).to.equal('ROUTING_BAD_POLICY');
      expect(err.rpcCode).to.equal(-32603);
      expect(err.message).to.contain('unknown key "cheapest"');
    }
    expect(logger.lines).to.have.length(1);
    expect(logger.lines[0]!.level).to.equal('error');
    expect(logger.lines[0]!.message).to.contain('"Bad policy"').and.contain('"cheapest"');
  });

  it('logs a bad translation rule once, naming rule and connection', async () => {
    const bad = await fixture.connection({ vendor, name: 'carrier-bad-rule', cld_translation_rule: 's/^0(/44/' });
    const group = await fixture.group({ name: 'Bad rule', policy: 'order' });
    await fixture.entry(group, bad, ukSet, { entry_order: 1 });
    await fixture.entry(group, carrierA, ukSet, { entry_order: 2 });
    const logger = new RecordingLogger();
    const resolver = createResolver(database().db, { logger });
    for (let i = 0; i < 3; i++) {
      const result = await resolver.resolve(1, request('Bad rule', { explain: true }));
      expect(result.routes.map((r) => r.connection_name)).to.deep.equal(['carrier-a-lon']);
      expect(result.excluded).to.deep.equal([{ i_connection: bad, connection_name: 'carrier-bad-rule', reason: 'bad_translation_rule' }]);
    }
    expect(logger.lines).to.have.length(1);
    expect(logger.lines[0]!.message).to.contain('"carrier-bad-rule"').and.contain('bad regular expression');
    expect(logger.lines[0]!.fields).to.include({ i_connection: bad, field: 'cld_translation_rule', rule: 's/^0(/44/' });
  });

  it('forwards an external group by default, never revealing the credentials of its URI', async () => {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    await fixture.group({ name: 'Upstream', external: true, uri: 'http://user:secret@127.0.0.1:1/' });
    const logger = new RecordingLogger();
    const resolver = createResolver(database().db, { logger });
    try {
      const err = await failure(resolver.resolve(1, request('Upstream')));
      expect(err.code).to.equal('UPSTREAM_UNREACHABLE');
      expect(err.data).to.deep.equal({ uri: 'http://user:***@127.0.0.1:1/' });
      expect(err.message).to.equal('the upstream of routing group "Upstream" (http://user:***@127.0.0.1:1/) is unreachable');
      expect(logger.lines).to.have.length(1);
      expect(logger.lines[0]!.fields).to.include({ routing_group: 'Upstream', uri: 'http://user:***@127.0.0.1:1/', code: 'UPSTREAM_UNREACHABLE' });
      expect(JSON.stringify(logger.lines)).to.not.contain('secret');
    } finally {
      await resolver.close();
    }
  });

  it('hands an external group to the ExternalGroupHandler when one is plugged in', async () => {
    const calls: string[] = [];
    const external: ExternalGroupHandler = {
      async resolve(environment, group, req) {
        calls.push(`${environment}:${group.name}:${group.uri}:${req.cld}`);
        return { i_environment: environment, routing_group: { i_routing_group: group.i_routing_group, name: group.name, policy: group.policy }, cli: req.cli, cld: req.cld, routes: [] };
      },
    };
    const result = await createResolver(database().db, { external }).resolve(1, request('Upstream'));
    expect(result.routes).to.deep.equal([]);
    expect(calls).to.deep.equal(['1:Upstream:http://user:secret@127.0.0.1:1/:4420712345678']);
  });

  it('validates the bounds it depends on: cld 1–64 characters, max_routes 1–100', async () => {
    const resolver = createResolver(database().db);
    const cases: [Partial<RouteRequest>, string][] = [
      [{ cld: '' }, '/cld'], [{ cld: '1'.repeat(65) }, '/cld'], [{ cli: '1'.repeat(65) }, '/cli'],
      [{ max_routes: 0 }, '/max_routes'], [{ max_routes: 101 }, '/max_routes'], [{ max_routes: 1.5 }, '/max_routes'],
      [{ time: new Date(NaN) }, '/call_start_time'], [{ routing_group: '' }, '/routing_group'],
      [{ hops: -1 }, '/hops'], [{ hops: 17 }, '/hops'], [{ hops: 0.5 }, '/hops'],
    ];
    for (const [extra, path] of cases) {
      const err = await failure(resolver.resolve(1, request('Group 1', extra)));
      expect(err.code, path).to.equal('RPC_INVALID_PARAMS');
      expect((err.data as { errors: { path: string }[] }).errors.map((e) => e.path)).to.deep.equal([path]);
    }
    const longest = await resolver.resolve(1, request('Group 1', { cld: `44207${'9'.repeat(59)}` }));
    expect(longest.routes.map((r) => r.prefix)).to.deep.equal(['44207']);
  });

  it('orders weighted entries by the injected random source, reproducibly', async () => {
    const b = await fixture.connection({ vendor, name: 'carrier-b' });
    const c = await fixture.connection({ vendor, name: 'carrier-c' });
    const group = await fixture.group({ name: 'Weighted', policy: 'weight' });
    await fixture.entry(group, carrierA, ukSet, { weight: 1 });
    await fixture.entry(group, b, ukSet, { weight: 3 });
    await fixture.entry(group, c, ukSet);
    const orders = async (seed: number): Promise<string[]> => {
      const resolver = createResolver(database().db, { random: seededRandom(seed) });
      const out: string[] = [];
      for (let i = 0; i < 20; i++) out.push((await resolver.resolve(1, request('Weighted'))).routes.map((r) => r.connection_name).join(','));
      return out;
    };
    const first = await orders(99);
    expect(await orders(99)).to.deep.equal(first);
    expect(new Set(first).size).to.equal(2);
    for (const order of first) expect(order.endsWith(',carrier-c')).to.equal(true);
  });

  it('refuses to resolve once closed', async () => {
    const resolver = createResolver(database().db);
    await resolver.close();
    await resolver.close();
    const err = await failure(resolver.resolve(1, request('Group 1')));
    expect(err.code).to.equal('RPC_INTERNAL');
  });
});

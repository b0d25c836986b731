import { expect } from 'chai';
import { RpcCallError } from '../../../src/client/rpc-client.js';
import { SippyError } from '../../../src/errors.js';
import { checkHops, connectionsToCreate, mapUpstreamRoutes, unmappableRoute, upstreamCall, upstreamFailure } from '../../../src/routing/external/external-map.js';
import { IntervalFilter } from '../../../src/routing/rules/log.js';
import { CreationBudget } from '../../../src/routing/external/creation-budget.js';
import type { GroupRow } from '../../../src/routing/rules/model.js';
import { connectionKey, type ExternalConnections } from '../../../src/routing/external/external-sql.js';
import type { ExternalConnectionRow } from '../../../src/routing/rules/model.js';
import { RuleCache } from '../../../src/routing/rules/translation.js';
import type { Route, RouteRequest, RouteResult } from '../../../src/routing/contract.js';
import { UpstreamClients } from '../../../src/routing/external/upstream-clients.js';

const GROUP: GroupRow = { i_routing_group: 5, name: 'Group 1', policy: 'lcr', average_duration: 200, external: true, uri: 'unix:/run/up.sock' };
const REQUEST: RouteRequest = { routing_group: 'Group 1', cld: '4420712345678', cli: '15551230000', time: new Date('2026-03-01T10:00:00.250+01:00'), hops: 1 };

function upstreamRoute(name: string, extra: Partial<Route> = {}): Route {
  return {
    i_connection: 31, connection_name: name, destination: `${name}.up:5060`, i_vendor: 4, vendor_name: 'Carrier A',
    i_destination_set: 12, destination_set_name: 'A-UK', i_route: 88012, prefix: '44207', preference: 5, huntstop: false,
    timeout: 30, timeout_1xx: null, price_1: '0.012000', price_n: '0.006000', interval_1: 60, interval_n: 30,
    connect_fee: '0.005000', free_seconds: 5, grace_period: 3, post_call_surcharge: '0.000100', currency: 'GBP',
    estimated_cost: '0.040000', capacity: 30, cli: '15551230000', cld: '004420712345678', ...extra,
  };
}

function upstream(routes: Route[]): RouteResult {
  return { i_environment: 1, routing_group: { i_routing_group: 70, name: 'Group 1', policy: 'lcr' }, cli: REQUEST.cli, cld: REQUEST.cld, routes };
}

function local(rows: Partial<ExternalConnectionRow>[]): ExternalConnections {
  const byName = new Map<string, ExternalConnectionRow>();
  rows.forEach((row, i) => {
    const full: ExternalConnectionRow = {
      i_connection: 500 + i, name: `c${i}`, destination: `local-${i}:5060`, cli_translation_rule: null, cld_translation_rule: null, capacity: -1, enabled: true, ...row,
    };
    byName.set(connectionKey(full.name), full);
  });
  return { i_vendor: 9, vendor_name: 'External Connections (autocreated)', byName };
}

describe('external groups: pure steps', () => {
  it('checkHops refuses a request at the limit with ROUTING_LOOP, and lets one below through', () => {
    expect(() => checkHops({ ...REQUEST, hops: 3 }, 4, GROUP)).not.to.throw();
    const err = (() => {
      try {
        checkHops({ ...REQUEST, hops: 4 }, 4, GROUP);
      } catch (e) {
        return e as SippyError;
      }
      return undefined;
    })();
    expect(err?.code).to.equal('ROUTING_LOOP');
    expect(err?.rpcCode).to.equal(-32003);
    expect(err?.data).to.deep.equal({ routing_group: 'Group 1', hops: 4, max_hops: 4 });
    expect(() => checkHops({ ...REQUEST, hops: 0 }, 0, GROUP)).to.throw(SippyError);
  });

  it('upstreamCall sends the time as UTC ISO 8601, one more hop, max_routes and call_id only when set', () => {
    expect(upstreamCall(GROUP, REQUEST)).to.deep.equal({ routing_group: 'Group 1', cli: REQUEST.cli, cld: REQUEST.cld, call_start_time: '2026-03-01T09:00:00.250Z', hops: 2 });
    expect(upstreamCall(GROUP, { ...REQUEST, max_routes: 3, explain: true, call_id: 'abc', remote_ip: '192.0.2.1' })).to.deep.equal({
      routing_group: 'Group 1', cli: REQUEST.cli, cld: REQUEST.cld, call_start_time: '2026-03-01T09:00:00.250Z', hops: 2, max_routes: 3, call_id: 'abc',
    });
  });

  it('upstreamFailure maps each RpcCallError kind to its catalogue code', () => {
    const uri = 'unix:/run/up.sock';
    const map = (err: unknown) => upstreamFailure(err, uri, GROUP);
    expect(map(new RpcCallError('unreachable', 'x'))).to.include({ code: 'UPSTREAM_UNREACHABLE' });
    expect(map(new RpcCallError('timeout', 'x'))).to.include({ code: 'UPSTREAM_UNREACHABLE', message: 'the upstream of routing group "Group 1" (unix:/run/up.sock) did not answer in time' });
    expect(map(new RpcCallError('invalid', 'x')).data).to.deep.equal({ uri });
    expect(map(new RpcCallError('invalid', 'x')).code).to.equal('UPSTREAM_ERROR');
    const remote = map(new RpcCallError('remote', 'x', { code: -32001, message: 'no group', data: { routing_group: 'Group 1' } }));
    expect(remote.code).to.equal('UPSTREAM_ERROR');
    expect(remote.data).to.deep.equal({ uri, upstream: { code: -32001, message: 'no group', data: { routing_group: 'Group 1' } } });
    const loop = map(new RpcCallError('remote', 'x', { code: -32003, message: 'loop', data: { hops: 4 } }));
    expect(loop).to.include({ code: 'ROUTING_LOOP', message: 'loop' });
    expect(loop.data).to.deep.equal({ hops: 4 });
    expect(map(new RpcCallError('remote', 'x', { code: -32003, message: 'loop', data: [1] })).data).to.equal(undefined);
    expect(map(new TypeError('boom')).code).to.equal('UPSTREAM_ERROR');
  });

  it('maps routes in upstream order onto local connections: local identity, destination, capacity and rules; upstream rates', () => {
    const rules = new RuleCache();
    const mapped = mapUpstreamRoutes(
      upstream([upstreamRoute('b'), upstreamRoute('a', { price_1: '0.020000', cli: '0015551230000' })]),
      local([{ name: 'a', cli_translation_rule: 's/^00/+/', capacity: 4 }, { name: 'b', destination: 'edited:5060' }]),
      rules,
      undefined,
    );
    expect(mapped.excluded).to.deep.equal([]);
    expect(mapped.routes.map((r) => [r.connection_name, r.i_connection, r.destination, r.i_vendor, r.capacity, r.price_1, r.cli, r.cld])).to.deep.equal([
      ['b', 501, 'edited:5060', 9, -1, '0.012000', '15551230000', '004420712345678'],
      ['a', 500, 'local-0:5060', 9, 4, '0.020000', '+15551230000', '004420712345678'],
    ]);
    expect(mapped.routes[0]).to.deep.equal({
      ...upstreamRoute('b'), i_connection: 501, destination: 'edited:5060', i_vendor: 9, vendor_name: 'External Connections (autocreated)', capacity: -1,
    });
  });

  it('leaves out disabled, bad-rule, duplicate and over-max routes, saying why', () => {
    const mapped = mapUpstreamRoutes(
      upstream([upstreamRoute('off'), upstreamRoute('bad'), upstreamRoute('ok'), upstreamRoute('ok'), upstreamRoute('ok2'), upstreamRoute('ok3')]),
      local([{ name: 'off', enabled: false }, { name: 'bad', cld_translation_rule: 's/(/x/' }, { name: 'ok' }, { name: 'ok2' }, { name: 'ok3' }]),
      new RuleCache(),
      2,
    );
    expect(mapped.routes.map((r) => r.connection_name)).to.deep.equal(['ok', 'ok2']);
    expect(mapped.excluded).to.deep.equal([
      { i_connection: 500, connection_name: 'off', reason: 'disabled' },
      { i_connection: 501, connection_name: 'bad', reason: 'bad_translation_rule' },
      { i_connection: 502, connection_name: 'ok', reason: 'duplicate' },
      { i_connection: 504, connection_name: 'ok3', reason: 'over_max_routes' },
    ]);
    expect(mapped.badRules.map((b) => [b.connection.name, b.field])).to.deep.equal([['bad', 'cld_translation_rule']]);
  });

  it('matches names as the unique key does (trailing spaces ignored, case kept); a route without its connection is left out, not an error', () => {
    const mapped = mapUpstreamRoutes(upstream([upstreamRoute('gw1 ')]), local([{ name: 'gw1' }]), new RuleCache(), undefined);
    expect(mapped.routes.map((r) => r.connection_name)).to.deep.equal(['gw1']);
    const vanished = mapUpstreamRoutes(upstream([upstreamRoute('GW1'), upstreamRoute('gw1')]), local([{ name: 'gw1' }]), new RuleCache(), undefined);
    expect(vanished.routes.map((r) => r.connection_name)).to.deep.equal(['gw1']);
    expect(vanished.unmatched.map((r) => r.connection_name)).to.deep.equal(['GW1']);
  });

  it('connectionsToCreate asks only for the connections of routes that will be returned (max_routes, duplicates, existing ones counted)', () => {
    const many = Array.from({ length: 1000 }, (_, i) => upstreamRoute(`new${i}`, { capacity: i }));
    expect(connectionsToCreate(upstream(many), local([]), new RuleCache(), 1)).to.deep.equal([{ name: 'new0', destination: 'new0.up:5060', capacity: 0 }]);
    expect(connectionsToCreate(upstream(many), local([]), new RuleCache(), undefined)).to.have.length(1000);
    // A disabled existing connection does not count toward max_routes; an enabled one does; a repeated new name is asked for once.
    const routes = [upstreamRoute('off'), upstreamRoute('n1'), upstreamRoute('n1 '), upstreamRoute('on'), upstreamRoute('n2'), upstreamRoute('n3')];
    expect(connectionsToCreate(upstream(routes), local([{ name: 'off', enabled: false }, { name: 'on' }]), new RuleCache(), 3).map((c) => c.name)).to.deep.equal(['n1', 'n2']);
  });

  it('leaves out a route whose local connection has a destination that does not parse (bad_destination), after its rules are checked', () => {
    const mapped = mapUpstreamRoutes(
      upstream([upstreamRoute('gw bad'), upstreamRoute('both'), upstreamRoute('ok')]),
      local([{ name: 'gw bad', destination: 'gw bad:5060' }, { name: 'both', destination: 'sip:u@h', cli_translation_rule: 's/(/x/' }, { name: 'ok' }]),
      new RuleCache(),
      undefined,
    );
    expect(mapped.routes.map((r) => r.connection_name)).to.deep.equal(['ok']);
    expect(mapped.excluded).to.deep.equal([
      { i_connection: 500, connection_name: 'gw bad', reason: 'bad_destination' },
      { i_connection: 501, connection_name: 'both', reason: 'bad_translation_rule' },
    ]);
    expect(mapped.badRules.map((b) => [b.connection.name, b.field])).to.deep.equal([['gw bad', 'destination'], ['both', 'cli_translation_rule']]);
  });

  it('connectionsToCreate also asks for a connection whose upstream destination does not parse: the answer then names it, and an operator can correct it', () => {
    const routes = [upstreamRoute('bad', { destination: 'not a host' }), upstreamRoute('n1'), upstreamRoute('n2')];
    expect(connectionsToCreate(upstream(routes), local([]), new RuleCache(), 1)).to.deep.equal([
      { name: 'bad', destination: 'not a host', capacity: 30 },
      { name: 'n1', destination: 'n1.up:5060', capacity: 30 },
    ]);
  });

  it('unmappableRoute refuses a lone surrogate in a name or destination, and accepts paired ones', () => {
    expect(unmappableRoute(upstreamRoute('gw\ud800x'))).to.match(/connection_name holds a lone UTF-16 surrogate/);
    expect(unmappableRoute(upstreamRoute('gw\udc00'))).to.match(/lone UTF-16 surrogate/);
    expect(unmappableRoute(upstreamRoute('gw', { destination: '\ud83d:5060' }))).to.match(/destination holds/);
    expect(unmappableRoute(upstreamRoute('gw\u{1F600}x'))).to.equal(undefined);
  });
});

describe('CreationBudget', () => {
  it('grants up to N a minute per upstream, refilled evenly, and 0 when N is 0', () => {
    let now = 0;
    const budget = new CreationBudget(60, () => now);
    expect(budget.take('a', 1000)).to.equal(60);
    expect(budget.take('a', 5)).to.equal(0);
    expect(budget.take('b', 5)).to.equal(5);
    now += 10_000;
    expect(budget.take('a', 1000)).to.equal(10);
    now += 3_600_000;
    expect(budget.take('a', 1000)).to.equal(60);
    expect(new CreationBudget(0, () => now).take('a', 1)).to.equal(0);
    expect(() => new CreationBudget(-1)).to.throw(RangeError);
  });
});

describe('IntervalFilter', () => {
  it('allows a key once per interval, by the clock it is given', () => {
    let now = 1_000;
    const filter = new IntervalFilter(60_000, () => now);
    expect([filter.allow('a'), filter.allow('a'), filter.allow('b')]).to.deep.equal([true, false, true]);
    now += 59_999;
    expect(filter.allow('a')).to.equal(false);
    now += 1;
    expect(filter.allow('a')).to.equal(true);
  });
});

describe('UpstreamClients', () => {
  it('keeps at most `capacity` clients, reusing the one of a URI, and refuses a bad capacity', async () => {
    const clients = new UpstreamClients({ timeoutMs: 100 }, 2);
    const seen: unknown[] = [];
    try {
      for (const uri of ['unix:/a.sock', 'unix:/b.sock', 'unix:/a.sock', 'unix:/c.sock']) {
        await clients.with(uri, 1, async (client) => seen.push(client));
      }
      expect(clients.size).to.equal(2);
      expect(seen[0]).to.equal(seen[2]);
      expect(seen[0]).not.to.equal(seen[1]);
      // b was the least recently used: a new client for it now.
      await clients.with('unix:/b.sock', 1, async (client) => seen.push(client));
      expect(seen[4]).not.to.equal(seen[1]);
    } finally {
      clients.close();
    }
    expect(clients.size).to.equal(0);
    expect(() => new UpstreamClients({}, 0)).to.throw(RangeError);
  });

  it('gives calls of each hops value a client of their own, so a call never waits for a socket its own loop holds', async () => {
    const clients = new UpstreamClients({ timeoutMs: 100 }, 2);
    const seen: unknown[] = [];
    try {
      for (const hops of [1, 2, 1]) await clients.with('unix:/a.sock', hops, async (client) => seen.push(client));
      expect(clients.size).to.equal(1);
      expect(seen[0]).to.equal(seen[2]);
      expect(seen[0]).not.to.equal(seen[1]);
    } finally {
      clients.close();
    }
  });
});

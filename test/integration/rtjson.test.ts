// The rtjson answer (sip-proxies.md) end to end: real MariaDB, the real
// resolver (SQL and snapshot), a real HTTP listener; asked with getRoutes
// `"format": "rtjson"` and with GET /rtjson.

import { expect } from 'chai';
import type { AddressInfo } from 'node:net';
import { parseDsn } from '../../src/db/dsn.js';
import { createLogger, silentLogger, type Logger } from '../../src/log.js';
import { DaemonMetrics } from '../../src/metrics/daemon-metrics.js';
import { Listener } from '../../src/rpc/listener.js';
import { createResolver, SnapshotFollower, type RoutingResolver } from '../../src/routing/index.js';
import type { Resolver } from '../../src/routing/contract.js';
import { useFreshDatabase } from '../harness/database.js';
import { parseExposition, sampleValue } from '../harness/prometheus.js';
import { RoutingFixture } from '../harness/routing-fixture.js';
import { call, makeSpec, makeTempDir, post, type HttpAnswer, type TempDir } from '../harness/rpc.js';
import { answerJson, fixedUpstreamResult, ScriptedPeer } from '../harness/external.js';
import { Database } from '../../src/db/pool.js';
import { join } from 'node:path';

const ENV = 2;
const CALL = { routing_group: 'Kamailio', cld: '4420712345678', cli: '15551230000' };
const QUERY = `routing_group=Kamailio&cld=4420712345678&cli=15551230000`;

/** A listener on 127.0.0.1 (ephemeral port) in front of `resolver`. */
async function httpListener(resolver: Resolver, options: { allow?: string[]; logger?: Logger; metrics?: DaemonMetrics; httpPath?: string } = {}): Promise<{ listener: Listener; port: number }> {
  const spec = makeSpec({ kind: 'http', host: '127.0.0.1', port: 0 }, { environment: ENV, allow: options.allow ?? ['127.0.0.0/8'], httpPath: options.httpPath ?? '/' });
  const listener = new Listener(spec, resolver, options.logger ?? silentLogger, options.metrics === undefined ? {} : { metrics: options.metrics });
  await listener.start();
  return { listener, port: (listener.address() as AddressInfo).port };
}

describe('rtjson: getRoutes as Kamailio\'s routing document', function () {
  this.timeout(30_000);
  const database = useFreshDatabase();
  let resolver: RoutingResolver;
  let listener: Listener;
  let port: number;
  let logLines: Record<string, unknown>[];
  const ids: Record<string, number> = {};

  const get = (query: string, method = 'GET'): Promise<HttpAnswer> => post({ host: '127.0.0.1', port }, '', { method, path: `/rtjson?${query}` });
  const rpc = async (params: Record<string, unknown>) => (await post({ host: '127.0.0.1', port }, call('getRoutes', params))).json as { result?: any; error?: any };

  before(async () => {
    const fixture = new RoutingFixture(database().db, ENV);
    await fixture.environmentRow();
    const vendor = await fixture.vendor('Carriers');
    const set = async (name: string, price: string, timeout: number | null, timeout_1xx: number | null) => {
      const id = await fixture.destinationSet({ name });
      await fixture.route(id, { prefix: '44', price_1: price, timeout, timeout_1xx });
      return id;
    };
    const group = await fixture.group({ name: 'Kamailio', policy: 'lcr' });
    await fixture.group({ name: 'Empty' });
    // Cheapest first: the two bad destinations would lead.
    const carriers: [string, string, string | null, string | null, string, number | null, number | null][] = [
      ['bad-space', 'gw bad:5060', null, null, '0.000100', 30, null],
      ['bad-user', 'sip:someone@gw.example.net', null, null, '0.000200', 30, null],
      ['hostport', '198.51.100.7:5060', null, null, '0.001000', 30, 5],
      ['host', 'gw-b.example.net', 's/^1/+1/', null, '0.002000', null, null],
      ['v6', '[2001:db8::7]:5080', null, 's/^/00/', '0.003000', 45, null],
      ['uri', 'sip:gw-d.example.net:5070;transport=tcp', null, null, '0.004000', null, 2],
      ['sips', 'sips:gw-e.example.net', 's/^/+/', null, '0.005000', 60, 10],
    ];
    for (const [name, destination, cli_translation_rule, cld_translation_rule, price, timeout, timeout1xx] of carriers) {
      ids[name] = await fixture.connection({ vendor, name, destination, cli_translation_rule, cld_translation_rule });
      await fixture.entry(group, ids[name]!, await set(name, price, timeout, timeout1xx));
    }
    logLines = [];
    const logger = createLogger({ level: 'info', format: 'json', stream: { write: (text: string) => logLines.push(JSON.parse(text) as Record<string, unknown>) } });
    resolver = createResolver(database().db, { logger });
    ({ listener, port } = await httpListener(resolver));
  });

  after(async () => {
    await listener?.stop(0);
    await resolver?.close();
  });

  const EXPECTED = {
    version: '1.0',
    routing: 'serial',
    routes: [
      { uri: 'sip:4420712345678@198.51.100.7:5060', dst_uri: 'sip:198.51.100.7:5060', fr_timer: 5000, fr_inv_timer: 30000 },
      { uri: 'sip:4420712345678@gw-b.example.net', dst_uri: 'sip:gw-b.example.net', headers: { from: { display: '', uri: 'sip:+15551230000@gw-b.example.net' } } },
      { uri: 'sip:004420712345678@[2001:db8::7]:5080', dst_uri: 'sip:[2001:db8::7]:5080', fr_inv_timer: 45000 },
      { uri: 'sip:4420712345678@gw-d.example.net:5070;transport=tcp', dst_uri: 'sip:gw-d.example.net:5070;transport=tcp', fr_timer: 2000 },
      { uri: 'sips:4420712345678@gw-e.example.net', dst_uri: 'sips:gw-e.example.net', fr_timer: 10000, fr_inv_timer: 60000, headers: { from: { display: '', uri: 'sips:+15551230000@gw-e.example.net' } } },
    ],
  };

  it('GET /rtjson: 200, application/json, one route per getRoutes route in its order, uri/dst_uri for every destination form', async () => {
    const answer = await get(QUERY);
    expect(answer.status).to.equal(200);
    expect(answer.headers['content-type']).to.equal('application/json');
    expect(answer.json).to.deep.equal(EXPECTED);
    const plain = await rpc(CALL);
    expect(plain.result.routes.map((r: { connection_name: string }) => r.connection_name)).to.deep.equal(['hostport', 'host', 'v6', 'uri', 'sips']);
  });

  it('getRoutes with "format": "rtjson" answers the same document as its result; "sippy" is the default form', async () => {
    expect((await rpc({ ...CALL, format: 'rtjson' })).result).to.deep.equal(EXPECTED);
    expect((await rpc({ ...CALL, format: 'sippy' })).result).to.deep.equal((await rpc(CALL)).result);
    const wrong = await rpc({ ...CALL, format: 'kamailio' });
    expect(wrong.error).to.deep.equal({
      code: -32602,
      message: 'Invalid params: /format must be one of "sippy", "rtjson".',
      data: { errors: [{ path: '/format', message: 'must be one of "sippy", "rtjson"' }] },
    });
  });

  it('a bad destination leaves its route out of every form, as bad_destination under explain, with one log line per connection', async () => {
    for (let i = 0; i < 3; i++) await get(QUERY);
    const explained = await rpc({ ...CALL, explain: true });
    expect(explained.result.excluded).to.deep.equal([
      { i_connection: ids['bad-space'], connection_name: 'bad-space', reason: 'bad_destination' },
      { i_connection: ids['bad-user'], connection_name: 'bad-user', reason: 'bad_destination' },
    ]);
    const rtjsonExplained = await rpc({ ...CALL, explain: true, format: 'rtjson' });
    expect(rtjsonExplained.result).to.deep.equal({ ...EXPECTED, excluded: explained.result.excluded });
    const lines = logLines.filter((line) => line.field === 'destination');
    expect(lines.map((line) => [line.connection_name, line.destination])).to.deep.equal([
      ['bad-space', 'gw bad:5060'],
      ['bad-user', 'sip:someone@gw.example.net'],
    ]);
    expect(lines[0]!.msg ?? lines[0]!.message).to.match(/connection "bad-space" left out of routing: destination "gw bad:5060" has "gw bad", which is not a host name/);
  });

  it('the snapshot answers the same documents as SQL, and validates destinations when it loads them', async () => {
    const follower = new SnapshotFollower({ dsn: parseDsn(database().dsn), settings: { pollMs: 60_000, reconcileS: 0 }, logger: silentLogger });
    follower.start();
    const snapshot = createResolver(database().db, { logger: silentLogger, snapshot: { follower } });
    try {
      await follower.syncNow();
      expect(follower.current).to.not.equal(undefined);
      const request = { ...CALL, time: new Date(), hops: 0 };
      expect(await snapshot.resolveRtjson(ENV, request)).to.deep.equal(EXPECTED);
      expect(await snapshot.resolveRtjson(ENV, { ...request, max_routes: 2 })).to.deep.equal({ ...EXPECTED, routes: EXPECTED.routes.slice(0, 2) });
      const explained = await snapshot.resolve(ENV, { ...request, explain: true });
      expect(explained.excluded?.filter((e) => e.reason === 'bad_destination').map((e) => e.connection_name)).to.deep.equal(['bad-space', 'bad-user']);
      const entry = follower.current!.group(ENV, 'Kamailio')!.entries.find((e) => e.row.connection_name === 'bad-space')!;
      expect(entry.row.sipDestination).to.be.instanceOf(Error);
    } finally {
      await snapshot.close();
      await follower.stop();
    }
  });

  it('takes cli, call_start_time and max_routes from the query; no route is "routes": []', async () => {
    const capped = await get(`${QUERY}&max_routes=2&call_start_time=2026-01-31T12%3A00%3A00%2B01%3A00`);
    expect(capped.json).to.deep.equal({ ...EXPECTED, routes: EXPECTED.routes.slice(0, 2) });
    // A literal + is a plus sign: the host carrier's rule (s/^1/+1/) leaves +1555 as it is, the sips carrier's (s/^/+/) makes it ++1555.
    const plus = (await get(`routing_group=Kamailio&cld=4420712345678&cli=+1555&call_start_time=1769857200`)).json as typeof EXPECTED;
    expect(plus.routes[1]).to.not.have.property('headers');
    expect(plus.routes[4]!.headers).to.deep.equal({ from: { display: '', uri: 'sips:++1555@gw-e.example.net' } });
    const none = await get('routing_group=Kamailio&cld=33123');
    expect([none.status, none.json]).to.deep.equal([200, { version: '1.0', routing: 'serial', routes: [] }]);
    expect((await get('routing_group=Empty&cld=4420')).json).to.deep.equal({ version: '1.0', routing: 'serial', routes: [] });
  });

  it('HEAD answers the headers of GET without a body', async () => {
    const head = await get(QUERY, 'HEAD');
    expect(head.status).to.equal(200);
    expect(Number(head.headers['content-length'])).to.equal(Buffer.byteLength(JSON.stringify(EXPECTED)));
    expect(head.text).to.equal('');
  });

  it('errors: the JSON-RPC error response with an HTTP status (400 bad or unknown parameters, 404 unknown group)', async () => {
    const unknown = await get('routing_group=Nope&cld=1');
    expect([unknown.status, unknown.json]).to.deep.equal([404, { jsonrpc: '2.0', error: { code: -32001, message: 'no routing group named "Nope" in environment 2', data: { routing_group: 'Nope' } }, id: null }]);
    const extra = await get(`${QUERY}&explain=true&hops=2`);
    expect(extra.status).to.equal(400);
    expect((extra.json as any).error.data.errors).to.deep.equal([
      { path: '/explain', message: 'is not a parameter of GET /rtjson (routing_group, cld, cli, call_start_time, max_routes)' },
      { path: '/hops', message: 'is not a parameter of GET /rtjson (routing_group, cld, cli, call_start_time, max_routes)' },
    ]);
    const invalid = await get('routing_group=Kamailio&max_routes=0');
    expect(invalid.status).to.equal(400);
    expect((invalid.json as any).error).to.deep.include({ code: -32602 });
    expect((invalid.json as any).error.data.errors.map((e: { path: string }) => e.path)).to.deep.equal(['/cld', '/max_routes']);
    expect((await get('routing_group=Kamailio&cld=%FF')).status).to.equal(400);
  });

  it('only GET and HEAD: other methods answer 405 with Allow; another path answers 404; the JSON-RPC path still takes POST', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const answer = await post({ host: '127.0.0.1', port }, '{}', { method, path: `/rtjson?${QUERY}` });
      expect([answer.status, answer.headers.allow, (answer.json as any).error.code], method).to.deep.equal([405, 'GET, HEAD', -32600]);
    }
    expect((await post({ host: '127.0.0.1', port }, '', { method: 'GET', path: `/rtjson/?${QUERY}` })).status).to.equal(404);
    expect((await post({ host: '127.0.0.1', port }, '', { method: 'GET', path: '/' })).status).to.equal(405);
    // A listener whose JSON-RPC path is /rtjson serves both there.
    const both = await httpListener(resolver, { httpPath: '/rtjson' });
    try {
      const target = { host: '127.0.0.1', port: both.port };
      expect((await post(target, call('getRoutes', { ...CALL, format: 'rtjson' }), { path: '/rtjson' })).json).to.deep.include({ result: EXPECTED });
      expect((await post(target, '', { method: 'GET', path: `/rtjson?${QUERY}` })).json).to.deep.equal(EXPECTED);
      expect((await post(target, '', { method: 'PUT', path: '/rtjson' })).headers.allow).to.equal('GET, HEAD, POST');
    } finally {
      await both.listener.stop(0);
    }
  });

  it('the allow-list applies: a denied client gets 403 and nothing about routes', async () => {
    const closed = await httpListener(resolver, { allow: ['192.0.2.0/24'] });
    try {
      const answer = await post({ host: '127.0.0.1', port: closed.port }, '', { method: 'GET', path: `/rtjson?${QUERY}` });
      expect([answer.status, (answer.json as any).error.code]).to.deep.equal([403, -32004]);
    } finally {
      await closed.listener.stop(0);
    }
  });

  it('metrics count GET /rtjson as getRoutes calls, by outcome', async () => {
    const metrics = new DaemonMetrics();
    const counted = await httpListener(resolver, { metrics });
    try {
      const target = { host: '127.0.0.1', port: counted.port };
      await post(target, '', { method: 'GET', path: `/rtjson?${QUERY}` });
      await post(target, '', { method: 'GET', path: `/rtjson?${QUERY}` });
      await post(target, '', { method: 'GET', path: '/rtjson?routing_group=Nope&cld=1' });
      const families = parseExposition((await metrics.scrape()).text);
      const count = (outcome: string) => sampleValue(families, 'sippy_routed_requests_total', { environment: String(ENV), method: 'getRoutes', outcome });
      expect([count('ok'), count('ROUTING_GROUP_NOT_FOUND')]).to.deep.equal([2, 1]);
    } finally {
      await counted.listener.stop(0);
    }
  });

  describe('external groups and the HTTP statuses of failures', () => {
    let dir: TempDir;
    let peer: ScriptedPeer;

    before(async () => {
      dir = makeTempDir('sr-rtjson-');
      peer = await new ScriptedPeer(join(dir.path, 'upstream.sock')).start();
      const fixture = new RoutingFixture(database().db, ENV);
      await fixture.group({ name: 'Ext', external: true, uri: peer.uri });
      await fixture.group({ name: 'Unreachable', external: true, uri: `unix:${join(dir.path, 'absent.sock')}` });
      await fixture.group({ name: 'Loop', external: true, uri: `http://127.0.0.1:${port}/` });
      await fixture.group({ name: 'Bad policy', policy: 'lcr,cheapest' });
    });

    after(async () => {
      await peer?.stop();
      dir?.remove();
    });

    it("an external group's routes: asked upstream with JSON-RPC, mapped onto local connections, written as rtjson", async () => {
      peer.behaviour = (body, res) => {
        const result = fixedUpstreamResult(body.params as Record<string, unknown>) as { routes: Record<string, unknown>[] };
        result.routes.push({ ...result.routes[0]!, connection_name: 'up-broken', destination: 'not a host' });
        answerJson(res, { jsonrpc: '2.0', id: body.id, result });
      };
      const answer = await get('routing_group=Ext&cld=4420712345678&cli=1555');
      expect([answer.status, answer.json]).to.deep.equal([200, {
        version: '1.0',
        routing: 'serial',
        routes: [
          { uri: 'sip:004420712345678@198.51.100.1:5060', dst_uri: 'sip:198.51.100.1:5060', fr_inv_timer: 30000 },
          { uri: 'sip:004420712345678@198.51.100.2:5060', dst_uri: 'sip:198.51.100.2:5060', fr_inv_timer: 30000 },
        ],
      }]);
      expect(peer.requests.at(-1)).to.deep.include({ method: 'getRoutes' });
      const explained = await rpc({ routing_group: 'Ext', cld: '4420712345678', cli: '1555', explain: true, format: 'rtjson' });
      expect(explained.result.excluded).to.deep.equal([{ i_connection: explained.result.excluded[0].i_connection, connection_name: 'up-broken', reason: 'bad_destination' }]);
    });

    it('503 for a database that cannot answer (-32010), with the generic message', async () => {
      const dead = new Database(parseDsn(`mysql://root@localhost/x?socket=${join(dir.path, 'no-server.sock')}`));
      const down = createResolver(dead, { logger: silentLogger });
      const front = await httpListener(down);
      try {
        const answer = await post({ host: '127.0.0.1', port: front.port }, '', { method: 'GET', path: `/rtjson?${QUERY}` });
        expect([answer.status, answer.json]).to.deep.equal([503, { jsonrpc: '2.0', error: { code: -32010, message: 'The routing database is unavailable; retry later.' }, id: null }]);
      } finally {
        await front.listener.stop(0);
        await down.close();
        await dead.close();
      }
    });

    it('502 for an external upstream that cannot be reached (-32011), 508 for a loop of external groups (-32003), 500 for a bad policy', async () => {
      const unreachable = await get('routing_group=Unreachable&cld=1');
      expect([unreachable.status, (unreachable.json as any).error.code]).to.deep.equal([502, -32011]);
      const loop = await get('routing_group=Loop&cld=1');
      expect([loop.status, (loop.json as any).error.code]).to.deep.equal([508, -32003]);
      const policy = await get('routing_group=Bad%20policy&cld=1');
      expect([policy.status, (policy.json as any).error.code]).to.deep.equal([500, -32603]);
    });
  });
});

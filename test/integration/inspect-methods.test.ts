// listGroups / listRoutes (docs/rpc.md) and the `groups` / `routes`
// commands: real listeners on the demo data, one answering from the
// snapshot and one from SQL; the same pages from both; bounded pages; the
// allow-list in front of them as in front of getRoutes; and the two sources
// equal on random data.

import { expect } from 'chai';
import mysql from 'mysql2/promise';
import { join } from 'node:path';
import { loadDemo } from '../../src/db/demo.js';
import { catalogue } from '../../src/errors.js';
import { parseDsn } from '../../src/db/dsn.js';
import { silentLogger } from '../../src/log.js';
import { RpcClient, RpcCallError } from '../../src/client/rpc-client.js';
import { Listener } from '../../src/rpc/listener.js';
import { createResolver, MAX_PAGE_LIMIT, SnapshotFollower, type GroupsPage, type RoutesPage } from '../../src/routing/index.js';
import { listenerResolver } from '../../src/supervisor/managed-listener.js';
import { runCli } from '../harness/cli.js';
import { useFreshDatabase } from '../harness/database.js';
import { seedRoutingData, randomRequests } from '../harness/random-routing.js';
import { FakeResolver, makeSpec, makeTempDir, post, call, type TempDir } from '../harness/rpc.js';

const CLD = '4420712345678';

function withoutSource<T extends { source: string }>(page: T): Omit<T, 'source'> {
  const { source: _source, ...rest } = page;
  return rest;
}

describe('listGroups and listRoutes on the demo data', function () {
  this.timeout(60_000);
  const database = useFreshDatabase();
  let dir: TempDir;
  let follower: SnapshotFollower;
  const listeners: Listener[] = [];
  const resolvers: { close(): Promise<void> }[] = [];
  let snapshotUri: string;
  let sqlUri: string;
  let externalUri: string;

  // The resolver a daemon's listener gets (the database health log around the routing resolver).
  async function serve(environment: number, name: string, snapshot: boolean): Promise<string> {
    const path = join(dir.path, name);
    const spec = makeSpec({ kind: 'unix', path }, { environment });
    const resolver = listenerResolver(database().db, spec, silentLogger, snapshot ? follower : undefined);
    const listener = new Listener(spec, resolver, silentLogger);
    await listener.start();
    listeners.push(listener);
    resolvers.push(resolver);
    return `unix:${path}`;
  }

  async function ask<T>(uri: string, method: string, params: Record<string, unknown>): Promise<T> {
    const rpc = new RpcClient(uri);
    try {
      return (await rpc.call(method, params)) as T;
    } finally {
      rpc.close();
    }
  }

  before(async () => {
    dir = makeTempDir('sr-inspect-');
    await loadDemo(database().db, dir.path);
    follower = new SnapshotFollower({ dsn: parseDsn(database().dsn), settings: { pollMs: 60_000, reconcileS: 0 }, logger: silentLogger });
    follower.start();
    await follower.syncNow();
    snapshotUri = await serve(1, 'snap.1.sock', true);
    sqlUri = await serve(1, 'sql.1.sock', false);
    externalUri = await serve(2, 'sql.2.sock', false);
  });

  after(async () => {
    for (const listener of listeners) await listener.stop(0);
    for (const resolver of resolvers) await resolver.close();
    await follower?.stop();
    dir?.remove();
  });

  it('groups prints the environment\'s groups as a table, from the snapshot', async () => {
    const { code, stdout, stderr } = await runCli(['groups', snapshotUri]);
    expect({ code, stderr }).to.deep.equal({ code: 0, stderr: '' });
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).to.match(/^environment 1 \(from the routing snapshot\): groups 1-\d+ of \d+$/);
    expect(lines[1]).to.match(/^id\s+name\s+policy\s+avg\. duration\s+external\s+entries\s+enabled connections$/);
    expect(stdout).to.match(/Group 1\s+lcr\s+\d+ s\s+no\s+\d+\s+\d+/);
  });

  it('groups --json is the same page from the snapshot and from SQL, with counts of entries and enabled connections', async () => {
    const fromSnapshot = JSON.parse((await runCli(['groups', snapshotUri, '--json'])).stdout) as GroupsPage;
    const fromSql = JSON.parse((await runCli(['groups', sqlUri, '--json'])).stdout) as GroupsPage;
    expect(fromSnapshot.source).to.equal('snapshot');
    expect(fromSql.source).to.equal('sql');
    expect(withoutSource(fromSnapshot)).to.deep.equal(withoutSource(fromSql));
    const group1 = fromSql.groups.find((g) => g.name === 'Group 1')!;
    const [counted] = await database().db.select(
      `SELECT COUNT(*) AS entries, COUNT(DISTINCT CASE WHEN c.enabled THEN c.i_connection END) AS enabled
         FROM routing_group_entries e JOIN connections c USING (i_connection) WHERE e.i_routing_group = ?`,
      [group1.i_routing_group],
    );
    expect([group1.entries, group1.enabled_connections]).to.deep.equal([Number(counted!.entries), Number(counted!.enabled)]);
    expect(group1.enabled_connections).to.be.lessThan(group1.entries);
  });

  it('groups on an environment with an external group shows its uri', async () => {
    const page = JSON.parse((await runCli(['groups', externalUri, '--json'])).stdout) as GroupsPage;
    const external = page.groups.find((g) => g.external);
    expect(external?.uri).to.be.a('string');
    const table = (await runCli(['groups', externalUri])).stdout;
    expect(table).to.include(`yes: ${external!.uri}`);
  });

  it('routes --cld lists exactly the rows whose prefix the CLD starts with, equal from both sources', async () => {
    const fromSnapshot = await ask<RoutesPage>(snapshotUri, 'listRoutes', { routing_group: 'Group 1', cld: CLD, limit: MAX_PAGE_LIMIT });
    const fromSql = await ask<RoutesPage>(sqlUri, 'listRoutes', { routing_group: 'Group 1', cld: CLD, limit: MAX_PAGE_LIMIT });
    expect(withoutSource(fromSnapshot)).to.deep.equal(withoutSource(fromSql));
    expect(fromSql.total).to.be.greaterThan(0);
    expect(fromSql.routes).to.have.length(fromSql.total);
    for (const route of fromSql.routes) expect(CLD.startsWith(route.prefix), route.prefix).to.equal(true);
    const all = await ask<RoutesPage>(sqlUri, 'listRoutes', { routing_group: 'Group 1', limit: MAX_PAGE_LIMIT });
    const expected = all.total <= MAX_PAGE_LIMIT ? all.routes.filter((r) => CLD.startsWith(r.prefix)) : undefined;
    if (expected !== undefined) expect(fromSql.routes).to.deep.equal(expected);
  });

  it('the snapshot and SQL answer the same JSON text, member order included, the source aside', async () => {
    const pathOf = (uri: string) => uri.slice('unix:'.length);
    for (const [method, params] of [
      ['listRoutes', { routing_group: 'Group 1', cld: CLD }],
      ['listRoutes', { routing_group: 'Group 1', limit: 20, offset: 7 }],
      ['listGroups', {}],
    ] as const) {
      const fromSnapshot = (await post({ socketPath: pathOf(snapshotUri) }, call(method, params))).text;
      const fromSql = (await post({ socketPath: pathOf(sqlUri) }, call(method, params))).text;
      expect(fromSnapshot, method).to.include('"source":"snapshot"');
      expect(fromSnapshot.replace('"source":"snapshot"', '"source":"sql"'), `${method} ${JSON.stringify(params)}`).to.equal(fromSql);
    }
  });

  it('pages: --limit and --offset walk the rows; the table says where it is and how to go on', async () => {
    const whole = await ask<RoutesPage>(snapshotUri, 'listRoutes', { routing_group: 'Group 1', limit: 300 });
    expect(whole.total).to.be.greaterThan(300);
    const pages: RoutesPage[] = [];
    for (let offset = 0; offset < 300; offset += 70) pages.push(await ask<RoutesPage>(sqlUri, 'listRoutes', { routing_group: 'Group 1', limit: 70, offset }));
    expect(pages.flatMap((p) => p.routes).slice(0, 300)).to.deep.equal(whole.routes);
    const { code, stdout } = await runCli(['routes', snapshotUri, '--group', 'Group 1', '--limit', '5', '--offset', '10']);
    expect(code).to.equal(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).to.equal(`environment 1, group "Group 1" (policy lcr, from the routing snapshot): routes 11-15 of ${whole.total} (--offset 15 for more)`);
    expect(lines.slice(3)).to.have.length(5);
    // The destination's name the demo's rows carry (routes.description), in the table and the page.
    expect(lines[1]).to.match(/ prefix +description +pref /);
    for (const line of lines.slice(3)) expect(line).to.include(' United States ');
    expect(whole.routes[0]).to.deep.include({ prefix: '1', description: 'United States' });
  });

  it(`refuses a page over ${MAX_PAGE_LIMIT} rows: -32602 naming /limit, and a usage error in the CLI`, async () => {
    try {
      await ask(snapshotUri, 'listRoutes', { routing_group: 'Group 1', limit: MAX_PAGE_LIMIT + 1 });
      expect.fail('answered');
    } catch (err) {
      expect((err as RpcCallError).remote).to.deep.equal({
        code: -32602,
        message: `Invalid params: /limit must be at most ${MAX_PAGE_LIMIT}.`,
        data: { errors: [{ path: '/limit', message: `must be at most ${MAX_PAGE_LIMIT}` }] },
      });
    }
    const cli = await runCli(['groups', snapshotUri, '--limit', String(MAX_PAGE_LIMIT + 1)]);
    expect(cli).to.deep.equal({ code: 2, stdout: '', stderr: `sippy_routed: groups: --limit must be an integer from 1 to ${MAX_PAGE_LIMIT}, got "${MAX_PAGE_LIMIT + 1}" [USAGE]\n` });
  });

  it('an unknown group exits 1 with -32001 and its catalogue code', async () => {
    const { code, stdout, stderr } = await runCli(['routes', sqlUri, '--group', 'group 1']);
    expect({ code, stdout }).to.deep.equal({ code: 1, stdout: '' });
    expect(stderr).to.equal('sippy_routed: routes: the daemon answered error -32001: no routing group named "group 1" in environment 1 {"routing_group":"group 1"} [ROUTING_GROUP_NOT_FOUND]\n');
  });

  it('an external group lists no rows and says where its routes come from', async () => {
    const groups = await ask<GroupsPage>(externalUri, 'listGroups', {});
    const external = groups.groups.find((g) => g.external)!;
    const { code, stdout } = await runCli(['routes', externalUri, '--group', external.name]);
    expect(code).to.equal(0);
    expect(stdout).to.equal(`environment 2, group ${JSON.stringify(external.name)} (policy ${external.policy}, from the database): external: its routes are its upstream's; ask ${external.uri}\n`);
  });

  it('listGroups with name and a mismatched i_environment', async () => {
    const one = await ask<GroupsPage>(snapshotUri, 'listGroups', { name: 'Group 1' });
    expect(one.groups.map((g) => g.name)).to.deep.equal(['Group 1']);
    expect(one.total).to.equal(1);
    try {
      await ask(snapshotUri, 'listGroups', { i_environment: 2 });
      expect.fail('answered');
    } catch (err) {
      expect((err as RpcCallError).remote?.code).to.equal(-32002);
    }
  });
});

describe('listGroups and listRoutes on a listener whose resolver cannot list', () => {
  it('answer -32601, saying why', async () => {
    const dir = makeTempDir('sr-inspect-none-');
    const listener = new Listener(makeSpec({ kind: 'unix', path: join(dir.path, 'fake.sock') }), new FakeResolver(), silentLogger);
    await listener.start();
    try {
      const answer = await post({ socketPath: join(dir.path, 'fake.sock') }, call('listGroups', {}));
      expect((answer.json as { error: unknown }).error).to.deep.equal({ code: -32601, message: 'listGroups is not served by this listener: its resolver cannot list its data.' });
    } finally {
      await listener.stop(0);
      dir.remove();
    }
  });
});

describe('listGroups and listRoutes within the request timeout', () => {
  it('a page that is not ready by the deadline (a hung database, a large set being ordered) answers -32603 RPC_TIMEOUT', async () => {
    const dir = makeTempDir('sr-inspect-timeout-');
    const never = new Promise<never>(() => undefined);
    const resolver = Object.assign(new FakeResolver(), { inspector: { groups: () => never, routes: () => never } });
    const listener = new Listener(makeSpec({ kind: 'unix', path: join(dir.path, 'slow.sock') }, { limits: { requestTimeoutMs: 100 } }), resolver, silentLogger);
    await listener.start();
    try {
      for (const method of ['listGroups', 'listRoutes']) {
        const answer = await post({ socketPath: join(dir.path, 'slow.sock') }, call(method, { routing_group: 'Group 1' }));
        expect((answer.json as { error: unknown }).error, method).to.deep.equal({
          code: catalogue.RPC_TIMEOUT.rpc,
          message: 'The routing answer was not ready within the request timeout; the request can be retried.',
        });
      }
    } finally {
      await listener.stop(0);
      dir.remove();
    }
  });
});

describe('listGroups and listRoutes behind the allow-list', function () {
  const database = useFreshDatabase();

  it('a client outside -a gets HTTP 403 (-32004) for them as for getRoutes; one inside gets the page', async () => {
    const resolver = createResolver(database().db, { logger: silentLogger });
    const denied = new Listener(makeSpec({ kind: 'http', host: '127.0.0.1', port: 0 }, { environment: 1, allow: ['192.0.2.0/24'] }), resolver, silentLogger);
    const allowed = new Listener(makeSpec({ kind: 'http', host: '127.0.0.1', port: 0 }, { environment: 1, allow: ['127.0.0.1/32'] }), resolver, silentLogger);
    await denied.start();
    await allowed.start();
    try {
      const portOf = (l: Listener) => (l.address() as { port: number }).port;
      for (const method of ['listGroups', 'listRoutes']) {
        const refused = await post({ host: '127.0.0.1', port: portOf(denied) }, call(method, { routing_group: 'Group 1' }));
        expect(refused.status, method).to.equal(403);
        expect((refused.json as { error: { code: number } }).error.code).to.equal(-32004);
      }
      const answered = await post({ host: '127.0.0.1', port: portOf(allowed) }, call('listGroups', {}));
      expect(answered.status).to.equal(200);
      expect((answered.json as { result: GroupsPage }).result).to.deep.include({ i_environment: 1, source: 'sql', total: 0, groups: [] });
    } finally {
      await denied.stop(0);
      await allowed.stop(0);
      await resolver.close();
    }
  });
});

describe('listGroups and listRoutes: the snapshot equals SQL on random data', function () {
  this.timeout(120_000);
  const database = useFreshDatabase();

  it('every group of three environments, whole and for random CLDs, page by page', async () => {
    const d = parseDsn(database().dsn);
    const conn = await mysql.createConnection({ user: d.user, password: d.password, database: d.database, socketPath: d.socketPath, host: d.host, port: d.port, dateStrings: true });
    const follower = new SnapshotFollower({ dsn: d, settings: { pollMs: 60_000, reconcileS: 0 }, logger: silentLogger });
    const sql = createResolver(database().db, { logger: silentLogger });
    const snap = createResolver(database().db, { logger: silentLogger, snapshot: { follower } });
    try {
      await seedRoutingData(conn, 23);
      follower.start();
      await follower.syncNow();
      // Ten random CLDs besides none: some 14,000 routes compared (thirty took 15 s for no new kind of case).
      const clds = randomRequests(23, 10).map((r) => r.request.cld);
      let compared = 0;
      for (const environment of [1, 2, 3]) {
        const groups = await sql.inspector.groups(environment, { offset: 0, limit: MAX_PAGE_LIMIT });
        expect(withoutSource(await snap.inspector.groups(environment, { offset: 0, limit: MAX_PAGE_LIMIT }))).to.deep.equal(withoutSource(groups));
        for (const group of groups.groups) {
          for (const cld of [undefined, ...clds]) {
            for (const [offset, limit] of [[0, MAX_PAGE_LIMIT], [3, 4]] as const) {
              const query = { routing_group: group.name, cld, offset, limit };
              const expected = await sql.inspector.routes(environment, query);
              const answered = await snap.inspector.routes(environment, query);
              // The same JSON text: member order too (deep.equal ignores it).
              expect(JSON.stringify(withoutSource(answered)), JSON.stringify({ environment, query })).to.equal(JSON.stringify(withoutSource(expected)));
              compared += expected.routes.length;
            }
          }
        }
      }
      expect(compared).to.be.greaterThan(100);
    } finally {
      await sql.close();
      await snap.close();
      await follower.stop();
      await conn.end();
    }
  });
});

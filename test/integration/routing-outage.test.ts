// The resolver when its database goes away: a typed error (DB_UNAVAILABLE,
// JSON-RPC -32010) within the configured timeouts, and answers again once the
// server is back, without recreating the resolver. Runs on a private server
// of its own: the shared test server is never stopped.

import { expect } from 'chai';
import mysql from 'mysql2/promise';
import { PrivateServer } from '../../src/db/private-server.js';
import { parseDsn } from '../../src/db/dsn.js';
import { Database, type PoolLimits } from '../../src/db/pool.js';
import { migrate } from '../../src/db/migrate.js';
import { isSippyError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { createResolver, type Resolver, type RouteRequest } from '../../src/routing/index.js';
import { RoutingFixture } from '../harness/routing-fixture.js';

const LIMITS: PoolLimits = { connectionLimit: 4, queueLimit: 50, connectTimeoutMs: 1000, queryTimeoutMs: 1000 };
// A correctness bound derived from the configuration, not a performance
// assertion: one connection attempt or one statement, whichever applies, plus slack.
const BOUND_MS = Math.max(LIMITS.connectTimeoutMs, LIMITS.queryTimeoutMs) + 1000;

const REQUEST: RouteRequest = { routing_group: 'Group 1', cld: '44207', cli: '1', time: new Date('2026-01-15T12:00:00Z'), hops: 0 };

async function timedFailure(resolver: Resolver): Promise<{ code: string; rpc: number | undefined; ms: number }> {
  const started = Date.now();
  try {
    await resolver.resolve(1, REQUEST);
  } catch (err) {
    if (!isSippyError(err)) throw err;
    return { code: err.code, rpc: err.rpcCode, ms: Date.now() - started };
  }
  throw new Error('resolve succeeded while the database was down');
}

async function routesOf(resolver: Resolver): Promise<string[]> {
  return (await resolver.resolve(1, REQUEST)).routes.map((r) => r.connection_name);
}

describe('route resolver when the database goes away', function () {
  this.timeout(120_000);
  let server: PrivateServer | undefined;
  let db: Database | undefined;

  before(async () => {
    server = new PrivateServer();
    await server.start();
    const admin = await mysql.createConnection({ socketPath: server.socketPath, user: 'root' });
    await admin.query('CREATE DATABASE routing CHARACTER SET utf8mb4 COLLATE utf8mb4_bin');
    await admin.end();
    db = new Database(parseDsn(server.dsn('routing')), LIMITS);
    await migrate(db);
    const fixture = new RoutingFixture(db);
    await fixture.environmentRow();
    const vendor = await fixture.vendor('Carrier');
    const connection = await fixture.connection({ vendor, name: 'carrier-a' });
    const set = await fixture.destinationSet({ name: 'UK' });
    await fixture.route(set, { prefix: '44' });
    await fixture.entry(await fixture.group({ name: 'Group 1' }), connection, set);
  });

  after(async () => {
    await db?.close();
    await server?.destroy();
  });

  it('fails with DB_UNAVAILABLE while the server is stopped, and answers again when it is back', async () => {
    const resolver = createResolver(db!, { logger: silentLogger });
    expect(await routesOf(resolver)).to.deep.equal(['carrier-a']);
    await server!.stop();
    for (let i = 0; i < 3; i++) {
      const failure = await timedFailure(resolver);
      expect(failure.code).to.equal('DB_UNAVAILABLE');
      expect(failure.rpc).to.equal(-32010);
      expect(failure.ms).to.be.below(BOUND_MS);
    }
    await server!.start();
    expect(await routesOf(resolver)).to.deep.equal(['carrier-a']);
  });

  it('fails with DB_UNAVAILABLE within the timeouts while the server hangs, and recovers', async () => {
    const resolver = createResolver(db!, { logger: silentLogger });
    expect(await routesOf(resolver)).to.deep.equal(['carrier-a']);
    const pid = server!.pid!;
    process.kill(pid, 'SIGSTOP');
    try {
      // The first request meets an idle pooled connection (statement timeout),
      // the next ones open new connections (connect timeout). More requests
      // than the pool has connections: a timed-out connection must be
      // destroyed, not stay checked out behind its unfinished statement.
      for (let i = 0; i < LIMITS.connectionLimit + 2; i++) {
        const failure = await timedFailure(resolver);
        expect(failure.code).to.equal('DB_UNAVAILABLE');
        expect(failure.ms).to.be.below(BOUND_MS);
        expect(failure.ms).to.be.at.least(Math.min(LIMITS.connectTimeoutMs, LIMITS.queryTimeoutMs) - 50);
      }
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(await routesOf(resolver)).to.deep.equal(['carrier-a']);
    // The timed-out connections were destroyed, not returned to the pool: a
    // burst of requests is answered at once on fresh ones.
    const answers = await Promise.all(Array.from({ length: 8 }, () => routesOf(resolver)));
    expect(answers).to.deep.equal(Array.from({ length: 8 }, () => ['carrier-a']));
  });
});

// The database outage log does not flap (issue 12, item 5): waves of
// concurrent requests on a healthy database whose small pool turns some away
// (-32010, saturated) while it answers the others made one "failing" and one
// "available again" line per wave. Now: one line when failing starts, one
// when it is over, with how many requests failed in between.

import { expect } from 'chai';
import { parseDsn } from '../../src/db/dsn.js';
import { Database } from '../../src/db/pool.js';
import { isSippyError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { createResolver, DatabaseHealthLog, type RouteRequest } from '../../src/routing/index.js';
import { RECOVERY_QUIET_MS } from '../../src/routing/database-health.js';
import { useFreshDatabase } from '../harness/database.js';
import { delay } from '../harness/rpc.js';
import { RoutingFixture } from '../harness/routing-fixture.js';

const REQUEST: RouteRequest = { routing_group: 'Group 1', cld: '44207', cli: '1', time: new Date('2026-01-15T12:00:00Z'), hops: 0 };

describe('database outage log under load', function () {
  this.timeout(60_000);
  const database = useFreshDatabase();

  before(async () => {
    const fixture = new RoutingFixture(database().db, 1);
    await fixture.environmentRow();
    const connection = await fixture.connection({ vendor: await fixture.vendor('Carrier'), name: 'carrier-a' });
    const set = await fixture.destinationSet({ name: 'UK' });
    await fixture.route(set, { prefix: '44' });
    await fixture.entry(await fixture.group({ name: 'Group 1' }), connection, set);
  });

  it('logs one line when a saturated pool starts failing requests and one when it is over, with the count, however the failures interleave', async () => {
    const db = new Database(parseDsn(database().dsn), { connectionLimit: 1, queueLimit: 3, connectTimeoutMs: 2000, queryTimeoutMs: 2000 });
    const lines: { level: string; message: string; fields: Record<string, unknown> | undefined }[] = [];
    const logger = {
      error: (message: string, fields?: Record<string, unknown>) => lines.push({ level: 'error', message, fields }),
      info: (message: string, fields?: Record<string, unknown>) => lines.push({ level: 'info', message, fields }),
    };
    const health = new DatabaseHealthLog(createResolver(db, { logger: silentLogger }), logger);
    try {
      let failed = 0;
      let answered = 0;
      for (let wave = 0; wave < 20; wave++) {
        const outcomes = await Promise.all(Array.from({ length: 40 }, () => health.resolve(1, REQUEST).then(() => 'ok', (err: unknown) => err)));
        for (const outcome of outcomes) {
          if (outcome === 'ok') answered++;
          else if (isSippyError(outcome, 'DB_UNAVAILABLE')) failed++;
          else throw outcome;
        }
      }
      expect(failed, 'the pool turned requests away').to.be.greaterThan(0);
      expect(answered).to.be.greaterThan(0);
      expect(lines.map((l) => l.message)).to.deep.equal(['database failing: getRoutes answers -32010 until it is back']);
      // Single requests from now on are all answered: the end is logged once they have been for RECOVERY_QUIET_MS.
      for (const deadline = Date.now() + RECOVERY_QUIET_MS + 15_000; lines.length < 2; await delay(100)) {
        if (Date.now() > deadline) throw new Error('the end of the outage was never logged');
        await health.resolve(1, REQUEST);
      }
      expect(lines.map((l) => [l.level, l.message])).to.deep.equal([
        ['error', 'database failing: getRoutes answers -32010 until it is back'],
        ['info', 'database available again'],
      ]);
      expect(lines[1]!.fields).to.deep.include({ i_environment: 1, failed });
    } finally {
      await health.close();
      await db.close();
    }
  });
});

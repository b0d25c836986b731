// The prefix lookup is an index range read on routes
// (i_destination_set, prefix, activation_date), shown by EXPLAIN of the exact
// statement the resolver runs, on 100,000 routes.

import { expect } from 'chai';
import { DEFAULT_POOL_LIMITS } from '../../src/db/pool.js';
import { useFreshDatabase } from '../harness/database.js';
import { RoutingFixture } from '../harness/routing-fixture.js';
import { createResolver } from '../../src/routing/index.js';
import { groupLookup, routeLookup } from '../../src/routing/sql/sql.js';

const ROUTES = 100_000;
const SETS = 20;

describe('route lookup on 100,000 routes', function () {
  this.timeout(60_000);
  // One INSERT of 100,000 routes also writes 100,000 journal rows (the
  // triggers): more than the default 2 s statement bound on a busy machine.
  const database = useFreshDatabase({ limits: { ...DEFAULT_POOL_LIMITS, queryTimeoutMs: 60_000 } });
  const sets: number[] = [];

  before(async () => {
    const { db } = database();
    const fixture = new RoutingFixture(db);
    await fixture.environmentRow();
    const vendor = await fixture.vendor('Bulk');
    const group = await fixture.group({ name: 'Bulk', policy: 'prefix,lcr' });
    for (let i = 0; i < SETS; i++) {
      const set = await fixture.destinationSet({ name: `bulk-${i}` });
      const connection = await fixture.connection({ vendor, name: `bulk-${i}` });
      await fixture.entry(group, connection, set, { entry_order: i });
      sets.push(set);
    }
    // n = 0..99999 from five cross-joined digit tables: portable (MariaDB and
    // MySQL 8) and one statement. Route n goes to set n % 20 with prefix '44' || n.
    const digits = '(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';
    await db.modify(
      `INSERT INTO routes (i_destination_set, prefix, price_1, price_n)
       SELECT ? + MOD(n, ${SETS}), CONCAT('44', n), 0.010000 + MOD(n, 97) / 1000000, 0.010000
         FROM (SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d AS n
                 FROM ${digits} a, ${digits} b, ${digits} c, ${digits} e, ${digits} f) seq`,
      [sets[0]!],
    );
    // 1,000 more groups of 20 entries each, so that reading one group's
    // entries by index is what a real catalogue needs.
    await db.modify(
      `INSERT INTO routing_groups (i_environment, name)
       SELECT 1, CONCAT('other ', a.d + 10 * b.d + 100 * c.d) FROM ${digits} a, ${digits} b, ${digits} c`,
    );
    await db.modify(
      `INSERT INTO routing_group_entries (i_routing_group, i_connection, i_destination_set, entry_order)
       SELECT g.i_routing_group, c.i_connection, ?, 0 FROM routing_groups g, connections c WHERE g.name <> 'Bulk'`,
      [sets[0]!],
    );
    for (const table of ['routes', 'routing_groups', 'routing_group_entries']) await db.select(`ANALYZE TABLE ${table}`);
  });

  it('has the rows', async () => {
    const [row] = await database().db.select('SELECT (SELECT COUNT(*) FROM routes) AS routes, (SELECT COUNT(*) FROM routing_group_entries) AS entries');
    expect([Number(row!.routes), Number(row!.entries)]).to.deep.equal([ROUTES, 1001 * SETS]);
  });

  it('EXPLAIN shows a range read on (i_destination_set, prefix, activation_date)', async () => {
    const { sql, params } = routeLookup(sets, '4412345678');
    const plan = await database().db.select(`EXPLAIN ${sql}`, params);
    expect(plan).to.have.length(1);
    const step = plan[0]!;
    expect(step.table).to.equal('routes');
    expect(step.key).to.equal('idx_routes_lookup');
    expect(step.type).to.equal('range');
    // An estimate, not a timing: a handful of index entries, never the table.
    expect(Number(step.rows)).to.be.below(1000);
  });

  it('EXPLAIN shows the group found by its unique name and its entries by group', async () => {
    const { sql, params } = groupLookup(1, 'Bulk');
    const plan = await database().db.select(`EXPLAIN ${sql}`, params);
    const keyOf = (table: string): unknown => plan.find((step) => step.table === table)?.key;
    expect(keyOf('g')).to.equal('uq_routing_groups_name');
    expect(keyOf('e')).to.equal('idx_entries_group');
    for (const table of ['c', 'v', 'd']) expect(keyOf(table), table).to.equal('PRIMARY');
  });

  it('resolves the longest prefix among them', async () => {
    const result = await createResolver(database().db).resolve(1, { routing_group: 'Bulk', cld: '4412345678', cli: '1', time: new Date(), hops: 0 });
    // Prefixes 441, 4412, 44123, 441234, 4412345 exist, in sets 1, 12, 3, 14, 5 (n % 20).
    expect(result.routes.map((r) => [r.prefix, r.destination_set_name])).to.deep.equal([
      ['4412345', 'bulk-5'], ['441234', 'bulk-14'], ['44123', 'bulk-3'], ['4412', 'bulk-12'], ['441', 'bulk-1'],
    ]);
  });
});

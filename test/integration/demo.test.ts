import { expect } from 'chai';
import { useFreshDatabase } from '../harness/database.js';
import { runCli } from '../harness/cli.js';
import type { Database } from '../../src/db/pool.js';

const TABLES = ['environments', 'vendors', 'connections', 'destination_sets', 'routes', 'routing_groups', 'routing_group_entries'];

async function rowCounts(db: Database): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    // Table names come from the constant above, never from input.
    const rows = await db.select(`SELECT COUNT(*) AS n FROM ${table}`);
    counts[table] = Number(rows[0]!.n);
  }
  return counts;
}

describe('db demo', function () {
  const database = useFreshDatabase({ migrate: false });
  let first: Record<string, number>;

  before(async function () {
    this.timeout(60_000);
    const result = await runCli(['db', 'demo', '-d', database().dsn, '--rundir', '/srv/run']);
    expect(result.stderr).to.equal('');
    expect(result.code).to.equal(0);
    expect(result.stdout).to.match(/demo data loaded: 2 environments, \d+ routes/);
    first = await rowCounts(database().db);
  });

  it('loads a second time without changing any row count', async () => {
    const again = await runCli(['db', 'demo', '-d', database().dsn, '--rundir', '/srv/run']);
    expect(again.code).to.equal(0);
    expect(again.stdout).to.match(/already present/);
    expect(await rowCounts(database().db)).to.deep.equal(first);
  });

  it('has two environments, several vendors and connections, one disabled, some with translation rules', async () => {
    const { db } = database();
    expect(first.environments).to.be.at.least(2);
    expect(first.vendors).to.be.at.least(3);
    expect(first.connections).to.be.at.least(4);
    const disabled = await db.select('SELECT COUNT(*) AS n FROM connections WHERE enabled = 0');
    expect(Number(disabled[0]!.n)).to.equal(1);
    const translated = await db.select('SELECT COUNT(*) AS n FROM connections WHERE cli_translation_rule IS NOT NULL OR cld_translation_rule IS NOT NULL');
    expect(Number(translated[0]!.n)).to.be.at.least(2);
  });

  it('has at least 1,000 routes including forbidden, catch-all, future-dated and expired ones', async () => {
    const { db } = database();
    expect(first.routes).to.be.at.least(1000);
    const count = async (where: string) => Number((await db.select(`SELECT COUNT(*) AS n FROM routes WHERE ${where}`))[0]!.n);
    expect(await count('forbidden = 1')).to.be.at.least(1);
    expect(await count("prefix = ''")).to.be.at.least(1);
    expect(await count('activation_date > UTC_TIMESTAMP()')).to.be.at.least(1);
    expect(await count('expiration_date < UTC_TIMESTAMP()')).to.be.at.least(1);
    // Prefixes are digits only, and no set holds the same prefix twice with the same activation.
    expect(await count("prefix <> '' AND prefix NOT REGEXP '^[0-9]+$'")).to.equal(0);
    const dup = await db.select('SELECT COUNT(*) AS n FROM (SELECT 1 FROM routes GROUP BY i_destination_set, prefix, activation_date HAVING COUNT(*) > 1) d');
    expect(Number(dup[0]!.n)).to.equal(0);
  });

  it('has Group 1 (lcr) in environment 1, a weighted policy chain, and an external Group 1 in environment 2', async () => {
    const { db } = database();
    const groups = await db.select('SELECT i_environment, name, policy, external, uri FROM routing_groups ORDER BY i_environment, name');
    const byKey = new Map(groups.map((g) => [`${g.i_environment}/${g.name}`, g]));
    expect(byKey.get('1/Group 1')).to.include({ policy: 'lcr', external: 0 });
    const weighted = groups.find((g) => Number(g.i_environment) === 1 && String(g.policy).includes('weight') && String(g.policy).includes(','));
    expect(weighted, 'a group with a weighted policy chain').to.not.equal(undefined);
    const weights = await db.select(
      'SELECT e.weight FROM routing_group_entries e JOIN routing_groups g USING (i_routing_group) WHERE g.name = ? AND e.weight IS NOT NULL ORDER BY e.weight',
      [weighted!.name as string],
    );
    expect(weights.map((w) => Number(w.weight))).to.deep.equal([1, 3]);
    expect(byKey.get('2/Group 1')).to.include({ external: 1, uri: 'unix:/srv/run/sippy_routed.1.sock' });
  });
});

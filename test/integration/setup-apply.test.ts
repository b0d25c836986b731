import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { parseDsn } from '../../src/db/dsn.js';
import { loadDemo } from '../../src/db/demo.js';
import { applySetup, parseSetup } from '../../src/data/setup/index.js';
import { setupLockName } from '../../src/data/setup/apply.js';
import { isSippyError } from '../../src/errors.js';
import { useFreshDatabase } from '../harness/database.js';
import { runCli, type CliResult } from '../harness/cli.js';
import { delay, makeTempDir, type TempDir } from '../harness/rpc.js';

// `sippy_routed export` and `apply` against a real MariaDB (rates.md "The
// routing setup"): add, change, no-op, --dry-run, --prune and its guard,
// names that do not resolve or are ambiguous, schema errors with their
// line and column, and that nothing is written on any error.

const TABLES = ['environments', 'vendors', 'connections', 'destination_sets', 'routes', 'routing_groups', 'routing_group_entries', 'routing_changes'];

describe('setup file: export and apply on a real database', function () {
  this.timeout(60_000);
  const database = useFreshDatabase();
  let tmp: TempDir;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    tmp = makeTempDir('sr-setup-');
    await loadDemo(database().db, tmp.path);
    env = { SIPPY_ROUTED_DB: database().dsn };
  });

  after(() => tmp?.remove());

  /** Every row of the routing tables and the journal: equal before and after means nothing was written. */
  async function everything(): Promise<string> {
    const out: string[] = [];
    for (const table of TABLES) out.push(table, JSON.stringify(await database().db.select(`SELECT * FROM ${table} ORDER BY 1`)));
    return out.join('\n');
  }

  function file(name: string, text: string): string {
    const path = join(tmp.path, name);
    writeFileSync(path, text);
    return path;
  }

  const cli = (...argv: string[]): Promise<CliResult> => runCli(argv, env);

  async function exported(environment = 1): Promise<string> {
    const result = await cli('export', '--env', String(environment));
    expect(result.code, result.stderr).to.equal(0);
    return result.stdout;
  }

  /** Runs `apply` expecting it to fail with `code` and to write nothing. */
  async function refused(code: number, ...argv: string[]): Promise<CliResult> {
    const before = await everything();
    const result = await cli('apply', ...argv);
    expect(result.code, `${result.stdout}${result.stderr}`).to.equal(code);
    expect(await everything(), 'nothing written').to.equal(before);
    return result;
  }

  it('export then apply is a no-op: nothing written, not even the journal', async () => {
    const path = file('env1.yaml', await exported());
    const before = await everything();
    const result = await cli('apply', path);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal(`environment 1: 0 to add, 0 to change, 0 to remove\nno changes: environment 1 already is what ${path} says\n`);
    expect(await everything()).to.equal(before);
  });

  it('export --output writes the same file', async () => {
    const path = join(tmp.path, 'out.yaml');
    const result = await cli('export', '--env', '2', '--output', path);
    expect(result).to.include({ code: 0, stdout: '', stderr: '' });
    expect(readFileSync(path, 'utf8')).to.equal(await exported(2));
  });

  it('--dry-run prints the diff and writes nothing', async () => {
    const text = (await exported()).replace('capacity: 200', 'capacity: 60');
    const result = await refused(0, file('dry.yaml', text), '--dry-run');
    expect(result.stdout).to.equal(
      'environment 1: 0 to add, 1 to change, 0 to remove\n' +
      '  ~ connection "carrier-a-nyc" of vendor "Carrier A": capacity 200 → 60\n' +
      'dry run: nothing was written (0 to add, 1 to change, 0 to remove)\n',
    );
  });

  it('adds a carrier and changes fields, in one transaction, then is a no-op', async () => {
    const text = (await exported())
      .replace('vendors:\n', 'vendors:\n  - name: Carrier D\n    connections:\n      - { name: carrier-d, destination: "192.0.2.99:5060", cld_translation_rule: s/^00//, capacity: 60 }\n')
      .replace('routing_groups:\n', '  - { name: D-World, currency: EUR, connect_fee: 0.0125, free_seconds: 6 }\nrouting_groups:\n')
      .replace('policy: order\n', 'policy: order,lcr\n')
      .replace('      - { connection: budget-1, destination_set: Budget-World, order: 4 }\n', '      - { connection: carrier-d, destination_set: D-World, order: 4, weight: 2 }\n');
    const path = file('add.yaml', text);
    const [{ seq: journalBefore }] = await database().db.select('SELECT COALESCE(MAX(seq), 0) AS seq FROM routing_changes');
    const result = await cli('apply', path);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout.split('\n')).to.include.members([
      'environment 1: 4 to add, 1 to change, 1 to remove',
      '  + vendor "Carrier D"',
      '  + connection "carrier-d" of vendor "Carrier D": destination "192.0.2.99:5060", cld_translation_rule "s/^00//", capacity 60, enabled true',
      '  + destination set "D-World": currency "EUR", connect_fee "0.012500", free_seconds 6, grace_period 0, post_call_surcharge "0.000000"',
      '  + entry "carrier-d" (vendor "Carrier D") → "D-World" of routing group "Group 1": order 4, weight 2',
      '  ~ routing group "Failover": policy "order" → "order,lcr"',
      '  - entry "budget-1" (vendor "Budget Telecom") → "Budget-World" of routing group "Group 1"',
      'applied in one transaction: 4 added, 1 changed, 1 removed',
    ]);
    const [connection] = await database().db.select(
      "SELECT c.destination, c.cld_translation_rule, c.capacity, c.enabled, c.i_environment FROM connections c JOIN vendors v USING (i_vendor) WHERE v.name = 'Carrier D' AND c.name = 'carrier-d'",
    );
    expect({ ...connection }).to.deep.equal({ destination: '192.0.2.99:5060', cld_translation_rule: 's/^00//', capacity: 60, enabled: 1, i_environment: 1 });
    const [set] = await database().db.select("SELECT currency, connect_fee, free_seconds FROM destination_sets WHERE i_environment = 1 AND name = 'D-World'");
    expect({ ...set }).to.deep.equal({ currency: 'EUR', connect_fee: '0.012500', free_seconds: 6 });
    const entries = await database().db.select(
      `SELECT c.name AS connection, s.name AS destination_set, e.entry_order, e.weight FROM routing_group_entries e JOIN routing_groups g USING (i_routing_group)
         JOIN connections c ON c.i_connection = e.i_connection JOIN destination_sets s ON s.i_destination_set = e.i_destination_set
        WHERE g.i_environment = 1 AND g.name = 'Group 1' ORDER BY e.entry_order`,
    );
    expect(entries.map((e) => `${e.connection}>${e.destination_set}@${e.entry_order}/${e.weight}`)).to.deep.equal([
      'carrier-a-lon>A-World@1/null', 'carrier-b>B-World@2/null', 'carrier-c-eu>C-Europe@3/null', 'carrier-d>D-World@4/2', 'carrier-a-nyc>Budget-World@5/null',
    ]);
    // The journal saw it: what a daemon follows.
    const [{ n }] = await database().db.select('SELECT COUNT(*) AS n FROM routing_changes WHERE seq > ?', [journalBefore]);
    expect(Number(n)).to.be.greaterThan(0);

    const again = await refused(0, path);
    expect(again.stdout).to.contain('no changes');
    // Not in the file any more, so listed and left alone.
    expect(again.stdout).to.not.contain('budget-1');
  });

  it('without --prune lists what the file leaves out and leaves it alone', async () => {
    const partial = file('partial.yaml', 'environment: 1\nvendors:\n  - name: Carrier B\n    connections:\n      - { name: carrier-b, destination: "203.0.113.20:5060", cld_translation_rule: s/^/00/, capacity: 120 }\n');
    const result = await refused(0, partial);
    expect(result.stdout).to.contain('  = routing group "Group 1": not in the file (--prune removes it)\n');
    expect(result.stdout).to.contain('  = destination set "A-World": not in the file (--prune removes it)\n');
    expect(result.stdout).to.contain('no changes');
  });

  it('--prune refuses, naming them, while a removal would orphan routes; nothing written', async () => {
    // A set no entry uses, with a rate: left out of the file, --prune would drop its routes.
    const without = await exported();
    const set = await database().db.modify("INSERT INTO destination_sets (i_environment, name) VALUES (1, 'Rated')");
    await database().db.modify("INSERT INTO routes (i_destination_set, prefix, price_1, price_n) VALUES (?, '44', 0.01, 0.01)", [set.insertId]);
    const partial = file('prune.yaml', without);
    const result = await refused(2, partial, '--prune');
    expect(result.stdout).to.contain('  ! destination set "Rated": cannot be removed: it still has routes (rates), which this file does not carry: delete them first, or keep the set in the file\n');
    expect(result.stderr).to.equal(`sippy_routed: apply --prune: 1 removal would orphan rows ${partial} does not cover (the lines marked !); nothing was written [SETUP_PRUNE_REFUSED]\n`);
  });

  it('--prune removes what the file leaves out once nothing would be orphaned', async () => {
    const created = file('env7.yaml', `environment: 7
environment_name: Scratch
vendors:
  - { name: V, connections: [{ name: keep, destination: k }, { name: drop, destination: d }] }
  - { name: Gone, connections: [{ name: g, destination: g }] }
destination_sets:
  - { name: S }
  - { name: Unused }
routing_groups:
  - { name: G, entries: [{ connection: keep, destination_set: S }, { connection: drop, destination_set: S }] }
  - { name: Old, entries: [{ connection: g, destination_set: Unused }] }
`);
    expect((await cli('apply', created)).code).to.equal(0);
    const trimmed = file('env7-trimmed.yaml', `environment: 7
vendors:
  - { name: V, connections: [{ name: keep, destination: k }] }
destination_sets:
  - { name: S }
routing_groups:
  - { name: G, entries: [{ connection: keep, destination_set: S }] }
`);
    const result = await cli('apply', trimmed, '--prune');
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal(
      'environment 7: 0 to add, 0 to change, 6 to remove\n' +
      '  - entry "drop" (vendor "V") → "S" of routing group "G"\n' +
      '  - routing group "Old" (with its 1 entry)\n' +
      '  - connection "drop" of vendor "V"\n' +
      '  - connection "g" of vendor "Gone"\n' +
      '  - destination set "Unused"\n' +
      '  - vendor "Gone"\n' +
      'applied in one transaction: 0 added, 0 changed, 6 removed\n',
    );
    expect(await exported(7)).to.contain('- { connection: keep, destination_set: S, order: 0 }');
    expect((await cli('apply', trimmed, '--prune')).stdout).to.contain('no changes');
    // Environment 1 was not touched by environment 7's prune.
    expect((await cli('export', '--env', '1')).stdout).to.contain('name: Carrier A');

    // A group of another environment using one of environment 7's connections (SQL can write that): not pruned from under it.
    const [keep] = await database().db.select("SELECT c.i_connection, s.i_destination_set FROM connections c JOIN vendors v USING (i_vendor), destination_sets s WHERE v.i_environment = 7 AND c.name = 'keep' AND s.i_environment = 7 AND s.name = 'S'");
    const cross = await database().db.modify("INSERT INTO routing_groups (i_environment, name) VALUES (2, 'Cross')");
    await database().db.modify('INSERT INTO routing_group_entries (i_routing_group, i_connection, i_destination_set) VALUES (?, ?, ?)', [cross.insertId, keep!.i_connection, keep!.i_destination_set]);
    const guarded = await refused(2, file('env7-empty.yaml', 'environment: 7\n'), '--prune');
    expect(guarded.stdout).to.contain('  ! connection "keep" of vendor "V": cannot be removed: it is used by entries of routing group "Cross" of environment 2, which this file does not cover\n');
    expect(guarded.stdout).to.contain('  ! destination set "S": cannot be removed: it is used by entries of routing group "Cross" of environment 2, which this file does not cover\n');
    await database().db.modify('DELETE FROM routing_groups WHERE i_routing_group = ?', [cross.insertId]);
  });

  it('a name that does not resolve: FILE:LINE:COLUMN, exit 2, nothing written', async () => {
    const path = file('unresolved.yaml', (await exported()).replace('{ connection: carrier-b, destination_set: B-World, order: 2 }', '{ connection: carrier-x, destination_set: B-World, order: 2 }'));
    const line = readFileSync(path, 'utf8').split('\n').findIndex((l) => l.includes('carrier-x')) + 1;
    const result = await refused(2, path);
    expect(result.stderr).to.equal(
      `${path}:${line}:23: routing_groups[0].entries[1].connection: no connection named "carrier-x" in environment 1\n` +
      `sippy_routed: apply: ${path}: 1 error; nothing was written [SETUP_INVALID]\n`,
    );
    expect(result.stdout).to.equal('');
  });

  it('an ambiguous connection name is refused until the entry names its vendor', async () => {
    const twin = (await exported()).replace('vendors:\n', 'vendors:\n  - { name: Twin, connections: [{ name: carrier-b, destination: "192.0.2.5:5060" }] }\n');
    const result = await refused(2, file('ambiguous.yaml', twin));
    expect(result.stderr).to.match(/ambiguous\.yaml:\d+:23: routing_groups\[0\]\.entries\[1\]\.connection: connection name "carrier-b" is ambiguous: vendors "Carrier B", "Twin" each have one; add vendor: to the entry\n/);
    const settled = twin.replaceAll('{ connection: carrier-b, destination_set', '{ connection: carrier-b, vendor: Carrier B, destination_set');
    const ok = await cli('apply', file('settled.yaml', settled), '--dry-run');
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.contain('environment 1: 2 to add, 0 to change, 0 to remove');
  });

  it('schema errors: each at FILE:LINE:COLUMN, exit 2, nothing written', async () => {
    const path = file('schema.yaml', 'environment: 1\nvendors:\n  - name: Carrier A\n    connections:\n      - { name: carrier-a-lon, destination: x, capacity: ten }\nrouting_groups:\n  - { name: Group 1, polcy: lcr }\n');
    const result = await refused(2, path);
    expect(result.stderr).to.equal(
      `${path}:5:58: vendors[0].connections[0].capacity: must be a whole number\n` +
      `${path}:7:22: routing_groups[0].polcy: unknown key "polcy"; the keys here are name, policy, average_duration, external, uri, entries\n` +
      `sippy_routed: apply: ${path}: 2 errors; nothing was written [SETUP_INVALID]\n`,
    );
  });

  it('--json: the errors, or the diff, as one document', async () => {
    const bad = await refused(2, file('json-bad.yaml', 'environment: 1\nrouting_groups:\n  - { name: G, policy: cost }\n'), '--json');
    expect(bad.stderr).to.equal('');
    const document = JSON.parse(bad.stdout) as { status: string; errors: unknown[] };
    expect(document.status).to.equal('invalid');
    expect(document.errors).to.deep.equal([{ file: join(tmp.path, 'json-bad.yaml'), line: 3, column: 24, path: 'routing_groups[0].policy', message: 'unknown key "cost" in policy "cost"; the keys are lcr, prefix, preference, order, weight, comma-separated' }]);
    const plan = await refused(0, file('json-plan.yaml', (await exported()).replace('average_duration: 180', 'average_duration: 90')), '--json', '--dry-run');
    expect(JSON.parse(plan.stdout)).to.deep.include({
      status: 'planned', dry_run: true, prune: false, added: [], removed: [], refused: [],
      changed: [{ kind: 'routing_group', name: 'Weighted', changes: [{ field: 'average_duration', from: 180, to: 90 }] }],
    });
  });

  it('a database failure half-way leaves every table as it was (exit 1)', async () => {
    const db = database().db;
    await db.modify("CREATE TRIGGER setup_test_refuse BEFORE INSERT ON routing_groups FOR EACH ROW BEGIN IF NEW.name = 'Refused' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'; END IF; END");
    try {
      // Vendors, a connection and a set are written before the group fails.
      const text = (await exported()).replace('vendors:\n', 'vendors:\n  - { name: Half, connections: [{ name: half, destination: h }] }\n') + '  - { name: Refused, entries: [{ connection: half, destination_set: A-World }] }\n';
      const result = await refused(1, file('half.yaml', text));
      expect(result.stderr).to.match(/^sippy_routed: database statement failed .* \[DB_QUERY_FAILED\]\n$/m);
      expect(result.stdout).to.contain('  + routing group "Refused"');
    } finally {
      await db.modify('DROP TRIGGER setup_test_refuse');
    }
  });

  it('two applies of one environment never interleave: the second waits for the lock', async () => {
    const d = parseDsn(database().dsn);
    const holder = await mysql.createConnection({ user: d.user, password: d.password, database: d.database, socketPath: d.socketPath, host: d.host, port: d.port });
    try {
      const lock = setupLockName(d.database, 1);
      await holder.query('SELECT GET_LOCK(?, 0)', [lock]);
      const path = file('locked.yaml', (await exported()).replace('average_duration: 180', 'average_duration: 150'));
      const applying = cli('apply', path);
      // Waits on the lock: seen in the server's process list, not guessed with a sleep.
      for (const deadline = Date.now() + 10_000; ; await delay(20)) {
        const [rows] = await holder.query<mysql.RowDataPacket[]>("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT GET_LOCK%' AND ID <> CONNECTION_ID()");
        if (Number(rows[0]!.n) > 0) break;
        if (Date.now() > deadline) expect.fail('apply never waited on the lock');
      }
      const [before] = await database().db.select("SELECT average_duration FROM routing_groups WHERE i_environment = 1 AND name = 'Weighted'");
      expect(before!.average_duration).to.equal(180);
      await holder.query('SELECT RELEASE_LOCK(?)', [lock]);
      const result = await applying;
      expect(result.code, result.stderr).to.equal(0);
      const [after] = await database().db.select("SELECT average_duration FROM routing_groups WHERE i_environment = 1 AND name = 'Weighted'");
      expect(after!.average_duration).to.equal(150);

      // Held past the wait: refused, nothing written.
      await holder.query('SELECT GET_LOCK(?, 0)', [lock]);
      const parsed = parseSetup(readFileSync(path, 'utf8').replace('average_duration: 150', 'average_duration: 120'));
      if (!parsed.ok) expect.fail('the file parses');
      const state = await everything();
      try {
        await applySetup(database().db, parsed.setup, { prune: false, dryRun: false, lockWaitSeconds: 0 });
        expect.fail('applied while locked');
      } catch (err) {
        expect(isSippyError(err, 'SETUP_LOCKED'), String(err)).to.equal(true);
        expect((err as Error).message).to.equal('another apply to environment 1 has held its lock for 0 s; nothing was written, try again');
      }
      expect(await everything()).to.equal(state);
    } finally {
      await holder.end();
    }
  });

  it('creates an environment the file names, and export refuses one that does not exist', async () => {
    const missing = await refused(2, file('env9.yaml', 'environment: 9\n'));
    expect(missing.stderr).to.contain('env9.yaml:1:14: environment: environment 9 is not in the database; add environment_name: to create it');
    const created = await cli('apply', file('env9-named.yaml', 'environment: 9\nenvironment_name: Lab\n'));
    expect(created.stdout).to.contain('  + environment 9: name "Lab"');
    expect(await exported(9)).to.contain('environment: 9\nenvironment_name: Lab\n');
    const none = await cli('export', '--env', '10');
    expect(none.code).to.equal(2);
    expect(none.stderr).to.match(/^sippy_routed: export: environment 10 is not in the database \(.*\) \[SETUP_NO_ENVIRONMENT\]\n$/);
  });

  it('a file that cannot be read, or is not UTF-8: exit 2 with where', async () => {
    const missing = await refused(2, join(tmp.path, 'nope.yaml'));
    expect(missing.stderr).to.equal(`sippy_routed: cannot read setup file ${JSON.stringify(join(tmp.path, 'nope.yaml'))} (ENOENT) [SETUP_UNREADABLE]\n`);
    const latin = join(tmp.path, 'latin1.yaml');
    writeFileSync(latin, Buffer.from('environment: 1\nvendors:\n  - name: Caf\xe9\n', 'latin1'));
    const bad = await refused(2, latin);
    expect(bad.stderr).to.equal(`sippy_routed: ${latin}:3:14: the setup file is not UTF-8 text (byte 0xe9); save it as UTF-8 [SETUP_UNREADABLE]\n`);
    expect((await refused(2, tmp.path)).stderr).to.contain('not a regular file');
  });

  it('usage errors name what is missing', async () => {
    expect((await cli('apply')).stderr).to.equal('sippy_routed: apply: missing FILE; see sippy_routed apply --help [USAGE]\n');
    expect((await cli('export')).stderr).to.equal('sippy_routed: export: missing --env N; see sippy_routed export --help [USAGE]\n');
    expect((await runCli(['apply', 'x.yaml'], {})).stderr).to.contain('[DB_DSN_MISSING]');
  });
});

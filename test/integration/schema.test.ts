import { expect } from 'chai';
import { useFreshDatabase } from '../harness/database.js';
import { runCli } from '../harness/cli.js';
import { JOURNALED_TABLES, LATEST_SCHEMA_VERSION, migrations, triggerNames } from '../../src/db/migrations.js';
import { applyStatement } from '../../src/db/migrate.js';
import { RoutingFixture } from '../harness/routing-fixture.js';

// The tables and columns of routing.md, transcribed: [column, type, nullable, default].
// A column the spec leaves without a default has `null` here.
const SPEC: Record<string, [string, string, boolean, string | null][]> = {
  environments: [
    ['i_environment', 'int(10) unsigned', false, null],
    ['name', 'varchar(64)', false, null],
  ],
  vendors: [
    ['i_vendor', 'int(10) unsigned', false, null],
    ['i_environment', 'int(10) unsigned', false, null],
    ['name', 'varchar(128)', false, null],
  ],
  connections: [
    ['i_connection', 'int(10) unsigned', false, null],
    ['i_environment', 'int(10) unsigned', false, null],
    ['i_vendor', 'int(10) unsigned', false, null],
    ['name', 'varchar(128)', false, null],
    ['destination', 'varchar(255)', false, null],
    ['cli_translation_rule', 'varchar(255)', true, 'NULL'],
    ['cld_translation_rule', 'varchar(255)', true, 'NULL'],
    ['capacity', 'int(11)', false, '-1'],
    ['enabled', 'tinyint(1)', false, '1'],
  ],
  destination_sets: [
    ['i_destination_set', 'int(10) unsigned', false, null],
    ['i_environment', 'int(10) unsigned', false, null],
    ['name', 'varchar(128)', false, null],
    ['currency', 'char(3)', false, "'USD'"],
    ['connect_fee', 'decimal(16,6)', false, '0.000000'],
    ['free_seconds', 'int(11)', false, '0'],
    ['grace_period', 'int(11)', false, '0'],
    ['post_call_surcharge', 'decimal(16,6)', false, '0.000000'],
  ],
  routes: [
    ['i_route', 'int(10) unsigned', false, null],
    ['i_destination_set', 'int(10) unsigned', false, null],
    ['prefix', 'varchar(32)', false, null],
    ['preference', 'int(11)', false, '5'],
    ['huntstop', 'tinyint(1)', false, '0'],
    ['timeout', 'int(11)', true, 'NULL'],
    ['timeout_1xx', 'int(11)', true, 'NULL'],
    ['price_1', 'decimal(16,6)', false, null],
    ['price_n', 'decimal(16,6)', false, null],
    ['interval_1', 'int(11)', false, '1'],
    ['interval_n', 'int(11)', false, '1'],
    ['forbidden', 'tinyint(1)', false, '0'],
    ['activation_date', 'datetime', false, "'1970-01-01 00:00:00'"],
    ['expiration_date', 'datetime', true, 'NULL'],
    // The project's own (migration 3): the deck's destination name.
    ['description', 'varchar(255)', true, 'NULL'],
  ],
  routing_groups: [
    ['i_routing_group', 'int(10) unsigned', false, null],
    ['i_environment', 'int(10) unsigned', false, null],
    ['name', 'varchar(128)', false, null],
    ['policy', 'varchar(64)', false, "'lcr'"],
    ['average_duration', 'int(11)', false, '200'],
    ['external', 'tinyint(1)', false, '0'],
    ['uri', 'varchar(255)', true, 'NULL'],
  ],
  routing_group_entries: [
    ['i_routing_group_entry', 'int(10) unsigned', false, null],
    ['i_routing_group', 'int(10) unsigned', false, null],
    ['i_connection', 'int(10) unsigned', false, null],
    ['i_destination_set', 'int(10) unsigned', false, null],
    ['entry_order', 'int(11)', false, '0'],
    ['weight', 'int(11)', true, 'NULL'],
  ],
  // snapshot.md: the change journal and its purge horizon.
  routing_changes: [
    ['seq', 'bigint(20) unsigned', false, null],
    ['table_name', 'varchar(32)', false, null],
    ['row_key', 'int(10) unsigned', false, null],
    ['changed_at', 'datetime(3)', false, 'current_timestamp(3)'],
  ],
  routing_changes_horizon: [
    ['id', 'tinyint(3) unsigned', false, null],
    ['purged_through', 'bigint(20) unsigned', false, null],
  ],
};

// MySQL 8 drops display widths and quotes defaults differently from MariaDB.
function normaliseType(type: string): string {
  return type.replace(/^(int|tinyint|bigint)\((\d+)\)/, (_, t: string) => t).replace(/^tinyint$/, 'tinyint(1)').replace(/^tinyint unsigned$/, 'tinyint(1) unsigned');
}
function normaliseDefault(value: string | null, nullable: boolean): string | null {
  if (value === null) return nullable ? 'NULL' : null;
  return value.replace(/^'(-?[\d.]+)'$/, '$1').replace(/^(\d+)\.0+$/, '$1.000000').toLowerCase();
}

describe('schema (routing.md)', function () {
  const database = useFreshDatabase();

  it('has exactly the tables and columns of routing.md, in binary collation', async () => {
    const { db } = database();
    const columns = await db.select(
      `SELECT table_name AS t, column_name AS c, column_type AS type, is_nullable AS nullable, column_default AS def, collation_name AS coll
         FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name <> 'schema_migrations'
        ORDER BY table_name, ordinal_position`,
    );
    const actual: Record<string, [string, string, boolean, string | null][]> = {};
    for (const row of columns) {
      const nullable = row.nullable === 'YES';
      (actual[row.t as string] ??= []).push([row.c as string, normaliseType(row.type as string), nullable, normaliseDefault(row.def as string | null, nullable)]);
      if (row.coll !== null) expect(row.coll, `${row.t}.${row.c} collation`).to.equal('utf8mb4_bin');
    }
    const expected = Object.fromEntries(Object.entries(SPEC).map(([t, cols]) => [t, cols.map(([c, type, n, d]) => [c, normaliseType(type), n, normaliseDefault(d, n)])]));
    expect(actual).to.deep.equal(expected);
  });

  it('has the keys of routing.md: primary keys, unique names, the route lookup index', async () => {
    const { db } = database();
    const rows = await db.select(
      `SELECT table_name AS t, index_name AS i, non_unique AS nu, GROUP_CONCAT(column_name ORDER BY seq_in_index) AS cols
         FROM information_schema.statistics WHERE table_schema = DATABASE() GROUP BY table_name, index_name, non_unique`,
    );
    const keys = new Set(rows.map((r) => `${r.t}:${Number(r.nu) === 0 ? 'unique' : 'index'}:${r.cols}`));
    for (const key of [
      'environments:unique:i_environment', 'vendors:unique:i_vendor', 'vendors:unique:i_environment,name',
      'connections:unique:i_connection', 'connections:unique:i_vendor,name',
      'destination_sets:unique:i_destination_set', 'destination_sets:unique:i_environment,name',
      'routes:unique:i_route', 'routes:index:i_destination_set,prefix,activation_date',
      'routing_groups:unique:i_routing_group', 'routing_groups:unique:i_environment,name',
      'routing_group_entries:unique:i_routing_group_entry',
      'routing_changes:unique:seq', 'routing_changes:index:changed_at', 'routing_changes_horizon:unique:id',
    ]) {
      expect(keys, key).to.include(key);
    }
  });

  it('has the journal triggers: after insert, update and delete on each of the seven tables', async () => {
    const { db } = database();
    const rows = await db.select(
      `SELECT trigger_name AS name, event_object_table AS t, event_manipulation AS e, action_timing AS timing
         FROM information_schema.triggers WHERE trigger_schema = DATABASE() ORDER BY trigger_name`,
    );
    const found = rows.map((r) => `${r.t}:${r.timing}:${r.e}:${r.name}`).sort();
    const expected = JOURNALED_TABLES.flatMap(({ table }) =>
      (['INSERT', 'UPDATE', 'DELETE'] as const).map((e) => `${table}:AFTER:${e}:routing_changes_${table}_a${e[0]!.toLowerCase()}`));
    expect(found).to.deep.equal(expected.sort());
    expect(triggerNames().sort()).to.deep.equal(rows.map((r) => String(r.name)).sort());
  });

  it('journals the key a refresh needs: a route its set (old and new on a move), an entry its group, others their own key', async () => {
    const { db } = database();
    const fixture = new RoutingFixture(db, 1);
    await fixture.environmentRow();
    const vendor = await fixture.vendor('V');
    const connection = await fixture.connection({ vendor, name: 'C' });
    const setA = await fixture.destinationSet({ name: 'A' });
    const setB = await fixture.destinationSet({ name: 'B' });
    const group = await fixture.group({ name: 'G' });
    const [head] = await db.select('SELECT COALESCE(MAX(seq), 0) AS s FROM routing_changes');
    const route = await fixture.route(setA, { prefix: '44' });
    await db.modify('UPDATE routes SET i_destination_set = ? WHERE i_route = ?', [setB, route]);
    await db.modify('UPDATE routes SET price_1 = 1 WHERE i_route = ?', [route]);
    const entry = await fixture.entry(group, connection, setA);
    await db.modify('DELETE FROM routing_group_entries WHERE i_routing_group_entry = ?', [entry]);
    await db.modify('DELETE FROM destination_sets WHERE i_destination_set = ?', [setA]);
    const rows = await db.select('SELECT table_name AS t, row_key AS k FROM routing_changes WHERE seq > ? ORDER BY seq', [Number(head!.s)]);
    expect(rows.map((r) => `${r.t}:${r.k}`)).to.deep.equal([
      `routes:${setA}`, `routes:${setB}`, `routes:${setA}`, `routes:${setB}`,
      `routing_group_entries:${group}`, `routing_group_entries:${group}`, `destination_sets:${setA}`,
    ]);
  });

  it('records the schema version, and a second migrate changes nothing', async () => {
    const { db, dsn } = database();
    const before = await db.select(
      `SELECT table_name AS t, create_time AS c FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name`,
    );
    const again = await runCli(['db', 'migrate', '-d', dsn]);
    expect(again.code).to.equal(0);
    expect(again.stdout).to.match(new RegExp(`schema is at version ${LATEST_SCHEMA_VERSION}; nothing to do`));
    const after = await db.select(
      `SELECT table_name AS t, create_time AS c FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name`,
    );
    expect(after).to.deep.equal(before);
    const versions = await db.select('SELECT version, name FROM schema_migrations ORDER BY version');
    expect(versions.map((v) => Number(v.version))).to.deep.equal(migrations.map((m) => m.version));
  });

  it('runs every migration statement again without error (a migration that failed half-way is run again whole)', async () => {
    const { db } = database();
    for (const migration of migrations) {
      for (const statement of migration.statements) await db.withConnection((conn) => applyStatement(conn, statement));
    }
    const [triggers] = await db.select('SELECT COUNT(*) AS n FROM information_schema.triggers WHERE trigger_schema = DATABASE()');
    expect(Number(triggers!.n)).to.equal(triggerNames().length);
  });
});

describe('db migrate on an empty database', function () {
  const database = useFreshDatabase({ migrate: false });

  it('creates the schema from nothing, reporting versions', async () => {
    const result = await runCli(['db', 'migrate'], { SIPPY_ROUTED_DB: database().dsn });
    expect(result.stderr).to.equal('');
    expect(result.stdout).to.match(new RegExp(`schema migrated from version 0 to ${LATEST_SCHEMA_VERSION}`));
    expect(result.code).to.equal(0);
  });

  it('refuses a schema newer than the program', async () => {
    await database().db.modify('INSERT INTO schema_migrations (version, name) VALUES (?, ?)', [LATEST_SCHEMA_VERSION + 1, 'from the future']);
    const result = await runCli(['db', 'migrate', '-d', database().dsn]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/schema version \d+ is newer than this program's/);
  });
});

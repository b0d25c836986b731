// The schema, as versioned migrations. Version N is applied once and
// recorded in schema_migrations; a migration is never edited after it ships,
// a change is a new version. Tables and columns are the contract of
// routing.md: names compare exactly, so every table is utf8mb4_bin.

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly MigrationStatement[];
}

/**
 * A statement, or one that runs only while a column is missing: MySQL 8 has
 * no ADD COLUMN IF NOT EXISTS (MariaDB's only), so the check is made first
 * (migrate.ts, applyStatement). Either way a statement can be run again.
 */
export type MigrationStatement = string | { readonly sql: string; readonly unlessColumn: { readonly table: string; readonly column: string } };

/** ALTER TABLE ... ADD COLUMN, skipped when the column is there. */
function addColumn(table: string, column: string, definition: string): MigrationStatement {
  return { sql: `ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`, unlessColumn: { table, column } };
}

const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';

// ---- The change journal (snapshot.md "Following the database") ----------
//
// Every INSERT, UPDATE and DELETE on the seven routing tables writes one
// journal row per changed row (two on an UPDATE that moves a route or an
// entry to another parent), inside the same transaction: the key a refresh
// needs, never the data. Foreign-key cascades fire no triggers, so a
// destination set's or a group's own row is what says its children went.

export const JOURNAL_TABLE = 'routing_changes';
/** One row (id 1): every entry with seq <= purged_through may be gone. */
export const JOURNAL_HORIZON_TABLE = 'routing_changes_horizon';

/** The journaled tables and the key each records: its own, or its parent's for routes and entries. */
export const JOURNALED_TABLES: readonly { readonly table: string; readonly key: string }[] = Object.freeze([
  { table: 'environments', key: 'i_environment' },
  { table: 'vendors', key: 'i_vendor' },
  { table: 'connections', key: 'i_connection' },
  { table: 'destination_sets', key: 'i_destination_set' },
  { table: 'routes', key: 'i_destination_set' },
  { table: 'routing_groups', key: 'i_routing_group' },
  { table: 'routing_group_entries', key: 'i_routing_group' },
]);

const TRIGGER_EVENTS = [
  { suffix: 'ai', event: 'INSERT' },
  { suffix: 'au', event: 'UPDATE' },
  { suffix: 'ad', event: 'DELETE' },
] as const;

/** One journal trigger: its name, where it must sit, and the statements that (re-)create it. */
export interface JournalTrigger {
  readonly name: string;
  readonly table: string;
  readonly event: 'INSERT' | 'UPDATE' | 'DELETE';
  /** DROP then CREATE: re-runnable on MariaDB and MySQL alike (CREATE TRIGGER IF NOT EXISTS is MariaDB's only). */
  readonly statements: readonly [string, string];
}

/**
 * The journal triggers as of a schema version: from version 4 a route's
 * entry also carries the route's own id (`row_id`), so that a refresh
 * re-reads the routes that changed rather than their whole set. Version 2's
 * are kept as they shipped (a migration is never edited).
 */
function journalTriggers(routeIds: boolean): readonly JournalTrigger[] {
  return Object.freeze(
    JOURNALED_TABLES.flatMap(({ table, key }) =>
      TRIGGER_EVENTS.map(({ suffix, event }): JournalTrigger => {
        const name = `${JOURNAL_TABLE}_${table}_${suffix}`;
        const withId = routeIds && table === 'routes';
        const insert = (row: 'NEW' | 'OLD'): string => withId
          ? `INSERT INTO ${JOURNAL_TABLE} (table_name, row_key, row_id) VALUES ('${table}', ${row}.${key}, ${row}.i_route)`
          : `INSERT INTO ${JOURNAL_TABLE} (table_name, row_key) VALUES ('${table}', ${row}.${key})`;
        // An UPDATE that moves a row to another parent (or renumbers a route) changes both.
        const same = withId ? `OLD.${key} <=> NEW.${key} AND OLD.i_route <=> NEW.i_route` : `OLD.${key} <=> NEW.${key}`;
        const body =
          event === 'INSERT' ? insert('NEW')
          : event === 'DELETE' ? insert('OLD')
          : `BEGIN ${insert('NEW')}; IF NOT (${same}) THEN ${insert('OLD')}; END IF; END`;
        return { name, table, event, statements: [`DROP TRIGGER IF EXISTS ${name}`, `CREATE TRIGGER ${name} AFTER ${event} ON ${table} FOR EACH ROW ${body}`] };
      }),
    ),
  );
}

/** Every journal trigger as the latest schema has it: routing_changes_<table>_<ai|au|ad>, AFTER its event on its table. */
export const JOURNAL_TRIGGERS: readonly JournalTrigger[] = journalTriggers(true);

/** The journal triggers' names. */
export function triggerNames(): string[] {
  return JOURNAL_TRIGGERS.map((trigger) => trigger.name);
}

/**
 * Where the journal triggers sit now: [name, table, event, timing] per
 * trigger of this schema. A name alone is not enough: `RENAME TABLE routes
 * TO routes_old` takes the triggers along, and the live table then journals
 * nothing (online schema-change tools do exactly this).
 */
export const TRIGGER_PLACEMENT_SQL = `SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, EVENT_MANIPULATION, ACTION_TIMING
  FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()`;

/** What is wrong with the journal triggers: names missing, and names on another table, event or timing. */
export interface TriggerProblems {
  readonly missing: readonly string[];
  readonly misplaced: readonly { readonly name: string; readonly table: string }[];
}

/** Compares TRIGGER_PLACEMENT_SQL's rows with JOURNAL_TRIGGERS. */
export function triggerProblems(rows: readonly (readonly unknown[])[]): TriggerProblems {
  const found = new Map(rows.map((r) => [String(r[0]), { table: String(r[1]), event: String(r[2]), timing: String(r[3]) }]));
  const missing: string[] = [];
  const misplaced: { name: string; table: string }[] = [];
  for (const trigger of JOURNAL_TRIGGERS) {
    const at = found.get(trigger.name);
    if (at === undefined) missing.push(trigger.name);
    else if (at.table !== trigger.table || at.event !== trigger.event || at.timing !== 'AFTER') misplaced.push({ name: trigger.name, table: at.table });
  }
  return { missing, misplaced };
}

export function triggersInPlace(problems: TriggerProblems): boolean {
  return problems.missing.length === 0 && problems.misplaced.length === 0;
}

export const migrations: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'routing schema',
    statements: [
      `CREATE TABLE IF NOT EXISTS environments (
        i_environment INT UNSIGNED NOT NULL,
        name VARCHAR(64) NOT NULL,
        PRIMARY KEY (i_environment)
      ) ${TABLE_OPTIONS}`,
      `CREATE TABLE IF NOT EXISTS vendors (
        i_vendor INT UNSIGNED NOT NULL AUTO_INCREMENT,
        i_environment INT UNSIGNED NOT NULL,
        name VARCHAR(128) NOT NULL,
        PRIMARY KEY (i_vendor),
        UNIQUE KEY uq_vendors_name (i_environment, name),
        CONSTRAINT fk_vendors_environment FOREIGN KEY (i_environment) REFERENCES environments (i_environment)
      ) ${TABLE_OPTIONS}`,
      `CREATE TABLE IF NOT EXISTS connections (
        i_connection INT UNSIGNED NOT NULL AUTO_INCREMENT,
        i_environment INT UNSIGNED NOT NULL,
        i_vendor INT UNSIGNED NOT NULL,
        name VARCHAR(128) NOT NULL,
        destination VARCHAR(255) NOT NULL,
        cli_translation_rule VARCHAR(255) NULL,
        cld_translation_rule VARCHAR(255) NULL,
        capacity INT NOT NULL DEFAULT -1,
        enabled TINYINT(1) NOT NULL DEFAULT 1,
        PRIMARY KEY (i_connection),
        UNIQUE KEY uq_connections_name (i_vendor, name),
        CONSTRAINT fk_connections_environment FOREIGN KEY (i_environment) REFERENCES environments (i_environment),
        CONSTRAINT fk_connections_vendor FOREIGN KEY (i_vendor) REFERENCES vendors (i_vendor)
      ) ${TABLE_OPTIONS}`,
      `CREATE TABLE IF NOT EXISTS destination_sets (
        i_destination_set INT UNSIGNED NOT NULL AUTO_INCREMENT,
        i_environment INT UNSIGNED NOT NULL,
        name VARCHAR(128) NOT NULL,
        currency CHAR(3) NOT NULL DEFAULT 'USD',
        connect_fee DECIMAL(16,6) NOT NULL DEFAULT 0,
        free_seconds INT NOT NULL DEFAULT 0,
        grace_period INT NOT NULL DEFAULT 0,
        post_call_surcharge DECIMAL(16,6) NOT NULL DEFAULT 0,
        PRIMARY KEY (i_destination_set),
        UNIQUE KEY uq_destination_sets_name (i_environment, name),
        CONSTRAINT fk_destination_sets_environment FOREIGN KEY (i_environment) REFERENCES environments (i_environment)
      ) ${TABLE_OPTIONS}`,
      `CREATE TABLE IF NOT EXISTS routes (
        i_route INT UNSIGNED NOT NULL AUTO_INCREMENT,
        i_destination_set INT UNSIGNED NOT NULL,
        prefix VARCHAR(32) NOT NULL,
        preference INT NOT NULL DEFAULT 5,
        huntstop TINYINT(1) NOT NULL DEFAULT 0,
        timeout INT NULL,
        timeout_1xx INT NULL,
        price_1 DECIMAL(16,6) NOT NULL,
        price_n DECIMAL(16,6) NOT NULL,
        interval_1 INT NOT NULL DEFAULT 1,
        interval_n INT NOT NULL DEFAULT 1,
        forbidden TINYINT(1) NOT NULL DEFAULT 0,
        activation_date DATETIME NOT NULL DEFAULT '1970-01-01 00:00:00',
        expiration_date DATETIME NULL,
        PRIMARY KEY (i_route),
        KEY idx_routes_lookup (i_destination_set, prefix, activation_date),
        CONSTRAINT fk_routes_destination_set FOREIGN KEY (i_destination_set) REFERENCES destination_sets (i_destination_set) ON DELETE CASCADE
      ) ${TABLE_OPTIONS}`,
      `CREATE TABLE IF NOT EXISTS routing_groups (
        i_routing_group INT UNSIGNED NOT NULL AUTO_INCREMENT,
        i_environment INT UNSIGNED NOT NULL,
        name VARCHAR(128) NOT NULL,
        policy VARCHAR(64) NOT NULL DEFAULT 'lcr',
        average_duration INT NOT NULL DEFAULT 200,
        external TINYINT(1) NOT NULL DEFAULT 0,
        uri VARCHAR(255) NULL,
        PRIMARY KEY (i_routing_group),
        UNIQUE KEY uq_routing_groups_name (i_environment, name),
        CONSTRAINT fk_routing_groups_environment FOREIGN KEY (i_environment) REFERENCES environments (i_environment)
      ) ${TABLE_OPTIONS}`,
      `CREATE TABLE IF NOT EXISTS routing_group_entries (
        i_routing_group_entry INT UNSIGNED NOT NULL AUTO_INCREMENT,
        i_routing_group INT UNSIGNED NOT NULL,
        i_connection INT UNSIGNED NOT NULL,
        i_destination_set INT UNSIGNED NOT NULL,
        entry_order INT NOT NULL DEFAULT 0,
        weight INT NULL,
        PRIMARY KEY (i_routing_group_entry),
        KEY idx_entries_group (i_routing_group, entry_order),
        CONSTRAINT fk_entries_routing_group FOREIGN KEY (i_routing_group) REFERENCES routing_groups (i_routing_group) ON DELETE CASCADE,
        CONSTRAINT fk_entries_connection FOREIGN KEY (i_connection) REFERENCES connections (i_connection),
        CONSTRAINT fk_entries_destination_set FOREIGN KEY (i_destination_set) REFERENCES destination_sets (i_destination_set)
      ) ${TABLE_OPTIONS}`,
    ],
  },
  {
    version: 2,
    name: 'change journal',
    statements: [
      `CREATE TABLE IF NOT EXISTS ${JOURNAL_TABLE} (
        seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        table_name VARCHAR(32) NOT NULL,
        row_key INT UNSIGNED NOT NULL,
        changed_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (seq),
        KEY idx_routing_changes_time (changed_at)
      ) ${TABLE_OPTIONS}`,
      `CREATE TABLE IF NOT EXISTS ${JOURNAL_HORIZON_TABLE} (
        id TINYINT UNSIGNED NOT NULL,
        purged_through BIGINT UNSIGNED NOT NULL,
        PRIMARY KEY (id)
      ) ${TABLE_OPTIONS}`,
      `INSERT IGNORE INTO ${JOURNAL_HORIZON_TABLE} (id, purged_through) VALUES (1, 0)`,
      ...journalTriggers(false).flatMap((trigger) => trigger.statements),
    ],
  },
  {
    version: 3,
    name: 'route descriptions',
    // The destination's name from the carrier's rate deck ("United Kingdom -
    // Mobile"): shown by `routes`, written by `rates import`, read by
    // `rates export`. Informational only: routing never reads it. Adding a
    // NULL column is instant on MariaDB 10.3+ and MySQL 8.0.12+.
    statements: [addColumn('routes', 'description', 'VARCHAR(255) NULL')],
  },
  {
    version: 4,
    name: 'journal route ids',
    // A route's journal entry names the route beside its set: a refresh
    // re-reads a few changed routes of a large set by primary key instead
    // of the whole set (an edit in a million-route set is a handful of rows,
    // not a million). Entries written before this have no row_id: their set
    // is re-read whole, as before.
    statements: [
      addColumn(JOURNAL_TABLE, 'row_id', 'INT UNSIGNED NULL'),
      ...JOURNAL_TRIGGERS.filter((trigger) => trigger.table === 'routes').flatMap((trigger) => trigger.statements),
    ],
  },
]);

export const LATEST_SCHEMA_VERSION = migrations[migrations.length - 1]!.version;

// Versions are 1, 2, 3, ... in order: each is applied once, recorded by its number.
migrations.forEach((migration, i) => {
  if (migration.version !== i + 1) throw new Error(`migration ${i + 1} is numbered ${migration.version}: versions must run 1, 2, 3, ... in order`);
});

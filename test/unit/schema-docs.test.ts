import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { columnsOf, migrationColumns, type MigrationColumn } from '../harness/migration-columns.js';

// docs/schema.md names every table and column the migrations create (and
// the schema_migrations table of src/db/migrate.ts), each under its table's
// heading, and no column they do not: a migration that adds a column fails
// here until the page says what it means.

const DOC = readFileSync(new URL('../../../docs/schema.md', import.meta.url), 'utf8');
const MIGRATE = readFileSync(new URL('../../../src/db/migrate.ts', import.meta.url), 'utf8');

function schemaColumns(): MigrationColumn[] {
  const bookkeeping = /CREATE TABLE IF NOT EXISTS schema_migrations \([\s\S]*?\) ENGINE=[^`]*/.exec(MIGRATE);
  expect(bookkeeping, 'the CREATE TABLE of schema_migrations in src/db/migrate.ts').to.not.equal(null);
  return [...migrationColumns(), ...columnsOf([bookkeeping![0]])];
}

/** Per `### \`table\`` heading of the page, the columns its table rows name (`| \`column\` |`). */
function documented(): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let table: string | undefined;
  for (const line of DOC.split('\n')) {
    const heading = /^#{2,3} `(\w+)`\s*$/.exec(line);
    if (heading !== null) {
      table = heading[1]!;
      sections.set(table, []);
      continue;
    }
    if (/^#{1,3} /.test(line)) table = undefined;
    const row = /^\| `(\w+)` \|/.exec(line);
    if (row !== null && table !== undefined) sections.get(table)!.push(row[1]!);
  }
  return sections;
}

describe('docs/schema.md: every table and column of the migrations', () => {
  const columns = schemaColumns();
  const doc = documented();

  it('reads the migrations (the ten tables, routes.prefix among the columns)', () => {
    expect(new Set(columns.map((c) => c.table)).size).to.equal(10);
    expect(columns.some((c) => c.table === 'routes' && c.column === 'prefix')).to.equal(true);
  });

  it('names each table under its own heading and each column in its table', () => {
    const missing = columns.filter((c) => !(doc.get(c.table) ?? []).includes(c.column)).map((c) => `${c.table}.${c.column}`);
    expect(missing, 'not in docs/schema.md').to.deep.equal([]);
  });

  it('documents no table or column the migrations lack', () => {
    const known = new Set(columns.map((c) => `${c.table}.${c.column}`));
    const stale = [...doc].flatMap(([table, names]) => (names.length === 0 ? [table] : names.map((n) => `${table}.${n}`))).filter((name) => !known.has(name));
    expect(stale, 'in docs/schema.md but not in the migrations').to.deep.equal([]);
  });
});

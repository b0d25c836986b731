// The tables and columns the migrations create, read from their statements
// (src/db/migrations.ts): CREATE TABLE bodies and ALTER TABLE ... ADD
// [COLUMN] [IF NOT EXISTS]. What documentation and defaults are checked
// against, so a column added by a new migration is seen without editing a list.

import { migrations } from '../../src/db/migrations.js';

export interface MigrationColumn {
  readonly table: string;
  readonly column: string;
  /** The rest of its line: type, NULL, DEFAULT ... */
  readonly definition: string;
}

const NOT_A_COLUMN = /^(PRIMARY|KEY|UNIQUE|INDEX|CONSTRAINT|FOREIGN|FULLTEXT|CHECK)\b/i;

export function migrationColumns(): MigrationColumn[] {
  // A statement is its SQL text, or an object holding it as `sql` (one applied under a condition).
  const text = (statement: unknown): string => (typeof statement === 'string' ? statement : String((statement as { sql?: unknown }).sql ?? ''));
  return columnsOf(migrations.flatMap((m) => (m.statements as readonly unknown[]).map(text)));
}

/** The columns that `statements` create or add. */
export function columnsOf(statements: readonly string[]): MigrationColumn[] {
  const columns: MigrationColumn[] = [];
  for (const statement of statements) {
    const create = /^\s*CREATE TABLE (?:IF NOT EXISTS )?`?(\w+)`?\s*\(([\s\S]*)\)[^)]*$/i.exec(statement);
    if (create !== null) {
      for (const line of create[2]!.split('\n').map((l) => l.trim().replace(/,$/, ''))) {
        const column = /^`?(\w+)`?\s+(.+)$/.exec(line);
        if (line === '' || NOT_A_COLUMN.test(line) || column === null) continue;
        columns.push({ table: create[1]!, column: column[1]!, definition: column[2]! });
      }
      continue;
    }
    for (const add of statement.matchAll(/ALTER TABLE `?(\w+)`?[\s\S]*?\bADD (?:COLUMN )?(?:IF NOT EXISTS )?`?(\w+)`?\s+([^,;]+)/gi)) {
      if (NOT_A_COLUMN.test(add[2]!)) continue;
      columns.push({ table: add[1]!, column: add[2]!, definition: add[3]!.trim() });
    }
  }
  return columns;
}

/** The tables the migrations create. */
export function migrationTables(): string[] {
  return [...new Set(migrationColumns().map((c) => c.table))];
}

/** A column's DEFAULT as written ('USD', -1, 0), or undefined when it has none. */
export function columnDefault(table: string, column: string): string | undefined {
  const found = migrationColumns().find((c) => c.table === table && c.column === column);
  if (found === undefined) throw new Error(`no column ${table}.${column} in the migrations`);
  return /\bDEFAULT\s+('[^']*'|[-\w.()]+)/i.exec(found.definition)?.[1]?.replace(/^'|'$/g, '');
}

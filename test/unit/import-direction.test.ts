import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// The project's import rules (README.md, Layout) as a table, checked
// against the import statements of src/.
// An area is a directory under src/ or a module directly in src/. Layers
// import downwards only: cli → supervisor → rpc → routing → db; client is a
// leaf used by routing (external groups) and cli (query); econfig imports
// nothing of ours but the leaves errors, limits and dsn-syntax; rpc reaches
// data only through routing's Resolver, never db. The shared modules
// directly in src/ import only each other, and nothing imports cli but main.

/** Leaves every area may import: they import nothing of ours but errors. */
const LEAVES = ['errors', 'limits', 'dsn-syntax', 'route-wire', 'version', 'seeded-random'];
/** Shared modules every area but econfig may import. */
const SHARED = [...LEAVES, 'log', 'log-file'];

const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  main: ['cli'],
  cli: ['supervisor', 'rpc', 'routing', 'client', 'db', 'data', 'econfig', 'metrics', ...SHARED],
  supervisor: ['rpc', 'routing', 'db', 'econfig', 'metrics', ...SHARED],
  rpc: ['routing', 'econfig', 'metrics', ...SHARED],
  routing: ['client', 'db', 'econfig', 'metrics', ...SHARED],
  client: SHARED,
  // Rate decks and the setup file (rates.md): below cli, on db; they check values with routing's own parsers.
  data: ['routing', 'client', 'db', ...SHARED],
  db: ['metrics', ...SHARED],
  // The series and their registry: told by every layer, importing none (its HTTP endpoint is rpc's).
  metrics: SHARED,
  econfig: ['errors', 'limits', 'dsn-syntax'],
  log: ['dsn-syntax'],
  'log-file': ['errors', 'log'],
  errors: [],
  limits: [],
  'dsn-syntax': ['errors'],
  'route-wire': ['limits'],
  version: [],
  'seeded-random': [],
};

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** `cli` for src/cli/main.ts, `log` for src/log.ts. */
function areaOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? parts[0]! : parts[0]!.replace(/\.ts$/, '');
}

/**
 * What `text`, the source of `file`, imports against the table: one line per
 * violation, `file: area → area (specifier)`. Imports, re-exports and dynamic
 * imports count, type-only ones too; ts.preProcessFile skips comments and
 * strings.
 */
function violationsIn(file: string, text: string): string[] {
  const from = areaOf(file);
  const allowed = ALLOWED[from];
  if (allowed === undefined) return [`${relative(SRC, file)}: area ${from} is not in the table of import-direction.test.ts`];
  const found: string[] = [];
  for (const { fileName: specifier } of ts.preProcessFile(text, true, true).importedFiles) {
    if (!specifier.startsWith('.')) continue;
    const target = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
    if (relative(SRC, target).startsWith('..')) {
      found.push(`${relative(SRC, file)}: imports ${specifier}, outside src/`);
      continue;
    }
    const to = areaOf(target);
    if (to !== from && !allowed.includes(to)) found.push(`${relative(SRC, file)}: ${from} → ${to} (${specifier})`);
  }
  return found;
}

describe('import direction (README.md, Layout)', () => {
  const files = sourceFiles(SRC);

  it('every import in src/ runs in an allowed direction', () => {
    // Guards the walk itself: an empty tree would pass vacuously.
    expect(files.length).to.be.greaterThan(50);
    expect(files.flatMap((file) => violationsIn(file, readFileSync(file, 'utf8')))).to.deep.equal([]);
  });

  it('finds the imports the issue named, and only in code', () => {
    // The imports as they were before DSN syntax, log description and the wire types had homes of their own.
    const at = (area: string, name: string): string => join(SRC, area, name);
    expect(violationsIn(at('econfig', 'listener-options.ts'), "import { parseDsn } from '../db/dsn.js';")).to.deep.equal(['econfig/listener-options.ts: econfig → db (../db/dsn.js)']);
    expect(violationsIn(at('rpc', 'rpc-errors.ts'), "import { describeForLog } from '../db/pool.js';")).to.deep.equal(['rpc/rpc-errors.ts: rpc → db (../db/pool.js)']);
    expect(violationsIn(at('client', 'routing-client.ts'), "import type { RouteResult } from '../routing/types.js';")).to.deep.equal(['client/routing-client.ts: client → routing (../routing/types.js)']);
    expect(violationsIn(at('econfig', 'load.ts'), "export { redactSecrets } from '../log.js';\nconst m = await import('../cli/main.js');")).to.deep.equal(['econfig/load.ts: econfig → log (../log.js)', 'econfig/load.ts: econfig → cli (../cli/main.js)']);
    expect(violationsIn(at('econfig', 'load.ts'), "// import x from '../db/dsn.js'\nconst s = \"from '../db/dsn.js'\";")).to.deep.equal([]);
  });
});

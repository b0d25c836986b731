import { expect } from 'chai';
import { join } from 'node:path';
import { importCycles, importGraphOfSrc, importsOf, SRC, type ImportEdge, type ImportGraph } from './import-graph.js';

// The project's import rules (README.md, Layout) as tables, checked
// against the import statements of src/, type-only imports included
// (import-graph.ts says why).
//
// An area is a directory under src/ or a module directly in src/. Layers
// import downwards only: cli → supervisor → rpc → routing → db; client is a
// leaf used by routing (external groups) and cli (query); econfig imports
// nothing of ours but the leaves errors, limits and dsn-syntax; rpc reaches
// data only through routing's Resolver, never db. The shared modules
// directly in src/ import only each other, and nothing imports cli but main.
//
// Inside routing the folders are the pipeline's layers (ROUTING_LAYERS), and
// other areas see routing through routing/index.ts only. Tests and benches
// are not held to that: a unit test tests a part (a rule, a route set)
// where it is, so test/ and bench/ may import any module of src/. They are
// not in the graph at all; src/ never imports them.
//
// And no module of src/ reaches itself through its imports: a circle, even
// of types only, is a set of files that can be read, moved or tested only
// together.

/** Leaves every area may import: they import nothing of ours but errors and limits. */
const LEAVES = ['errors', 'limits', 'dsn-syntax', 'route-wire', 'version', 'seeded-random', 'hash32'];
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
  hash32: [],
};

/**
 * routing's layers, upwards: the folder a module of src/routing is in, or,
 * for the modules directly in it, `contract` (contract.ts: the Resolver
 * contract and the types callers see, no implementation) and `face` (index,
 * the resolver, its data sources, the health log). Each layer imports only
 * those listed, never one above it: rules are pure; the snapshot holds data
 * and knows no wire; answers are written from rules and snapshot records;
 * the follower keeps a snapshot in step with a database, making each with
 * the answer's row bytes (answerRows) and its memo of choices.
 */
const ROUTING_LAYERS: Readonly<Record<string, readonly string[]>> = {
  rules: [],
  contract: ['rules'],
  snapshot: ['rules'],
  sql: ['rules'],
  answer: ['rules', 'snapshot', 'contract'],
  follow: ['rules', 'snapshot', 'answer', 'contract'],
  external: ['rules', 'sql', 'contract'],
  inspect: ['rules', 'snapshot', 'follow', 'sql', 'contract'],
  face: ['rules', 'snapshot', 'follow', 'sql', 'answer', 'external', 'inspect', 'contract'],
};

/** What other areas import of routing. */
const ROUTING_FACE = 'routing/index.ts';

/** `cli` for cli/main.ts, `log` for log.ts (paths relative to src/). */
function areaOf(module: string): string {
  const parts = module.split('/');
  return parts.length > 1 ? parts[0]! : parts[0]!.replace(/\.ts$/, '');
}

/** `snapshot` for routing/snapshot/route-set.ts, `contract`, `face` for routing/resolver.ts. */
function routingLayerOf(module: string): string {
  const parts = module.split('/');
  if (parts.length > 2) return parts[1]!;
  return parts[1] === 'contract.ts' ? 'contract' : 'face';
}

/** One line per import of `module` against the tables: `module: area → area (specifier)`. */
function violationsOf(module: string, edges: readonly ImportEdge[]): string[] {
  const from = areaOf(module);
  const allowed = ALLOWED[from];
  if (allowed === undefined) return [`${module}: area ${from} is not in the table of import-direction.test.ts`];
  const found: string[] = [];
  for (const { specifier, target, typeOnly } of edges) {
    if (target.startsWith('..')) {
      found.push(`${module}: imports ${specifier}, outside src/`);
      continue;
    }
    const to = areaOf(target);
    if (to !== from && !allowed.includes(to)) found.push(`${module}: ${from} → ${to} (${specifier})`);
    if (to === 'routing' && from !== 'routing' && target !== ROUTING_FACE) found.push(`${module}: imports ${specifier}, past ${ROUTING_FACE}`);
    if (to === 'routing' && from === 'routing') {
      const [a, b] = [routingLayerOf(module), routingLayerOf(target)];
      if (a !== b && !(ROUTING_LAYERS[a] ?? []).includes(b)) found.push(`${module}: routing ${a} → ${b} (${specifier})`);
      if (a === 'contract' && !typeOnly) found.push(`${module}: the contract imports an implementation (${specifier}); types only`);
    }
  }
  return found;
}

/** `text` as the source of `module` (relative to src/). */
function violationsIn(module: string, text: string): string[] {
  return violationsOf(module, importsOf(join(SRC, module), text));
}

function cyclesIn(modules: Readonly<Record<string, string>>): string[][] {
  const graph: ImportGraph = new Map(Object.entries(modules).map(([module, text]) => [module, importsOf(join(SRC, module), text)]));
  return importCycles(graph);
}

describe('import direction (README.md, Layout)', () => {
  const graph = importGraphOfSrc();

  it('every import in src/ runs in an allowed direction', () => {
    // Guards the walk itself: an empty tree would pass vacuously.
    expect(graph.size).to.be.greaterThan(50);
    expect([...graph].flatMap(([module, edges]) => violationsOf(module, edges))).to.deep.equal([]);
  });

  it('no module of src/ imports itself round a circle, type-only imports included', () => {
    expect(graph.get('routing/resolver.ts')?.some((e) => e.typeOnly)).to.equal(true, 'the walk sees type-only imports');
    expect(importCycles(graph)).to.deep.equal([]);
  });

  it('finds the imports the issue named, and only in code', () => {
    // The imports as they were before DSN syntax, log description and the wire types had homes of their own.
    expect(violationsIn('econfig/listener-options.ts', "import { parseDsn } from '../db/dsn.js';")).to.deep.equal(['econfig/listener-options.ts: econfig → db (../db/dsn.js)']);
    expect(violationsIn('rpc/rpc-errors.ts', "import { describeForLog } from '../db/pool.js';")).to.deep.equal(['rpc/rpc-errors.ts: rpc → db (../db/pool.js)']);
    expect(violationsIn('client/routing-client.ts', "import type { RouteResult } from '../routing/contract.js';")).to.deep.equal([
      'client/routing-client.ts: client → routing (../routing/contract.js)',
      'client/routing-client.ts: imports ../routing/contract.js, past routing/index.ts',
    ]);
    expect(violationsIn('econfig/load.ts', "export { redactSecrets } from '../log.js';\nconst m = await import('../cli/main.js');")).to.deep.equal(['econfig/load.ts: econfig → log (../log.js)', 'econfig/load.ts: econfig → cli (../cli/main.js)']);
    expect(violationsIn('econfig/load.ts', "// import x from '../db/dsn.js'\nconst s = \"from '../db/dsn.js'\";")).to.deep.equal([]);
  });

  it('finds the routing imports issue 23 cut: past the face, up a layer, an implementation in the contract', () => {
    expect(violationsIn('rpc/methods.ts', "import type { DataStatus } from '../routing/follow/snapshot-follower.js';")).to.deep.equal(['rpc/methods.ts: imports ../routing/follow/snapshot-follower.js, past routing/index.ts']);
    expect(violationsIn('routing/snapshot/snapshot.ts', "import { withEntryJson } from '../answer/answer-json.js';")).to.deep.equal(['routing/snapshot/snapshot.ts: routing snapshot → answer (../answer/answer-json.js)']);
    expect(violationsIn('routing/rules/candidates.ts', "import type { ExclusionReason } from '../contract.js';")).to.deep.equal(['routing/rules/candidates.ts: routing rules → contract (../contract.js)']);
    expect(violationsIn('routing/contract.ts', "import { type DataStatus } from './follow/snapshot-follower.js';\nimport { SippyError } from '../errors.js';")).to.deep.equal([
      'routing/contract.ts: routing contract → follow (./follow/snapshot-follower.js)',
    ]);
    expect(violationsIn('routing/contract.ts', "import { parsePolicy } from './rules/policy.js';\nimport type { GroupRow } from './rules/model.js';")).to.deep.equal([
      'routing/contract.ts: the contract imports an implementation (./rules/policy.js); types only',
    ]);
  });

  it('finds a circle, and one of types only, naming the path round it', () => {
    const circle = {
      'routing/contract.ts': "import type { DataStatus } from './follow/snapshot-follower.js';",
      'routing/follow/snapshot-follower.ts': "import { RoutingSnapshot } from '../snapshot/snapshot.js';",
      'routing/snapshot/snapshot.ts': "import type { Resolver } from '../contract.js';\nimport { RECORD } from './route-set.js';",
      'routing/snapshot/route-set.ts': '',
    };
    expect(cyclesIn(circle)).to.deep.equal([['routing/contract.ts', 'routing/follow/snapshot-follower.ts', 'routing/snapshot/snapshot.ts', 'routing/contract.ts']]);
    expect(cyclesIn({ 'a.ts': "export type { A } from './b.js';", 'b.ts': "const a = await import('./a.js');", 'c.ts': "import './c.js';" })).to.deep.equal([
      ['a.ts', 'b.ts', 'a.ts'],
      ['c.ts', 'c.ts'],
    ]);
    expect(cyclesIn({ 'a.ts': "import { b } from './b.js';", 'b.ts': "// import { a } from './a.js';" })).to.deep.equal([]);
  });
});

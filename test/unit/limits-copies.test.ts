import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import * as limits from '../../src/limits.js';

// src/limits.ts is the one source of every bound and default (README.md,
// Layout). Before, copies of its values were written out elsewhere and went
// their own way: the listener defaults in econfig/listener-spec.ts, the
// follower's 250 ms / 300 s in routing's snapshot-follower.ts, query's own
// MAX_ROUTES, the rule cache's 1000, the client schema's 256/256/1000, the
// control socket's 64 KiB. These tests read the source as TypeScript (so
// comments and strings do not count) and fail on a value of limits.ts
// written as a number in the files that held copies, and on a JSON Schema
// bound written as a number anywhere in src/.

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

/**
 * The files that held copies of limits.ts's values, or import them now, by
 * name (found anywhere under src/, so that moving a file keeps its check).
 */
const FORMER_COPIES = [
  'check-command.ts',
  'control-command.ts',
  'daemon-call.ts',
  'inspect-commands.ts',
  'environment-list.ts',
  'query-command.ts',
  'rates-command.ts',
  'setup-commands.ts',
  'supervise-command.ts',
  'run-until-signal.ts',
  'route-result-schema.ts',
  'rpc-client.ts',
  'pool.ts',
  'listener-options.ts',
  'listener-schema.ts',
  'listener-spec.ts',
  'external.ts',
  'resolver.ts',
  'snapshot-follower.ts',
  // The follower's parts (routing/follow/): its pools' timeouts were copies.
  'refresh-read.ts',
  'journal-purge.ts',
  'journal-watch.ts',
  'bad-row-log.ts',
  'translation.ts',
  'inspect-methods.ts',
  'param-schemas.ts',
  'control.ts',
  'schema.ts',
];

/**
 * JSON Schema bounds that are facts of a standard, not bounds of ours, by
 * value: why each.
 */
const STANDARD_BOUNDS: ReadonlyMap<number, string> = new Map([
  [65535, 'the largest TCP port'],
  [0o777, 'the largest POSIX file mode'],
  [3, 'an ISO 4217 currency code is three letters'],
]);

/** Under 10 a number is a count or a factor (0, 1, 2, 4) more often than a copy of a limit. */
const SMALLEST_CHECKED = 10;

/**
 * Numbers in those files that equal a value of limits.ts but mean something
 * else, by file and the place that holds them (the constant, property or
 * function): why each is not a copy. A new one needs a line here.
 */
const NOT_COPIES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'external.ts': {
    UPSTREAM_LOG_INTERVAL_MS: 'how often an upstream failure is logged, not a database timeout',
    MAX_SHOWN_URIS: "a memo's size, not a body bound",
  },
  'setup-commands.ts': {
    SETUP_STATEMENT_TIMEOUT_MS: "setup's statements wait out another writer's locks; not the pool's idle time",
  },
  'snapshot-follower.ts': {
    MAX_BACKOFF_MS: "the longest wait between the follower's retries",
    STOP_BOUND_MS: 'how long stop() waits',
    REFRESH_INFO_MS: 'a refresh this slow is logged at info: the spec\'s 1 s bound for new rates, not a timeout',
    REFRESH_INFO_ROWS: 'a refresh reading this many rows is logged at info (a rate deck), not a batch bound',
    queueLimit: "the follower's own pool: refreshes are serial",
    'Math.min': 'the backoff doubles at most this many times',
  },
  'refresh-read.ts': {
    QUICK_TIMEOUT_MS: "the follower's own statement bound for journal polls",
  },
  'journal-purge.ts': {
    PURGE_INTERVAL_MS: 'how often the journal purge is tried',
  },
  'bad-row-log.ts': {
    OnceFilter: 'bad rows remembered for logging once each',
  },
};

function numbersOf(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(numbersOf);
  return [];
}

const LIMIT_VALUES = new Set(numbersOf({ ...limits }).filter((n) => n >= SMALLEST_CHECKED));

/** The value of a number literal, or of a product of them (`64 * 1024`); undefined for anything else. */
function folded(node: ts.Node): number | undefined {
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (ts.isParenthesizedExpression(node)) return folded(node.expression);
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.AsteriskToken) {
    const left = folded(node.left);
    const right = folded(node.right);
    return left === undefined || right === undefined ? undefined : left * right;
  }
  return undefined;
}

const ARITHMETIC = new Set([ts.SyntaxKind.AsteriskToken, ts.SyntaxKind.SlashToken, ts.SyntaxKind.PercentToken, ts.SyntaxKind.PlusToken, ts.SyntaxKind.MinusToken]);

/** A number that converts a value's unit (`reconcileS * 1000`, `age / 1000`): an operand of arithmetic on something not a number. */
function isUnitFactor(node: ts.Node): boolean {
  const parent = node.parent;
  return ts.isBinaryExpression(parent) && ARITHMETIC.has(parent.operatorToken.kind) && folded(parent.left === node ? parent.right : parent.left) === undefined;
}

/** The name of the place that holds a number: the nearest constant, property, parameter, called function or assigned target. */
function placeOf(node: ts.Node): string | undefined {
  for (let at = node.parent; at !== undefined; at = at.parent) {
    if (ts.isPropertyAssignment(at) || ts.isVariableDeclaration(at) || ts.isPropertyDeclaration(at) || ts.isParameter(at)) return at.name.getText();
    if (ts.isCallExpression(at) || ts.isNewExpression(at)) return at.expression.getText();
    if (ts.isBinaryExpression(at) && at.operatorToken.kind === ts.SyntaxKind.EqualsToken) return at.left.getText();
  }
  return undefined;
}

interface Literal {
  readonly value: number;
  readonly where: string;
  readonly text: string;
  /** The property it is the value of, if any (`maxLength` in `{ maxLength: 64 }`). */
  readonly property: string | undefined;
  readonly place: string | undefined;
  readonly unitFactor: boolean;
}

function literalsIn(file: string): Literal[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Literal[] = [];
  const visit = (node: ts.Node): void => {
    const value = folded(node);
    if (value !== undefined) {
      const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      const parent = node.parent;
      const property = ts.isPropertyAssignment(parent) && parent.initializer === node ? parent.name.getText() : undefined;
      found.push({ value, where: `${relative(SRC, file)}:${line}`, text: node.getText(), property, place: placeOf(node), unitFactor: isUnitFactor(node) });
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const ALL_SOURCES = sourceFiles(SRC);

describe('src/limits.ts is the only place its values are written', () => {
  it('the limits it checks are there (the test is not vacuous)', () => {
    for (const value of [limits.MAX_ROUTES, limits.DEFAULT_DATA_POLL_MS, limits.DEFAULT_DATA_RECONCILE_S, limits.DEFAULT_DB_TIMEOUT_MS, limits.DEFAULT_BODY_LIMIT_BYTES, limits.TRANSLATION_RULES_CACHED, limits.MAX_ANSWER_NUMBER_CHARS]) {
      expect(LIMIT_VALUES.has(value), String(value)).to.equal(true);
    }
    // And it finds a copy written as a product, as the control socket's was.
    const product = ts.factory.createBinaryExpression(ts.factory.createNumericLiteral(64), ts.SyntaxKind.AsteriskToken, ts.factory.createNumericLiteral(1024));
    expect(folded(product)).to.equal(limits.DEFAULT_BODY_LIMIT_BYTES);
  });

  for (const name of FORMER_COPIES) {
    it(`${name} writes none of them as a number`, () => {
      const files = ALL_SOURCES.filter((file) => basename(file) === name);
      expect(files, `one ${name} under src/`).to.have.length(1);
      const allowed = NOT_COPIES[name] ?? {};
      const copies = literalsIn(files[0]!).filter((l) => LIMIT_VALUES.has(l.value) && !l.unitFactor && (l.place === undefined || allowed[l.place] === undefined));
      expect(copies.map((c) => `${c.where}: ${c.text} (in ${c.place ?? '?'})`), 'import the constant from src/limits.ts instead').to.deep.equal([]);
    });
  }

  it('no JSON Schema in src/ writes a maxLength, maxItems or maximum as a number', () => {
    const bounds = ALL_SOURCES.flatMap(literalsIn).filter(
      (literal) => literal.property !== undefined && /^(maxLength|maxItems|maximum)$/.test(literal.property) && !STANDARD_BOUNDS.has(literal.value),
    );
    expect(bounds.map((b) => `${b.where}: ${b.property}: ${b.text}`), 'derive it from a constant of src/limits.ts').to.deep.equal([]);
  });
});

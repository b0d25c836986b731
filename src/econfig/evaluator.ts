// Runs the parsed econfig for one environment, from an empty scope with the
// predefined variables, under `set -u`. Like sh, evaluation of an
// environment stops at its first runtime error (an unset variable, a test on
// a non-integer); the caller reports it with the environment id.

import type { Condition, Statement, TestCommand } from './ast.js';
import { EvaluationError, expandFields, expandWord, matchPattern, type ExpansionScope, type Value } from './expand.js';

export interface Evaluation {
  readonly variables: ReadonlyMap<string, Value>;
  readonly error: EvaluationError | undefined;
}

const INTEGER = /^[+-]?[0-9]+$/;
const COMPARISONS: Record<string, (a: bigint, b: bigint) => boolean> = {
  '-eq': (a, b) => a === b,
  '-ne': (a, b) => a !== b,
  '-lt': (a, b) => a < b,
  '-le': (a, b) => a <= b,
  '-gt': (a, b) => a > b,
  '-ge': (a, b) => a >= b,
};

export function predefined(environment: number): Map<string, Value> {
  const text = String(environment);
  return new Map([
    ['extension', { text: 'js', origins: [], assignedAt: -1 }],
    ['i_environment', { text, origins: [], assignedAt: -1 }],
  ]);
}

export function evaluate(statements: readonly Statement[], environment: number): Evaluation {
  const variables = predefined(environment);
  const scope: ExpansionScope = { environment, lookup: (name) => variables.get(name) };
  try {
    run(statements, scope, variables);
    return { variables, error: undefined };
  } catch (err) {
    if (err instanceof EvaluationError) return { variables, error: err };
    throw err;
  }
}

function run(statements: readonly Statement[], scope: ExpansionScope, variables: Map<string, Value>): void {
  for (const statement of statements) {
    switch (statement.kind) {
      case 'assign':
        // sh expands and assigns left to right: `a=1 b=$a` sees the new a.
        for (const assignment of statement.assignments) {
          const chars = expandWord(assignment.value, scope);
          variables.set(assignment.name, { text: chars.text, origins: chars.origins, assignedAt: assignment.offset });
        }
        break;
      case 'noop':
        // Arguments are still expanded: `: ${typo}` fails under set -u as in sh.
        for (const arg of statement.args) expandFields(arg, scope);
        break;
      case 'if': {
        const branch = statement.branches.find((b) => test(b.condition, scope));
        const body = branch?.body ?? statement.elseBody;
        if (body !== undefined) run(body, scope, variables);
        break;
      }
      case 'case': {
        const subject = expandWord(statement.subject, scope).text;
        const item = statement.items.find((i) => i.patterns.some((p) => matchPattern(subject, expandWord(p, scope))));
        if (item !== undefined) run(item.body, scope, variables);
        break;
      }
    }
  }
}

/** sh semantics: && and || have equal precedence and short-circuit left to right. */
function test(condition: Condition, scope: ExpansionScope): boolean {
  let status = testCommand(condition.first, scope);
  for (const { op, test: next } of condition.rest) {
    if ((op === '&&') === status) status = testCommand(next, scope);
  }
  return status;
}

function testCommand(command: TestCommand, scope: ExpansionScope): boolean {
  return testExpression(command.args.flatMap((w) => expandFields(w, scope)), command.offset) !== command.negated;
}

function testExpression(args: readonly string[], offset: number): boolean {
  const [a, b, c] = args;
  if (args.length === 2 && (a === '-z' || a === '-n')) return a === '-z' ? b === '' : b !== '';
  if (args.length === 3 && (b === '=' || b === '!=')) return (a === c) === (b === '=');
  // Own keys only: `[ 1 constructor 2 ]` must not find Object.prototype's members.
  const compare = args.length === 3 && Object.hasOwn(COMPARISONS, b!) ? COMPARISONS[b!] : undefined;
  if (compare !== undefined) {
    for (const operand of [a!, c!]) {
      if (!INTEGER.test(operand)) throw new EvaluationError(offset, `test: ${b} needs integers, got '${operand}'`);
    }
    return compare(BigInt(a!), BigInt(c!));
  }
  if (args.length === 1 && (a === '-z' || a === '-n')) {
    throw new EvaluationError(offset, `test: ${a} has no operand: an unquoted variable that expands to nothing disappears; quote it ("$name")`);
  }
  const shown = args.length === 0 ? 'an empty expression' : args.map((x) => `'${x}'`).join(' ');
  throw new EvaluationError(offset, `test: ${shown} is not supported (A = B, A != B, -z A, -n A, A -eq|-ne|-lt|-le|-gt|-ge B; quote variables: "$name")`);
}

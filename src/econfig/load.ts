// loadEconfig: the whole econfig pipeline as one pure function. Parse once,
// evaluate for each environment, turn command_args into argv and a
// ListenerSpec, then check the environments against each other. Reads
// nothing but the text it is given; never executes anything.

import { createHash } from 'node:crypto';
import { redactSecrets } from '../dsn-syntax.js';
import { SourceText, type SourceProblem } from './ast.js';
import { splitCommandArgs } from './argv-split.js';
import { findClashes, type Claim } from './clashes.js';
import { evaluate } from './evaluator.js';
import { parseListenerOptions } from './listener-options.js';
import type { ListenerSpec } from './listener-spec.js';
import { parseEconfig } from './parser.js';
import { deepFreeze } from './freeze.js';

export interface EconfigError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Set when the error arose while evaluating for this environment. */
  readonly i_environment?: number;
  readonly message: string;
}

export interface EnvironmentResult {
  readonly i_environment: number;
  /** False when the file has syntax errors (then no environment is evaluated) or evaluation stopped at an error; `enabled` then means nothing. */
  readonly evaluated: boolean;
  readonly enabled: boolean;
  /** The argument vector from command_args, when it split cleanly. Holds -d DSNs as written: redact before printing. */
  readonly argv?: readonly string[];
  /** The listener, when the environment is enabled and has no error. */
  readonly spec?: ListenerSpec;
}

export interface EconfigResult {
  readonly ok: boolean;
  readonly file: string;
  /** sha256 (hex) of the text. */
  readonly hash: string;
  readonly environments: readonly EnvironmentResult[];
  readonly errors: readonly EconfigError[];
  /** Valid but almost certainly not meant (an http: listener no client may use); they never make `ok` false. */
  readonly warnings: readonly EconfigError[];
}

export interface EconfigOptions {
  /** Name of the file, for messages. */
  readonly file: string;
  readonly environments: readonly number[];
  readonly rundir: string;
}

/** Larger files are refused unparsed: an econfig is a few dozen lines. */
export const MAX_ECONFIG_BYTES = 1024 * 1024;
const DAEMON_NAME = /(^|\/)sippy_routed[^/]*$/;
const ENABLE_VALUES: Record<string, boolean> = { YES: true, TRUE: true, ON: true, 1: true, NO: false, FALSE: false, OFF: false, 0: false };

export function loadEconfig(text: string, options: EconfigOptions): EconfigResult {
  const source = new SourceText(text);
  const errors: EconfigError[] = [];
  const warnings: EconfigError[] = [];
  const located = (problem: SourceProblem, environment?: number): EconfigError => {
    const { line, column } = source.position(problem.offset);
    const message = redactSecrets(problem.message);
    return { file: options.file, line, column, ...(environment === undefined ? {} : { i_environment: environment }), message };
  };
  const report = (problem: SourceProblem, environment?: number): void => {
    errors.push(located(problem, environment));
  };
  const hash = createHash('sha256').update(text).digest('hex');
  const environments = [...new Set(options.environments)];
  const notEvaluated = (): EconfigResult => finish(options.file, hash, environments.map((i) => ({ i_environment: i, enabled: false, evaluated: false })), errors, []);
  if (Buffer.byteLength(text) > MAX_ECONFIG_BYTES) {
    report({ offset: 0, message: `file is larger than ${MAX_ECONFIG_BYTES} bytes; not parsed` });
    return notEvaluated();
  }

  const parsed = parseEconfig(text);
  for (const problem of parsed.problems) report(problem);
  if (parsed.problems.length > 0) {
    // What survived a syntax error is not the operator's program: evaluating
    // it would only add errors that are consequences of the first ones.
    return notEvaluated();
  }

  const results: EnvironmentResult[] = [];
  const claims: (Claim & { offset: number })[] = [];
  for (const environment of environments) {
    const problems: SourceProblem[] = [];
    const result = evaluateEnvironment(parsed.statements, environment, options.rundir, problems, claims);
    for (const problem of problems) report(problem, environment);
    results.push(result);
  }
  for (const claim of claims) {
    const spec = results.find((r) => r.i_environment === claim.environment)?.spec;
    // Default deny stays: an http:/https: listener without -a refuses every
    // client. Valid, since an operator may stage a listener before opening
    // it, but rarely meant.
    if (spec !== undefined && spec.endpoint.kind !== 'unix' && spec.allow.length === 0) {
      warnings.push(located({ offset: claim.offset, message: `${spec.socket} has no -a: it refuses every client (default deny); add -a with the addresses of its clients` }, claim.environment));
    }
  }
  for (const { claim, earlier } of findClashes(claims)) {
    report({ offset: claim.offset, message: `socket ${claim.socket} clashes with ${earlier.socket} of environment ${earlier.environment}` }, claim.environment);
  }
  return finish(options.file, hash, results, errors, warnings);
}

function finish(file: string, hash: string, environments: EnvironmentResult[], errors: EconfigError[], warnings: EconfigError[]): EconfigResult {
  return deepFreeze({ ok: errors.length === 0, file, hash, environments, errors, warnings });
}

function evaluateEnvironment(
  statements: Parameters<typeof evaluate>[0],
  environment: number,
  rundir: string,
  problems: SourceProblem[],
  claims: (Claim & { offset: number })[],
): EnvironmentResult {
  const { variables, error } = evaluate(statements, environment);
  if (error !== undefined) {
    problems.push({ offset: error.offset, message: error.message });
    return { i_environment: environment, evaluated: false, enabled: false };
  }
  const enable = variables.get('enable');
  let enabled = true;
  if (enable !== undefined) {
    const value = ENABLE_VALUES[enable.text.toUpperCase()];
    if (value === undefined) problems.push({ offset: enable.assignedAt, message: `enable: expected YES or NO, got '${enable.text}'` });
    else enabled = value;
  }
  if (!enabled) return { i_environment: environment, evaluated: true, enabled: false };
  const commandArgs = variables.get('command_args');
  if (commandArgs === undefined) {
    problems.push({ offset: 0, message: 'command_args is not set (required unless enable="NO")' });
    return { i_environment: environment, evaluated: true, enabled };
  }
  const split = splitCommandArgs(commandArgs);
  problems.push(...split.problems);
  if (split.problems.length > 0) return { i_environment: environment, evaluated: true, enabled };
  const argv = split.args.map((a) => a.text);
  const [program, ...optionArgs] = split.args;
  if (program === undefined) {
    problems.push({ offset: commandArgs.assignedAt, message: 'command_args is empty; it must start with the path of sippy_routed' });
    return { i_environment: environment, evaluated: true, enabled };
  }
  if (!DAEMON_NAME.test(program.text)) {
    problems.push({ offset: program.offset, message: `the first argument must name the daemon (a path ending in sippy_routed...), got '${program.text}'` });
  }
  const options = parseListenerOptions(optionArgs.map((a) => a.text), { environment, rundir });
  for (const p of options.problems) {
    problems.push({ offset: p.argIndex < 0 ? commandArgs.assignedAt : optionArgs[p.argIndex]!.offset, message: p.message });
  }
  if (problems.length > 0 || options.spec === undefined) return { i_environment: environment, evaluated: true, enabled, argv };
  const socketArg = options.socketArgIndex === undefined ? undefined : optionArgs[options.socketArgIndex];
  claims.push({ environment, endpoint: options.spec.endpoint, socket: options.spec.socket, offset: socketArg?.offset ?? commandArgs.assignedAt });
  return { i_environment: environment, evaluated: true, enabled, argv, spec: options.spec };
}

/** `econfig:7:12: environment 3: unknown option -x` */
export function formatEconfigError(error: EconfigError): string {
  const environment = error.i_environment === undefined ? '' : ` environment ${error.i_environment}:`;
  return `${error.file}:${error.line}:${error.column}:${environment} ${error.message}`;
}

/** `econfig:3:40: environment 2: warning: http://127.0.0.1:8080/ has no -a: ...` */
export function formatEconfigWarning(warning: EconfigError): string {
  return formatEconfigError({ ...warning, message: `warning: ${warning.message}` });
}

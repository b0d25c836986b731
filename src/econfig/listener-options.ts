// The listener options, shared by the econfig evaluator (the arguments of
// command_args after the program path) and the single-environment command
// line `sippy_routed -e N ...`. Reports every problem it finds, each with the
// index of the argument it concerns, and builds a frozen ListenerSpec only
// when there is none.

import { posix } from 'node:path';
import { isSippyError } from '../errors.js';
import { LISTENER_LIMIT_RANGES, MAX_ENVIRONMENT } from '../limits.js';
import { parseDsn } from '../dsn-syntax.js';
import { DATA_SOURCES, DEFAULT_LIMITS, DEFAULT_SOCKET_MODE, type DataSourceOption, type ListenerLimits, type ListenerSpec } from './listener-spec.js';
import { parseAllowItem, parseSocket, type ParsedSocket } from './listener-addresses.js';
import { checkListenerSpec } from './listener-schema.js';
import { deepFreeze } from './freeze.js';
import { didYouMean } from './option-suggestion.js';

export interface OptionProblem {
  /** Index in `args` of the option concerned; -1 when it concerns the whole command line (a missing -e). */
  readonly argIndex: number;
  readonly message: string;
}

export interface ListenerOptionsResult {
  readonly spec?: ListenerSpec;
  /** Index in `args` of the -s value (or of `-sSOCKET`), when -s was given. */
  readonly socketArgIndex?: number;
  readonly problems: OptionProblem[];
  /** Values of the context's extraOptions that were given (only when extraOptions was passed). */
  readonly extra?: Readonly<Record<string, string>>;
}

export interface ListenerOptionsContext {
  /** The environment being evaluated; -e must equal it. Undefined on the single-environment command line. */
  readonly environment?: number;
  /** Directory of the default UNIX socket (absolute). */
  readonly rundir: string;
  /**
   * Long options taking a value that the caller's own command line adds
   * (`--log-level`, ...): accepted with the same syntax and duplicate check,
   * returned unchecked in `extra`. econfig passes none, so they stay errors there.
   */
  readonly extraOptions?: readonly string[];
}

type NumericLimit = { [K in keyof ListenerLimits]: ListenerLimits[K] extends number ? K : never }[keyof ListenerLimits];

/** Limits options: name, field, bounds (inclusive, from src/limits.ts, which says why each). docs/econfig.md is tested against them. */
export const LIMIT_OPTIONS: readonly (readonly [string, NumericLimit, number, number])[] = (
  [
    ['--body-limit', 'bodyLimitBytes'],
    ['--headers-timeout', 'headersTimeoutMs'],
    ['--request-timeout', 'requestTimeoutMs'],
    ['--keepalive-timeout', 'keepAliveTimeoutMs'],
    ['--max-batch', 'maxBatch'],
    ['--db-connections', 'dbConnections'],
    ['--db-timeout', 'dbTimeoutMs'],
    ['--upstream-timeout', 'upstreamTimeoutMs'],
    ['--max-hops', 'maxHops'],
    ['--upstream-new-connections', 'upstreamNewConnections'],
    ['--data-poll', 'dataPollMs'],
    ['--data-reconcile', 'dataReconcileS'],
    ['--max-staleness', 'maxStalenessS'],
  ] as const
).map(([name, field]) => [name, field, LISTENER_LIMIT_RANGES[field].min, LISTENER_LIMIT_RANGES[field].max] as const);

const SHORT_OPTIONS = new Set(['-e', '-s', '-a', '-d']);
const LONG_OPTIONS = new Set(['--db-write', '--tls-cert', '--tls-key', '--socket-mode', '--data-source', ...LIMIT_OPTIONS.map(([name]) => name)]);

/** Whether `arg` is a listener option (`-e`, `-e7`, `--max-batch=5`, ...): lets a command line recognise the listener form. */
export function isListenerOption(arg: string): boolean {
  if (arg.startsWith('--')) return LONG_OPTIONS.has(arg.split('=', 1)[0]!);
  return SHORT_OPTIONS.has(arg.slice(0, 2));
}

/** Help text of the listener options, for `--help` of the commands that take them. */
export const LISTENER_OPTIONS_HELP = `Listener options:
  -e N                   environment id (required; in econfig it must be the environment evaluated)
  -s SOCKET              unix:/abs/path, http://HOST:PORT[/PATH] or https://HOST:PORT[/PATH]
                         (HOST: IPv4 literal, [IPv6] literal or localhost); default unix:RUNDIR/sippy_routed.N.sock
  -a LIST                clients allowed on http/https: comma-separated addresses or CIDR prefixes; repeatable
                         (default: none, every TCP client is rejected)
  -d DSN                 this environment's database (default: the supervisor's)
  --db-write DSN         the database for writes (external groups' autocreate, the journal purge):
                         the primary when -d is a replica (default: the -d database); see docs/scale-out.md
  --tls-cert FILE        certificate for https (required with https)
  --tls-key FILE         private key for https (required with https)
  --socket-mode MODE     octal mode of a unix socket (default 0${DEFAULT_SOCKET_MODE.toString(8)})
  --data-source SOURCE   ${DATA_SOURCES.join(' or ')}: answer from the in-memory snapshot or per request from SQL (default ${DEFAULT_LIMITS.dataSource})
${LIMIT_OPTIONS.map(([name, field, min, max]) => `  ${`${name} ${/Ms$/.test(field) ? 'MS' : /S$/.test(field) ? 'S' : name === '--body-limit' ? 'BYTES' : 'N'}`.padEnd(22)} ${min}..${max}, default ${DEFAULT_LIMITS[field]}`).join('\n')}
`;

interface Given {
  readonly value: string;
  readonly index: number;
}

export function parseListenerOptions(args: readonly string[], context: ListenerOptionsContext): ListenerOptionsResult {
  const problems: OptionProblem[] = [];
  const given = new Map<string, Given[]>();
  const extraOptions = new Set(context.extraOptions ?? []);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    let name: string;
    let value: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg : arg.slice(0, eq);
      value = eq < 0 ? undefined : arg.slice(eq + 1);
      if (!LONG_OPTIONS.has(name) && !extraOptions.has(name)) {
        // The metrics endpoint is the process's (operations.md, Metrics): one per supervisor, not per environment.
        const processOnly = name === '--metrics' || name === '--metrics-allow';
        problems.push({ argIndex: i, message: processOnly ? `unknown option ${name}: it is a supervise option (one metrics endpoint serves every environment), not an environment's` : `unknown option ${name}${didYouMean(name, [...LONG_OPTIONS, ...extraOptions])}` });
        continue;
      }
    } else if (arg.startsWith('-') && arg.length >= 2) {
      name = arg.slice(0, 2);
      value = arg.length > 2 ? arg.slice(2) : undefined;
      if (!SHORT_OPTIONS.has(name)) {
        problems.push({ argIndex: i, message: `unknown option ${name}` });
        continue;
      }
    } else {
      problems.push({ argIndex: i, message: `unexpected argument '${arg}' (listener options only)` });
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= args.length) {
        problems.push({ argIndex: i, message: `${name}: missing value` });
        continue;
      }
      value = args[++i]!;
    }
    const list = given.get(name) ?? [];
    if (list.length > 0 && name !== '-a') problems.push({ argIndex: i, message: `${name} given twice` });
    list.push({ value, index: i });
    given.set(name, list);
  }
  const one = (name: string): Given | undefined => given.get(name)?.[0];
  const problem = (g: Given, message: string): void => {
    problems.push({ argIndex: g.index, message });
  };

  const environment = parseEnvironment(one('-e'), context.environment, problems);
  const rundir = posix.normalize(context.rundir);
  const socketGiven = one('-s');
  let socket: ParsedSocket | undefined;
  if (socketGiven !== undefined) {
    const parsed = parseSocket(socketGiven.value);
    if (parsed.ok) socket = parsed.value;
    else problem(socketGiven, `-s: ${parsed.message}`);
  } else if (environment !== undefined) {
    const parsed = parseSocket(`unix:${posix.join(rundir, `sippy_routed.${environment}.sock`)}`);
    if (parsed.ok) socket = parsed.value;
    else problems.push({ argIndex: -1, message: `default socket: ${parsed.message} (rundir must be absolute)` });
  }
  const kind = socket?.endpoint.kind;
  const socketIndex = socketGiven?.index ?? -1;

  const allow: string[] = [];
  for (const g of given.get('-a') ?? []) {
    if (kind === 'unix') problem(g, '-a: applies to http: and https: sockets only (a unix socket is guarded by its file mode)');
    for (const item of g.value.split(',')) {
      const parsed = item === '' ? { ok: false as const, message: 'empty item in the list' } : parseAllowItem(item);
      if (!parsed.ok) problem(g, `-a: ${parsed.message}`);
      else if (!allow.includes(parsed.value)) allow.push(parsed.value);
    }
  }

  const cert = one('--tls-cert');
  const key = one('--tls-key');
  for (const g of [cert, key]) {
    if (g === undefined) continue;
    const name = g === cert ? '--tls-cert' : '--tls-key';
    if (g.value === '' || g.value.includes('\0')) problem(g, `${name}: expected a file name`);
    if (kind !== undefined && kind !== 'https') problem(g, `${name}: applies to https: sockets only`);
  }
  if (kind === 'https') {
    if (cert === undefined) problems.push({ argIndex: socketIndex, message: '-s: https: needs --tls-cert FILE' });
    if (key === undefined) problems.push({ argIndex: socketIndex, message: '-s: https: needs --tls-key FILE' });
  }

  let socketMode = DEFAULT_SOCKET_MODE;
  const mode = one('--socket-mode');
  if (mode !== undefined) {
    if (kind !== undefined && kind !== 'unix') problem(mode, '--socket-mode: applies to unix: sockets only');
    if (/^0?[0-7]{3}$/.test(mode.value)) socketMode = parseInt(mode.value, 8);
    else problem(mode, `--socket-mode: expected an octal mode such as 0660, got '${mode.value}'`);
  }

  const dsnGiven = one('-d');
  const writeGiven = one('--db-write');
  for (const [name, g] of [['-d', dsnGiven], ['--db-write', writeGiven]] as const) {
    if (g === undefined) continue;
    try {
      parseDsn(g.value);
    } catch (err) {
      // parseDsn's messages never repeat the DSN, so no password leaks here.
      if (!isSippyError(err)) throw err;
      problem(g, `${name}: ${err.message}`);
    }
  }

  const limits: Record<string, number | string> = { ...DEFAULT_LIMITS };
  const source = one('--data-source');
  if (source !== undefined) {
    if ((DATA_SOURCES as readonly string[]).includes(source.value)) limits.dataSource = source.value as DataSourceOption;
    else problem(source, `--data-source: expected ${DATA_SOURCES.join(' or ')}, got '${source.value}'`);
  }
  for (const [name, field, min, max] of LIMIT_OPTIONS) {
    const g = one(name);
    if (g === undefined) continue;
    const n = /^[0-9]{1,10}$/.test(g.value) ? Number(g.value) : NaN;
    if (Number.isInteger(n) && n >= min && n <= max) limits[field] = n;
    else problem(g, `${name}: expected an integer ${min}..${max}, got '${g.value}'`);
  }

  const extra = context.extraOptions === undefined
    ? {}
    : { extra: Object.freeze(Object.fromEntries([...extraOptions].flatMap((name) => (given.has(name) ? [[name, one(name)!.value]] : [])))) };
  if (problems.length > 0 || environment === undefined || socket === undefined) return { problems: sortProblems(problems), ...extra };
  const spec: ListenerSpec = deepFreeze({
    environment,
    endpoint: socket.endpoint,
    socket: socket.socket,
    httpPath: socket.httpPath,
    socketMode,
    tls: kind === 'https' ? { cert: cert!.value, key: key!.value } : undefined,
    allow,
    dsn: dsnGiven?.value,
    ...(writeGiven !== undefined ? { dbWrite: writeGiven.value } : {}),
    limits: limits as unknown as ListenerLimits,
  });
  const schemaProblems = checkListenerSpec(spec);
  if (schemaProblems.length > 0) return { problems: schemaProblems.map((message) => ({ argIndex: -1, message })), ...extra };
  return { spec, socketArgIndex: socketGiven?.index, problems: [], ...extra };
}

function parseEnvironment(given: Given | undefined, expected: number | undefined, problems: OptionProblem[]): number | undefined {
  if (given === undefined) {
    problems.push({ argIndex: -1, message: `-e N is required${expected === undefined ? '' : ` (-e ${expected} here)`}` });
    return undefined;
  }
  const n = /^[1-9][0-9]{0,9}$/.test(given.value) ? Number(given.value) : NaN;
  if (!(n <= MAX_ENVIRONMENT)) {
    problems.push({ argIndex: given.index, message: `-e: expected an environment id 1..${MAX_ENVIRONMENT}, got '${given.value}'` });
    return undefined;
  }
  if (expected !== undefined && n !== expected) {
    problems.push({ argIndex: given.index, message: `-e ${n} does not match the environment being evaluated (${expected}); use -e %%I_ENVIRONMENT%%` });
    return undefined;
  }
  return n;
}

function sortProblems(problems: OptionProblem[]): OptionProblem[] {
  return problems.sort((a, b) => a.argIndex - b.argIndex);
}

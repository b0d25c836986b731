// `sippy_routed check`: validate an econfig file for a list of environments,
// like `nginx -t`, without touching a running daemon. Prints a readable
// report or (--json) exactly one JSON document; exit 0 valid, 2 invalid.
// The --json shape is a contract: docs/check-output.schema.json.

import { resolve } from 'node:path';
import { SippyError } from '../errors.js';
import { dsnFromOptions, parseDsn, redactSecrets } from '../db/dsn.js';
import { Database } from '../db/pool.js';
import { DEFAULT_RUNDIR, formatEconfigError, formatEconfigWarning, loadEconfig, type EconfigResult, type ListenerSpec } from '../econfig/index.js';
import { EconfigReader } from '../supervisor/econfig-file.js';
import { DEFAULT_DB_TIMEOUT_MS } from '../limits.js';
import { probeDatabase } from '../supervisor/database-probe.js';
import { unservedExternalUris, type ExternalGroup } from '../supervisor/external-uris.js';
import { parseEnvironmentList } from './environment-list.js';
import { parseCommandLine, stringOption } from './args.js';
import type { CliIo } from './io.js';
import { terminalSafe } from './terminal-text.js';

export const DEFAULT_ECONFIG = '/usr/local/etc/sippy_routed/econfig';

export const CHECK_HELP = `Usage:
  sippy_routed check [-f FILE] [--environments LIST | -d DSN] [--json] [--rundir DIR]
      Validate an econfig file for every environment, without touching a
      running daemon. Prints, per environment, the argument vector and the
      listener it describes, or its errors.

Options:
  -f, --file FILE        the econfig file (default ${DEFAULT_ECONFIG})
  --environments LIST    environment ids, comma-separated (1,2,3)
  -d, --dsn DSN          read the environment list from this database's
                         environments table (default: $SIPPY_ROUTED_DB)
  --rundir DIR           directory of the default unix sockets (default ${DEFAULT_RUNDIR})
  --json                 print one JSON document (docs/check-output.schema.json)
  -h, --help             this text

Exit status: 0 valid, 2 invalid file or unusable arguments, 1 the database
could not be read.
`;

export async function checkCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine('check', argv, {
    file: { type: 'string', short: 'f' },
    environments: { type: 'string' },
    dsn: { type: 'string', short: 'd' },
    rundir: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (parsed.values.help === true) {
    io.stdout.write(CHECK_HELP);
    return 0;
  }
  const file = stringOption(parsed, 'file') ?? DEFAULT_ECONFIG;
  const rundir = resolve(stringOption(parsed, 'rundir') ?? DEFAULT_RUNDIR);
  const listed = stringOption(parsed, 'environments');
  const dsnOption = stringOption(parsed, 'dsn');
  if (listed !== undefined && dsnOption !== undefined) throw new SippyError('USAGE', 'check: give --environments or -d, not both');
  const environments = listed !== undefined ? parseEnvironmentList('check', listed) : await environmentsFromDatabase(dsnOption, io.env);
  const text = await readEconfig(file);
  const result = loadEconfig(text, { file, environments, rundir });
  const supervisorDsn = dsnOption ?? (io.env.SIPPY_ROUTED_DB || undefined);
  const externalWarnings = result.ok ? await externalGroupWarnings(result, supervisorDsn) : [];
  io.stdout.write(
    parsed.values.json === true
      ? `${JSON.stringify({ ...checkDocument(result), external_group_warnings: externalWarnings }, null, 2)}\n`
      : humanReport(result, externalWarnings),
  );
  return result.ok ? 0 : 2;
}

async function environmentsFromDatabase(option: string | undefined, env: NodeJS.ProcessEnv): Promise<number[]> {
  if (option === undefined && (env.SIPPY_ROUTED_DB === undefined || env.SIPPY_ROUTED_DB === '')) {
    throw new SippyError('USAGE', 'check: no environment list: give --environments LIST, or -d DSN (or SIPPY_ROUTED_DB) to read the environments table');
  }
  const db = new Database(option === undefined ? dsnFromOptions(undefined, env) : parseDsn(option));
  try {
    const rows = await db.select('SELECT i_environment FROM environments ORDER BY i_environment');
    return rows.map((row) => Number(row.i_environment));
  } finally {
    await db.close();
  }
}

/**
 * External groups of the enabled environments whose local URI no listener
 * of the file serves, read from each environment's database (its own -d,
 * else the supervisor's); what could not be read is said, not skipped.
 */
async function externalGroupWarnings(result: EconfigResult, supervisorDsn: string | undefined): Promise<string[]> {
  const listeners = new Map<number, ListenerSpec>();
  for (const env of result.environments) if (env.enabled && env.spec !== undefined) listeners.set(env.i_environment, env.spec);
  if (listeners.size === 0) return [];
  if (supervisorDsn === undefined) return ['external group URIs not checked: no database to read the groups from (give -d DSN or set SIPPY_ROUTED_DB)'];
  const byDsn = new Map<string, number[]>();
  for (const [environment, spec] of listeners) {
    const dsn = spec.dsn ?? supervisorDsn;
    byDsn.set(dsn, [...(byDsn.get(dsn) ?? []), environment]);
  }
  const warnings: string[] = [];
  const groups: ExternalGroup[] = [];
  for (const [dsn, environments] of byDsn) {
    const { check, groups: found } = await probeDatabase({ dsn, snapshot: false, environments, timeoutMs: DEFAULT_DB_TIMEOUT_MS });
    if (found === undefined) {
      warnings.push(`external groups of environment ${environments.join(',')} not checked: database ${check.dsn}: ${check.problem ?? 'the groups cannot be read'}`);
    } else {
      groups.push(...found);
    }
  }
  return [...warnings, ...unservedExternalUris(groups, listeners)];
}

/** As the supervisor reads it: a FIFO or a device at the path is refused, not waited on. */
async function readEconfig(file: string): Promise<string> {
  const read = await new EconfigReader(file).read();
  if (!read.ok) throw new SippyError('ECONFIG_UNREADABLE', `check: cannot read econfig ${JSON.stringify(file)} (${read.reason})`);
  return read.text;
}

/** The --json document; every DSN in it is redacted. */
export function checkDocument(result: EconfigResult): Record<string, unknown> {
  return {
    ok: result.ok,
    file: result.file,
    hash: result.hash,
    environments: result.environments.map((env) => ({
      i_environment: env.i_environment,
      enabled: env.enabled,
      evaluated: env.evaluated,
      ...(env.argv === undefined ? {} : { argv: env.argv.map(redactSecrets) }),
      ...(env.spec === undefined ? {} : { listener: listenerDocument(env.spec) }),
    })),
    errors: result.errors.map((e) => ({ ...e })),
    warnings: result.warnings.map((w) => ({ ...w })),
  };
}

function listenerDocument(spec: ListenerSpec): Record<string, unknown> {
  return {
    socket: spec.socket,
    allow: spec.allow,
    http_path: spec.httpPath,
    socket_mode: spec.endpoint.kind === 'unix' ? `0${spec.socketMode.toString(8)}` : null,
    tls: spec.tls === undefined ? null : { cert: spec.tls.cert, key: spec.tls.key },
    dsn: spec.dsn === undefined ? null : parseDsn(spec.dsn).redacted,
    db_write: spec.dbWrite === undefined ? null : parseDsn(spec.dbWrite).redacted,
    limits: snakeCaseKeys(spec.limits),
  };
}

/** The document's keys are snake_case throughout (as rpc.md's); the spec's limits are camelCase in code. */
function snakeCaseKeys(record: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), value]));
}

function humanReport(result: EconfigResult, externalWarnings: readonly string[]): string {
  const lines: string[] = [`${result.file}: sha256 ${result.hash}`];
  // Errors of the file as a whole (syntax) come first: they stop every environment's evaluation.
  for (const e of result.errors) if (e.i_environment === undefined) lines.push(formatEconfigError(e));
  for (const env of result.environments) {
    const errors = result.errors.filter((e) => e.i_environment === env.i_environment);
    const state = errors.length > 0 ? 'INVALID' : !env.evaluated ? 'not evaluated (syntax errors)' : env.enabled ? 'enabled' : 'disabled';
    lines.push(`environment ${env.i_environment}: ${state}`);
    if (env.argv !== undefined) lines.push(`  argv:     ${env.argv.map((a) => shellQuote(redactSecrets(a))).join(' ')}`);
    if (env.spec !== undefined) {
      const spec = env.spec;
      lines.push(`  socket:   ${spec.socket}${spec.endpoint.kind === 'unix' ? ` (mode 0${spec.socketMode.toString(8)})` : ''}`);
      if (spec.endpoint.kind !== 'unix') lines.push(`  allow:    ${spec.allow.length === 0 ? 'nobody (no -a)' : spec.allow.join(', ')}`);
      if (spec.tls !== undefined) lines.push(`  tls:      cert ${spec.tls.cert}, key ${spec.tls.key}`);
      lines.push(`  database: ${spec.dsn === undefined ? "the supervisor's" : parseDsn(spec.dsn).redacted}`);
      if (spec.dbWrite !== undefined) lines.push(`  writes:   ${parseDsn(spec.dbWrite).redacted} (--db-write)`);
    }
    for (const e of errors) lines.push(`  ${formatEconfigError(e)}`);
    for (const w of result.warnings) if (w.i_environment === env.i_environment) lines.push(`  ${formatEconfigWarning(w)}`);
  }
  if (result.environments.length === 0) lines.push('no environments to check');
  for (const warning of externalWarnings) lines.push(`warning: ${warning}`);
  lines.push(result.ok ? `${result.file}: OK` : `${result.file}: ${result.errors.length} error${result.errors.length === 1 ? '' : 's'}; the file would not be applied`);
  // Errors and argv quote the file: whatever it holds stays text on a terminal.
  return `${lines.map(terminalSafe).join('\n')}\n`;
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

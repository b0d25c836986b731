// `sippy_routed export` and `sippy_routed apply`: an environment's routing
// setup (vendors, connections, destination sets without their rates,
// routing groups and entries) as a YAML file, and that file made true in
// the database (rates.md "The routing setup"; docs/setup.md).

import { rename, unlink, writeFile } from 'node:fs/promises';
import { SippyError } from '../errors.js';
import { MAX_ENVIRONMENT } from '../limits.js';
import { dsnFromOptions, type Dsn } from '../db/dsn.js';
import { Database, DEFAULT_POOL_LIMITS } from '../db/pool.js';
import {
  applySetup, exportSetup, MAX_SETUP_FILE_BYTES, parseSetup, readOnly, readSetupFile, readSetupState, SETUP_LOCK_WAIT_SECONDS, writes,
  type ApplyOutcome, type SetupProblem,
} from '../data/setup/index.js';
import { integerOption, parseCommandLine, stringOption } from './args.js';
import type { CliIo } from './io.js';
import { applyDocument, countSteps, formatDiff, formatProblem } from './setup-report.js';
import { terminalSafe } from './terminal-text.js';

const DSN_OPTION = `  -d, --dsn DSN      mysql://USER[:PASS]@HOST[:PORT]/DB or mysql://USER@localhost/DB?socket=/path
                     (default: $SIPPY_ROUTED_DB)`;

export const EXPORT_HELP = `Usage:
  sippy_routed export [-d DSN] --env N [--output FILE]

Writes environment N's routing setup as YAML: its vendors and their
connections, its destination sets (currency and fees, not their rates),
its routing groups and their entries. \`sippy_routed apply\` takes the file
back, and applying it unchanged changes nothing. Rates are the rates
command's (sippy_routed rates export). The file format is in docs/setup.md.

Options:
${DSN_OPTION}
  --env N            the environment (i_environment)
  -o, --output FILE  write FILE (replaced whole, never half-written) instead of stdout
  -h, --help         this text

Exit status: 0 written, 1 the database could not be read or FILE could not
be written, 2 usage error or no such environment.
`;

export const APPLY_HELP = `Usage:
  sippy_routed apply FILE [-d DSN] [--dry-run] [--prune] [--json]

Makes the routing setup of the environment FILE names (vendors,
connections, destination sets without their rates, routing groups and their
entries) what FILE says. FILE is checked whole first: every problem is
printed as FILE:LINE:COLUMN and nothing is written. Then the diff is printed
(+ added, ~ changed field by field, - removed, = in the database but not in
FILE, left alone) and written in one transaction; objects are matched by
name. Two applies to one environment never interleave (the second waits up
to ${SETUP_LOCK_WAIT_SECONDS} s). The file format is in docs/setup.md.

Options:
${DSN_OPTION}
  --dry-run          print the diff, write nothing
  --prune            also remove what the database has and FILE does not;
                     refused, with nothing written, while a removal would
                     orphan rows FILE does not cover (a destination set that
                     still has routes, a connection used by another
                     environment's group)
  --json             print one JSON document (the diff, or the errors)
  -h, --help         this text

Exit status: 0 applied (or nothing to do, or --dry-run), 1 the database
failed (nothing was written) or the environment stayed locked, 2 usage
error, a problem in FILE (larger than ${MAX_SETUP_FILE_BYTES / 1048576} MiB, not UTF-8, not valid)
or a refused --prune.
`;

/** Long enough to wait out another writer's row locks (the server's lock wait bounds it), not forever. */
export const SETUP_STATEMENT_TIMEOUT_MS = 60_000;

function setupDatabase(dsn: Dsn): Database {
  return new Database(dsn, { ...DEFAULT_POOL_LIMITS, queryTimeoutMs: SETUP_STATEMENT_TIMEOUT_MS });
}

export async function exportCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine('export', argv, {
    dsn: { type: 'string', short: 'd' },
    env: { type: 'string' },
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (parsed.values.help === true) {
    io.stdout.write(EXPORT_HELP);
    return 0;
  }
  const environment = integerOption('export', '--env', stringOption(parsed, 'env'), 1, MAX_ENVIRONMENT);
  if (environment === undefined) throw new SippyError('USAGE', 'export: missing --env N; see sippy_routed export --help');
  const output = stringOption(parsed, 'output');
  const db = setupDatabase(dsnFromOptions(stringOption(parsed, 'dsn'), io.env));
  try {
    const state = await readOnly(db, (sql) => readSetupState(sql, environment));
    if (state.environment_name === undefined) {
      throw new SippyError('SETUP_NO_ENVIRONMENT', `export: environment ${environment} is not in the database (${db.dsn.redacted})`);
    }
    const exported = exportSetup(state);
    for (const warning of exported.warnings) io.stderr.write(`sippy_routed: export: warning: ${terminalSafe(warning)}\n`);
    if (output === undefined) io.stdout.write(exported.text);
    else await writeWhole(output, exported.text);
    return 0;
  } finally {
    await db.close();
  }
}

/** Written beside FILE, then renamed over it: a reader never sees half a file. */
async function writeWhole(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text, { flag: 'wx' });
    await rename(temporary, file);
  } catch (err) {
    await unlink(temporary).catch(() => undefined);
    const code = (err as { code?: string }).code ?? 'unknown error';
    throw new SippyError('SETUP_UNWRITABLE', `export: cannot write ${JSON.stringify(file)} (${code})`);
  }
}

export async function applyCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine('apply', argv, {
    dsn: { type: 'string', short: 'd' },
    'dry-run': { type: 'boolean' },
    prune: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, true);
  if (parsed.values.help === true) {
    io.stdout.write(APPLY_HELP);
    return 0;
  }
  const [file, ...extra] = parsed.positionals;
  if (file === undefined) throw new SippyError('USAGE', 'apply: missing FILE; see sippy_routed apply --help');
  if (extra.length > 0) throw new SippyError('USAGE', `apply: unexpected argument ${JSON.stringify(extra[0])}`);
  const options = { dryRun: parsed.values['dry-run'] === true, prune: parsed.values.prune === true };
  const json = parsed.values.json === true;
  // The DSN is checked before the file is read: a usage error comes first.
  const dsn = dsnFromOptions(stringOption(parsed, 'dsn'), io.env);

  const report = new ApplyReport(file, json, options, io);
  const setup = parseSetup(await readSetupFile(file));
  if (!setup.ok) return report.problems(undefined, setup.problems);
  const db = setupDatabase(dsn);
  let outcome: ApplyOutcome;
  try {
    outcome = await applySetup(db, setup.setup, { ...options, onPlan: (steps) => report.plan(setup.setup.environment, steps) });
  } finally {
    await db.close();
  }
  return report.outcome(setup.setup.environment, outcome);
}

/** Prints as the apply goes: the diff before anything is written, the outcome after. */
class ApplyReport {
  constructor(
    private readonly file: string,
    private readonly json: boolean,
    private readonly options: { dryRun: boolean; prune: boolean },
    private readonly io: CliIo,
  ) {}

  plan(environment: number, steps: Parameters<typeof formatDiff>[1]): void {
    if (!this.json) this.io.stdout.write(formatDiff(environment, steps));
  }

  problems(environment: number | undefined, problems: readonly SetupProblem[]): number {
    if (this.json) {
      this.io.stdout.write(`${JSON.stringify(applyDocument(this.file, environment, { status: 'invalid', problems }, this.options), null, 2)}\n`);
      return 2;
    }
    for (const p of problems) this.io.stderr.write(`${formatProblem(this.file, p)}\n`);
    throw new SippyError('SETUP_INVALID', `apply: ${terminalSafe(this.file)}: ${problems.length} error${problems.length === 1 ? '' : 's'}; nothing was written`);
  }

  outcome(environment: number, outcome: ApplyOutcome): number {
    if (outcome.status === 'invalid') return this.problems(environment, outcome.problems);
    if (this.json) this.io.stdout.write(`${JSON.stringify(applyDocument(this.file, environment, outcome, this.options), null, 2)}\n`);
    const c = countSteps(outcome.steps);
    if (outcome.status === 'refused') {
      if (this.json) return 2;
      throw new SippyError('SETUP_PRUNE_REFUSED', `apply --prune: ${c.refused} removal${c.refused === 1 ? '' : 's'} would orphan rows ${terminalSafe(this.file)} does not cover (the lines marked !); nothing was written`);
    }
    if (this.json) return 0;
    if (!writes(outcome.steps)) this.io.stdout.write(`no changes: environment ${environment} already is what ${terminalSafe(this.file)} says\n`);
    else if (outcome.status === 'planned') this.io.stdout.write(`dry run: nothing was written (${c.added} to add, ${c.changed} to change, ${c.removed} to remove)\n`);
    else this.io.stdout.write(`applied in one transaction: ${c.added} added, ${c.changed} changed, ${c.removed} removed\n`);
    return 0;
  }
}

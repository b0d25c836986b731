// `sippy_routed rates import|export|history` (rates.md): carriers' rate
// decks into destination sets without SQL. The work is data/'s; here the
// command line is checked (before any database is touched) and the result
// printed for people, or as JSON.

import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { SippyError } from '../errors.js';
import { MAX_ENVIRONMENT, MAX_NAME_CHARS } from '../limits.js';
import { dsnFromOptions } from '../db/dsn.js';
import { Database } from '../db/pool.js';
import { EXPORT_COLUMNS, exportRates, importDeck, LARGEST_CHANGES, MAX_ERRORS, parseColumnsOption, parseDeckTime, rateHistory, type ExportResult, type ImportOptions, type SetQuery } from '../data/index.js';
import { integerOption, parseCommandLine, stringOption, type Parsed } from './args.js';
import type { CliIo } from './io.js';
import { formatDeckErrors, formatHistory, formatImport, formatOutcome, jsonText } from './rates-format.js';

/** destination_sets.name: a name's column width. */
const MAX_SET_NAME_CHARS = MAX_NAME_CHARS;

/** --notice's default: the carriers' usual notice of an increase, days. */
export const DEFAULT_NOTICE_DAYS = 7;
const MAX_NOTICE_DAYS = 365;

export const RATES_HELP = `Usage:
  sippy_routed rates import FILE --set NAME [-d DSN] [--env N] [--mode full|partial]
                     [--effective T] [--notice DAYS] [--columns MAP] [--decimal-comma]
                     [--encoding E] [--sheet NAME] [--strip LIST] [--currency C]
                     [--dry-run] [--json]
  sippy_routed rates export --set NAME [-d DSN] [--env N] [--at T] [--output FILE]
  sippy_routed rates history --set NAME --prefix P [-d DSN] [--env N] [--json]

import reads a carrier's rate deck (CSV with , ; or tab, or XLSX) into the
destination set NAME, created if missing (--currency, default USD). Columns
are found by header name below any title lines (prefix/code/dial code,
rate/price/price_1/rate/min, price_n, interval_1/interval_n or
increment/billing as 60/60, effective/valid from, destination/description/
name, forbidden/blocked) or given with --columns prefix=1,rate=Price,...
--mode full (default): the deck is the whole set from its date on (prefixes
it lacks are expired); partial: only its prefixes change. A row takes
effect at its own date, else --effective T (2026-02-01, 2026-02-01 12:00:00
UTC, or ISO 8601 with an offset), else now. --decimal-comma reads 1.234,5;
--strip 00,011 removes those leading digits from prefixes; --encoding for a
CSV that is not UTF-8 (default windows-1252 then); --sheet for XLSX.

It prints the diff first (new, increased, decreased, unchanged, removed,
forbidden, replaced; the ${LARGEST_CHANGES} largest increases and decreases; warnings:
increases within --notice days (default ${DEFAULT_NOTICE_DAYS}), prices of 0, changes over 10x,
repeated rows), then writes it in one transaction; --dry-run stops after
the diff, --json prints it as one object. A bad row fails the whole import:
FILE:LINE:COLUMN errors (the first ${MAX_ERRORS}, then a count), nothing written.
Two imports of one set never run at once (a lock per set).

export writes the rows routing takes at --at (default now), one per prefix,
as CSV: ${EXPORT_COLUMNS.join(',')}
(to --output FILE, default stdout); importing it back at that instant
changes nothing. history lists a prefix's rows oldest first, with when
routing took each.

Options:
  -d, --dsn DSN   the database (default: $SIPPY_ROUTED_DB)
  --env N         the environment (default: the database's only one)

Exit status: 0 done (or nothing to do), 1 database problem (nothing
written), 2 usage error, unreadable or bad deck (nothing written).
`;

const OPTIONS = {
  dsn: { type: 'string', short: 'd' },
  env: { type: 'string' },
  set: { type: 'string' },
  mode: { type: 'string' },
  effective: { type: 'string' },
  notice: { type: 'string' },
  columns: { type: 'string' },
  'decimal-comma': { type: 'boolean' },
  encoding: { type: 'string' },
  sheet: { type: 'string' },
  strip: { type: 'string' },
  currency: { type: 'string' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  at: { type: 'string' },
  output: { type: 'string' },
  prefix: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Which options each action takes (one parser serves the three). */
const ACTION_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  import: ['dsn', 'env', 'set', 'mode', 'effective', 'notice', 'columns', 'decimal-comma', 'encoding', 'sheet', 'strip', 'currency', 'dry-run', 'json'],
  export: ['dsn', 'env', 'set', 'at', 'output'],
  history: ['dsn', 'env', 'set', 'prefix', 'json'],
};

export async function ratesCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine('rates', argv, OPTIONS, true);
  if (parsed.values.help === true) {
    io.stdout.write(RATES_HELP);
    return 0;
  }
  const [action, ...operands] = parsed.positionals;
  if (action === undefined || !Object.hasOwn(ACTION_OPTIONS, action)) {
    throw new SippyError('USAGE', `rates: expected import, export or history, got ${action === undefined ? 'nothing' : JSON.stringify(action)}; see sippy_routed rates --help`);
  }
  for (const name of Object.keys(parsed.values)) {
    if (name !== 'help' && !ACTION_OPTIONS[action]!.includes(name)) throw new SippyError('USAGE', `rates ${action}: --${name} does not apply; see sippy_routed rates --help`);
  }
  const set = stringOption(parsed, 'set');
  if (set === undefined || set === '') throw new SippyError('USAGE', `rates ${action}: missing --set NAME`);
  if ([...set].length > MAX_SET_NAME_CHARS) throw new SippyError('USAGE', `rates ${action}: --set is a destination set's name, at most ${MAX_SET_NAME_CHARS} characters`);
  const query: SetQuery = { set, environment: integerOption(`rates ${action}`, '--env', stringOption(parsed, 'env'), 0, MAX_ENVIRONMENT) };
  if (action === 'import') {
    if (operands.length !== 1) throw new SippyError('USAGE', `rates import: expected one FILE, got ${operands.length === 0 ? 'none' : operands.map((o) => JSON.stringify(o)).join(' ')}`);
    const options = importOptions(parsed, operands[0]!);
    return withDatabase(parsed, io, (db) => runImport(db, query, options, parsed.values.json === true, io));
  }
  if (operands.length > 0) throw new SippyError('USAGE', `rates ${action}: unexpected argument ${JSON.stringify(operands[0])}`);
  if (action === 'export') {
    const at = timeOption('rates export', '--at', stringOption(parsed, 'at')) ?? Date.now();
    return withDatabase(parsed, io, (db) => runExport(db, query, at, stringOption(parsed, 'output'), io));
  }
  const prefix = stringOption(parsed, 'prefix');
  if (prefix === undefined) throw new SippyError('USAGE', 'rates history: missing --prefix P');
  return withDatabase(parsed, io, async (db) => {
    const history = await rateHistory(db, query, prefix, Date.now());
    io.stdout.write(parsed.values.json === true ? jsonText({ set, environment: history.environment, prefix, rows: history.rows }) : formatHistory(set, history.environment, prefix, history.rows));
    return 0;
  });
}

async function withDatabase(parsed: Parsed, io: CliIo, work: (db: Database) => Promise<number>): Promise<number> {
  const db = new Database(dsnFromOptions(stringOption(parsed, 'dsn'), io.env));
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

function timeOption(command: string, name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const parsed = parseDeckTime(text);
  if (!parsed.ok) throw new SippyError('USAGE', `${command}: ${name}: ${parsed.problem}`);
  return parsed.value;
}

/** What the command line gives an import (the rest is the set, the clock and how rows are written). */
type ImportArgs = Omit<ImportOptions, 'set' | 'environment' | 'now' | 'load' | 'progress' | 'lockWaitSeconds'>;

function importOptions(parsed: Parsed, file: string): ImportArgs {
  const mode = stringOption(parsed, 'mode') ?? 'full';
  if (mode !== 'full' && mode !== 'partial') throw new SippyError('USAGE', `rates import: --mode must be full or partial, got ${JSON.stringify(mode)}`);
  const columnsText = stringOption(parsed, 'columns');
  const columns = columnsText === undefined ? { ok: true as const, value: {} } : parseColumnsOption(columnsText);
  if (!columns.ok) throw new SippyError('USAGE', `rates import: ${columns.problem}`);
  const stripText = stringOption(parsed, 'strip');
  const strip = stripText === undefined ? [] : stripText.split(',').map((s) => s.trim());
  if (strip.some((s) => !/^\d{1,8}$/.test(s))) throw new SippyError('USAGE', `rates import: --strip takes leading digits separated by commas (00,011), got ${JSON.stringify(stripText)}`);
  const currency = stringOption(parsed, 'currency');
  if (currency !== undefined && !/^[A-Z]{3}$/.test(currency)) throw new SippyError('USAGE', `rates import: --currency is three capital letters (ISO 4217: USD, EUR), got ${JSON.stringify(currency)}`);
  return {
    file, mode, currency, strip,
    effective: timeOption('rates import', '--effective', stringOption(parsed, 'effective')),
    noticeDays: integerOption('rates import', '--notice', stringOption(parsed, 'notice'), 0, MAX_NOTICE_DAYS) ?? DEFAULT_NOTICE_DAYS,
    overrides: columns.value,
    decimalComma: parsed.values['decimal-comma'] === true,
    encoding: stringOption(parsed, 'encoding'),
    sheet: stringOption(parsed, 'sheet'),
    dryRun: parsed.values['dry-run'] === true,
  };
}

async function runImport(db: Database, query: SetQuery, args: ImportArgs, json: boolean, io: CliIo): Promise<number> {
  const progress = (line: string): void => {
    io.stderr.write(`sippy_routed: rates import: ${line}\n`);
  };
  const report = await importDeck(db, { ...args, set: query.set, environment: query.environment, now: Date.now(), load: 'auto', progress });
  if (json) io.stdout.write(jsonText(report));
  if (report.errors.count > 0) {
    io.stderr.write(formatDeckErrors(args.file, report.errors));
    throw new SippyError('RATES_DECK_INVALID', `rates import: ${args.file} has ${report.errors.count} ${report.errors.count === 1 ? 'error' : 'errors'}; nothing was written`);
  }
  if (!json) io.stdout.write(formatImport(report) + formatOutcome(report, args.dryRun));
  return 0;
}

async function runExport(db: Database, query: SetQuery, at: number, output: string | undefined, io: CliIo): Promise<number> {
  if (output === undefined) {
    const result = await exportRates(db, query, at, (text) => {
      io.stdout.write(text);
      return undefined;
    });
    if (result.skipped > 0) io.stderr.write(`sippy_routed: rates export: ${result.skipped} rows with a prefix that is not digits (the catch-all) left out: a deck cannot hold them\n`);
    return 0;
  }
  // Written beside the target and renamed when complete: a failed export leaves no half file.
  const partial = `${output}.partial-${process.pid}`;
  const file = createWriteStream(partial, { flags: 'wx' });
  try {
    await once(file, 'open');
  } catch (err) {
    throw new SippyError('USAGE', `rates export: cannot write ${output} (${(err as { code?: string }).code ?? String(err)})`);
  }
  let result: ExportResult;
  try {
    result = await exportRates(db, query, at, (text) => (file.write(text) ? undefined : once(file, 'drain').then(() => undefined)));
    file.end();
    await once(file, 'close');
    await rename(partial, output);
  } catch (err) {
    file.destroy();
    await rm(partial, { force: true });
    throw err;
  }
  io.stderr.write(`sippy_routed: rates export: ${result.rows} rows to ${output}${result.skipped > 0 ? `; ${result.skipped} with a prefix that is not digits (the catch-all) left out: a deck cannot hold them` : ''}\n`);
  return 0;
}

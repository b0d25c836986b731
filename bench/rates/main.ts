#!/usr/bin/env node
// The rate-deck benchmark (`make bench-rates`; docs/benchmark.md, "Rate
// decks"): a private database, a generated deck of --rows rows (1,000,000
// by default) written as carriers send them, and
//
// 1. the baseline: a raw LOAD DATA LOCAL of the same rows into routes, one
//    statement, on the same server (the journal triggers fire as for any
//    write);
// 2. the import of the deck into an empty destination set, once per --load
//    method (LOAD DATA LOCAL from a stream, or multi-row INSERTs), each in a
//    process of its own for its peak RSS, the tables emptied in between;
// 3. the same deck again (nothing to write: reading and the diff alone);
// 4. the deck of the next week, a tenth of the rates changed, effective a
//    week later (the rows before stay, for calls before);
// 5. unless --no-daemon, the daemon phase (daemon-phase.ts): the tables
//    emptied, the real daemon started on the database, getRoutes load for
//    as long as a deck of a tenth of the rows and then the whole deck are
//    imported, effective at once; the requests that failed (none may), and
//    how long after each COMMIT answers showed the new rates, with the
//    daemon's own account of each refresh (ms per phase). --only-daemon
//    runs this phase alone (steps 1-4 skipped).
//
// The destination set is an entry of a routing group ("Rates bench"), the
// daemon phase's. Prints a markdown table and the daemon phase's figures,
// writes them as JSON under bench/results/, and exits 1 when the daemon
// phase found a problem (a failed request, rates never seen).

import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Readable } from 'node:stream';
import mysql from 'mysql2/promise';
import { PrivateServer } from '../../src/db/private-server.js';
import { parseDsn } from '../../src/db/dsn.js';
import { Database } from '../../src/db/pool.js';
import { migrate } from '../../src/db/migrate.js';
import { tsvChunks, writeDeck } from './deck-generator.js';
import { CpuMeter } from '../proc-sampler.js';
import { LOAD_CONNECTIONS, runDaemonPhase, type DaemonPhaseResult } from './daemon-phase.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CHILD = join(HERE, 'import-child.js');
const RESULTS = join(HERE, '..', '..', '..', 'bench', 'results');
const DATABASE = 'sippy_rates_bench';
const SET = 'bench-deck';
const EFFECTIVE = Date.UTC(2030, 0, 1);

export const RATES_BENCH_HELP = `Usage: node dist/bench/rates/main.js [--rows N] [--load infile,insert] [--no-daemon | --only-daemon] [--no-results]

  --rows N     rows of the deck (default 1000000)
  --load LIST  how the import writes rows, each measured: infile (LOAD DATA LOCAL
               from a stream), insert (multi-row INSERTs); default infile,insert
  --no-daemon  skip the daemon phase (a daemon answering getRoutes under load
               while a deck of N/10 rows, then of N rows, is imported)
  --only-daemon run the daemon phase alone (no baseline, no timed imports
               before it); its decks are imported as with --load
  --no-results do not write the JSON result under bench/results/
`;

const progress = (line: string): void => {
  process.stderr.write(`bench-rates: ${line}\n`);
};

interface ChildResult {
  readonly cpuSeconds: number;
  readonly rows: number;
  readonly counts: Record<string, number>;
  readonly timings: { read: number; diff: number; apply: number };
  readonly totalMs: number;
  readonly load: string;
  readonly peakRssBytes: number;
  /** When the write's COMMIT returned (epoch ms); absent when there was nothing to write. */
  readonly committedAtMs?: number;
}

function runImport(dsn: string, file: string, load: string, effective = EFFECTIVE): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [CHILD, dsn, file, SET, load, String(effective)], { maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err !== null) reject(err);
      else resolve(JSON.parse(stdout) as ChildResult);
    });
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  });
}

/** A phase's wall time, and the cores (1.0 = one core busy) the database and everything else on the machine used meanwhile. */
interface Timed<T> {
  readonly value: T;
  readonly seconds: number;
  readonly databaseCores: number;
  /** Other work on the machine (not this harness, the import or the database): what makes a run noisy. */
  readonly otherCores: number;
}

async function timed<T>(databasePid: number, work: () => Promise<T>, childCpuSeconds: (value: T) => number = () => 0): Promise<Timed<T>> {
  const started = process.hrtime.bigint();
  const meter = new CpuMeter([databasePid, process.pid]);
  const value = await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cores = meter.stop();
  return { value, seconds, databaseCores: cores.perPid.get(databasePid) ?? 0, otherCores: Math.max(0, cores.others - childCpuSeconds(value) / seconds) };
}

async function prepare(conn: mysql.Connection): Promise<void> {
  await conn.query("INSERT INTO environments (i_environment, name) VALUES (1, 'rates bench')");
  await conn.query("INSERT INTO vendors (i_vendor, i_environment, name) VALUES (1, 1, 'Carrier A')");
  await conn.query("INSERT INTO connections (i_connection, i_environment, i_vendor, name, destination) VALUES (1, 1, 1, 'carrier-a', '198.51.100.7:5060')");
  await conn.query('INSERT INTO destination_sets (i_destination_set, i_environment, name) VALUES (1, 1, ?), (2, 1, ?)', [SET, 'baseline']);
  await conn.query("INSERT INTO routing_groups (i_routing_group, i_environment, name) VALUES (1, 1, 'Rates bench')");
  await conn.query('INSERT INTO routing_group_entries (i_routing_group, i_connection, i_destination_set, entry_order) VALUES (1, 1, 1, 1)');
}

/** Empties routes and the journal (no daemon runs while this is done). */
async function emptyRoutes(conn: mysql.Connection): Promise<void> {
  await conn.query('TRUNCATE TABLE routes');
  await conn.query('TRUNCATE TABLE routing_changes');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { rows: { type: 'string' }, load: { type: 'string' }, 'no-daemon': { type: 'boolean' }, 'only-daemon': { type: 'boolean' }, 'no-results': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) {
    process.stdout.write(RATES_BENCH_HELP);
    return 0;
  }
  const rows = Number(values.rows ?? 1_000_000);
  const loads = (values.load ?? 'infile,insert').split(',');
  const onlyDaemon = values['only-daemon'] === true;
  if (!(Number.isInteger(rows) && rows >= 1000 && rows <= 50_000_000) || loads.some((l) => l !== 'infile' && l !== 'insert') || (onlyDaemon && values['no-daemon'] === true)) {
    process.stderr.write(RATES_BENCH_HELP);
    return 2;
  }
  const server = new PrivateServer();
  await server.start();
  try {
    const admin = await mysql.createConnection({ socketPath: server.socketPath, user: 'root' });
    await admin.query(`CREATE DATABASE ${DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await admin.end();
    const dsn = server.dsn(DATABASE);
    const db = new Database(parseDsn(dsn));
    await migrate(db);
    await db.close();
    const conn = await mysql.createConnection({ socketPath: server.socketPath, user: 'root', database: DATABASE });
    await prepare(conn);
    const [version] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
    progress(`database ${dsn} (a daemon may run on it: -e 1 -d DSN; group "Rates bench")`);

    const deck = join(server.dir, 'deck.csv');
    const nextWeek = join(server.dir, 'deck-next-week.csv');
    const database = server.pid!;
    const generated = await timed(database, async () => {
      await writeDeck(deck, rows);
      if (!onlyDaemon) await writeDeck(nextWeek, rows, true);
    });
    progress(`generated ${onlyDaemon ? 'a deck' : 'two decks'} of ${rows.toLocaleString('en')} rows in ${generated.seconds.toFixed(1)} s`);

    const chosen = loads.includes('infile') ? 'infile' : loads[0]!;
    const child = (result: ChildResult): number => result.cpuSeconds;
    const before = onlyDaemon ? undefined : await importPhases(conn, dsn, database, deck, nextWeek, rows, loads, chosen, child);

    let daemon: DaemonPhaseResult<Phase> | undefined;
    if (values['no-daemon'] !== true) {
      await emptyRoutes(conn);
      const tenth = join(server.dir, 'deck-tenth.csv');
      await writeDeck(tenth, Math.floor(rows / 10));
      daemon = await runDaemonPhase<Phase>({
        dir: server.dir, dsn, databasePid: database, progress,
        decks: [{ rows: Math.floor(rows / 10), file: tenth }, { rows, file: deck }],
        runImport: async (file) => {
          // Effective a minute ago, so the rates are in answers at once (a second's rounding aside).
          const run = await timed(database, () => runImport(dsn, file, chosen, Date.now() - 60_000), child);
          return { ...run.value, seconds: run.seconds, databaseCores: run.databaseCores, otherCores: run.otherCores };
        },
      });
    }
    await conn.end();

    const cpuList = cpus();
    const result = {
      startedAt: new Date().toISOString(),
      machine: {
        cpus: cpuList.length, cpuModel: cpuList[0]?.model.trim() ?? 'unknown', memoryBytes: totalmem(), platform: `${platform()} ${release()}`, node: process.version,
        database: String(version[0]?.v),
      },
      rows,
      ...(before ?? { baselineLoadDataSeconds: null, baseline: null, imports: [], sameDeckAgain: null, nextWeek: null }),
      daemon: daemon === undefined ? null : { loadConnections: LOAD_CONNECTIONS, ...daemon },
    };
    if (before !== undefined) process.stdout.write(markdown({ rows, ...before }));
    if (daemon !== undefined) process.stdout.write(daemonMarkdown(daemon));
    if (values['no-results'] !== true) {
      mkdirSync(RESULTS, { recursive: true });
      const path = join(RESULTS, `rates-${result.startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.json`);
      writeFileSync(path, JSON.stringify(result, null, 2) + '\n');
      progress(`result written to ${path}`);
    }
    if (daemon !== undefined && daemon.problems.length > 0) {
      process.stdout.write(`\nVerdict: FAIL\n${daemon.problems.map((p) => `- ${p}\n`).join('')}`);
      return 1;
    }
    if (daemon !== undefined) process.stdout.write('\nVerdict: PASS (no request failed; every deck\'s new rates were answered)\n');
    return 0;
  } finally {
    await server.destroy();
  }
}

type Phase = ChildResult & Omit<Timed<unknown>, 'value'>;

interface ImportPhases {
  readonly baselineLoadDataSeconds: number;
  readonly baseline: { databaseCores: number; otherCores: number };
  readonly imports: (Phase & { ratioToLoadData: number })[];
  readonly sameDeckAgain: Phase;
  readonly nextWeek: Phase;
}

/** Steps 1-4: the raw LOAD DATA, the deck into an empty set per --load method, the same deck again, the next week's. */
async function importPhases(
  conn: mysql.Connection, dsn: string, database: number, deck: string, nextWeek: string, rows: number, loads: readonly string[], chosen: string,
  child: (result: ChildResult) => number,
): Promise<ImportPhases> {
  const activation = new Date(EFFECTIVE).toISOString().slice(0, 19).replace('T', ' ');
  const baseline = await timed(database, () => conn.query({
    sql: `LOAD DATA LOCAL INFILE 'deck.tsv' INTO TABLE routes CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n'
            (i_destination_set, prefix, description, price_1, price_n, activation_date)`,
    infileStreamFactory: () => Readable.from(tsvChunks(2, rows, activation)),
  }));
  progress(`raw LOAD DATA of the same rows: ${baseline.seconds.toFixed(1)} s (other work on the machine: ${baseline.otherCores.toFixed(2)} cores)`);

  const imports: Phase[] = [];
  for (const load of loads) {
    await emptyRoutes(conn);
    progress(`importing the deck into an empty set (${load})`);
    const run = await timed(database, () => runImport(dsn, deck, load), child);
    imports.push({ ...run.value, seconds: run.seconds, databaseCores: run.databaseCores, otherCores: run.otherCores });
    progress(`imported in ${run.seconds.toFixed(1)} s (read ${run.value.timings.read} ms, diff ${run.value.timings.diff} ms, write ${run.value.timings.apply} ms), peak RSS ${(run.value.peakRssBytes / 1048576).toFixed(0)} MiB, other work ${run.otherCores.toFixed(2)} cores`);
  }
  // The rest as an import on this server runs: LOAD DATA when measured, as `auto` takes it.
  progress(`the same deck again (${chosen})`);
  const again = await timed(database, () => runImport(dsn, deck, chosen), child);
  progress(`the next week's deck (${chosen})`);
  const week = await timed(database, () => runImport(dsn, nextWeek, chosen, EFFECTIVE + 7 * 86_400_000), child);
  return {
    baselineLoadDataSeconds: baseline.seconds,
    baseline: { databaseCores: baseline.databaseCores, otherCores: baseline.otherCores },
    imports: imports.map((i) => ({ ...i, ratioToLoadData: i.seconds / baseline.seconds })),
    sameDeckAgain: { ...again.value, seconds: again.seconds, databaseCores: again.databaseCores, otherCores: again.otherCores },
    nextWeek: { ...week.value, seconds: week.seconds, databaseCores: week.databaseCores, otherCores: week.otherCores },
  };
}

function markdown(r: { rows: number; baselineLoadDataSeconds: number; baseline: { databaseCores: number; otherCores: number }; imports: (Phase & { ratioToLoadData: number })[]; sameDeckAgain: Phase; nextWeek: Phase }): string {
  const s = (ms: number): string => (ms / 1000).toFixed(1);
  const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MiB`;
  const line = (what: string, x: Phase, ratio: string): string =>
    `| ${what} | ${x.load} | ${s(x.timings.read)} | ${s(x.timings.diff)} | ${s(x.timings.apply)} | ${x.seconds.toFixed(1)} | ${ratio} | ${mib(x.peakRssBytes)} | ${x.cpuSeconds.toFixed(1)} | ${x.databaseCores.toFixed(2)} | ${x.otherCores.toFixed(2)} |\n`;
  let out = `\n${r.rows.toLocaleString('en')} rows; raw LOAD DATA of the same rows into routes: ${r.baselineLoadDataSeconds.toFixed(1)} s `
    + `(database ${r.baseline.databaseCores.toFixed(2)} cores, other work on the machine ${r.baseline.otherCores.toFixed(2)} cores)\n\n`;
  out += '| import | rows written by | read + stage (s) | diff (s) | write (s) | total (s) | ÷ LOAD DATA | peak RSS | import CPU (s) | database (cores) | other work (cores) |\n|---|---|---|---|---|---|---|---|---|---|---|\n';
  for (const i of r.imports) out += line('into an empty set', i, i.ratioToLoadData.toFixed(2));
  out += line('the same deck again (0 changes)', r.sameDeckAgain, '-');
  out += line(`next week's deck (${r.nextWeek.counts.increased} increased)`, r.nextWeek, '-');
  return out;
}

function daemonMarkdown(d: DaemonPhaseResult<Phase>): string {
  const load = d.load.load;
  let out = `\nDaemon phase: getRoutes at ${d.load.concurrency} connections while the decks were imported: ${load.requests.toLocaleString('en')} requests `
    + `(${load.requestsPerSecond.toFixed(0)}/s, p50 ${load.latencyMs.p50.toFixed(2)} ms, p99 ${load.latencyMs.p99.toFixed(2)} ms, max ${load.latencyMs.max.toFixed(1)} ms), `
    + `${load.errors.total} failed; daemon peak RSS ${(d.daemonPeakRssBytes / 1048576).toFixed(0)} MiB (VmHWM); cores: daemon ${d.load.cpuCores.daemon.toFixed(2)}, `
    + `database ${d.load.cpuCores.database.toFixed(2)}, load generator ${d.load.cpuCores.loadGenerator.toFixed(2)}, other work ${d.load.cpuCores.otherProcesses.toFixed(2)}\n\n`;
  out += '| deck (rows) | import (s) | COMMIT -> first answer with a new rate (ms) | -> all probed CLDs (ms) | spec bound (ms) | probe answers |\n|---|---|---|---|---|---|\n';
  for (const x of d.decks) {
    const over = x.firstAnswerMs !== null && x.firstAnswerMs > x.boundMs ? ' (over the bound)' : '';
    out += `| ${x.rows.toLocaleString('en')} | ${x.import.seconds.toFixed(1)} | ${x.firstAnswerMs ?? 'never'}${over} | ${x.allProbedMs ?? 'never'} | ${x.boundMs} | ${x.probes} |\n`;
  }
  if (d.refreshes.length === 0) return out;
  // The daemon's own account of its refreshes (snapshot-follower.ts, 'routing data refreshed').
  const phases = ['journal', 'keys', 'tables', 'ids', 'read', 'build'];
  out += `\nThe daemon's refreshes (ms per phase):\n\n| entries | sets (whole / by row) | rows read | ${phases.join(' | ')} | total |\n|${'---|'.repeat(phases.length + 4)}\n`;
  for (const r of d.refreshes) {
    const n = (key: string): string => (typeof r[key] === 'number' ? (r[key] as number).toLocaleString('en') : '-');
    out += `| ${n('entries')} | ${n('sets')} / ${n('by_row_sets')} | ${n('rows')} | ${phases.map((p) => n(`${p}_ms`)).join(' | ')} | ${n('ms')} |\n`;
  }
  return out;
}

main().then((code) => {
  process.exitCode = code;
}, (err: unknown) => {
  process.stderr.write(`bench-rates: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});

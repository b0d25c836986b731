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
//    week later (the rows before stay, for calls before).
//
// The destination set is an entry of a routing group ("Rates bench"), so a
// daemon can be run on the database alongside (-e 1 -d DSN, the DSN is
// printed) to measure answers under the import. Prints a markdown table and
// writes the figures as JSON under bench/results/.

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

const HERE = dirname(fileURLToPath(import.meta.url));
const CHILD = join(HERE, 'import-child.js');
const RESULTS = join(HERE, '..', '..', '..', 'bench', 'results');
const DATABASE = 'sippy_rates_bench';
const SET = 'bench-deck';
const EFFECTIVE = Date.UTC(2030, 0, 1);

export const RATES_BENCH_HELP = `Usage: node dist/bench/rates/main.js [--rows N] [--load infile,insert] [--keep]

  --rows N     rows of the deck (default 1000000)
  --load LIST  how the import writes rows, each measured: infile (LOAD DATA LOCAL
               from a stream), insert (multi-row INSERTs); default infile,insert
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

/** Empties routes and the journal (no daemon runs between the phases that do this). */
async function emptyRoutes(conn: mysql.Connection): Promise<void> {
  await conn.query('TRUNCATE TABLE routes');
  await conn.query('TRUNCATE TABLE routing_changes');
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, load: { type: 'string' }, 'no-results': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help === true) {
    process.stdout.write(RATES_BENCH_HELP);
    return 0;
  }
  const rows = Number(values.rows ?? 1_000_000);
  const loads = (values.load ?? 'infile,insert').split(',');
  if (!(Number.isInteger(rows) && rows >= 1000 && rows <= 50_000_000) || loads.some((l) => l !== 'infile' && l !== 'insert')) {
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
      await writeDeck(nextWeek, rows, true);
    });
    progress(`generated two decks of ${rows.toLocaleString('en')} rows in ${generated.seconds.toFixed(1)} s`);

    const activation = new Date(EFFECTIVE).toISOString().slice(0, 19).replace('T', ' ');
    const baseline = await timed(database, () => conn.query({
      sql: `LOAD DATA LOCAL INFILE 'deck.tsv' INTO TABLE routes CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n'
              (i_destination_set, prefix, description, price_1, price_n, activation_date)`,
      infileStreamFactory: () => Readable.from(tsvChunks(2, rows, activation)),
    }));
    progress(`raw LOAD DATA of the same rows: ${baseline.seconds.toFixed(1)} s (other work on the machine: ${baseline.otherCores.toFixed(2)} cores)`);

    const imports: (ChildResult & Omit<Timed<unknown>, 'value'>)[] = [];
    const child = (result: ChildResult): number => result.cpuSeconds;
    for (const load of loads) {
      await emptyRoutes(conn);
      progress(`importing the deck into an empty set (${load})`);
      const run = await timed(database, () => runImport(dsn, deck, load), child);
      imports.push({ ...run.value, seconds: run.seconds, databaseCores: run.databaseCores, otherCores: run.otherCores });
      progress(`imported in ${run.seconds.toFixed(1)} s (read ${run.value.timings.read} ms, diff ${run.value.timings.diff} ms, write ${run.value.timings.apply} ms), peak RSS ${(run.value.peakRssBytes / 1048576).toFixed(0)} MiB, other work ${run.otherCores.toFixed(2)} cores`);
    }
    // The rest as an import on this server runs: LOAD DATA when measured, as `auto` takes it.
    const chosen = loads.includes('infile') ? 'infile' : loads[0]!;
    progress(`the same deck again (${chosen})`);
    const again = await timed(database, () => runImport(dsn, deck, chosen), child);
    progress(`the next week's deck (${chosen})`);
    const week = await timed(database, () => runImport(dsn, nextWeek, chosen, EFFECTIVE + 7 * 86_400_000), child);
    await conn.end();

    const cpuList = cpus();
    const result = {
      startedAt: new Date().toISOString(),
      machine: {
        cpus: cpuList.length, cpuModel: cpuList[0]?.model.trim() ?? 'unknown', memoryBytes: totalmem(), platform: `${platform()} ${release()}`, node: process.version,
        database: String(version[0]?.v),
      },
      rows,
      baselineLoadDataSeconds: baseline.seconds,
      baseline: { databaseCores: baseline.databaseCores, otherCores: baseline.otherCores },
      imports: imports.map((i) => ({ ...i, ratioToLoadData: i.seconds / baseline.seconds })),
      sameDeckAgain: { ...again.value, seconds: again.seconds, databaseCores: again.databaseCores, otherCores: again.otherCores },
      nextWeek: { ...week.value, seconds: week.seconds, databaseCores: week.databaseCores, otherCores: week.otherCores },
    };
    process.stdout.write(markdown(result));
    if (values['no-results'] !== true) {
      mkdirSync(RESULTS, { recursive: true });
      const path = join(RESULTS, `rates-${result.startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.json`);
      writeFileSync(path, JSON.stringify(result, null, 2) + '\n');
      progress(`result written to ${path}`);
    }
    return 0;
  } finally {
    await server.destroy();
  }
}

type Phase = ChildResult & Omit<Timed<unknown>, 'value'>;

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

main().then((code) => {
  process.exitCode = code;
}, (err: unknown) => {
  process.stderr.write(`bench-rates: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});

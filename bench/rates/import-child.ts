#!/usr/bin/env node
// One import of the rate-deck benchmark, in a process of its own so that
// its peak memory is its own: `node dist/bench/rates/import-child.js DSN
// FILE SET LOAD EFFECTIVE_MS`. Runs what `sippy_routed rates import` runs
// (importDeck) and prints one JSON line: the report's counts and timings,
// the process's peak RSS (getrusage maxrss), the CPU it used, and when its
// write committed (epoch ms, sub-ms; absent when there was nothing to write):
// the import reports "wrote ..." right after its COMMIT returned.

import { parseDsn } from '../../src/db/dsn.js';
import { Database } from '../../src/db/pool.js';
import { importDeck } from '../../src/data/index.js';

const [dsn, file, set, load, effective] = process.argv.slice(2);
if (dsn === undefined || file === undefined || set === undefined || (load !== 'infile' && load !== 'insert') || effective === undefined) {
  process.stderr.write('usage: import-child.js DSN FILE SET infile|insert EFFECTIVE_MS\n');
  process.exit(2);
}
const db = new Database(parseDsn(dsn));
try {
  const started = Date.now();
  let committedAtMs: number | undefined;
  const report = await importDeck(db, {
    file, set, environment: 1, mode: 'full', effective: Number(effective), noticeDays: 0, overrides: {}, decimalComma: false,
    encoding: undefined, sheet: undefined, strip: [], currency: undefined, dryRun: false, now: Date.now(), load,
    progress: (line) => {
      if (line.startsWith('wrote ')) committedAtMs = performance.timeOrigin + performance.now();
      process.stderr.write(`  import: ${line}\n`);
    },
  });
  if (report.errors.count > 0) throw new Error(`the deck has errors: ${JSON.stringify(report.errors.first)}`);
  process.stdout.write(`${JSON.stringify({
    rows: report.rows, counts: report.diff?.counts, timings: report.timings, totalMs: Date.now() - started, load: report.load,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6, committedAtMs,
  })}\n`);
} finally {
  await db.close();
}

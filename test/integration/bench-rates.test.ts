// `make bench-rates` end to end on a small deck: the harness must keep
// running (a private database, the generated decks, the imports in
// processes of their own, the raw LOAD DATA, the daemon phase with the real
// daemon under load), and every import must do what the deck says. Figures
// are for the benchmark, never checked here, except the daemon phase's
// verdict: no request may fail and every deck's new rates must be answered
// (the harness waits for those answers; nothing here sleeps).

import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../bench/rates/main.js', import.meta.url));

describe('bench-rates end to end (a small deck)', function () {
  this.timeout(300_000);

  it('imports by each way of writing rows, again, next week\'s deck, and two decks under a daemon\'s load, and prints the tables', async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [MAIN, '--rows', '2000', '--no-results'], { maxBuffer: 1 << 22 }, (err, out, errOut) => resolve({ code: err === null ? 0 : (err as { code?: number }).code ?? 1, stdout: out, stderr: errOut }));
    });
    expect(code, stderr).to.equal(0);
    expect(stdout).to.include('2,000 rows; raw LOAD DATA of the same rows into routes:');
    expect(stdout).to.match(/\| into an empty set \| infile \|/);
    expect(stdout).to.match(/\| into an empty set \| insert \|/);
    expect(stdout).to.match(/\| the same deck again \(0 changes\) \|/);
    expect(stdout).to.match(/\| next week's deck \(200 increased\) \|/);
    expect(stderr).to.include('wrote 2,000 new rows');
    // Nothing to write: the import stops after the diff.
    expect(stdout).to.match(/\| the same deck again \(0 changes\) \| infile \| [\d.]+ \| [\d.]+ \| 0\.0 \|/);
    // The daemon phase: a deck of 200 rows, then the 2,000, each seen by a getRoutes answer after its commit.
    expect(stdout).to.match(/Daemon phase: getRoutes at \d+ connections while the decks were imported: [\d,]+ requests .*, 0 failed; daemon peak RSS \d+ MiB/);
    expect(stdout).to.match(/\| 200 \| [\d.]+ \| [\d.]+ \| [\d.]+ \| 1000 \| \d+ \|/);
    expect(stdout).to.match(/\| 2,000 \| [\d.]+ \| [\d.]+ \| [\d.]+ \| 1000 \| \d+ \|/);
    expect(stdout).to.include('Verdict: PASS');
  });

  it('runs the daemon phase alone with --only-daemon, and shows the daemon\'s account of a deck-sized refresh', async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [MAIN, '--rows', '20000', '--only-daemon', '--no-results'], { maxBuffer: 1 << 22 }, (err, out, errOut) => resolve({ code: err === null ? 0 : (err as { code?: number }).code ?? 1, stdout: out, stderr: errOut }));
    });
    expect(code, stderr).to.equal(0);
    expect(stdout).not.to.include('raw LOAD DATA');
    expect(stdout).to.match(/\| 20,000 \| [\d.]+ \| [\d.]+ \| [\d.]+ \| 1000 \| \d+ \|/);
    // The 20,000-row deck's refresh re-reads the set whole: logged at info, so in the table.
    expect(stdout).to.match(/\| 18,000 \| 1 \/ 0 \| 20,000 \|( [\d,]+ \|){7}/);
    expect(stdout).to.include('Verdict: PASS');
  });
});

// `make bench-rates` end to end on a small deck: the harness must keep
// running (a private database, the generated decks, the imports in
// processes of their own, the raw LOAD DATA), and every import must do
// what the deck says. Figures are for the benchmark, never checked here.

import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../bench/rates/main.js', import.meta.url));

describe('bench-rates end to end (a small deck)', function () {
  this.timeout(300_000);

  it('imports by each way of writing rows, again, and next week\'s deck, and prints the table', async () => {
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
  });
});

import { expect } from 'chai';
import { editDistance, nearestOption } from '../../src/econfig/option-suggestion.js';
import { parseListenerOptions } from '../../src/econfig/listener-options.js';
import { runCli } from '../harness/cli.js';

// A mistyped long option is answered with the nearest known one ("did you
// mean"), on the daemon's listener options and on every command's own.

describe('options: did you mean', () => {
  it('counts insertions, deletions, substitutions and neighbour swaps as one edit each', () => {
    expect(editDistance('max-bach', 'max-batch')).to.equal(1);
    expect(editDistance('max-bacth', 'max-batch')).to.equal(1);
    expect(editDistance('max-batchh', 'max-batch')).to.equal(1);
    expect(editDistance('db-timout', 'db-timeout')).to.equal(1);
    expect(editDistance('', 'json')).to.equal(4);
  });

  it('suggests only what is within a typo, never an unrelated option', () => {
    expect(nearestOption('--max-bach', ['--max-hops', '--max-batch'])).to.equal('--max-batch');
    expect(nearestOption('--verbose', ['--max-hops', '--max-batch', '--json'])).to.equal(undefined);
    expect(nearestOption('--jsn', ['--json'])).to.equal('--json');
    expect(nearestOption('--x', ['--json'])).to.equal(undefined);
  });

  it('the listener options say "did you mean --max-batch?" for --max-bach', () => {
    const result = parseListenerOptions(['-e', '1', '--max-bach', '3'], { rundir: '/run' });
    expect(result.problems[0]).to.deep.equal({ argIndex: 2, message: 'unknown option --max-bach (did you mean --max-batch?)' });
  });

  it('`sippy_routed -e 1 --max-bach 3` prints the suggestion (exit 2)', async () => {
    const result = await runCli(['-e', '1', '--max-bach', '3']);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('sippy_routed: unknown option --max-bach (did you mean --max-batch?) [USAGE]');
  });

  it("a command's own options get it too: `status --jsonn`", async () => {
    const result = await runCli(['status', '--jsonn']);
    expect(result).to.deep.equal({
      code: 2, stdout: '',
      stderr: "sippy_routed: status: Unknown option '--jsonn' (did you mean --json?); see sippy_routed status --help [USAGE]\n",
    });
  });
});

import { expect } from 'chai';
import { loadEconfig } from '../../src/econfig/index.js';
import { corpusCases, loadCase } from '../harness/econfig-corpus.js';
import { seededRandom } from '../../src/seeded-random.js';

// Bounded fuzzing: random mutations of the valid corpus files. Whatever the
// input, loadEconfig returns (never throws, never hangs), and every error
// points inside the file. The seed is fixed and printed; set FUZZ_SEED to
// replay another run.
const SEED = Number(process.env.FUZZ_SEED ?? 20260517);
const CASES = 6000;
const TOKENS = [
  '$(', '$((', '`', '"', "'", '${', '}', '${x:-', '${x#', '$x', '$1', ';', ';;', '|', '||', '&', '&&', '\n', '\\', '\\\n',
  'if ', 'then ', 'elif ', 'else ', 'fi', 'case ', ' in ', 'esac', 'for ', 'do ', 'done', '(', ')', '{ ', ' }', '!', '[ ', ' ]',
  'test ', '%%I_ENVIRONMENT%%', '%%X%%', '%%', '#', '<<EOF\n', '<', '>', '~', '=', ' ', '\t', '*', '?', '[!',
  ' -s ', ' -a ', ' -e ', ' --tls-cert ', 'unix:', 'http://[::]:80', 'https://0.0.0.0:1', '10.0.0.0/33', 'enable=', 'command_args=',
];


function mutate(text: string, rnd: () => number): string {
  let out = text;
  const edits = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rnd() * (out.length + 1));
    const token = TOKENS[Math.floor(rnd() * TOKENS.length)]!;
    const char = String.fromCharCode(Math.floor(rnd() * 128));
    switch (Math.floor(rnd() * 6)) {
      case 0: out = out.slice(0, at) + char + out.slice(at); break;
      case 1: out = out.slice(0, at) + out.slice(at + 1); break;
      case 2: out = out.slice(0, at) + char + out.slice(at + 1); break;
      case 3: out = out.slice(0, at) + token + out.slice(at); break;
      case 4: out = out.slice(0, at) + token + out.slice(at + token.length); break;
      default: out = out.slice(0, at) + out.slice(at + 1 + Math.floor(rnd() * 20)); break;
    }
  }
  return out;
}

describe(`econfig fuzz (seed ${SEED}, ${CASES} mutations)`, function () {
  this.timeout(60_000);
  const seeds = corpusCases().filter((c) => loadCase(c).ok);

  it('never throws and every error has a line and column inside the file', () => {
    expect(seeds.length).to.be.at.least(15);
    const rnd = seededRandom(SEED);
    let withErrors = 0;
    for (let n = 0; n < CASES; n++) {
      const text = mutate(seeds[n % seeds.length]!.text, rnd);
      let result;
      try {
        result = loadEconfig(text, { file: 'fuzz', environments: [1, 2, 3], rundir: '/var/run' });
      } catch (err) {
        throw new Error(`case ${n} (seed ${SEED}) threw ${String(err)} on input ${JSON.stringify(text)}`);
      }
      const lines = text.split('\n');
      expect(result.ok, `case ${n}`).to.equal(result.errors.length === 0);
      if (!result.ok) withErrors++;
      for (const e of result.errors) {
        const where = `case ${n} (seed ${SEED}): ${e.line}:${e.column} ${e.message} in ${JSON.stringify(text)}`;
        expect(e.line, where).to.be.within(1, lines.length);
        expect(e.column, where).to.be.within(1, lines[e.line - 1]!.length + 1);
        expect(e.message, where).to.be.a('string').and.not.equal('');
      }
      for (const env of result.environments) {
        if (result.ok && env.enabled) expect(env.spec, `case ${n}: a valid enabled environment has a listener`).to.not.equal(undefined);
      }
    }
    // The mutations must actually break files, or the test proves nothing.
    expect(withErrors).to.be.greaterThan(CASES / 4);
  });
});

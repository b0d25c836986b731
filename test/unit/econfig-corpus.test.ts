import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { corpusCases, goldenOf, loadCase } from '../harness/econfig-corpus.js';

// Every corpus file against its reviewed golden file. UPDATE_GOLDEN=1
// rewrites the goldens from the current output; review the diff before
// committing it.
describe('econfig corpus (golden files)', () => {
  const cases = corpusCases();
  const update = process.env.UPDATE_GOLDEN === '1';

  it('has at least 40 files, valid and invalid', () => {
    expect(cases.length).to.be.at.least(40);
    const outcomes = cases.map((c) => loadCase(c).ok);
    expect(outcomes.filter((ok) => ok).length, 'valid files').to.be.at.least(15);
    expect(outcomes.filter((ok) => !ok).length, 'invalid files').to.be.at.least(25);
  });

  for (const c of cases) {
    it(c.name, () => {
      const actual = goldenOf(loadCase(c));
      if (update) writeFileSync(c.goldenPath, `${JSON.stringify(actual, null, 2)}\n`);
      expect(existsSync(c.goldenPath), `${c.goldenPath} exists (UPDATE_GOLDEN=1 creates it)`).to.equal(true);
      expect(actual).to.deep.equal(JSON.parse(readFileSync(c.goldenPath, 'utf8')));
    });
  }
});

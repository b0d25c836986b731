import { expect } from 'chai';
import { readFileSync } from 'node:fs';

// The operator and integrator docs say what is, in the present tense: a
// reader wants the behaviour, not its history ("before, ...", "it was 64
// MiB", "used to"). Measurements kept as dated records belong in
// docs/benchmark.md, which is not checked here.

const PAGES = ['operations.md', 'routing.md', 'rates.md', 'setup.md', 'econfig.md', 'kamailio.md', 'schema.md', 'rpc.md', 'scale-out.md', 'errors.md'];

/** Phrasings of a changelog, each with what it looks like. */
const HISTORY: readonly RegExp[] = [
  /\(before(,|:| these| this)/i, // "(before, entries got -32010)"
  /(^|[.;:]\s+)Before,/, // "Before, a batch took 25 s"
  /\bbefore (this|these|the fix|the change)\b/i,
  /\bit was \d/i, // "it was 64 MiB"
  /\b(default|limit|bound) was\b/i,
  /\bused to (move|be|answer|log|fail|take|hold|make|write|return)\b/i,
  /\bno longer (answers|fails|logs|takes|holds|writes|returns)\b/i,
  /\bnow fails\b/i,
];

describe('docs: present tense, no changelog', () => {
  it('the patterns catch the phrasings they are for, and not the present tense', () => {
    for (const text of ['(before, entries got -32010)', 'fits. Before, a batch', 'it was 64 MiB', "Node's default was 120 s", 'used to move the id', 'now fails `check`']) {
      expect(HISTORY.some((p) => p.test(text)), text).to.equal(true);
    }
    for (const text of ['refused before any work', '(before the body is read)', 'is no longer active at 12:00', 'not used to choose routes', 'call it before sending traffic']) {
      expect(HISTORY.some((p) => p.test(text)), text).to.equal(false);
    }
  });

  it('no page tells the history of a behaviour', () => {
    const found: string[] = [];
    for (const page of PAGES) {
      const text = readFileSync(new URL(`../../../docs/${page}`, import.meta.url), 'utf8').replace(/\s+/g, ' ');
      for (const pattern of HISTORY) {
        const match = pattern.exec(text);
        if (match !== null) found.push(`docs/${page}: ...${text.slice(Math.max(0, match.index - 40), match.index + 60)}...`);
      }
    }
    expect(found).to.deep.equal([]);
  });
});

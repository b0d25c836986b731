import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { DEFAULT_LIMITS } from '../../src/econfig/listener-spec.js';
import { LIMIT_OPTIONS } from '../../src/econfig/listener-options.js';

// docs/econfig.md's option table is the operator's copy of the bounds and
// defaults of src/limits.ts (LISTENER_LIMIT_RANGES, and DEFAULT_LIMITS built
// from its defaults): each numeric option's row names its range as min..max
// and its default, exactly as the parser enforces them.
describe('docs/econfig.md lists every listener limit with its bounds and default', () => {
  const doc = readFileSync(new URL('../../../docs/econfig.md', import.meta.url), 'utf8');
  const rows = new Map(
    doc.split('\n').flatMap((line) => {
      const m = /^\| `(--[a-z-]+) [A-Z]+` \| (.*) \| (.*) \|$/.exec(line);
      return m === null ? [] : [[m[1]!, { meaning: m[2]!, fallback: m[3]! }]];
    }),
  );

  for (const [name, field, min, max] of LIMIT_OPTIONS) {
    it(`${name}: ${min}..${max}, default ${DEFAULT_LIMITS[field]}`, () => {
      const row = rows.get(name);
      expect(row, `a row for ${name}`).to.not.equal(undefined);
      expect(row!.meaning).to.include(`${min}..${max}`);
      expect(row!.fallback).to.equal(String(DEFAULT_LIMITS[field]));
    });
  }

  it('--db-write with its default, the -d database', () => {
    expect(rows.get('--db-write')?.fallback).to.equal('the `-d` database');
  });

  it('--data-source with its default', () => {
    expect(rows.get('--data-source')?.fallback).to.equal(`\`${DEFAULT_LIMITS.dataSource}\``);
  });
});

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { catalogue, type CatalogueEntry } from '../../src/errors.js';

// docs/errors.md is the operator's copy of the catalogue: same codes, same
// exit and JSON-RPC codes, nothing missing and nothing stale.
describe('error catalogue', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const documented = new Map<string, { exit: string; rpc: string }>();
  for (const match of doc.matchAll(/^\| `([A-Z_]+)` \| (\d) \| *(-?\d*) *\|/gm)) {
    documented.set(match[1]!, { exit: match[2]!, rpc: match[3]! });
  }

  it('lists every code in docs/errors.md with its exit and JSON-RPC codes', () => {
    for (const [code, entry] of Object.entries(catalogue) as [string, CatalogueEntry][]) {
      expect(documented.get(code), `docs/errors.md row for ${code}`).to.deep.equal({ exit: String(entry.exit), rpc: entry.rpc === undefined ? '' : String(entry.rpc) });
    }
  });

  it('documents no code that the catalogue lacks', () => {
    expect([...documented.keys()].sort()).to.deep.equal(Object.keys(catalogue).sort());
  });
});

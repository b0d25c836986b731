import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { LIMIT_OPTIONS } from '../../src/econfig/listener-options.js';
import { JsonShapeScanner, MAX_JSON_DEPTH, MAX_JSON_VALUES } from '../../src/rpc/json-shape.js';

/** Feeds `text` in chunks of `size` bytes; the first violation, if any. */
function scan(text: string | Buffer, size = Infinity): string | undefined {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const scanner = new JsonShapeScanner();
  for (let offset = 0; offset < bytes.length; offset += size === Infinity ? bytes.length : size) {
    const violation = scanner.feed(bytes.subarray(offset, size === Infinity ? bytes.length : offset + size));
    if (violation !== undefined) return violation;
  }
  return undefined;
}

describe('JsonShapeScanner: request bodies are bounded before JSON.parse', () => {
  it('admits nesting up to MAX_JSON_DEPTH and refuses one more, whatever the chunking', () => {
    const at = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    const over = `${'{"a":'.repeat(MAX_JSON_DEPTH)}[]${'}'.repeat(MAX_JSON_DEPTH)}`;
    for (const size of [1, 3, 7, Infinity]) {
      expect(scan(at, size), `chunks of ${size}`).to.equal(undefined);
      expect(scan(over, size), `chunks of ${size}`).to.equal('depth');
    }
    // Depth is of the moment, not cumulative.
    const below = `${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}`;
    expect(scan(`[${`${below},`.repeat(100)}1]`)).to.equal(undefined);
  });

  it('counts values as commas, arrays and objects, and refuses past MAX_JSON_VALUES', () => {
    expect(scan(`[${'1,'.repeat(MAX_JSON_VALUES - 1)}1]`)).to.equal(undefined);
    expect(scan(`[${'1,'.repeat(MAX_JSON_VALUES)}1]`)).to.equal('values');
    expect(scan(`[${'{},'.repeat(MAX_JSON_VALUES / 2)}{}]`, 4096)).to.equal('values');
  });

  it('ignores brackets, commas and escaped quotes inside strings, across chunk edges', () => {
    const text = `{"a":"${'[{,\\"'.repeat(MAX_JSON_VALUES)}\\\\","b":[1]}`;
    for (const size of [1, 2, 5, 4096]) expect(scan(text, size), `chunks of ${size}`).to.equal(undefined);
    // The string ends at the unescaped quote: the brackets after it count.
    expect(scan(`["\\\\"${'['.repeat(MAX_JSON_DEPTH)}`, 1)).to.equal('depth');
  });

  it('is not fooled by multi-byte UTF-8 (no byte of one is ASCII)', () => {
    expect(scan(`["${'€𝄞'.repeat(1000)}"]`, 1)).to.equal(undefined);
  });

  it('docs/rpc.md states both bounds and the largest --body-limit', () => {
    const doc = readFileSync(new URL('../../../docs/rpc.md', import.meta.url), 'utf8');
    const maxBody = LIMIT_OPTIONS.find(([name]) => name === '--body-limit')![3];
    expect(doc).to.include(`deeper than ${MAX_JSON_DEPTH} levels`);
    expect(doc).to.include(`more than ${MAX_JSON_VALUES} values`);
    expect(doc).to.include(`largest \`--body-limit\` supported is ${maxBody} bytes`);
  });
});

import { expect } from 'chai';
import { compareCodePoints } from '../../../src/routing/inspect.js';
import { seededRandom } from '../../../src/seeded-random.js';

// listRoutes orders prefixes as the SQL source does (BINARY on utf8mb4: the
// UTF-8 bytes, which is code point order), also across the surrogate range.
describe('listRoutes prefix order: code points, as utf8mb4 bytes', () => {
  it('agrees with comparing the UTF-8 bytes on 20,000 random pairs of digits, spaces, BMP-high and astral characters', () => {
    const random = seededRandom(7);
    const alphabet = ['0', '1', '4', '9', ' ', '#', 'é', '\uE000', '\uFFFD', '\u{1F600}', '\u{10000}', '\uD7FF'];
    const text = () => Array.from({ length: Math.floor(random() * 5) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    for (let i = 0; i < 20_000; i++) {
      const a = text();
      const b = text();
      expect(Math.sign(compareCodePoints(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).to.equal(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
    }
  });
});

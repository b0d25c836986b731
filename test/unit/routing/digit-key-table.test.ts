import { expect } from 'chai';
import { DigitKeyTable, digitKeyHash } from '../../../src/routing/snapshot/digit-key-table.js';
import { PrefixPool } from '../../../src/routing/snapshot/interned.js';
import { seededRandom } from '../../../src/seeded-random.js';
import { fmix32 } from '../../../src/hash32.js';

// The digit prefixes' table (digit-key-table.ts) keeps every key it was
// given through its doublings, whatever the keys' bits, and PrefixPool on
// it answers what a naive pool (every prefix of the CLD tried by text)
// answers, for digit prefixes and any other.

const HIGH = 4294967296;

/** The key PrefixPool gives a digits-only prefix: 1 followed by its digits. */
function keyOf(digits: string): number {
  return Number('1' + digits);
}

/** Checks every (key, id) of `held` is found and the table keeps its contracts. */
function expectHolds(table: DigitKeyTable, held: ReadonlyMap<number, number>): void {
  expect(table.size).to.equal(held.size);
  const capacity = table.bytes / 16;
  expect(capacity & (capacity - 1), 'capacity a power of two').to.equal(0);
  expect(2 * table.size, 'load at most 1/2').to.be.at.most(capacity);
  for (const [key, id] of held) expect(table.get(key), `key ${key}`).to.equal(id);
}

describe('fmix32 (hash32.ts)', () => {
  it("is murmur3's finalizer: its reference values, unsigned", () => {
    expect(fmix32(0)).to.equal(0);
    expect(fmix32(1)).to.equal(0x514e28b7);
    expect(fmix32(0xffffffff)).to.equal(0x81f16f39);
    expect(fmix32(-1)).to.equal(0x81f16f39);
  });
});

describe('DigitKeyTable (digit-key-table.ts)', () => {
  const cases: { name: string; keys: number[]; absent: number[] }[] = [
    { name: 'the empty prefix and one digit', keys: [1, 10, 11, 19], absent: [2, 9, 12, 100, 2 ** 31] },
    { name: 'keys across the Smi and 2^32 boundaries', keys: [2 ** 31 - 1, 2 ** 31, HIGH - 1, HIGH, HIGH + 1], absent: [2 ** 31 + 1, HIGH + 2, 2 * HIGH] },
    { name: 'keys near 2^50 (fourteen digits)', keys: [keyOf('00000000000000'), keyOf('99999999999999'), keyOf('44207946000000'), 2 ** 50 - 1, 2 ** 50], absent: [keyOf('99999999999998'), 2 ** 50 + 1, 2 ** 50 - 2] },
    { name: 'keys near 2^53', keys: [2 ** 53 - 1, 2 ** 53 - 2, 2 ** 52], absent: [2 ** 53 - 3, 2 ** 52 + 1] },
    // Same low 32 bits: only the high part tells them apart.
    { name: 'keys with the same low 32 bits', keys: Array.from({ length: 40 }, (_, m) => 12345 + m * 7919 * HIGH), absent: [12345 + 40 * 7919 * HIGH, 12345 + HIGH, 12346] },
    { name: 'keys one decimal digit apart', keys: Array.from({ length: 10 }, (_, d) => keyOf('4420794' + d)), absent: [keyOf('4420794'), keyOf('44207940') * 10] },
  ];
  for (const { name, keys, absent } of cases) {
    it(`holds ${name}, and none other`, () => {
      const table = new DigitKeyTable();
      const held = new Map<number, number>();
      keys.forEach((key, id) => {
        table.set(key, id);
        held.set(key, id);
        expectHolds(table, held);
      });
      for (const key of absent) expect(table.get(key), `absent ${key}`).to.equal(-1);
    });
  }

  it('starts empty: every key absent, a small table', () => {
    const table = new DigitKeyTable();
    expect(table.size).to.equal(0);
    expect(table.bytes).to.equal(16 * 16);
    for (const key of [1, 10, 2 ** 40, 2 ** 53 - 1]) expect(table.get(key)).to.equal(-1);
  });

  it('keeps id 0 apart from absence, and a second set of a key replaces its id', () => {
    const table = new DigitKeyTable();
    table.set(1, 0);
    expect(table.get(1)).to.equal(0);
    table.set(1, 7);
    table.set(1, 9);
    expect(table.get(1)).to.equal(9);
    expect(table.size).to.equal(1);
  });

  it('keeps every key through several doublings, the load at most 1/2 after each', () => {
    const random = seededRandom(3);
    const table = new DigitKeyTable();
    const held = new Map<number, number>();
    let doublings = 0;
    while (held.size < 20_000) {
      let digits = '';
      for (let n = Math.floor(random() * 15); n > 0; n--) digits += String(Math.floor(random() * 10));
      const key = keyOf(digits);
      if (held.has(key)) continue;
      const before = table.bytes;
      table.set(key, held.size);
      held.set(key, held.size);
      if (table.bytes !== before) {
        expect(table.bytes).to.equal(2 * before);
        doublings++;
        expectHolds(table, held);
      }
    }
    expect(doublings).to.be.at.least(10);
    expectHolds(table, held);
    // Absent: neighbours of held keys (kept apart from held ones).
    for (const key of [...held.keys()].slice(0, 2000)) {
      for (const other of [key + 1, key - 1, key * 10, key + HIGH]) {
        if (!held.has(other) && other > 0) expect(table.get(other), `absent ${other}`).to.equal(-1);
      }
    }
  });

  it('probes on past the last slot to the first, for keys of one slot and for a key absent from it', () => {
    // Keys that all hash to the last slot of the first table (16 slots).
    const last: number[] = [];
    for (let key = 1; last.length < 10; key++) if ((digitKeyHash(key) & 15) === 15) last.push(key);
    const table = new DigitKeyTable();
    const held = new Map<number, number>();
    for (const key of last.slice(0, 8)) {
      table.set(key, 100 + held.size);
      held.set(key, 100 + held.size);
    }
    expect(table.bytes, 'still the first table').to.equal(16 * 16);
    expectHolds(table, held);
    expect(table.get(last[8]!)).to.equal(-1);
    table.set(last[8]!, 5);
    held.set(last[8]!, 5);
    expect(table.bytes).to.equal(32 * 16);
    expectHolds(table, held);
    expect(table.get(last[9]!)).to.equal(-1);
  });

  it('spreads keys of one low-32-bit value and of one decimal run over the slots', () => {
    // Not a contract but the reason for mixing the high part in: a hash of
    // the low bits alone would put all of these on one slot.
    const sameLow = Array.from({ length: 1000 }, (_, m) => 99 + m * HIGH);
    const run = Array.from({ length: 1000 }, (_, n) => keyOf('4420' + String(n).padStart(6, '0')));
    for (const keys of [sameLow, run]) {
      const slots = new Set(keys.map((key) => digitKeyHash(key) & 2047));
      expect(slots.size).to.be.above(600);
    }
  });
});

/** The prefixes of a naive pool: every prefix of the CLD tried by text, longest first. */
class NaivePool {
  private readonly ids = new Map<string, number>();

  intern(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) this.ids.set(text, (id = this.ids.size));
    return id;
  }

  prefixIdsOf(cld: string): number[] {
    const ids: number[] = [];
    for (let length = cld.length; length >= 0; length--) {
      const id = this.ids.get(cld.slice(0, length));
      if (id !== undefined) ids.push(id);
    }
    return ids;
  }
}

describe('PrefixPool against a naive pool (interned.ts)', () => {
  const PHONE = '\u{1F4DE}';
  const scenarios: { name: string; prefix: (random: () => number) => string; tail: string[] }[] = [
    {
      name: 'digit prefixes of up to 14 digits (all number keys)',
      prefix: (random) => digits(random, Math.floor(random() * 15)),
      tail: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '+', 'a'],
    },
    {
      name: 'digit prefixes of up to 16 digits (past the number keys)',
      prefix: (random) => digits(random, Math.floor(random() * 17)),
      tail: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '+', 'a'],
    },
    {
      name: 'few digits, many shared prefixes',
      prefix: (random) => word(random, ['1', '2'], 6),
      tail: ['1', '2', '3', '#'],
    },
    {
      name: 'digit prefixes and others: +, letters, a surrogate pair, the empty prefix',
      prefix: (random) => random() < 0.7 ? digits(random, Math.floor(random() * 16)) : word(random, ['1', '2', '+', 'x', PHONE, ' '], 6),
      tail: ['1', '2', '9', '+', 'x', PHONE, PHONE[0]!, PHONE[1]!, ' '],
    },
  ];
  for (const { name, prefix, tail } of scenarios) {
    it(`answers as the naive pool: ${name}`, () => {
      const random = seededRandom(name.length);
      const pool = new PrefixPool();
      const naive = new NaivePool();
      const texts: string[] = [];
      for (let round = 0; round < 6; round++) {
        // A few thousand prefixes in all, asked after each round: at
        // several sizes of the table, and once digit pools took another.
        for (let n = 0; n < 700; n++) {
          const text = round === 5 && n === 0 ? '+1' : prefix(random);
          texts.push(text);
          expect(pool.intern(text), JSON.stringify(text)).to.equal(naive.intern(text));
        }
        for (let q = 0; q < 1500; q++) {
          const start = random() < 0.8 ? texts[Math.floor(random() * texts.length)]! : '';
          const cld = start + word(random, tail, 16);
          const expected = naive.prefixIdsOf(cld);
          expect(pool.prefixIdsOf(cld), JSON.stringify(cld)).to.deep.equal(expected);
          expect(pool.longestIdOf(cld), JSON.stringify(cld)).to.equal(expected[0] ?? -1);
        }
      }
      for (const cld of ['', '+', PHONE, '1'.repeat(40), '0'.repeat(15)]) {
        const expected = naive.prefixIdsOf(cld);
        expect(pool.prefixIdsOf(cld), JSON.stringify(cld)).to.deep.equal(expected);
        expect(pool.longestIdOf(cld), JSON.stringify(cld)).to.equal(expected[0] ?? -1);
      }
    });
  }

  it('answers -1 and no prefixes when none starts the CLD, the empty prefix absent', () => {
    const pool = new PrefixPool();
    for (const text of ['44', '4420', '12345678901234']) pool.intern(text);
    for (const cld of ['', '4', '9', '45', '+44', '1234567890123']) {
      expect(pool.longestIdOf(cld), cld).to.equal(-1);
      expect(pool.prefixIdsOf(cld), cld).to.deep.equal([]);
    }
    expect(pool.longestIdOf('44209')).to.equal(1);
    expect(pool.prefixIdsOf('123456789012349')).to.deep.equal([2]);
  });
});

function digits(random: () => number, length: number): string {
  let text = '';
  for (let n = 0; n < length; n++) text += String(Math.floor(random() * 10));
  return text;
}

function word(random: () => number, alphabet: readonly string[], max: number): string {
  let text = '';
  for (let n = Math.floor(random() * (max + 1)); n > 0; n--) text += alphabet[Math.floor(random() * alphabet.length)]!;
  return text;
}

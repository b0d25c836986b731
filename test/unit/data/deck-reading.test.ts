import { expect } from 'chai';
import { formatAmount, numberText, parseAmount, storedAmount } from '../../../src/data/deck-amount.js';
import { HeaderFinder, HEADER_SEARCH_ROWS, parseColumnsOption, type ColumnMap, type TopRow } from '../../../src/data/deck-columns.js';
import { deckRow, parseDeckTime, parsePrefix, type Cell } from '../../../src/data/deck-values.js';

// The pure steps of reading a deck (rates.md, "Reading a deck"), as tables.

describe('deck amounts: exact, never rounded', () => {
  const cases: [string, boolean, number | string][] = [
    ['0.1175', false, 117_500],
    ['0,1175', false, 117_500],
    ['.5', false, 500_000],
    ['12', false, 12_000_000],
    [' 0.000001 ', false, 1],
    ['0.11750000', false, 117_500],
    ['007.5', false, 7_500_000],
    ['999999999.999999', false, 999_999_999_999_999],
    ['1.234,5', true, 1_234_500_000],
    ['0,5', true, 500_000],
    ['12.345.678,1', true, 12_345_678_100_000],
    ['0.1234567', false, 'more than 6 decimal places'],
    ['0,1234567', false, 'more than 6 decimal places'],
    ['1,234.5', false, 'both a comma and a point'],
    ['0.5', true, 'not an amount with a decimal comma'],
    ['-0.1', false, 'not an amount'],
    ['$0.10', false, 'not an amount'],
    ['1e-3', false, 'not an amount'],
    ['.', false, 'not an amount'],
    ['1000000000', false, 'too large'],
    ['', false, 'is empty'],
  ];
  for (const [text, comma, expected] of cases) {
    it(`${JSON.stringify(text)}${comma ? ' with --decimal-comma' : ''} -> ${typeof expected === 'number' ? expected : `error (${expected})`}`, () => {
      const parsed = parseAmount(text, comma);
      if (typeof expected === 'number') expect(parsed).to.deep.equal({ ok: true, value: expected });
      else expect(parsed.ok ? 'parsed' : parsed.problem).to.include(expected);
    });
  }

  it('formats micro-units as the database does, and reads its text back', () => {
    expect(formatAmount(117_500)).to.equal('0.117500');
    expect(formatAmount(999_999_999_999_999)).to.equal('999999999.999999');
    expect(storedAmount('0.117500')).to.equal(117_500);
    expect(storedAmount('-1.500000')).to.equal(-1_500_000);
    expect(storedAmount('9999999999.999999')).to.be.NaN;
  });

  it('writes a spreadsheet number as it was typed, exponents written out', () => {
    expect(numberText(0.1175)).to.equal('0.1175');
    expect(numberText(1.5e-7)).to.equal('0.00000015');
    expect(numberText(1e21)).to.equal('1000000000000000000000');
    expect(numberText(4420)).to.equal('4420');
    expect(numberText(0.1 + 0.2)).to.equal('0.30000000000000004');
  });
});

describe('deck header: title lines, aliases, --columns', () => {
  function walk(rows: string[][], overrides = {}): TopRow[] {
    const finder = new HeaderFinder(overrides);
    const out: TopRow[] = [];
    for (const row of rows) {
      const top = finder.next(row);
      out.push(top);
      if (top.kind !== 'title') break;
    }
    return out;
  }
  const columnsOf = (top: TopRow | undefined): ColumnMap | undefined => (top !== undefined && (top.kind === 'header' || top.kind === 'data') ? top.columns : undefined);

  it('skips title lines until a row names a prefix column; finds the fields by alias, case and spacing aside', () => {
    const tops = walk([['Carrier A rate deck'], ['Valid from 2026-02-01', ''], [], ['Dial_Code', 'Destination', 'Rate/Min', 'Effective Date', 'Billing', 'Blocked']]);
    expect(tops.map((t) => t.kind)).to.deep.equal(['title', 'title', 'title', 'header']);
    expect(columnsOf(tops[3])).to.deep.equal({ prefix: 0, description: 1, price_1: 2, effective: 3, increment: 4, forbidden: 5 });
  });

  it('knows every alias of the spec', () => {
    for (const [prefix, rate] of [['prefix', 'rate'], ['code', 'price'], ['dial code', 'price_1'], ['dialcode', 'rate/min'], ['destination code', 'RATE']]) {
      expect(columnsOf(walk([[prefix!, rate!]])[0]), `${prefix} ${rate}`).to.deep.equal({ prefix: 0, price_1: 1 });
    }
    expect(columnsOf(walk([['Code', 'Name', 'Price_1', 'Price_N', 'Interval_1', 'Interval_N', 'Valid From', 'Forbidden']])[0])).to.deep.equal({
      prefix: 0, description: 1, price_1: 2, price_n: 3, interval_1: 4, interval_n: 5, effective: 6, forbidden: 7,
    });
  });

  it('--columns names or positions override the aliases; positions without a header skip title lines until a prefix', () => {
    const named = parseColumnsOption('prefix=Indicatif,rate=Prix EUR,description=2');
    expect(named).to.deep.equal({ ok: true, value: { prefix: 'indicatif', price_1: 'prix eur', description: 2 } });
    const tops = walk([['Tarifs'], ['Indicatif', 'Zone', 'Prix EUR']], named.ok ? named.value : {});
    expect(columnsOf(tops[1])).to.deep.equal({ prefix: 0, description: 1, price_1: 2 });
    const positional = parseColumnsOption('prefix=1, rate=3');
    const headerless = walk([['Price list 2026'], ['', ''], ['+44 20', 'London', '0.02']], positional.ok ? positional.value : {});
    expect(headerless.map((t) => t.kind)).to.deep.equal(['title', 'title', 'data']);
    expect(columnsOf(headerless[2])).to.deep.equal({ prefix: 0, price_1: 2 });
    // A header among the title lines still names the other fields.
    expect(columnsOf(walk([['Indicatif', 'Destination', 'Prix'], ['33', 'France', '0.01']], positional.ok ? positional.value : {})[1])).to.deep.equal({ prefix: 0, description: 1, price_1: 2 });
  });

  it('refuses what cannot be decided, saying what to give', () => {
    expect(parseColumnsOption('prefix=0')).to.deep.include({ ok: false });
    expect(parseColumnsOption('price=3')).to.deep.include({ ok: false });
    expect(parseColumnsOption('prefix=1,prefix=2')).to.deep.include({ ok: false });
    expect(walk([['prefix', 'destination']])[0]).to.deep.include({ kind: 'error' });
    expect(walk([['prefix', 'rate', 'price']])[0]).to.deep.equal({ kind: 'error', column: 3, problem: 'columns 2 and 3 are both the rate; choose one with --columns rate=N' });
    expect(walk([['prefix', 'rate', 'increment', 'interval_1']])[0]).to.deep.include({ kind: 'error', column: 3 });
    const never = walk(Array.from({ length: HEADER_SEARCH_ROWS + 5 }, () => ['no', 'header']));
    expect(never).to.have.length(HEADER_SEARCH_ROWS);
    expect(never.at(-1)).to.deep.include({ kind: 'error', column: 1 });
  });
});

describe('deck values: one row, every cell checked', () => {
  const columns: ColumnMap = { prefix: 0, description: 1, price_1: 2, price_n: 3, increment: 4, effective: 5, forbidden: 6 };
  const options = { decimalComma: false, strip: ['00', '011'] };
  const row = (cells: Cell[]) => deckRow(7, cells, columns, options);

  it('reads a full row, and fills nothing it was not given', () => {
    expect(row([' +44 20 ', ' London ', '0,0200', '0.01', '30/6', '2026-02-01', 'no'])).to.deep.equal({
      kind: 'row',
      row: { line: 7, prefix: '4420', description: 'London', price1: 20_000, priceN: 10_000, interval1: 30, intervalN: 6, effective: Date.UTC(2026, 1, 1), forbidden: false },
    });
    expect(row(['0044', '', '1', '', '', '', ''])).to.deep.equal({
      kind: 'row', row: { line: 7, prefix: '44', description: null, price1: 1_000_000, priceN: null, interval1: null, intervalN: null, effective: null, forbidden: false },
    });
    expect(row(['1', null, null, null, '60', null, 'blocked'])).to.deep.include({ kind: 'row' });
    expect(row(['', ' ', null, '', '', '', ''])).to.deep.equal({ kind: 'empty' });
  });

  it('reads spreadsheet cells: numbers, dates', () => {
    expect(row([4420, 'London', 0.02, null, null, new Date(Date.UTC(2026, 1, 1)), true])).to.deep.equal({
      kind: 'row', row: { line: 7, prefix: '4420', description: 'London', price1: 20_000, priceN: null, interval1: null, intervalN: null, effective: Date.UTC(2026, 1, 1), forbidden: true },
    });
    expect(row([1e20, '', 0.1, null, null, null, null])).to.deep.include({ kind: 'errors' });
  });

  it('reports every bad cell of the row with its column', () => {
    expect(row(['44-20', 'x'.repeat(256), '0.1234567', 'abc', '0/60', '31.02.2026', 'maybe'])).to.deep.equal({
      kind: 'errors',
      errors: [
        { line: 7, column: 1, problem: 'prefix: "44-20" is not digits (spaces and + are removed, leading digits with --strip)' },
        { line: 7, column: 2, problem: 'description: longer than 255 characters' },
        { line: 7, column: 3, problem: 'rate: "0.1234567" has more than 6 decimal places; it would have to be rounded' },
        { line: 7, column: 4, problem: 'price_n: "abc" is not an amount (digits with one decimal point or comma; no sign, no currency)' },
        { line: 7, column: 5, problem: 'increment: "0/60" is not FIRST/NEXT seconds (1/1, 60/60, 30/6), each from 1 to 3600' },
        { line: 7, column: 6, problem: 'effective date: "31.02.2026" is not a real date and time' },
        { line: 7, column: 7, problem: 'forbidden: "maybe" is neither yes (1, y, yes, true, x) nor no (0, n, no, false, empty)' },
      ],
    });
    expect(row(['', 'London', '0.1', '', '', '', ''])).to.deep.equal({ kind: 'errors', errors: [{ line: 7, column: 1, problem: 'prefix: missing' }] });
    expect(row(['44', 'UK', '', '', '', '', ''])).to.deep.equal({ kind: 'errors', errors: [{ line: 7, column: 3, problem: 'rate: missing (only a forbidden row may have none)' }] });
  });

  it('strips the longest --strip that starts a prefix, once; refuses a prefix that is nothing but that', () => {
    expect(parsePrefix('011 44', ['0', '011'])).to.deep.equal({ ok: true, value: '44' });
    expect(parsePrefix('0044', ['00'])).to.deep.equal({ ok: true, value: '44' });
    expect(parsePrefix('00', ['00'])).to.deep.include({ ok: false });
    expect(parsePrefix('1'.repeat(33), [])).to.deep.include({ ok: false });
  });

  it('reads dates as decks write them, UTC unless an offset says otherwise', () => {
    const ok: [string, number][] = [
      ['2026-02-01', Date.UTC(2026, 1, 1)],
      ['2026-02-01 12:30', Date.UTC(2026, 1, 1, 12, 30)],
      ['2026-02-01T12:30:15Z', Date.UTC(2026, 1, 1, 12, 30, 15)],
      ['2026-02-01T12:30:15+01:00', Date.UTC(2026, 1, 1, 11, 30, 15)],
      ['2026-02-01 00:00:00 -0530', Date.UTC(2026, 1, 1, 5, 30)],
      ['1.2.2026', Date.UTC(2026, 1, 1)],
      ['01.02.2026 08:00:00', Date.UTC(2026, 1, 1, 8)],
    ];
    for (const [text, ms] of ok) expect(parseDeckTime(text), text).to.deep.equal({ ok: true, value: ms });
    for (const text of ['02/01/2026', '2026-13-01', '2026-02-30', '1969-12-31', '2026-02-01 24:00', 'tomorrow', '2026-02-01T12:00:00.5Z']) {
      expect(parseDeckTime(text).ok, text).to.equal(false);
    }
  });
});

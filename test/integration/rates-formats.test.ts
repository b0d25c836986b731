// What decks look like in the wild, read into a real MariaDB (rates.md,
// "Reading a deck"): XLSX with title lines, windows-1252 text, decimal
// commas, separators and quoting, --columns and --strip; and the way back:
// export at T then import at T changes nothing; a prefix's history.

import { expect } from 'chai';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { readFileSync } from 'node:fs';
import { useFreshDatabase } from '../harness/database.js';
import { RoutingFixture } from '../harness/routing-fixture.js';
import { DeckFiles, jsonOf, rates, setLines } from '../harness/rate-decks.js';

const E = '2030-01-01';

describe('rates import: decks as carriers send them', function () {
  const database = useFreshDatabase();
  const files = new DeckFiles();
  before(async () => {
    await new RoutingFixture(database().db, 1).environmentRow();
  });
  after(() => files.remove());

  it('XLSX: title lines above the header, numbers, a date cell, a second sheet chosen with --sheet', async () => {
    const { db, dsn } = database();
    const workbook = new ExcelJS.Workbook();
    const cover = workbook.addWorksheet('Cover');
    cover.addRow(['Carrier A - international A-Z']);
    const sheet = workbook.addWorksheet('Rates');
    sheet.addRow(['Carrier A price list']);
    sheet.addRow(['Valid from', new Date(Date.UTC(2030, 0, 1))]);
    sheet.addRow([]);
    sheet.addRow(['Destination', 'Dial Code', 'Rate/Min', 'Billing', 'Effective Date']);
    sheet.addRow(['United Kingdom', 44, 0.1175, '60/60', new Date(Date.UTC(2030, 0, 1))]);
    sheet.addRow(['United Kingdom - London', '4420', { formula: '0.02*1', result: 0.02 }, '1/1', new Date(Date.UTC(2030, 1, 1, 12))]);
    sheet.getCell('E5').numFmt = 'yyyy-mm-dd';
    sheet.getCell('E6').numFmt = 'yyyy-mm-dd hh:mm';
    const path = files.write(Buffer.from(await workbook.xlsx.writeBuffer()), 'xlsx');

    const result = await rates(dsn, 'import', path, '--set', 'xlsx', '--sheet', 'Rates', '--json');
    expect(result.code, result.stderr).to.equal(0);
    // The empty row is no row at all in the sheet's XML: two title lines.
    expect(jsonOf(result)).to.deep.include({ format: 'xlsx', titleLines: 2, rows: 2 });
    expect(await setLines(db, 'xlsx')).to.deep.equal([
      '44 0.117500 60/60 2030-01-01.. United Kingdom',
      '4420 0.020000 1/1 2030-02-01.. United Kingdom - London',
    ]);
    // The first sheet has no header: said with the sheet's row, nothing written.
    const first = await rates(dsn, 'import', path, '--set', 'xlsx');
    expect(first.code).to.equal(2);
    expect(first.stderr).to.include(`${path}:1:1: no header row in the 1 rows of the deck`);
    const none = await rates(dsn, 'import', path, '--set', 'xlsx', '--sheet', 'Prices');
    expect(none.code).to.equal(2);
    expect(none.stderr).to.include('no sheet named "Prices"; the workbook has "Cover", "Rates" [RATES_DECK_UNREADABLE]');
  });

  it('XLSX: a bad cell is reported at its spreadsheet row and column', async () => {
    const { dsn } = database();
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Deck');
    sheet.addRow(['Code', 'Rate']);
    sheet.addRow([44, 0.1]);
    sheet.addRow([33, 0.1234567]);
    sheet.addRow([12345678901234567890, 0.1]);
    const result = await rates(dsn, 'import', files.write(Buffer.from(await workbook.xlsx.writeBuffer()), 'xlsx'), '--set', 'xlsx bad');
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/:3:2: rate: "0\.1234567" has more than 6 decimal places/);
    expect(result.stderr).to.match(/:4:1: prefix: 12345678901234567000 is a number the spreadsheet cannot hold exactly/);
  });

  it('windows-1252 text: read as such when it is not UTF-8, with a note; --encoding for another', async () => {
    const { db, dsn } = database();
    const text = 'Code;Destination;Rate\r\n33;France - Île-de-France;0,05\r\n44;Royaume-Uni £;0,04\r\n';
    const result = await rates(dsn, 'import', files.write(iconv.encode(text, 'windows-1252')), '--set', 'cp1252', '--effective', E);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include('not valid UTF-8 (near byte');
    expect(result.stdout).to.include('read as windows-1252');
    expect(await setLines(db, 'cp1252')).to.deep.equal(['33 0.050000 1/1 2030-01-01.. France - Île-de-France', '44 0.040000 1/1 2030-01-01.. Royaume-Uni £']);
    const latin2 = await rates(dsn, 'import', files.write(iconv.encode('code;name;rate\n48;Łódź;0,03\n', 'iso-8859-2')), '--set', 'latin2', '--encoding', 'iso-8859-2', '--effective', E);
    expect(latin2.code, latin2.stderr).to.equal(0);
    expect(await setLines(db, 'latin2')).to.deep.equal(['48 0.030000 1/1 2030-01-01.. Łódź']);
    // UTF-8 with a BOM and UTF-16 (Excel's "Unicode text") need no option.
    const bom = await rates(dsn, 'import', files.write(`\ufeffprefix,name,rate\n49,Köln,0.02\n`), '--set', 'bom', '--effective', E);
    expect(bom.code, bom.stderr).to.equal(0);
    const utf16 = await rates(dsn, 'import', files.write(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('prefix\tname\trate\r\n49\tMünchen\t0,02\r\n', 'utf16le')])), '--set', 'utf16', '--effective', E);
    expect(utf16.code, utf16.stderr).to.equal(0);
    expect([...(await setLines(db, 'bom')), ...(await setLines(db, 'utf16'))]).to.deep.equal(['49 0.020000 1/1 2030-01-01.. Köln', '49 0.020000 1/1 2030-01-01.. München']);
  });

  it('decimal commas: detected in each cell, and 1.234,5 with --decimal-comma', async () => {
    const { db, dsn } = database();
    const detected = await rates(dsn, 'import', files.write('"DESTINATION","PREFIX","RATE"\n"Afghanistan","93","0,1175"\n"Albania","355","0.2"\n'), '--set', 'commas', '--effective', E);
    expect(detected.code, detected.stderr).to.equal(0);
    expect(await setLines(db, 'commas')).to.deep.equal(['355 0.200000 1/1 2030-01-01.. Albania', '93 0.117500 1/1 2030-01-01.. Afghanistan']);
    const forced = await rates(dsn, 'import', files.write('prefix;rate;price_n\n882;1.234,5;0,5\n'), '--set', 'forced', '--decimal-comma', '--effective', E);
    expect(forced.code, forced.stderr).to.equal(0);
    expect(await setLines(db, 'forced')).to.deep.equal(['882 1234.500000/0.500000 1/1 2030-01-01..']);
  });

  it('RFC 4180: quoted separators, quotes and line breaks, CRLF; lines counted across them for errors', async () => {
    const { db, dsn } = database();
    const ok = await rates(dsn, 'import', files.write('prefix,name,rate\r\n1,"Dallas, ""TX""\r\nmetro",0.01\r\n2,Two,0.02\r\n'), '--set', 'quoted', '--effective', E);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(await setLines(db, 'quoted')).to.deep.equal(['1 0.010000 1/1 2030-01-01.. Dallas, "TX"\nmetro', '2 0.020000 1/1 2030-01-01.. Two']);
    const bad = files.write('prefix,name,rate\r\n1,"multi\r\nline\r\nname",0.01\r\n2,Two,x\r\n');
    const result = await rates(dsn, 'import', bad, '--set', 'quoted');
    expect(result.stderr).to.include(`${bad}:5:3: rate: "x" is not an amount`);
  });

  it('--columns by position for a deck without a header; --strip for dialling prefixes', async () => {
    const { db, dsn } = database();
    const result = await rates(dsn, 'import', files.write('Tarifs 2030\n+33 1;Paris;0.01\n0033 6;Mobile;0.05\n011 1 212;New York;0.02\n'), '--set', 'positions',
      '--columns', 'prefix=1,description=2,rate=3', '--strip', '00,011', '--effective', E, '--json');
    expect(result.code, result.stderr).to.equal(0);
    expect(jsonOf(result)).to.deep.include({ titleLines: 1, rows: 3 });
    expect(await setLines(db, 'positions')).to.deep.equal(['1212 0.020000 1/1 2030-01-01.. New York', '331 0.010000 1/1 2030-01-01.. Paris', '336 0.050000 1/1 2030-01-01.. Mobile']);
    const named = await rates(dsn, 'import', files.write('Indicatif;Zone;Prix EUR;Prix HT\n33;France;0,01;0,02\n'), '--set', 'named', '--columns', 'prefix=Indicatif,rate=Prix HT,description=Zone', '--effective', E);
    expect(named.code, named.stderr).to.equal(0);
    expect(await setLines(db, 'named')).to.deep.equal(['33 0.020000 1/1 2030-01-01.. France']);
  });
});

describe('rates export and history', function () {
  const database = useFreshDatabase();
  const files = new DeckFiles();
  let set: number;
  before(async () => {
    const fixture = new RoutingFixture(database().db, 1);
    await fixture.environmentRow();
    set = await fixture.destinationSet({ name: 'A-World' });
    await fixture.route(set, { prefix: '44', price_1: '0.020000', description: 'United Kingdom' });
    await fixture.route(set, { prefix: '44', price_1: '0.030000', activation_date: '2025-01-01 00:00:00', description: 'United Kingdom' });
    await fixture.route(set, { prefix: '4420', price_1: '0.010000', price_n: '0.005000', interval_1: 30, interval_n: 6, description: 'London, "City"' });
    await fixture.route(set, { prefix: '4490', price_1: '1.500000', forbidden: true, description: 'Premium' });
    await fixture.route(set, { prefix: '33', price_1: '0.050000', activation_date: '2010-01-01 00:00:00', expiration_date: '2020-01-01 00:00:00' });
    await fixture.route(set, { prefix: '33', price_1: '0.040000' });
    await fixture.route(set, { prefix: '', price_1: '0.250000', interval_1: 60, interval_n: 60 });
  });
  after(() => files.remove());

  it('exports the rows routing takes at --at, one per prefix, as the deck import reads; the catch-all is left out, said so', async () => {
    const { dsn } = database();
    const result = await rates(dsn, 'export', '--set', 'A-World', '--at', '2026-06-01');
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal([
      'prefix,description,price_1,price_n,interval_1,interval_n,effective,forbidden',
      '33,,0.040000,0.040000,1,1,1970-01-01 00:00:00,0',
      '44,United Kingdom,0.030000,0.030000,1,1,2025-01-01 00:00:00,0',
      '4420,"London, ""City""",0.010000,0.005000,30,6,1970-01-01 00:00:00,0',
      '4490,Premium,1.500000,1.500000,1,1,1970-01-01 00:00:00,1',
      '',
    ].join('\r\n'));
    expect(result.stderr).to.include('1 rows with a prefix that is not digits (the catch-all) left out');
    const earlier = await rates(dsn, 'export', '--set', 'A-World', '--at', '2015-06-01');
    expect(earlier.stdout.split('\r\n').slice(1, 3)).to.deep.equal(['33,,0.050000,0.050000,1,1,2010-01-01 00:00:00,0', '44,United Kingdom,0.020000,0.020000,1,1,1970-01-01 00:00:00,0']);
  });

  it('round trip: export at T, import at T as a full deck: 0 changes, nothing written', async () => {
    const { db, dsn } = database();
    const path = `${files.dir}/export.csv`;
    const exported = await rates(dsn, 'export', '--set', 'A-World', '--at', '2026-06-01', '--output', path);
    expect(exported.code, exported.stderr).to.equal(0);
    expect(exported.stderr).to.include(`4 rows to ${path}`);
    const before = await setLines(db, 'A-World');
    // The catch-all is in the set and not in the file: a partial import keeps it (a full one would expire it).
    const result = await rates(dsn, 'import', path, '--set', 'A-World', '--effective', '2026-06-01', '--mode', 'partial', '--json');
    expect(result.code, result.stderr).to.equal(0);
    expect(jsonOf(result).diff.counts).to.deep.equal({ new: 0, increased: 0, decreased: 0, unchanged: 4, removed: 0, forbidden: 0, replaced: 0 });
    const full = await rates(dsn, 'import', path, '--set', 'A-World', '--effective', '2026-06-01', '--dry-run', '--json');
    expect(jsonOf(full).diff.counts).to.deep.include({ unchanged: 4, removed: 1, new: 0, increased: 0, decreased: 0 });
    expect(await setLines(db, 'A-World')).to.deep.equal(before);
    expect(readFileSync(path, 'utf8')).to.match(/^prefix,description,/);
  });

  it('history: a prefix\'s rows oldest first, with when routing took each', async () => {
    const { dsn } = database();
    const result = await rates(dsn, 'history', '--set', 'A-World', '--prefix', '33', '--json');
    expect(result.code, result.stderr).to.equal(0);
    const rows = jsonOf(result).rows as { price1: string; activation: string; inForce: { from: string; until: string | null }[]; now: boolean }[];
    expect(rows.map((r) => [r.price1, r.activation, r.inForce, r.now])).to.deep.equal([
      ['0.040000', '1970-01-01 00:00:00', [{ from: '1970-01-01 00:00:00', until: '2010-01-01 00:00:00' }, { from: '2020-01-01 00:00:00', until: null }], true],
      ['0.050000', '2010-01-01 00:00:00', [{ from: '2010-01-01 00:00:00', until: '2020-01-01 00:00:00' }], false],
    ]);
    const people = await rates(dsn, 'history', '--set', 'A-World', '--prefix', '33');
    expect(people.stdout).to.include('1970-01-01 00:00:00 .. 2010-01-01 00:00:00; 2020-01-01 00:00:00 ..  (now)');
    const missing = await rates(dsn, 'history', '--set', 'A-World', '--prefix', '999');
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.include('has no rows of prefix "999" [RATES_NOT_FOUND]');
    const noSet = await rates(dsn, 'export', '--set', 'B');
    expect(noSet.stderr).to.include('no destination set named "B" in environment 1 [RATES_NOT_FOUND]');
  });
});

// `sippy_routed rates import` against a real MariaDB (rates.md): every row
// of the table "What a deck means" for full and partial decks, importing
// twice, the diff's counts and warnings, and every kind of error, with its
// line and column and nothing written.

import { expect } from 'chai';
import mysql from 'mysql2/promise';
import { useFreshDatabase } from '../harness/database.js';
import { RoutingFixture, type RouteSpec } from '../harness/routing-fixture.js';
import { DeckFiles, journalHead, jsonOf, rates, setLines } from '../harness/rate-decks.js';
import { importDeck } from '../../src/data/index.js';
import { setLockName } from '../../src/data/rate-sql.js';
import { parseDsn } from '../../src/db/dsn.js';
import { isSippyError } from '../../src/errors.js';

const E = '2030-01-01';
const HEADER = 'prefix,description,rate,forbidden\n';

interface TableCase {
  readonly title: string;
  readonly before: readonly RouteSpec[];
  /** Deck lines below HEADER. */
  readonly deck: string;
  readonly full: readonly string[];
  /** When partial differs from full. */
  readonly partial?: readonly string[];
  readonly counts: Record<string, number>;
}

// rates.md's table, row by row. Rows before the import are dated 1970.
const TABLE: readonly TableCase[] = [
  {
    title: 'prefix not in the set: a new row from E',
    before: [],
    deck: '44,United Kingdom,0.02,\n',
    full: ['44 0.020000 1/1 2030-01-01.. United Kingdom'],
    counts: { new: 1 },
  },
  {
    title: 'same price and intervals as the row active at E: nothing written',
    before: [{ prefix: '44', price_1: '0.020000', description: 'UK' }],
    deck: '44,United Kingdom,0.0200,\n',
    full: ['44 0.020000 1/1 1970-01-01.. UK'],
    counts: { unchanged: 1 },
  },
  {
    title: 'another price: a new row from E, the row active before E stays (its intervals carry over)',
    before: [{ prefix: '44', price_1: '0.020000', interval_1: 60, interval_n: 60, description: 'UK' }],
    deck: '44,,0.03,\n',
    full: ['44 0.020000 60/60 1970-01-01.. UK', '44 0.030000 60/60 2030-01-01.. UK'],
    counts: { increased: 1 },
  },
  {
    title: 'rows dated at or after E: replaced by the deck (a corrected deck for the same date is not added twice)',
    before: [
      { prefix: '44', price_1: '0.020000' },
      { prefix: '44', price_1: '0.050000', activation_date: `${E} 00:00:00` },
      { prefix: '44', price_1: '0.060000', activation_date: '2030-02-01 00:00:00' },
    ],
    deck: '44,,0.03,\n',
    full: ['44 0.020000 1/1 1970-01-01..', '44 0.030000 1/1 2030-01-01..'],
    // A call at E paid 0.05 under the earlier deck for that date.
    counts: { decreased: 1, replaced: 2 },
  },
  {
    title: 'prefix in the set but not in the deck: its active rows expire at E (full), untouched (partial)',
    before: [{ prefix: '44', price_1: '0.020000' }, { prefix: '33', price_1: '0.010000', description: 'France' }],
    deck: '44,,0.02,\n',
    full: ['33 0.010000 1/1 1970-01-01..2030-01-01 France', '44 0.020000 1/1 1970-01-01..'],
    partial: ['33 0.010000 1/1 1970-01-01.. France', '44 0.020000 1/1 1970-01-01..'],
    counts: { unchanged: 1, removed: 1 },
  },
  {
    title: 'deck row marked forbidden: a new row with forbidden = 1 from E',
    before: [{ prefix: '4490', price_1: '1.500000' }],
    deck: '4490,UK premium,,yes\n',
    full: ['4490 1.500000 1/1 1970-01-01..', '4490 0.000000 1/1 2030-01-01.. forbidden UK premium'],
    counts: { forbidden: 1 },
  },
];

describe('rates import: what a deck means (rates.md table), on MariaDB', function () {
  const database = useFreshDatabase();
  const files = new DeckFiles();
  let fixture: RoutingFixture;
  before(async () => {
    fixture = new RoutingFixture(database().db, 1);
    await fixture.environmentRow();
  });
  after(() => files.remove());

  let n = 0;
  for (const mode of ['full', 'partial'] as const) {
    for (const row of TABLE) {
      it(`${mode}: ${row.title}`, async () => {
        const { db, dsn } = database();
        const name = `table ${++n}`;
        const set = await fixture.destinationSet({ name });
        for (const route of row.before) await fixture.route(set, route);
        const deck = files.write(HEADER + row.deck);
        const result = await rates(dsn, 'import', deck, '--set', name, '--mode', mode, '--effective', E, '--json');
        expect(result.code, result.stderr).to.equal(0);
        const counts = { new: 0, increased: 0, decreased: 0, unchanged: 0, removed: 0, forbidden: 0, replaced: 0, ...row.counts };
        if (mode === 'partial') counts.removed = 0;
        expect(jsonOf(result).diff.counts).to.deep.equal(counts);
        expect(await setLines(db, name)).to.deep.equal(mode === 'partial' && row.partial !== undefined ? row.partial : row.full);
        // The same deck again writes nothing: not a row, not a journal entry.
        const head = await journalHead(db);
        const again = await rates(dsn, 'import', deck, '--set', name, '--mode', mode, '--effective', E, '--json');
        expect(again.code, again.stderr).to.equal(0);
        const { unchanged, ...changed } = jsonOf(again).diff.counts as Record<string, number>;
        expect(changed).to.deep.equal({ new: 0, increased: 0, decreased: 0, removed: 0, forbidden: 0, replaced: 0 });
        expect(unchanged).to.be.greaterThan(0);
        expect(await journalHead(db)).to.equal(head);
      });
    }
  }

  it('creates the set when it is missing, in --currency; prints the diff, then what it wrote', async () => {
    const { db, dsn } = database();
    const result = await rates(dsn, 'import', files.write(HEADER + '49,Germany,0.015,\n491,Germany mobile,0.1,\n'), '--set', 'new set', '--currency', 'EUR', '--effective', E);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include('set "new set" in environment 1 (EUR; created): full deck, effective 2030-01-01 00:00:00 UTC');
    expect(result.stdout).to.match(/^ {2}new +2 {2}\(prefixes that had no rate\)$/m);
    expect(result.stdout).to.include('written in one transaction: 2 rows added, 0 rows expired, 0 rows deleted');
    const [set] = await db.select("SELECT currency FROM destination_sets WHERE name = 'new set'");
    expect(set!.currency).to.equal('EUR');
    // Rates are in the set's currency: another is refused, nothing written.
    const other = await rates(dsn, 'import', files.write(HEADER + '49,Germany,0.02,\n'), '--set', 'new set', '--currency', 'USD');
    expect(other.code).to.equal(2);
    expect(other.stderr).to.match(/is in EUR, not USD.*\[RATES_CURRENCY_MISMATCH\]/);
    expect(await setLines(db, 'new set')).to.have.length(2);
  });

  it('--dry-run prints the diff and writes nothing, not even a new set', async () => {
    const { db, dsn } = database();
    const head = await journalHead(db);
    const result = await rates(dsn, 'import', files.write(HEADER + '1,US,0.01,\n'), '--set', 'dry', '--dry-run');
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include('(USD; new: an import creates it)');
    expect(result.stdout).to.include('dry run: nothing written (the import would have: 1 row added, 0 rows expired, 0 rows deleted)');
    expect(await db.select("SELECT * FROM destination_sets WHERE name = 'dry'")).to.deep.equal([]);
    expect(await journalHead(db)).to.equal(head);
  });

  it('counts every kind in one diff, with the largest increases and decreases', async () => {
    const { dsn } = database();
    const set = await fixture.destinationSet({ name: 'counts' });
    const before: [string, string][] = [['1', '0.010000'], ['2', '0.010000'], ['3', '0.010000'], ['4', '0.010000'], ['5', '0.010000'], ['6', '0.010000'], ['7', '0.010000']];
    for (const [prefix, price] of before) await fixture.route(set, { prefix, price_1: price });
    // 1 up, 2 down, 3 same, 4 absent (removed), 5 forbidden, 6 up 10x, 7 down; 8 and 9 new.
    const deck = files.write(HEADER + '1,,0.02,\n2,,0.005,\n3,,0.01,\n5,,,yes\n6,,0.1,\n7,,0.001,\n8,,0.3,\n9,,0.4,\n');
    const result = await rates(dsn, 'import', deck, '--set', 'counts', '--effective', E, '--dry-run', '--json');
    expect(result.code, result.stderr).to.equal(0);
    const diff = jsonOf(result).diff;
    expect(diff.counts).to.deep.equal({ new: 2, increased: 2, decreased: 2, unchanged: 1, removed: 1, forbidden: 1, replaced: 0 });
    expect(diff.increases.map((c: { prefix: string; ratio: number }) => [c.prefix, c.ratio])).to.deep.equal([['6', 10], ['1', 2]]);
    expect(diff.decreases.map((c: { prefix: string; ratio: number }) => [c.prefix, c.ratio])).to.deep.equal([['7', 0.1], ['2', 0.5]]);
    const people = await rates(dsn, 'import', deck, '--set', 'counts', '--effective', E, '--dry-run');
    expect(people.stdout).to.match(/largest increases:\n +prefix +description +old +new +ratio +effective\n.*\n +6 +- +0\.010000 1\/1 +0\.100000 1\/1 +10\.00 +2030-01-01 00:00:00\n/);
  });

  it('warns: an increase within --notice days, a price of 0, a change over 10x, a repeated row (by line)', async () => {
    const { dsn } = database();
    const set = await fixture.destinationSet({ name: 'warnings' });
    for (const prefix of ['1', '2', '3']) await fixture.route(set, { prefix, price_1: '0.010000' });
    const soon = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const deck = files.write(`${HEADER}1,,0.011,\n2,,0.2,\n3,,0.01,\n4,,0,\n5,,0.3,\n5,,0.3,\n`);
    const result = await rates(dsn, 'import', deck, '--set', 'warnings', '--effective', soon, '--notice', '5', '--mode', 'partial', '--json');
    expect(result.code, result.stderr).to.equal(0);
    const warnings = jsonOf(result).diff.warnings as Record<string, { count: number; examples: { line: number; message: string }[] }>;
    expect(Object.fromEntries(Object.entries(warnings).map(([kind, w]) => [kind, w.examples.map((e) => e.line)]))).to.deep.equal({
      notice: [2, 3], zero: [5], jump: [3], duplicate: [7],
    });
    expect(warnings.jump!.examples[0]!.message).to.equal('prefix 2 changes 20.00x: 0.010000 -> 0.200000');
    const people = await rates(dsn, 'import', deck, '--set', 'warnings', '--effective', soon, '--mode', 'partial', '--dry-run');
    expect(people.stdout).to.include('warning: 1 repeated rows (same prefix, date and rate; kept once)');
    expect(people.stdout).to.include(`${deck}:7: prefix 5 repeats line 6 with the same rate and date (kept once)`);
  });
});

/** A fresh database with environment 1 and set S holding `routes` (1970 rows), and deck files, for the suite. */
function setS(...routes: RouteSpec[]): { database: ReturnType<typeof useFreshDatabase>; files: DeckFiles } {
  const database = useFreshDatabase();
  const files = new DeckFiles();
  before(async () => {
    const fixture = new RoutingFixture(database().db, 1);
    await fixture.environmentRow();
    const set = await fixture.destinationSet({ name: 'S' });
    for (const route of routes) await fixture.route(set, route);
  });
  after(() => files.remove());
  return { database, files };
}

describe('rates import: a bad deck writes nothing (FILE:LINE:COLUMN, exit 2)', function () {
  const { database, files } = setS({ prefix: '44', price_1: '0.020000' });

  const ERRORS: readonly [string, string, string][] = [
    ['a prefix that is not digits', `${HEADER}44,,0.1,\n44-20,,0.2,\n`, ':3:1: prefix: "44-20" is not digits'],
    ['a rate with more than six decimal places', `${HEADER}44,,0.1234567,\n`, ':2:3: rate: "0.1234567" has more than 6 decimal places'],
    ['a missing rate', `${HEADER}44,UK,,\n`, ':2:3: rate: missing'],
    ['a bad forbidden flag', `${HEADER}44,UK,0.1,perhaps\n`, ':2:4: forbidden: "perhaps" is neither yes'],
    ['a bad date', 'prefix,rate,effective\n44,0.1,2030-02-30\n', ':2:3: effective date: "2030-02-30" is not a real date'],
    ['a bad increment', 'prefix,rate,billing\n44,0.1,60/0\n', ':2:3: increment: "60/0" is not FIRST/NEXT seconds'],
    ['a prefix given twice for one date with two rates', `${HEADER}44,,0.1,\n33,,0.1,\n44,,0.2,\n`, ':4:3: prefix 44 has another rate for the same date on line 2'],
    ['a quote never closed', `${HEADER}44,"UK,0.1,\n33,,0.1,\n`, ':2:2: a quote opened here is never closed'],
    ['no header naming a prefix', 'code name,price\n44,0.1\n', ':1:1: no header row in the 2 rows of the deck: none has a column named "prefix"'],
    ['no rate column', 'prefix,destination\n44,UK\n', ':1:1: no rate column'],
    ['a header and no rows', HEADER, ':1:1: the deck has a header but no rows of rates'],
  ];
  for (const [title, content, expected] of ERRORS) {
    it(title, async () => {
      const { db, dsn } = database();
      const before = [await setLines(db, 'S'), await journalHead(db)];
      const deck = files.write(content);
      const result = await rates(dsn, 'import', deck, '--set', 'S', '--effective', E);
      expect(result.code).to.equal(2);
      expect(result.stderr, result.stderr).to.include(`${deck}${expected}`);
      expect(result.stderr).to.match(/nothing was written \[RATES_DECK_INVALID\]\n$/);
      expect([await setLines(db, 'S'), await journalHead(db)]).to.deep.equal(before);
    });
  }

  it('lists the first 20 errors, then how many more, and reads on to count them all', async () => {
    const { dsn } = database();
    const bad = Array.from({ length: 30 }, (_, i) => `4${i},,x${i},\n`).join('');
    const deck = files.write(`${HEADER}${bad}`);
    const result = await rates(dsn, 'import', deck, '--set', 'S', '--json');
    expect(result.code).to.equal(2);
    expect(result.stderr.split('\n').filter((l) => l.startsWith(`${deck}:`))).to.have.length(20);
    expect(result.stderr).to.include(`${deck}:21:3: rate:`);
    expect(result.stderr).to.include('... and 10 more errors\n');
    expect(result.stderr).to.include('has 30 errors; nothing was written [RATES_DECK_INVALID]');
    expect(jsonOf(result).errors.count).to.equal(30);
  });

  it('refuses what it cannot read: no file, an .xls workbook (exit 2, RATES_DECK_UNREADABLE)', async () => {
    const { dsn } = database();
    const missing = await rates(dsn, 'import', `${files.dir}/nothing.csv`, '--set', 'S');
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/nothing\.csv: cannot be read \(ENOENT\) \[RATES_DECK_UNREADABLE\]/);
    const xls = await rates(dsn, 'import', files.write(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), 'xls'), '--set', 'S');
    expect(xls.code).to.equal(2);
    expect(xls.stderr).to.include('Excel 97-2003 (.xls) workbook is not read: save it as XLSX or CSV [RATES_DECK_UNREADABLE]');
  });

  it('checks its command line before touching the database', async () => {
    const result = await runNoDb('import', files.write(HEADER), '--set', 'S', '--mode', 'all');
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include('--mode must be full or partial');
    for (const [args, message] of [
      [['--columns', 'prefix=0'], 'positions count from 1'],
      [['--strip', '+00'], '--strip takes leading digits'],
      [['--currency', 'usd'], '--currency is three capital letters'],
      [['--effective', '01/02/2030'], '--effective: "01/02/2030" is not a date'],
      [['--at', '2030-01-01'], '--at does not apply'],
      [['--set', 'x'.repeat(129)], '--set is a destination set\'s name, at most 128 characters'],
    ] as const) {
      const bad = await runNoDb('import', files.write(HEADER), '--set', 'S', ...args);
      expect(bad.code, message).to.equal(2);
      expect(bad.stderr).to.include(message);
    }
  });
});

/** The command with a DSN that leads nowhere: a usage error must come first. */
function runNoDb(...args: string[]): ReturnType<typeof rates> {
  return rates('mysql://nobody@127.0.0.1:1/none', ...args);
}

describe('rates import: a database problem leaves the tables as they were (exit 1)', function () {
  const { database, files } = setS({ prefix: '44', price_1: '0.020000' }, { prefix: '33', price_1: '0.010000' });

  it('a write that fails half-way rolls the whole import back', async () => {
    const { db, dsn } = database();
    // A trigger that refuses one row, as a server would refuse a write (disk full, a constraint).
    await db.withConnection((conn) => conn.query(`CREATE TRIGGER test_refuse_999 BEFORE INSERT ON routes FOR EACH ROW
      BEGIN IF NEW.prefix = '999' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused'; END IF; END`));
    try {
      const before = [await setLines(db, 'S'), await journalHead(db)];
      const rows = Array.from({ length: 3000 }, (_, i) => `${100_000 + i},,0.01,\n`).join('');
      const result = await rates(dsn, 'import', files.write(`${HEADER}44,,0.03,\n${rows}999,,0.5,\n`), '--set', 'S', '--effective', E);
      expect(result.code, result.stdout).to.equal(1);
      expect(result.stderr).to.match(/\[DB_QUERY_FAILED\]\n$/);
      expect([await setLines(db, 'S'), await journalHead(db)]).to.deep.equal(before);
    } finally {
      await db.withConnection((conn) => conn.query('DROP TRIGGER test_refuse_999'));
    }
  });

  it('an unknown database or environment exits before reading anything', async () => {
    const { dsn } = database();
    const url = new URL(dsn);
    url.pathname = '/no_such_database';
    const unknown = await rates(url.href, 'import', files.write(`${HEADER}44,,0.1,\n`), '--set', 'S');
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.include('[DB_UNKNOWN_DATABASE]');
    const env = await rates(dsn, 'import', files.write(`${HEADER}44,,0.1,\n`), '--set', 'S', '--env', '7');
    expect(env.code).to.equal(2);
    expect(env.stderr).to.include('no environment 7 in the database (it has 1) [RATES_NOT_FOUND]');
  });

  it('waits for another import of the same set, and gives up after the wait (RATES_SET_BUSY, nothing written)', async () => {
    const { db } = database();
    const dsn = parseDsn(database().dsn);
    const holder = await mysql.createConnection({ socketPath: dsn.socketPath!, user: dsn.user, database: dsn.database });
    try {
      await holder.query('SELECT GET_LOCK(?, 10)', [setLockName(1, 'S')]);
      const before = await setLines(db, 'S');
      const options = {
        file: files.write(`${HEADER}44,,0.09,\n`), set: 'S', environment: 1, mode: 'full' as const, effective: undefined, noticeDays: 7, overrides: {},
        decimalComma: false, encoding: undefined, sheet: undefined, strip: [], currency: undefined, dryRun: false, now: Date.now(), load: 'auto' as const, lockWaitSeconds: 1,
      };
      const failure = await importDeck(db, options).then(() => undefined, (err: unknown) => err);
      expect(isSippyError(failure, 'RATES_SET_BUSY'), String(failure)).to.equal(true);
      expect(await setLines(db, 'S')).to.deep.equal(before);
      // Another set is not held up; a dry run waits for no lock.
      expect((await importDeck(db, { ...options, dryRun: true })).diff?.counts.increased).to.equal(1);
      await holder.query('SELECT RELEASE_LOCK(?)', [setLockName(1, 'S')]);
      expect((await importDeck(db, options)).applied).to.equal(true);
    } finally {
      await holder.end();
    }
  });
});

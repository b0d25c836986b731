import { expect } from 'chai';
import { rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseDsn } from '../../src/db/dsn.js';
import { Database, DEFAULT_POOL_LIMITS, type PoolLimits } from '../../src/db/pool.js';
import { DatabaseRegistry } from '../../src/db/registry.js';
import { createLogger } from '../../src/log.js';
import { DatabaseEnvironments } from '../../src/supervisor/environments.js';
import { useFreshDatabase } from '../harness/database.js';
import { makeTempDir, type TempDir } from '../harness/rpc.js';

// The supervisor's two uses of the database of its own: the environments
// table (DatabaseEnvironments) and the pools shared by listeners
// (DatabaseRegistry).

interface LogLine {
  readonly level: string;
  readonly [field: string]: unknown;
}

function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: () => LogLine[]; text: () => string } {
  const raw: string[] = [];
  const logger = createLogger({ level: 'debug', format: 'json', stream: { write: (text: string) => raw.push(text) } });
  const text = (): string => raw.join('');
  const lines = (): LogLine[] => text().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as LogLine);
  return { logger, lines, text };
}

const FAST: PoolLimits = { ...DEFAULT_POOL_LIMITS, connectTimeoutMs: 2000, queryTimeoutMs: 2000 };

describe('supervisor: DatabaseEnvironments', function () {
  this.timeout(30_000);
  const database = useFreshDatabase();
  let dir: TempDir;
  const opened: DatabaseEnvironments[] = [];

  before(async () => {
    for (const [id, name] of [[5, 'five'], [1, 'one'], [3, 'three']] as const) {
      await database().db.modify('INSERT INTO environments (i_environment, name) VALUES (?, ?)', [id, name]);
    }
  });

  beforeEach(() => {
    dir = makeTempDir('sr-envs-');
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((e) => e.close()));
    dir.remove();
  });

  function source(dsn: string, logger = capturingLogger().logger): DatabaseEnvironments {
    const environments = new DatabaseEnvironments(new Database(parseDsn(dsn), FAST), logger);
    opened.push(environments);
    return environments;
  }

  /** The test database's DSN, reached through `link` (a path that may not exist yet). */
  function dsnThrough(link: string): string {
    return database().dsn.replace(/\?socket=.*$/, `?socket=${link}`);
  }

  it('reads the table in environment order, whatever the current list', async () => {
    const environments = source(database().dsn);
    expect(await environments.list([])).to.deep.equal([1, 3, 5]);
    expect(await environments.list([7, 8])).to.deep.equal([1, 3, 5]);
    expect(await environments.listOrThrow()).to.deep.equal([1, 3, 5]);
    expect(environments.dynamic).to.equal(true);
  });

  it('an unreachable database keeps the current list, warns once, and logs the recovery once', async () => {
    const link = join(dir.path, 'mysql.sock');
    const log = capturingLogger();
    const environments = source(dsnThrough(link), log.logger);

    expect(await environments.list([1, 2])).to.deep.equal([1, 2]);
    expect(await environments.list([1, 2])).to.deep.equal([1, 2]);
    expect(await environments.list([2])).to.deep.equal([2]);
    expect(log.lines().map((l) => l.level)).to.deep.equal(['warn']);
    expect(JSON.stringify(log.lines()[0])).to.include('keeping the current one').and.to.include('1,2');

    // The server comes back at the DSN's socket path.
    symlinkSync(parseDsn(database().dsn).socketPath!, link);
    expect(await environments.list([2])).to.deep.equal([1, 3, 5]);
    expect(await environments.list([1, 3, 5])).to.deep.equal([1, 3, 5]);
    expect(log.lines().map((l) => l.level)).to.deep.equal(['warn', 'info']);
    expect(JSON.stringify(log.lines()[1])).to.include('readable again');

    // A second outage is warned about again, once.
    rmSync(link);
    await environments.close();
    const again = source(dsnThrough(link), log.logger);
    expect(await again.list([1, 3, 5])).to.deep.equal([1, 3, 5]);
    expect(await again.list([1, 3, 5])).to.deep.equal([1, 3, 5]);
    expect(log.lines().map((l) => l.level)).to.deep.equal(['warn', 'info', 'warn']);
  });

  it('listOrThrow (used at start) throws the catalogued database error', async () => {
    const environments = source(dsnThrough(join(dir.path, 'absent.sock')));
    const failure = await environments.listOrThrow().then(() => undefined, (err: unknown) => err);
    expect((failure as { code?: string }).code).to.match(/^DB_/);
  });

  it('never logs the DSN password', async () => {
    const log = capturingLogger();
    const dsn = `mysql://root:hunter2secret@localhost/x?socket=${join(dir.path, 'absent.sock')}`;
    const environments = source(dsn, log.logger);
    expect(await environments.list([4])).to.deep.equal([4]);
    expect(log.lines().map((l) => l.level)).to.deep.equal(['warn']);
    expect(log.text()).to.not.include('hunter2secret');
  });
});

describe('supervisor: DatabaseRegistry', function () {
  this.timeout(30_000);
  const database = useFreshDatabase({ migrate: false });
  let registry: DatabaseRegistry;

  beforeEach(() => {
    registry = new DatabaseRegistry();
  });

  afterEach(async () => {
    await registry.closeAll();
  });

  const closedError = (db: Database) => db.ping().then(() => undefined, (err: unknown) => err);

  it('the same DSN and limits share one pool; other limits or another DSN get their own', async () => {
    const a = registry.acquire(database().dsn, FAST);
    const b = registry.acquire(database().dsn, { ...FAST });
    expect(b).to.equal(a);
    expect(registry.size).to.equal(1);
    const c = registry.acquire(database().dsn, { ...FAST, connectionLimit: FAST.connectionLimit + 1 });
    expect(c).to.not.equal(a);
    const e = registry.acquire(`${database().dsn.replace(/\/[^/?]+\?/, '/other_db?')}`, FAST);
    expect(e).to.not.equal(a);
    expect(registry.size).to.equal(3);
    await a.ping();
    await c.ping();
  });

  it('release closes a pool only when its last user lets go; a later acquire opens a new one', async () => {
    const first = registry.acquire(database().dsn, FAST);
    registry.acquire(database().dsn, FAST);
    await registry.release(first);
    expect(registry.size).to.equal(1);
    await first.ping();
    await registry.release(first);
    expect(registry.size).to.equal(0);
    expect(await closedError(first), 'the pool is closed').to.not.equal(undefined);
    const next = registry.acquire(database().dsn, FAST);
    expect(next).to.not.equal(first);
    await next.ping();
  });

  it('releasing a pool it does not know, or one already closed, is a no-op', async () => {
    const kept = registry.acquire(database().dsn, FAST);
    const stranger = new Database(parseDsn(database().dsn), FAST);
    try {
      await registry.release(stranger);
      expect(registry.size).to.equal(1);
      await stranger.ping();
    } finally {
      await stranger.close();
    }
    const gone = registry.acquire(database().dsn, { ...FAST, connectionLimit: 2 });
    await registry.release(gone);
    await registry.release(gone);
    expect(registry.size).to.equal(1);
    await kept.ping();
  });

  it('closeAll closes every pool and is idempotent', async () => {
    const a = registry.acquire(database().dsn, FAST);
    const b = registry.acquire(database().dsn, { ...FAST, connectionLimit: 2 });
    await a.ping();
    await registry.closeAll();
    expect(registry.size).to.equal(0);
    expect(await closedError(a)).to.not.equal(undefined);
    expect(await closedError(b)).to.not.equal(undefined);
    await registry.closeAll();
    await registry.release(a);
    expect(registry.size).to.equal(0);
  });
});

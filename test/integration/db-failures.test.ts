import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { runCli } from '../harness/cli.js';
import { PrivateServer } from '../../src/db/private-server.js';
import { parseDsn } from '../../src/db/dsn.js';

const PASSWORD = 'Sup3r-s3cret-pw';
const MAIN = new URL('../../src/main.js', import.meta.url).pathname;

// Each failure ends with one clear line on stderr, the documented exit
// status, and never the password.
function expectOneClearLine(result: { code: number; stdout: string; stderr: string }, code: number, pattern: RegExp): void {
  expect(result.code, result.stderr).to.equal(code);
  expect(result.stdout).to.equal('');
  expect(result.stderr.trimEnd().split('\n')).to.have.length(1);
  expect(result.stderr).to.match(pattern);
  expect(result.stdout + result.stderr).not.to.include(PASSWORD);
}

describe('database failures on the command line', function () {
  let scratch: string;
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'sippy_routed-test-'));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('a malformed DSN: exit 2, names the problem', async () => {
    expectOneClearLine(await runCli(['db', 'migrate', '-d', `mysql://root:${PASSWORD}@/nodb`]), 2, /invalid database DSN: not a URL/);
    expectOneClearLine(await runCli(['db', 'migrate', '-d', `pgsql://root:${PASSWORD}@h/db`]), 2, /scheme must be mysql:/);
  });

  it('no DSN at all: exit 2, says how to give one', async () => {
    expectOneClearLine(await runCli(['db', 'migrate']), 2, /give -d DSN or set SIPPY_ROUTED_DB/);
  });

  it('server down (no socket): exit 1, unreachable', async () => {
    const dsn = `mysql://root:${PASSWORD}@localhost/x?socket=${scratch}/absent.sock`;
    expectOneClearLine(await runCli(['db', 'migrate', '-d', dsn]), 1, /database server unreachable at socket .*absent\.sock \(ENOENT\)/);
  });

  it('connection refused on TCP: exit 1, unreachable', async () => {
    // Port 1 on loopback: nothing listens there, the kernel refuses at once.
    expectOneClearLine(await runCli(['db', 'migrate', '-d', `mysql://root:${PASSWORD}@127.0.0.1:1/x`]), 1, /database server unreachable at 127\.0\.0\.1:1 \(ECONNREFUSED\)/);
  });

  it('unknown command and options are usage errors', async () => {
    expectOneClearLine(await runCli(['db', 'frobnicate']), 2, /db: expected migrate or demo, got "frobnicate"/);
    expectOneClearLine(await runCli(['db', 'migrate', '--bogus']), 2, /Unknown option '--bogus'/);
    expectOneClearLine(await runCli(['nosuch']), 2, /unknown command "nosuch"/);
  });

  describe('wrong password (a server that checks passwords)', function () {
    let server: PrivateServer | undefined;
    let dsnFor: (password: string) => string;

    before(async function () {
      this.timeout(60_000);
      const external = process.env.MYSQL_URL;
      const user = `sr_user_${process.pid}`;
      let admin: mysql.Connection;
      if (external) {
        const dsn = parseDsn(`${external.replace(/\/?$/, '')}/mysql`);
        admin = await mysql.createConnection({ user: dsn.user, password: dsn.password, host: dsn.host, port: dsn.port ?? 3306, socketPath: dsn.socketPath });
        const url = new URL(external);
        dsnFor = (password) => `mysql://${user}:${password}@${url.host}/mysql`;
      } else {
        server = new PrivateServer({ grantTables: true });
        await server.start();
        admin = await mysql.createConnection({ socketPath: server.socketPath, user: 'root' });
        const socket = server.socketPath;
        dsnFor = (password) => `mysql://${user}:${password}@localhost/mysql?socket=${socket}`;
      }
      await admin.query('DROP USER IF EXISTS ?@?', [user, 'localhost']);
      await admin.query('CREATE USER ?@? IDENTIFIED BY ?', [user, 'localhost', 'the-right-one']);
      await admin.end();
    });
    after(async function () {
      this.timeout(60_000);
      await server?.destroy();
    });

    it('exit 1, access denied, and the password is nowhere in the output', async () => {
      expectOneClearLine(await runCli(['db', 'migrate', '-d', dsnFor(PASSWORD)]), 1, /database refused user "sr_user_\d+" at .*: access denied/);
    });

    it('the same through the real executable and SIPPY_ROUTED_DB', () => {
      const result = spawnSync(process.execPath, [MAIN, 'db', 'migrate'], {
        env: { PATH: process.env.PATH, SIPPY_ROUTED_DB: dsnFor(PASSWORD) },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expectOneClearLine({ code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }, 1, /access denied/);
    });
  });
});

// `sippy_routed -e N` in-process: dispatch, help, and every way it refuses to
// start (bad options, DSN, log file, socket), each with its exit status and
// one clear line per problem. Serving is tested on a child process
// (daemon.test.ts); nothing here gets as far as listening.

import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LISTENER_OPTIONS_HELP } from '../../src/econfig/index.js';
import { runCli } from '../harness/cli.js';
import { makeTempDir, type TempDir } from '../harness/rpc.js';

// Syntactically valid; no test here connects to it.
const DSN = 'mysql://routed:Sup3r-Secret-pw@127.0.0.1:1/routing';
const PASSWORD = 'Sup3r-Secret-pw';

describe('sippy_routed -e N (command line)', () => {
  let tmp: TempDir;
  beforeEach(() => (tmp = makeTempDir('sr-listener-cli-')));
  afterEach(() => tmp.remove());

  it('prints its help, listener options included, and is listed in the main help', async () => {
    const help = await runCli(['-e', '1', '--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.include('sippy_routed -e N [listener options]');
    expect(help.stdout).to.include(LISTENER_OPTIONS_HELP);
    expect(help.stdout).to.include('--log-file FILE');
    expect((await runCli(['-e', '-h'])).stdout).to.equal(help.stdout);
    expect((await runCli(['--help'])).stdout).to.include('sippy_routed -e N [listener options]');
  });

  it('is the form of any command line that starts with a listener option, in any order', async () => {
    for (const argv of [['-s', `unix:${tmp.path}/x.sock`, '-e', '1'], ['-e1'], ['--rundir', tmp.path, '-e', '1'], ['--max-batch=5', '-e', '1']]) {
      const result = await runCli(argv);
      expect(result, argv.join(' ')).to.deep.equal({ code: 2, stdout: '', stderr: 'sippy_routed: no database DSN: give -d DSN or set SIPPY_ROUTED_DB [DB_DSN_MISSING]\n' });
    }
    expect((await runCli(['--bogus'])).stderr).to.match(/unknown command "--bogus"/);
  });

  it('exits 2 with one line per problem, each naming its option', async () => {
    const result = await runCli(['-e', '1', '-a', '10.0.0.0/8', '--log-level', 'loud', '--socket-mode', '999', '-x', '--log-file', '', '--rundir', '']);
    expect(result.code).to.equal(2);
    expect(result.stderr.split('\n')).to.deep.equal([
      'sippy_routed: -a: applies to http: and https: sockets only (a unix socket is guarded by its file mode) [USAGE]',
      "sippy_routed: --socket-mode: expected an octal mode such as 0660, got '999' [USAGE]",
      'sippy_routed: unknown option -x [USAGE]',
      'sippy_routed: --rundir: expected a directory name [USAGE]',
      "sippy_routed: --log-level: expected one of error, warn, info, debug, got 'loud' [USAGE]",
      'sippy_routed: --log-file: expected a file name [USAGE]',
      'see sippy_routed -e N --help',
      '',
    ]);
    const missing = await runCli(['-s', 'unix:/tmp/x.sock', '--log-level', 'debug', '--log-level=info']);
    expect(missing.stderr).to.equal('sippy_routed: -e N is required [USAGE]\nsippy_routed: --log-level given twice [USAGE]\nsee sippy_routed -e N --help\n');
  });

  it('names SIPPY_ROUTED_DB when it does not parse, and never prints a password', async () => {
    const fromEnv = await runCli(['-e', '1'], { SIPPY_ROUTED_DB: `mysql://u:${PASSWORD}@db/x?ssl=1` });
    expect(fromEnv.code).to.equal(2);
    expect(fromEnv.stderr).to.match(/^sippy_routed: SIPPY_ROUTED_DB: invalid database DSN: unknown parameter "ssl"/);
    const fromOption = await runCli(['-e', '1', '-d', `mysql://u:${PASSWORD}@db`]);
    expect(fromOption.code).to.equal(2);
    expect(fromOption.stderr).to.match(/^sippy_routed: -d: invalid database DSN/);
    expect(fromEnv.stderr + fromOption.stderr).not.to.include(PASSWORD);
  });

  it('exits 1 with one line when the log file cannot be opened, before binding', async () => {
    const socket = join(tmp.path, 'x.sock');
    const result = await runCli(['-e', '1', '-s', `unix:${socket}`, '-d', DSN, '--log-file', join(tmp.path, 'missing', 'log')]);
    expect(result).to.deep.equal({ code: 1, stdout: '', stderr: `sippy_routed: --log-file: cannot open "${join(tmp.path, 'missing', 'log')}" for appending (ENOENT) [LOG_FILE_UNWRITABLE]\n` });
    expect(existsSync(socket)).to.equal(false);
  });

  it('exits 1 with one line when the socket cannot be bound, and says so in its log file', async () => {
    const socket = join(tmp.path, 'missing', 'x.sock');
    const logFile = join(tmp.path, 'daemon.log');
    const result = await runCli(['-e', '1', '-s', `unix:${socket}`, '-d', DSN, '--log-file', logFile]);
    expect(result).to.deep.equal({ code: 1, stdout: '', stderr: `sippy_routed: cannot listen on unix:${socket}: the directory does not exist. [SOCKET_BIND_FAILED]\n` });
    const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ level: 'error', msg: 'listener did not start', environment: 1, error: `cannot listen on unix:${socket}: the directory does not exist.` });
  });
});

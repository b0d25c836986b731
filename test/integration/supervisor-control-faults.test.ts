// What `status` and `reload` show an operator when things are not plain
// (issue 12, items 14 and 15): an http: listener nobody may use, econfig
// error messages carrying terminal escape sequences, a control socket the
// caller may not open, and one that closes the connection unanswered. A
// real supervisor process and real CLI processes; the listener needs no
// database (`--data-source sql` connects only for a getRoutes).

import { expect } from 'chai';
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../harness/cli.js';
import { DaemonProcess, type RunAs } from '../harness/daemon.js';
import { freePorts, runCliProcess, sha256, Supervisor } from '../harness/supervisor-process.js';

const NOBODY: RunAs = { uid: 65534, gid: 65534 };
const runAsRoot = process.getuid?.() === 0;
const UNUSED_DSN = 'mysql://unused@localhost/unused?socket=/nonexistent';

describe('supervisor: status and reload when things are not plain', function () {
  this.timeout(60_000);
  let dir: string;
  let count = 0;
  const started: Supervisor[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sr-control-faults-'));
    chmodSync(dir, 0o755);
  });

  after(async () => {
    await Promise.all(started.map((s) => s.kill()));
    await DaemonProcess.killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(text: string): Promise<{ supervisor: Supervisor; file: string }> {
    const run = join(dir, `run${++count}`);
    mkdirSync(run);
    chmodSync(run, 0o755);
    const file = join(run, 'econfig');
    writeFileSync(file, text);
    const supervisor = new Supervisor({ econfig: file, rundir: run, pidfile: join(run, 'pid'), dsn: UNUSED_DSN, environments: [1] });
    started.push(supervisor);
    await supervisor.waitServing();
    return { supervisor, file };
  }

  it('an http: listener without -a: the reload log warns, status shows "nobody" as its allow-list', async () => {
    const [port] = await freePorts(1);
    const { supervisor, file } = await start(`command_args="/opt/sippy_routed -e %%I_ENVIRONMENT%% --data-source sql -s http://127.0.0.1:${port}"\n`);
    const message = `${file}:1:75: environment 1: warning: http://127.0.0.1:${port}/ has no -a: it refuses every client (default deny); add -a with the addresses of its clients`;
    // The log line may reach this process after the status that shows the reload done.
    await supervisor.waitLogged(message);
    const warnings = supervisor.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: string; msg: string; trigger?: string })
      // The database probe's warnings (this supervisor's DSN is unreachable on purpose) have no trigger.
      .filter((line) => line.level === 'warn' && line.trigger !== undefined)
      .map(({ msg, trigger }) => ({ msg, trigger }));
    expect(warnings, 'one warning, from the first reload').to.deep.equal([{ msg: message, trigger: 'start' }]);
    const status = await runCliProcess(['status', '--control', supervisor.control]);
    expect(status.code, status.stderr).to.equal(0);
    const row = status.stdout.split('\n').find((line) => line.startsWith('1 '));
    expect(row, status.stdout).to.match(new RegExp(`^1 +http://127\\.0\\.0\\.1:${port}/ +nobody +`));
  });

  it('status and reload print the control characters of an econfig error escaped', async () => {
    const { supervisor, file } = await start('enable="NO"\n');
    const hostile = 'command_args="/opt/sippy_routed -e %%I_ENVIRONMENT%% -s x\x1b]0:owned\x07\x1b[2J\u202e"\n';
    writeFileSync(`${file}.new`, hostile);
    renameSync(`${file}.new`, file);
    await supervisor.waitStatus((s) => s.last_reload?.hash === sha256(hostile), 10_000, 'the hostile file read');
    const expected = "got 'x\\x1b]0:owned\\x07\\x1b[2J\\u{202e}'";
    const status = await runCliProcess(['status', '--control', supervisor.control]);
    expect(status.code, `the hostile file did not apply: ${status.stderr}`).to.equal(3);
    expect(status.stdout).to.include(expected);
    const reload = await runCliProcess(['reload', '--control', supervisor.control]);
    expect(reload.code, reload.stderr).to.equal(1);
    expect(reload.stdout).to.include(expected);
    for (const out of [status.stdout, reload.stdout]) expect(out).to.not.match(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
    // --json keeps the message as it is, JSON-escaped.
    const json = await runCliProcess(['status', '--json', '--control', supervisor.control]);
    expect((JSON.parse(json.stdout) as { last_reload: { messages: string[] } }).last_reload.messages[0]).to.include("got 'x\x1b]0:owned\x07\x1b[2J\u202e'");
  });

  it('a control socket the caller may not open is reported as permission denied, not as no supervisor', async () => {
    const { supervisor } = await start('enable="NO"\n');
    // Root opens any socket: as root the CLI runs as nobody; otherwise the socket's own mode is taken away.
    if (!runAsRoot) chmodSync(supervisor.control, 0o000);
    const status = await runCliProcess(['status', '--control', supervisor.control], 20_000, runAsRoot ? NOBODY : undefined);
    expect(status.code).to.equal(1);
    expect(status.stderr).to.include(`status: permission denied on the control socket ${supervisor.control} (EACCES): it is mode 0600, so run this as the supervisor's user`);
    expect(status.stderr).to.not.include('no supervisor answers');
  });

  describe('a control socket that closes every connection unanswered', () => {
    let server: Server;
    let path: string;

    before(async () => {
      path = join(dir, 'closing.sock');
      server = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.listen(path, resolve));
    });

    after(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    for (const command of ['status', 'reload']) {
      it(`${command} says the connection was closed (EPIPE or ECONNRESET, as the race falls), not that nobody answers`, async () => {
        const result = await runCli([command, '--control', path]);
        expect(result.code).to.equal(1);
        expect(result.stderr).to.match(new RegExp(`${command}: the process on ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} closed the connection before answering \\((EPIPE|ECONNRESET)\\): the supervisor may be stopping, or that socket is not a supervisor's`));
      });
    }
  });
});

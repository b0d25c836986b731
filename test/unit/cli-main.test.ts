import { expect } from 'chai';
import { runCli } from '../harness/cli.js';

describe('cli: the command table', () => {
  it('takes names of Object.prototype members for unknown commands (exit 2), not for commands', async () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      const result = await runCli([name]);
      expect(result, name).to.deep.equal({ code: 2, stdout: '', stderr: `sippy_routed: unknown command ${JSON.stringify(name)}; see sippy_routed --help [USAGE]\n` });
    }
  });
});

describe('cli: query arguments', () => {
  it('refuses a --timeout a timer cannot hold (Node would fire it at once) as a usage error', async () => {
    const argv = ['query', 'unix:/nonexistent/sippy_routed.sock', '--group', 'g', '--cld', '1'];
    for (const timeout of ['3000000000', '600001', '0', '1e3']) {
      const result = await runCli([...argv, '--timeout', timeout]);
      expect(result, timeout).to.deep.equal({ code: 2, stdout: '', stderr: `sippy_routed: query: --timeout must be an integer from 1 to 600000, got "${timeout}" [USAGE]\n` });
    }
  });
});

describe('cli: supervise timer options', () => {
  it('refuses an --env-poll or --drain a timer cannot hold, before anything starts', async () => {
    for (const [name, value, range] of [['--env-poll', '3000000', '1 to 86400'], ['--env-poll', '0', '1 to 86400'], ['--drain', '3000000000', '1 to 600000']] as const) {
      const result = await runCli(['supervise', '--environments', '1', '-f', '/nonexistent/econfig', '--rundir', '/nonexistent', name, value]);
      expect(result, `${name} ${value}`).to.deep.equal({ code: 2, stdout: '', stderr: `sippy_routed: supervise: ${name} must be an integer from ${range}, got "${value}" [USAGE]\n` });
    }
  });
});

describe('cli: query says what is wrong before any call', () => {
  // The socket does not exist: an exit of 2 (not 1, unreachable) shows no call was made.
  const socket = 'unix:/nonexistent/sippy_routed.sock';

  it('names each missing option', async () => {
    expect(await runCli(['query', socket, '--cld', '1'])).to.deep.equal({ code: 2, stdout: '', stderr: 'sippy_routed: query: missing --group NAME; see sippy_routed query --help [USAGE]\n' });
    expect(await runCli(['query', socket, '--group', 'g'])).to.deep.equal({ code: 2, stdout: '', stderr: 'sippy_routed: query: missing --cld CLD; see sippy_routed query --help [USAGE]\n' });
    expect(await runCli(['query', '--group', 'g'])).to.deep.equal({ code: 2, stdout: '', stderr: 'sippy_routed: query: missing URI, --cld CLD; see sippy_routed query --help [USAGE]\n' });
  });

  it('refuses a bad --time as a usage error (exit 2)', async () => {
    for (const time of ['tomorrow', '2026-02-30T12:00:00Z', '2026-01-31T12:00:00', '253402300800', '-5']) {
      const result = await runCli(['query', socket, '--group', 'g', '--cld', '1', `--time=${time}`]);
      expect(result.code, time).to.equal(2);
      expect(result.stderr, time).to.equal(
        `sippy_routed: query: --time must be ISO 8601 with a UTC offset (2026-01-31T12:00:00+01:00 or ...Z) or Unix seconds up to 253402300799, got ${JSON.stringify(time)} [USAGE]\n`,
      );
    }
  });

  it('a socket path where a URI belongs suggests the unix: URI with the absolute path', async () => {
    const relative = await runCli(['query', 'var/run/x.sock', '--group', 'g', '--cld', '1']);
    expect(relative).to.deep.equal({ code: 2, stdout: '', stderr: `sippy_routed: query: "var/run/x.sock" is not a URI; for a UNIX socket write unix:${process.cwd()}/var/run/x.sock [USAGE]\n` });
    const unixRelative = await runCli(['groups', 'unix:var/run/x.sock']);
    expect(unixRelative.stderr).to.equal(`sippy_routed: groups: "unix:var/run/x.sock": unix: needs an absolute path; from here that is unix:${process.cwd()}/var/run/x.sock [USAGE]\n`);
    expect((await runCli(['routes', 'localhost:8080', '--group', 'g'])).stderr).to.match(/is not a URI: expected unix:\/path, http:\/\/HOST:PORT\/PATH or https:\/\/HOST:PORT\/PATH \[USAGE\]\n$/);
  });

  it('a daemon that cannot be reached exits 1 with DAEMON_UNREACHABLE', async () => {
    const result = await runCli(['query', socket, '--group', 'g', '--cld', '1', '--time', '2026-01-31T12:00:00Z']);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/^sippy_routed: query: .*\/nonexistent\/sippy_routed\.sock.* \[DAEMON_UNREACHABLE\]\n$/);
  });
});

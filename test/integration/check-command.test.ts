import { expect } from 'chai';
import { Ajv } from 'ajv';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../harness/cli.js';
import { useFreshDatabase } from '../harness/database.js';

const SPEC_EXAMPLE = `# sippy_routed econfig. Evaluated once per environment.
command_args="/home/ssp/apps/sippy_routed/sippy_routed.\${extension} -e %%I_ENVIRONMENT%%"

case %%I_ENVIRONMENT%% in
3)
    # environment 3 also serves softswitch 192.0.2.10 over HTTP
    command_args="\${command_args} -s http://192.0.2.1:8088 -a 192.0.2.10"
    ;;
4|5)
    enable="NO"
    ;;
esac
`;

const INVALID = `command_args="/opt/sippy_routed.js -e %%I_ENVIRONMENT%%"
case %%I_ENVIRONMENT%% in
2) command_args="$command_args -x" ;;
4)
    enable=maybe ;;
esac
`;

const WITH_PASSWORD = `command_args="/opt/sippy_routed.js -e %%I_ENVIRONMENT%% -d mysql://routed:hunter2@127.0.0.1/r%%I_ENVIRONMENT%% --tls-key x"
`;

const schema = JSON.parse(readFileSync(new URL('../../../docs/check-output.schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(schema);

function parseValid(stdout: string): Record<string, any> {
  const document = JSON.parse(stdout) as Record<string, any>;
  expect(validate(document), JSON.stringify(validate.errors)).to.equal(true);
  return document;
}

describe('sippy_routed check', () => {
  let dir: string;
  let valid: string;
  let invalid: string;
  let secret: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sr-check-'));
    valid = join(dir, 'econfig');
    invalid = join(dir, 'bad-econfig');
    secret = join(dir, 'secret-econfig');
    writeFileSync(valid, SPEC_EXAMPLE);
    writeFileSync(invalid, INVALID);
    writeFileSync(secret, WITH_PASSWORD);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('with --environments', () => {
    it('with no database to read the groups from, says that external group URIs were not checked', async () => {
      const result = await runCli(['check', '-f', valid, '--environments', '1,3', '--json']);
      expect(result.code, result.stderr).to.equal(0);
      expect(parseValid(result.stdout).external_group_warnings).to.deep.equal(['external group URIs not checked: no database to read the groups from (give -d DSN or set SIPPY_ROUTED_DB)']);
    });

    it("etc/econfig.sample: environment 3's -s replaces its UNIX socket, and the comment says so (not \"also\")", async () => {
      const sample = new URL('../../../etc/econfig.sample', import.meta.url).pathname;
      const result = await runCli(['check', '-f', sample, '--environments', '1,3', '--rundir', '/var/run', '--json']);
      expect(result.code, result.stderr).to.equal(0);
      const document = parseValid(result.stdout);
      expect(document.environments.map((e: any) => e.listener.socket)).to.deep.equal(['unix:/var/run/sippy_routed.1.sock', 'http://127.0.0.1:8088/']);
      // The comment block of the `3)` case.
      const text = readFileSync(sample, 'utf8');
      const comment = text.slice(text.indexOf('\n3)'), text.indexOf('command_args="${command_args} -s')).replace(/\s*#\s*/g, ' ');
      expect(comment).to.match(/instead of its UNIX socket/);
      expect(comment).not.to.match(/\balso\b/);
    });

    it('prints the JSON contract of the spec for a valid file and exits 0', async () => {
      const result = await runCli(['check', '-f', valid, '--environments', '1,3,4', '--json']);
      expect(result.code, result.stderr).to.equal(0);
      const document = parseValid(result.stdout);
      expect(document.ok).to.equal(true);
      expect(document.file).to.equal(valid);
      expect(document.errors).to.deep.equal([]);
      expect(document.environments.map((e: any) => e.i_environment)).to.deep.equal([1, 3, 4]);
      const [one, three, four] = document.environments;
      expect(one).to.deep.include({ i_environment: 1, enabled: true, argv: ['/home/ssp/apps/sippy_routed/sippy_routed.js', '-e', '1'] });
      expect(one.listener).to.deep.include({ socket: 'unix:/var/run/sippy_routed.1.sock', allow: [] });
      expect(three.argv).to.deep.equal(['/home/ssp/apps/sippy_routed/sippy_routed.js', '-e', '3', '-s', 'http://192.0.2.1:8088', '-a', '192.0.2.10']);
      expect(three.listener).to.deep.include({ socket: 'http://192.0.2.1:8088/', allow: ['192.0.2.10/32'] });
      expect(four).to.deep.include({ i_environment: 4, enabled: false });
      expect(four).to.not.have.property('listener');
    });

    it('names every key of the document in snake_case, the limits included', async () => {
      const document = parseValid((await runCli(['check', '-f', valid, '--environments', '1,3', '--json'])).stdout);
      const keys: string[] = [];
      const walk = (value: unknown): void => {
        if (Array.isArray(value)) value.forEach(walk);
        else if (typeof value === 'object' && value !== null) for (const [key, inner] of Object.entries(value)) keys.push(key), walk(inner);
      };
      walk(document);
      expect(keys).to.include.members(['limits', 'body_limit_bytes', 'max_staleness_s', 'data_source']);
      expect(keys.filter((key) => !/^[a-z0-9]+(_[a-z0-9]+)*$/.test(key))).to.deep.equal([]);
    });

    it('reports every error with file, line, column and environment, and exits 2', async () => {
      const result = await runCli(['check', '-f', invalid, '--environments', '1,2,3,4', '--json']);
      expect(result.code).to.equal(2);
      const document = parseValid(result.stdout);
      expect(document.ok).to.equal(false);
      expect(document.errors).to.deep.equal([
        { file: invalid, line: 3, column: 32, i_environment: 2, message: 'unknown option -x' },
        { file: invalid, line: 5, column: 5, i_environment: 4, message: "enable: expected YES or NO, got 'maybe'" },
      ]);
      expect(document.environments[0].listener.socket).to.equal('unix:/var/run/sippy_routed.1.sock');
      expect(document.environments[1]).to.not.have.property('listener');
    });

    it('prints a readable report: argv and listener per environment, errors as file:line:column', async () => {
      const good = await runCli(['check', '-f', valid, '--environments', '3,4', '--rundir', '/run/sr']);
      expect(good.code).to.equal(0);
      expect(good.stdout).to.include('environment 3: enabled');
      expect(good.stdout).to.include('argv:     /home/ssp/apps/sippy_routed/sippy_routed.js -e 3 -s http://192.0.2.1:8088 -a 192.0.2.10');
      expect(good.stdout).to.include('socket:   http://192.0.2.1:8088/');
      expect(good.stdout).to.include('allow:    192.0.2.10/32');
      expect(good.stdout).to.include('environment 4: disabled');
      expect(good.stdout).to.match(/: OK\n$/);
      const bad = await runCli(['check', '-f', invalid, '--environments', '1,2', '--rundir', '/run/sr']);
      expect(bad.code).to.equal(2);
      expect(bad.stdout).to.include('socket:   unix:/run/sr/sippy_routed.1.sock (mode 0660)');
      expect(bad.stdout).to.include(`${invalid}:3:32: environment 2: unknown option -x`);
      expect(bad.stdout).to.include('1 error; the file would not be applied');
    });

    it('shows -d and --db-write, both redacted (text and JSON)', async () => {
      const file = join(dir, 'scale-out-econfig');
      writeFileSync(file, 'command_args="/opt/sippy_routed.js -e %%I_ENVIRONMENT%% -d mysql://routed:hunter2@replica1/r --db-write mysql://routed:s3cret@primary/r"\n');
      const text = await runCli(['check', '-f', file, '--environments', '1']);
      expect(text.code, text.stderr).to.equal(0);
      expect(text.stdout).to.include('  database: mysql://routed:***@replica1/r\n  writes:   mysql://routed:***@primary/r (--db-write)\n');
      const json = await runCli(['check', '-f', file, '--environments', '1', '--json']);
      expect(parseValid(json.stdout).environments[0].listener).to.include({ dsn: 'mysql://routed:***@replica1/r', db_write: 'mysql://routed:***@primary/r' });
      for (const out of [text, json]) expect(out.stdout + out.stderr).to.not.match(/hunter2|s3cret/);
      const plain = await runCli(['check', '-f', valid, '--environments', '1', '--json']);
      expect(parseValid(plain.stdout).environments[0].listener.db_write).to.equal(null);
    });

    it('never prints a DSN password', async () => {
      for (const json of [true, false]) {
        const result = await runCli(['check', '-f', secret, '--environments', '1', ...(json ? ['--json'] : [])]);
        expect(result.code).to.equal(2);
        expect(result.stdout + result.stderr).to.not.include('hunter2');
        expect(result.stdout).to.include('mysql://routed:***@127.0.0.1/r1');
      }
    });
  });

  describe('allow-lists that admit nobody', () => {
    it('refuses an IPv4-mapped -a address or prefix, naming the IPv4 form to write', async () => {
      const file = join(dir, 'mapped-econfig');
      writeFileSync(file, 'command_args="/opt/sippy_routed.js -e %%I_ENVIRONMENT%% -s http://[::1]:8088 -a ::1,::ffff:127.0.0.1 -a ::ffff:0:0/96"\n');
      const result = await runCli(['check', '-f', file, '--environments', '1', '--json']);
      expect(result.code).to.equal(2);
      const document = parseValid(result.stdout);
      expect(document.errors).to.deep.equal([
        { file, line: 1, column: 81, i_environment: 1, message: "-a: '::ffff:127.0.0.1' is an IPv4-mapped IPv6 address and never matches: IPv4 clients, on an IPv6 socket too, are matched as IPv4; write 127.0.0.1" },
        { file, line: 1, column: 105, i_environment: 1, message: "-a: '::ffff:0:0/96' is an IPv4-mapped IPv6 prefix and never matches: IPv4 clients, on an IPv6 socket too, are matched as IPv4; write 0.0.0.0/0" },
      ]);
    });

    it('warns, at the -s argument, about an http: or https: listener without -a (valid: exit 0)', async () => {
      const file = join(dir, 'no-allow-econfig');
      writeFileSync(file, [
        'command_args="/opt/sippy_routed.js -e %%I_ENVIRONMENT%%"',
        'if [ %%I_ENVIRONMENT%% -eq 2 ]; then',
        '    command_args="${command_args} -s http://127.0.0.1:8088"',
        'fi',
        '',
      ].join('\n'));
      const json = await runCli(['check', '-f', file, '--environments', '1,2', '--json']);
      expect(json.code, json.stdout).to.equal(0);
      const document = parseValid(json.stdout);
      expect(document.ok).to.equal(true);
      expect(document.warnings).to.deep.equal([
        { file, line: 3, column: 38, i_environment: 2, message: 'http://127.0.0.1:8088/ has no -a: it refuses every client (default deny); add -a with the addresses of its clients' },
      ]);
      const human = await runCli(['check', '-f', file, '--environments', '1,2']);
      expect(human.code).to.equal(0);
      expect(human.stdout).to.include('allow:    nobody (no -a)');
      expect(human.stdout).to.include(`  ${file}:3:38: environment 2: warning: http://127.0.0.1:8088/ has no -a: it refuses every client (default deny)`);
      expect(human.stdout).to.match(/: OK\n$/);
    });
  });

  it('refuses a FIFO at the -f path instead of waiting for a writer', async () => {
    const fifo = join(dir, 'fifo-econfig');
    execFileSync('mkfifo', [fifo]);
    const result = await runCli(['check', '-f', fifo, '--environments', '1']);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include(`check: cannot read econfig ${JSON.stringify(fifo)} (a FIFO, not a regular file; only regular files are read)`);
  });

  describe('with the environments table', () => {
    const database = useFreshDatabase();
    before(async () => {
      for (const [id, name] of [[4, 'four'], [1, 'one'], [3, 'three']] as const) {
        await database().db.modify('INSERT INTO environments (i_environment, name) VALUES (?, ?)', [id, name]);
      }
    });

    it('reads the environments in order from -d DSN', async () => {
      const result = await runCli(['check', '-f', valid, '-d', database().dsn, '--json']);
      expect(result.code, result.stderr).to.equal(0);
      const document = parseValid(result.stdout);
      expect(document.environments.map((e: any) => [e.i_environment, e.enabled])).to.deep.equal([[1, true], [3, true], [4, false]]);
    });

    it("warns (exit still 0) when an external group's local uri names a socket no listener of the file serves", async () => {
      // Environment 3 serves HTTP instead of its default UNIX socket; environment 1's group still points there.
      await database().db.modify("INSERT INTO routing_groups (i_environment, name, policy, external, uri) VALUES (1, 'via 3', 'lcr', 1, 'unix:/var/run/sippy_routed.3.sock')");
      await database().db.modify("INSERT INTO routing_groups (i_environment, name, policy, external, uri) VALUES (1, 'remote', 'lcr', 1, 'http://192.0.2.7:8088/')");
      await database().db.modify("INSERT INTO routing_groups (i_environment, name, policy, external, uri) VALUES (1, 'via 3 http', 'lcr', 1, 'http://192.0.2.1:8088/')");
      try {
        const json = await runCli(['check', '-f', valid, '-d', database().dsn, '--rundir', '/var/run', '--json']);
        expect(json.code, json.stderr).to.equal(0);
        expect(parseValid(json.stdout).external_group_warnings).to.deep.equal([
          'environment 1: external group "via 3" points at unix:/var/run/sippy_routed.3.sock, which no listener of this econfig serves: its calls will fail (-32011) until the group\'s uri or the econfig is changed',
        ]);
        const human = await runCli(['check', '-f', valid, '-d', database().dsn, '--rundir', '/var/run']);
        expect(human.code).to.equal(0);
        expect(human.stdout).to.include('\nwarning: environment 1: external group "via 3" points at unix:/var/run/sippy_routed.3.sock');
      } finally {
        await database().db.modify("DELETE FROM routing_groups WHERE i_environment = 1 AND name IN ('via 3', 'remote', 'via 3 http')");
      }
    });

    it('reads them from SIPPY_ROUTED_DB too, and exits 2 on an invalid file', async () => {
      const result = await runCli(['check', '-f', invalid, '--json'], { SIPPY_ROUTED_DB: database().dsn });
      expect(result.code).to.equal(2);
      const document = parseValid(result.stdout);
      expect(document.environments.map((e: any) => e.i_environment)).to.deep.equal([1, 3, 4]);
      expect(document.errors.map((e: any) => e.i_environment)).to.deep.equal([4]);
    });
  });

  describe('bad arguments (exit 2, message on stderr, nothing on stdout)', () => {
    const cases: [string, string[], Record<string, string>, RegExp][] = [
      ['an unknown option', ['--bogus'], {}, /check: Unknown option '--bogus'/],
      ['a bad environment list', ['--environments', '1,x'], {}, /--environments: expected ids like 1,2,3, got "x"/],
      ['an environment 0', ['--environments', '0'], {}, /--environments/],
      ['both --environments and -d', ['--environments', '1', '-d', 'mysql://u@localhost/db'], {}, /not both/],
      ['no environment source', [], {}, /no environment list/],
      ['a bad DSN', ['-d', 'postgres://u:hunter2@h/db'], {}, /invalid database DSN/],
      ['a missing file', ['-f', '/nonexistent/econfig', '--environments', '1'], {}, /cannot read econfig "\/nonexistent\/econfig" \(ENOENT\)/],
      ['a positional argument', ['extra'], {}, /check: Unexpected argument 'extra'/],
    ];
    for (const [what, argv, env, message] of cases) {
      it(`refuses ${what}`, async () => {
        const result = await runCli(['check', ...argv, '--json'], env);
        expect(result.code).to.equal(2);
        expect(result.stdout).to.equal('');
        expect(result.stderr).to.match(message);
        expect(result.stderr).to.not.include('hunter2');
      });
    }

    it('shows its help, and is listed in the main help', async () => {
      const help = await runCli(['check', '--help']);
      expect(help.code).to.equal(0);
      expect(help.stdout).to.include('/usr/local/etc/sippy_routed/econfig');
      expect((await runCli(['--help'])).stdout).to.include('sippy_routed check');
    });
  });
});

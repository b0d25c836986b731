import { expect } from 'chai';
import { Ajv } from 'ajv';
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

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusCases, loadCase } from '../harness/econfig-corpus.js';

// The real shell is the oracle: every corpus file that parses is sourced by
// /bin/sh (dash here) the way an rc system would, with the macro substituted,
// `extension` and `i_environment` preset and `set -u`; then
// `eval set -- $command_args` gives the argv we must equal. Files with
// rejected constructs never reach the shell. The shell runs with an empty
// environment in an empty directory (so no glob can match a file).
const SHELL = '/bin/sh';

interface ShellOutcome {
  readonly status: number | null;
  readonly enable: string | undefined;
  readonly argv: string[] | undefined;
  readonly stderr: string;
}

function runShell(dir: string, text: string, environment: number): ShellOutcome {
  const file = join(dir, 'econfig');
  writeFileSync(file, text.replaceAll('%%I_ENVIRONMENT%%', String(environment)));
  const script = [
    'set -u',
    'extension=js',
    `i_environment=${environment}`,
    '. ./econfig',
    "printf 'E%s\\0' \"${enable-<unset>}\"",
    'if [ -n "${command_args+set}" ]; then',
    '  eval set -- $command_args',
    "  printf 'A\\0'",
    "  for arg do printf '%s\\0' \"$arg\"; done",
    'fi',
  ].join('\n');
  const result = spawnSync(SHELL, ['-c', script], { cwd: dir, env: {}, encoding: 'utf8', timeout: 10_000 });
  const fields = result.stdout.split('\0').slice(0, -1);
  const enableField = fields[0];
  const argsAt = fields.indexOf('A');
  return {
    status: result.status,
    enable: enableField === undefined || enableField === 'E<unset>' ? undefined : enableField.slice(1),
    argv: argsAt < 0 ? undefined : fields.slice(argsAt + 1),
    stderr: result.stderr,
  };
}

describe('econfig against the real shell (oracle)', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sr-econfig-oracle-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const cases = corpusCases().map((c) => ({ c, result: loadCase(c) }));
  const parsing = cases.filter(({ result }) => result.errors.every((e) => e.i_environment !== undefined));

  it('gives the shell at least 30 corpus files', () => {
    expect(parsing.length).to.be.at.least(30);
  });

  for (const { c, result } of parsing) {
    it(`${c.name}: sh -n accepts it`, () => {
      const check = spawnSync(SHELL, ['-n', c.path], { env: {}, encoding: 'utf8' });
      expect(check.status, check.stderr).to.equal(0);
    });

    for (const env of result.environments) {
      const unset = result.errors.find((e) => e.i_environment === env.i_environment && /parameter not set/.test(e.message));
      if (env.argv !== undefined) {
        it(`${c.name}: environment ${env.i_environment}: same argv as sh`, () => {
          const shell = runShell(dir, c.text, env.i_environment);
          expect(shell.status, shell.stderr).to.equal(0);
          expect(env.argv).to.deep.equal(shell.argv);
        });
      } else if (env.evaluated && !env.enabled) {
        it(`${c.name}: environment ${env.i_environment}: disabled, as enable says in sh`, () => {
          const shell = runShell(dir, c.text, env.i_environment);
          expect(shell.status, shell.stderr).to.equal(0);
          expect(shell.enable?.toUpperCase()).to.be.oneOf(['NO', 'FALSE', 'OFF', '0']);
        });
      } else if (unset !== undefined) {
        it(`${c.name}: environment ${env.i_environment}: sh also fails on the unset variable`, () => {
          const shell = runShell(dir, c.text, env.i_environment);
          expect(shell.status).to.not.equal(0);
          expect(shell.stderr).to.match(/parameter not set/);
        });
      }
    }
  }
});

import { expect } from 'chai';
import { runCli } from '../harness/cli.js';

describe('cli: the command table', () => {
  it('takes names of Object.prototype members for unknown commands (exit 2), not for commands', async () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      const result = await runCli([name]);
      expect(result, name).to.deep.equal({ code: 2, stdout: '', stderr: `sippy_routed: unknown command ${JSON.stringify(name)}; see sippy_routed --help\n` });
    }
  });
});

describe('cli: query arguments', () => {
  it('refuses a --timeout a timer cannot hold (Node would fire it at once) as a usage error', async () => {
    const argv = ['query', 'unix:/nonexistent/sippy_routed.sock', '--group', 'g', '--cld', '1'];
    for (const timeout of ['3000000000', '600001', '0', '1e3']) {
      const result = await runCli([...argv, '--timeout', timeout]);
      expect(result, timeout).to.deep.equal({ code: 2, stdout: '', stderr: `sippy_routed: query: --timeout must be an integer from 1 to 600000, got "${timeout}"\n` });
    }
  });
});

describe('cli: supervise timer options', () => {
  it('refuses an --env-poll or --drain a timer cannot hold, before anything starts', async () => {
    for (const [name, value, range] of [['--env-poll', '3000000', '1 to 86400'], ['--env-poll', '0', '1 to 86400'], ['--drain', '3000000000', '1 to 600000']] as const) {
      const result = await runCli(['supervise', '--environments', '1', '-f', '/nonexistent/econfig', '--rundir', '/nonexistent', name, value]);
      expect(result, `${name} ${value}`).to.deep.equal({ code: 2, stdout: '', stderr: `sippy_routed: supervise: ${name} must be an integer from ${range}, got "${value}"\n` });
    }
  });
});

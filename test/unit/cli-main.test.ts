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

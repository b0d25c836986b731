import { expect } from 'chai';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../harness/cli.js';
import { makeTempDir, type TempDir } from '../harness/rpc.js';

// `supervise` run in-process (as `demo` runs it) must leave the process's
// signal handling as it found it when it returns, whatever way it returns:
// a SIGTERM or SIGINT listener left behind disables their default action.

describe('supervise command: signal listeners', () => {
  let dir: TempDir;

  beforeEach(() => {
    dir = makeTempDir('sr-supsig-');
  });

  afterEach(() => dir.remove());

  const counts = () => (['SIGTERM', 'SIGINT', 'SIGHUP'] as const).map((signal) => process.listenerCount(signal));

  it('an econfig that does not validate at start: exit 2, no signal listener left', async () => {
    const file = join(dir.path, 'econfig');
    writeFileSync(file, 'command_args="/usr/local/bin/sippy_routed -e %%I_ENVIRONMENT%% --bogus"\n');
    const before = counts();
    const out = await runCli(['supervise', '-f', file, '--environments', '1', '--rundir', dir.path, '--log-file', join(dir.path, 'log')]);
    expect(out.code, out.stderr).to.equal(2);
    expect(out.stderr).to.include(`${file}:1:`);
    expect(counts()).to.deep.equal(before);
    expect(existsSync(join(dir.path, 'sippy_routed.pid')), 'the pidfile is released').to.equal(false);
  });

  it('an econfig that cannot be read at start: exit 2, no signal listener left', async () => {
    const before = counts();
    const out = await runCli(['supervise', '-f', join(dir.path, 'absent'), '--environments', '1', '--rundir', dir.path, '--log-file', join(dir.path, 'log')]);
    expect(out.code, out.stderr).to.equal(2);
    expect(counts()).to.deep.equal(before);
  });
});

import { expect } from 'chai';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '../harness/rpc.js';
import { PLAIN_ECONFIG } from '../harness/supervisor.js';
import { Supervisor } from '../harness/supervisor-process.js';

// `make demo | tee log`, then Ctrl-C: SIGINT reaches the whole process
// group, tee may exit first, and the supervisor's next line (`supervisor
// stopping`) goes to a pipe nobody reads. The process must still stop as
// on any SIGINT: listeners stopped, sockets and pidfile removed, exit 0.

describe('supervisor: SIGINT after the reader of its output went away', function () {
  this.timeout(30_000);
  let dir: TempDir;
  let supervisor: Supervisor | undefined;

  beforeEach(() => {
    dir = makeTempDir('sr-closedout-');
  });

  afterEach(async () => {
    await supervisor?.kill();
    supervisor = undefined;
    dir.remove();
  });

  it('stdout and stderr closed, then SIGINT: sockets and pidfile are gone, exit 0', async () => {
    const econfig = join(dir.path, 'econfig');
    writeFileSync(econfig, PLAIN_ECONFIG);
    const pidfile = join(dir.path, 'sippy_routed.pid');
    // The database is not reached on purpose: the listeners start without it.
    supervisor = new Supervisor({ econfig, rundir: dir.path, pidfile, environments: [1, 2], dsn: 'mysql://nobody@127.0.0.1:1/none' });
    await supervisor.waitLogged('supervisor running');
    const files = [pidfile, supervisor.control, join(dir.path, 'sippy_routed.1.sock'), join(dir.path, 'sippy_routed.2.sock')];
    for (const file of files) expect(existsSync(file), `${file} while running`).to.equal(true);

    // Our ends of its pipes close, as tee's would: its next write fails with EPIPE.
    supervisor.process.child.stdout!.destroy();
    supervisor.process.child.stderr!.destroy();
    supervisor.signal('SIGINT');
    const exit = await supervisor.exited;

    expect(exit).to.deep.equal({ code: 0, signal: null });
    for (const file of files) expect(existsSync(file), `${file} after SIGINT`).to.equal(false);
  });
});

// Reading the econfig file (issue 12, item 1) on real files, FIFOs and
// directories: only regular files are read, every read settles within its
// bound even when the file system does not answer, and the supervisor's
// stop never waits for a reload stuck before it applies anything.

import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_ECONFIG_BYTES } from '../../src/econfig/index.js';
import { EconfigReader } from '../../src/supervisor/econfig-file.js';
import { delay, makeTempDir, untilTrue, type TempDir } from '../harness/rpc.js';
import { supervisorRig } from '../harness/supervisor.js';

/** libuv's worker threads, which every fs call of this process shares. */
const THREADPOOL_SIZE = Number(process.env.UV_THREADPOOL_SIZE ?? 4);

describe('econfig file: reading only regular files, within a bound', function () {
  this.timeout(30_000);
  let dir: TempDir;

  beforeEach(() => {
    dir = makeTempDir('sr-econfig-read-');
  });

  afterEach(() => dir.remove());

  it('reads a regular file whole', async () => {
    const file = join(dir.path, 'econfig');
    writeFileSync(file, 'enable="NO"\n'.repeat(10_000));
    expect(await new EconfigReader(file).read()).to.deep.equal({ ok: true, text: 'enable="NO"\n'.repeat(10_000) });
  });

  it('refuses a FIFO, a directory, a missing file and a file over the bound, saying which', async () => {
    const fifo = join(dir.path, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const directory = join(dir.path, 'dir');
    mkdirSync(directory);
    const large = join(dir.path, 'large');
    writeFileSync(large, Buffer.alloc(MAX_ECONFIG_BYTES + 1, 0x23));
    const exact = join(dir.path, 'exact');
    writeFileSync(exact, Buffer.alloc(MAX_ECONFIG_BYTES, 0x23));
    expect(await new EconfigReader(fifo).read()).to.deep.equal({ ok: false, reason: 'a FIFO, not a regular file; only regular files are read' });
    expect(await new EconfigReader(directory).read()).to.deep.equal({ ok: false, reason: 'a directory, not a regular file; only regular files are read' });
    expect(await new EconfigReader(join(dir.path, 'missing')).read()).to.deep.equal({ ok: false, reason: 'ENOENT' });
    expect(await new EconfigReader(large).read()).to.deep.equal({ ok: false, reason: `larger than ${MAX_ECONFIG_BYTES} bytes` });
    expect((await new EconfigReader(exact).read()).ok, 'exactly the bound is read').to.equal(true);
  });

  it('settles within its bound when the file system does not answer, and starts no second read while the first is stuck', async () => {
    const file = join(dir.path, 'econfig');
    writeFileSync(file, 'enable="NO"\n');
    // A file system that does not answer, made real: every libuv worker
    // thread of this process blocked in a plain open() of a FIFO with no
    // writer, so the reader's open() waits in the queue behind them.
    const fifos = Array.from({ length: THREADPOOL_SIZE }, (_, i) => join(dir.path, `block${i}`));
    for (const fifo of fifos) execFileSync('mkfifo', [fifo]);
    const blocked: Promise<FileHandle>[] = fifos.map((fifo) => open(fifo, 'r'));
    const reader = new EconfigReader(file, 300);
    try {
      expect(await reader.read()).to.deep.equal({ ok: false, reason: 'no answer from the file system within 300 ms' });
      expect(await reader.read()).to.deep.equal({ ok: false, reason: 'an earlier read has not finished after more than 300 ms (a hung file system?)' });
    } finally {
      // A writer's non-blocking open releases each blocked reader (ENXIO
      // until that reader's open() has reached the FIFO).
      for (const fifo of fifos) {
        for (;;) {
          try {
            closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
            break;
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENXIO') throw err;
            await delay(5);
          }
        }
      }
      for (const handle of await Promise.all(blocked)) await handle.close();
    }
    // Once the stuck read has finished, the next one reads again.
    let last = await reader.read();
    for (const deadline = Date.now() + 10_000; !last.ok && Date.now() < deadline; last = await reader.read()) await delay(20);
    expect(last).to.deep.equal({ ok: true, text: 'enable="NO"\n' });
  });

  it("the supervisor's stop does not wait for a reload stuck before its apply step", async () => {
    // Every environment disabled: no listener, so the DSN is never used.
    const rig = supervisorRig({ dsn: 'mysql://unused@localhost/unused?socket=/nonexistent', environments: [1], econfig: 'enable="NO"\n' });
    try {
      expect((await rig.supervisor.reload('start')).result).to.equal('ok');
      rig.environments.hold();
      const stuck = rig.supervisor.reload('held');
      await untilTrue(() => rig.environments.calls === 2, 'the reload waiting on the environment list');
      await rig.supervisor.stop();
      rig.environments.release();
      const result = await stuck;
      expect(result).to.include({ result: 'error', trigger: 'held' });
      expect(result.messages).to.deep.equal(['supervisor is stopping']);
    } finally {
      await rig.dispose();
    }
  });
});

import { expect } from 'chai';
import { mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileWatcher, resolutionChain } from '../../src/supervisor/watcher.js';
import { delay, makeTempDir, type TempDir } from '../harness/rpc.js';

// The econfig watcher against real files, one editor's way of saving per
// test. Waits are bounded; "no callback" is checked over a quiet period many
// times the debounce, a correctness bound, not a timing assertion.

const DEBOUNCE_MS = 60;
const QUIET_MS = 600;
const WAIT_MS = 5000;

describe('supervisor: FileWatcher on real files', function () {
  this.timeout(20_000);
  let dir: TempDir;
  let file: string;
  let calls: number;
  let watcher: FileWatcher | undefined;

  async function watch(path = file, debounceMs = DEBOUNCE_MS): Promise<FileWatcher> {
    watcher = new FileWatcher(path, () => (calls += 1), { debounceMs });
    await watcher.start();
    return watcher;
  }

  /** Waits until the callback ran `count` times in all, then checks nothing more comes. */
  async function expectCalls(count: number, why: string): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (calls < count && Date.now() < deadline) await delay(20);
    expect(calls, `${why}: callbacks within ${WAIT_MS} ms`).to.be.at.least(count);
    await delay(QUIET_MS);
    expect(calls, `${why}: no further callback`).to.equal(count);
  }

  /** Waits until the callback ran at least `count` times in all, then until a quiet period passes with none. */
  async function settled(count: number, why: string): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (calls < count && Date.now() < deadline) await delay(20);
    expect(calls, `${why}: callbacks within ${WAIT_MS} ms`).to.be.at.least(count);
    for (let seen = -1; seen !== calls; ) {
      seen = calls;
      await delay(QUIET_MS);
    }
  }

  async function expectQuiet(why: string): Promise<void> {
    const before = calls;
    await delay(QUIET_MS);
    expect(calls, why).to.equal(before);
  }

  beforeEach(() => {
    dir = makeTempDir('sr-watch-');
    file = join(dir.path, 'econfig');
    writeFileSync(file, 'command_args="-e %%I_ENVIRONMENT%%"\n');
    calls = 0;
  });

  afterEach(async () => {
    await watcher?.stop();
    watcher = undefined;
    dir.remove();
  });

  it('starting the watch is no change', async () => {
    await watch();
    await expectQuiet('no callback for the file as it was');
  });

  it('an in-place write', async () => {
    await watch();
    writeFileSync(file, 'enable="NO"\n');
    await expectCalls(1, 'in-place write');
    writeFileSync(file, 'enable="YES"\n', { flag: 'r+' });
    await expectCalls(2, 'second in-place write');
  });

  it('a save that renames a new file over the old one, twice', async () => {
    await watch();
    writeFileSync(join(dir.path, 'econfig.new'), 'enable="NO"\n');
    renameSync(join(dir.path, 'econfig.new'), file);
    await expectCalls(1, 'rename over');
    // The watch must survive the inode being replaced.
    writeFileSync(join(dir.path, 'econfig.new'), 'enable="YES"\n');
    renameSync(join(dir.path, 'econfig.new'), file);
    await expectCalls(2, 'second rename over');
  });

  it('a vim-style save: swap file, backup rename, new file written, backup removed', async () => {
    await watch();
    const swap = join(dir.path, '.econfig.swp');
    const backup = join(dir.path, 'econfig~');
    writeFileSync(swap, 'vim swap');
    writeFileSync(join(dir.path, '4913'), '');
    unlinkSync(join(dir.path, '4913'));
    renameSync(file, backup);
    writeFileSync(join(dir.path, '.econfig.tmp'), 'enable="NO"\n');
    renameSync(join(dir.path, '.econfig.tmp'), file);
    unlinkSync(backup);
    unlinkSync(swap);
    await expectCalls(1, 'vim save');
    writeFileSync(file, 'enable="YES"\n');
    await expectCalls(2, 'an edit after the vim save');
  });

  it('delete, then re-create later: one callback each', async () => {
    await watch();
    unlinkSync(file);
    await expectCalls(1, 'delete');
    writeFileSync(file, 'enable="NO"\n');
    await expectCalls(2, 're-create');
    writeFileSync(file, 'enable="YES"\n');
    await expectCalls(3, 'an edit of the re-created file');
  });

  it('a burst of writes within the debounce is one callback', async () => {
    await watch(file, 300);
    for (let i = 0; i < 10; i += 1) {
      writeFileSync(file, `# write ${i}\n`);
      await delay(5);
    }
    await expectCalls(1, 'burst');
  });

  it('changes to other files in the directory are no change', async () => {
    await watch();
    writeFileSync(join(dir.path, 'other'), 'x');
    writeFileSync(join(dir.path, 'other'), 'y');
    renameSync(join(dir.path, 'other'), join(dir.path, 'other2'));
    writeFileSync(join(dir.path, '.econfig.swp'), 'swap');
    writeFileSync(join(dir.path, 'econfig.bak'), 'backup');
    mkdirSync(join(dir.path, 'sub'));
    writeFileSync(join(dir.path, 'sub', 'econfig'), 'nested');
    unlinkSync(join(dir.path, 'other2'));
    await expectQuiet('no callback for other files');
  });

  // inotify watches inodes: a directory made again is a new one, which only
  // the periodic check of the watched directories notices.
  it('the directory removed and re-created: the watch comes back by itself', async () => {
    const conf = join(dir.path, 'conf');
    mkdirSync(conf);
    const inConf = join(conf, 'econfig');
    writeFileSync(inConf, 'enable="YES"\n');
    await watch(inConf);
    rmSync(conf, { recursive: true });
    await settled(1, 'the directory removed');
    mkdirSync(conf);
    const before = calls;
    writeFileSync(inConf, 'enable="NO"\n');
    await settled(before + 1, 'the file in the re-created directory');
    const after = calls;
    writeFileSync(inConf, 'enable="YES"\n');
    await settled(after + 1, 'an edit in the re-created directory');
  });

  it('every directory on the way re-created at once (often with the same inode numbers): the watch comes back', async () => {
    const top = join(dir.path, 'etc');
    mkdirSync(join(top, 'sippy'), { recursive: true });
    const deep = join(top, 'sippy', 'econfig');
    writeFileSync(deep, 'enable="YES"\n');
    await watch(deep);
    rmSync(top, { recursive: true });
    mkdirSync(join(top, 'sippy'), { recursive: true });
    writeFileSync(deep, 'enable="NO"\n');
    await settled(1, 'the re-created tree');
    const before = calls;
    writeFileSync(deep, 'enable="YES"\n');
    await settled(before + 1, 'an edit in the re-created tree');
  });

  describe('when the econfig file is a symlink', () => {
    let link: string;

    async function repoint(target: string): Promise<void> {
      // ln -sfn's atomic form: a new link renamed over the old one.
      const temporary = join(dir.path, '.econfig.link');
      symlinkSync(target, temporary);
      renameSync(temporary, link);
    }

    beforeEach(() => {
      mkdirSync(join(dir.path, 'releases'));
      writeFileSync(join(dir.path, 'releases', 'v1'), 'enable="YES"\n');
      writeFileSync(join(dir.path, 'releases', 'v2'), 'enable="NO"\n');
      link = join(dir.path, 'current');
      symlinkSync(join(dir.path, 'releases', 'v1'), link);
    });

    it('starting the watch is no change', async () => {
      await watch(link);
      await expectQuiet('no callback for the link as it was');
    });

    it('an edit of the target in another directory, in place and by rename over', async () => {
      await watch(link);
      writeFileSync(join(dir.path, 'releases', 'v1'), 'enable="NO"\n');
      await expectCalls(1, 'edit of the target');
      writeFileSync(join(dir.path, 'releases', '.v1.new'), 'enable="YES"\n');
      renameSync(join(dir.path, 'releases', '.v1.new'), join(dir.path, 'releases', 'v1'));
      await expectCalls(2, 'rename over the target');
    });

    it('a swap to another target, then an edit of the new target', async () => {
      await watch(link);
      await repoint(join(dir.path, 'releases', 'v2'));
      await expectCalls(1, 'symlink swap');
      writeFileSync(join(dir.path, 'releases', 'v2'), 'enable="YES"\n');
      await expectCalls(2, 'edit of the new target');
    });

    it('a swap to a target in a directory not watched yet, then edits of it', async () => {
      mkdirSync(join(dir.path, 'elsewhere'));
      writeFileSync(join(dir.path, 'elsewhere', 'v3'), 'enable="YES"\n');
      await watch(link);
      await repoint(join(dir.path, 'elsewhere', 'v3'));
      await expectCalls(1, 'symlink swap to another directory');
      writeFileSync(join(dir.path, 'elsewhere', 'v3'), 'enable="NO"\n');
      await expectCalls(2, 'edit of the target in the new directory');
      writeFileSync(join(dir.path, 'elsewhere', '.v3.new'), 'enable="YES"\n');
      renameSync(join(dir.path, 'elsewhere', '.v3.new'), join(dir.path, 'elsewhere', 'v3'));
      await expectCalls(3, 'rename over the new target');
    });

    it('a swap of a symlinked directory on the way to the file (a deploy repointing "current")', async () => {
      for (const release of ['r1', 'r2']) {
        mkdirSync(join(dir.path, 'releases', release, 'etc'), { recursive: true });
        writeFileSync(join(dir.path, 'releases', release, 'etc', 'econfig'), `# ${release}\n`);
      }
      // The repointed link lives in a directory of its own, neither the link's nor the file's.
      mkdirSync(join(dir.path, 'srv'));
      symlinkSync(join(dir.path, 'releases', 'r1'), join(dir.path, 'srv', 'app'));
      rmSync(link);
      symlinkSync(join(dir.path, 'srv', 'app', 'etc', 'econfig'), link);
      await watch(link);
      const temporary = join(dir.path, 'srv', '.app.new');
      symlinkSync(join(dir.path, 'releases', 'r2'), temporary);
      renameSync(temporary, join(dir.path, 'srv', 'app'));
      await expectCalls(1, 'the directory symlink repointed');
      writeFileSync(join(dir.path, 'releases', 'r2', 'etc', 'econfig'), '# r2 edited\n');
      await expectCalls(2, 'edit of the file in the new release');
    });

    it('resolutionChain lists every symlink on the way, then the target', () => {
      expect(resolutionChain(file)).to.deep.equal([file]);
      expect(resolutionChain(link)).to.deep.equal([link, join(dir.path, 'releases', 'v1')]);
      mkdirSync(join(dir.path, 'srv'));
      symlinkSync('../releases', join(dir.path, 'srv', 'app'));
      symlinkSync('srv/app/v2', join(dir.path, 'chained'));
      expect(resolutionChain(join(dir.path, 'chained'))).to.deep.equal([join(dir.path, 'chained'), join(dir.path, 'srv', 'app'), join(dir.path, 'releases', 'v2')]);
      expect(resolutionChain(join(dir.path, 'srv', 'app', 'gone', 'econfig'))).to.deep.equal([join(dir.path, 'srv', 'app'), join(dir.path, 'releases', 'gone', 'econfig')]);
      symlinkSync('loop', join(dir.path, 'loop'));
      expect(resolutionChain(join(dir.path, 'loop')).length, 'a loop ends').to.be.below(50);
    });

    it('a relative symlink to a target in the same directory, edited in place and swapped', async () => {
      writeFileSync(join(dir.path, 'econfig.a'), 'enable="YES"\n');
      writeFileSync(join(dir.path, 'econfig.b'), 'enable="NO"\n');
      rmSync(link);
      symlinkSync('econfig.a', link);
      await watch(link);
      writeFileSync(join(dir.path, 'econfig.a'), 'enable="NO"\n');
      await expectCalls(1, 'edit of the target beside the link');
      await repoint('econfig.b');
      await expectCalls(2, 'swap to a target beside the link');
      writeFileSync(join(dir.path, 'econfig.b'), 'enable="YES"\n');
      await expectCalls(3, 'edit of the new target beside the link');
    });
  });

  it('stop() is idempotent and no callback comes after it, even for a change it saw', async () => {
    let seen: () => void = () => undefined;
    const changeSeen = new Promise<void>((resolve) => (seen = resolve));
    const w = new FileWatcher(file, () => (calls += 1), { debounceMs: 200, onPending: () => seen() });
    watcher = w;
    await w.start();
    writeFileSync(file, 'enable="NO"\n');
    // The event is in and its callback scheduled; stop() runs in the same
    // turn, before any timer can fire.
    await changeSeen;
    await w.stop();
    await w.stop();
    writeFileSync(file, 'enable="YES"\n');
    await expectQuiet('no callback after stop()');
  });
});

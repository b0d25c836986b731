import { expect } from 'chai';
import { mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileWatcher, resolutionChain } from '../../src/supervisor/watcher.js';
import { delay, makeTempDir, untilTrue, type TempDir } from '../harness/rpc.js';
import { eventOf, REBUILT, WAIT_MS, WatchRecorder } from '../harness/watch-recorder.js';

// The econfig watcher against real files, one editor's way of saving per
// test, with the supervisor's own debounce. "No further callback" is proved
// by a later event, never by a sleep (watch-recorder.ts).

describe('supervisor: FileWatcher on real files', function () {
  this.timeout(20_000);
  let dir: TempDir;
  let file: string;
  let w: WatchRecorder;
  /** Other watchers a test starts (stopped after it). */
  let others: FileWatcher[];

  beforeEach(() => {
    dir = makeTempDir('sr-watch-');
    file = join(dir.path, 'econfig');
    writeFileSync(file, 'command_args="-e %%I_ENVIRONMENT%%"\n');
    w = new WatchRecorder();
    others = [];
  });

  afterEach(async () => {
    await w.dispose();
    await Promise.all(others.map((o) => o.stop()));
    dir.remove();
  });

  it('starting the watch is no change', async () => {
    await w.watch(file);
    await w.expectQuiet('no callback for the file as it was');
  });

  it('an in-place write', async () => {
    await w.watch(file);
    writeFileSync(file, 'enable="NO"\n');
    await w.expectCalls(1, 'in-place write');
    writeFileSync(file, 'enable="YES"\n', { flag: 'r+' });
    await w.expectCalls(2, 'second in-place write');
  });

  it('a save that renames a new file over the old one, twice', async () => {
    await w.watch(file);
    writeFileSync(join(dir.path, 'econfig.new'), 'enable="NO"\n');
    renameSync(join(dir.path, 'econfig.new'), file);
    await w.expectCalls(1, 'rename over');
    // The watch must survive the inode being replaced.
    writeFileSync(join(dir.path, 'econfig.new'), 'enable="YES"\n');
    renameSync(join(dir.path, 'econfig.new'), file);
    await w.expectCalls(2, 'second rename over');
  });

  it('a vim-style save: swap file, backup rename, new file written, backup removed', async () => {
    await w.watch(file);
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
    await w.expectCalls(1, 'vim save');
    writeFileSync(file, 'enable="YES"\n');
    await w.expectCalls(2, 'an edit after the vim save');
  });

  it('delete, then re-create later: one callback each', async () => {
    await w.watch(file);
    unlinkSync(file);
    await w.expectCalls(1, 'delete');
    writeFileSync(file, 'enable="NO"\n');
    await w.expectCalls(2, 're-create');
    writeFileSync(file, 'enable="YES"\n');
    await w.expectCalls(3, 'an edit of the re-created file');
  });

  it('a burst of writes within the debounce is one callback', async () => {
    await w.watch(file, 300);
    for (let i = 0; i < 10; i += 1) {
      writeFileSync(file, `# write ${i}\n`);
      await delay(5);
    }
    await w.expectCalls(1, 'burst');
  });

  it('changes to other files in the directory are no change', async () => {
    await w.watch(file);
    writeFileSync(join(dir.path, 'other'), 'x');
    writeFileSync(join(dir.path, 'other'), 'y');
    renameSync(join(dir.path, 'other'), join(dir.path, 'other2'));
    writeFileSync(join(dir.path, '.econfig.swp'), 'swap');
    writeFileSync(join(dir.path, 'econfig.bak'), 'backup');
    mkdirSync(join(dir.path, 'sub'));
    writeFileSync(join(dir.path, 'sub', 'econfig'), 'nested');
    unlinkSync(join(dir.path, 'other2'));
    await w.expectQuiet('no callback for other files');
  });

  // inotify watches inodes: a directory made again is a new one, which only
  // the periodic check of the watched directories notices.
  it('the directory removed and re-created: the watch comes back by itself', async () => {
    const conf = join(dir.path, 'conf');
    mkdirSync(conf);
    const inConf = join(conf, 'econfig');
    writeFileSync(inConf, 'enable="YES"\n');
    await w.watch(inConf);
    rmSync(conf, { recursive: true });
    await w.seenThenCalled(0, REBUILT, 'the watch rebuilt on the directory gone, then a callback');
    // The new directory is a new inode: the periodic check rebuilds the watch again and says so.
    const made = w.steps.length;
    mkdirSync(conf);
    writeFileSync(inConf, 'enable="NO"\n');
    await w.seenThenCalled(made, REBUILT, 'the watch rebuilt on the re-created directory, then a callback');
    // The watch itself is back: the edit is its own event.
    const edited = w.steps.length;
    writeFileSync(inConf, 'enable="YES"\n');
    await w.seenThenCalled(edited, eventOf(inConf), 'an edit in the re-created directory seen');
  });

  it('every directory on the way re-created at once (often with the same inode numbers): the watch comes back', async () => {
    const top = join(dir.path, 'etc');
    mkdirSync(join(top, 'sippy'), { recursive: true });
    const deep = join(top, 'sippy', 'econfig');
    writeFileSync(deep, 'enable="YES"\n');
    await w.watch(deep);
    rmSync(top, { recursive: true });
    mkdirSync(join(top, 'sippy'), { recursive: true });
    writeFileSync(deep, 'enable="NO"\n');
    await w.seenThenCalled(0, REBUILT, 'the watch rebuilt on the re-created tree, then a callback');
    await w.editUntilSeen(deep, 'an edit in the re-created tree seen');
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
      await w.watch(link);
      await w.expectQuiet('no callback for the link as it was');
    });

    it('an edit of the target in another directory, in place and by rename over', async () => {
      await w.watch(link);
      writeFileSync(join(dir.path, 'releases', 'v1'), 'enable="NO"\n');
      await w.expectCalls(1, 'edit of the target');
      writeFileSync(join(dir.path, 'releases', '.v1.new'), 'enable="YES"\n');
      renameSync(join(dir.path, 'releases', '.v1.new'), join(dir.path, 'releases', 'v1'));
      await w.expectCalls(2, 'rename over the target');
    });

    it('a swap to another target, then an edit of the new target', async () => {
      await w.watch(link);
      await repoint(join(dir.path, 'releases', 'v2'));
      await w.expectCalls(1, 'symlink swap');
      writeFileSync(join(dir.path, 'releases', 'v2'), 'enable="YES"\n');
      await w.expectCalls(2, 'edit of the new target');
    });

    it('a swap to a target in a directory not watched yet, then edits of it', async () => {
      mkdirSync(join(dir.path, 'elsewhere'));
      writeFileSync(join(dir.path, 'elsewhere', 'v3'), 'enable="YES"\n');
      await w.watch(link);
      await repoint(join(dir.path, 'elsewhere', 'v3'));
      await w.expectCalls(1, 'symlink swap to another directory');
      writeFileSync(join(dir.path, 'elsewhere', 'v3'), 'enable="NO"\n');
      await w.expectCalls(2, 'edit of the target in the new directory');
      writeFileSync(join(dir.path, 'elsewhere', '.v3.new'), 'enable="YES"\n');
      renameSync(join(dir.path, 'elsewhere', '.v3.new'), join(dir.path, 'elsewhere', 'v3'));
      await w.expectCalls(3, 'rename over the new target');
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
      await w.watch(link);
      const temporary = join(dir.path, 'srv', '.app.new');
      symlinkSync(join(dir.path, 'releases', 'r2'), temporary);
      renameSync(temporary, join(dir.path, 'srv', 'app'));
      await w.expectCalls(1, 'the directory symlink repointed');
      writeFileSync(join(dir.path, 'releases', 'r2', 'etc', 'econfig'), '# r2 edited\n');
      await w.expectCalls(2, 'edit of the file in the new release');
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
      await w.watch(link);
      writeFileSync(join(dir.path, 'econfig.a'), 'enable="NO"\n');
      await w.expectCalls(1, 'edit of the target beside the link');
      await repoint('econfig.b');
      await w.expectCalls(2, 'swap to a target beside the link');
      writeFileSync(join(dir.path, 'econfig.b'), 'enable="YES"\n');
      await w.expectCalls(3, 'edit of the new target beside the link');
    });
  });

  it('stop() is idempotent and no callback comes after it, even for a change it saw', async () => {
    await w.watch(file, 200);
    // A second watcher of the same file, with the same debounce, is the clock:
    // its callbacks come when the stopped one's would have.
    let witnessed = 0;
    const witness = new FileWatcher(file, () => (witnessed += 1), { debounceMs: 200 });
    others.push(witness);
    await witness.start();
    writeFileSync(file, 'enable="NO"\n');
    // The change is seen and its callback scheduled 200 ms away: stop() comes before it fires.
    await untilTrue(() => w.steps.length > 0, 'the change seen', WAIT_MS);
    await w.watcher!.stop();
    await w.watcher!.stop();
    await untilTrue(() => witnessed === 1, 'the witness called for the change', WAIT_MS);
    const stopped = w.steps.length;
    writeFileSync(file, 'enable="YES"\n');
    // Both are told of an event in the same turn: the stopped one would have logged it by the witness's callback, 200 ms later.
    await untilTrue(() => witnessed === 2, 'the witness called for the change after stop()', WAIT_MS);
    expect(w.steps.slice(stopped), 'changes seen after stop()').to.deep.equal([]);
    expect(w.calls(), 'callbacks after stop()').to.equal(0);
  });
});

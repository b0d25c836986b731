// A FileWatcher under test, with what it did recorded in order, and the
// proof that it did nothing more. Nothing here sleeps to see that nothing
// happens: every change the watcher sees is recorded (onPending, which
// comes before every callback), and "no further callback" is proved by a
// later event. A marker file is written and a watcher of its own sees it;
// inotify delivers a process's events in order (one queue for all of a
// process's watches), so by then the watcher under test has been told of
// everything the change made. If it saw nothing since its last callback,
// no callback can come.

import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileWatcher } from '../../src/supervisor/watcher.js';
import { makeTempDir, untilTrue, type TempDir } from './rpc.js';

/** How long a change may take to reach a callback: a bound for a busy machine, not a timing assertion. */
export const WAIT_MS = 5000;
/** Why the watcher schedules a callback after it rebuilt its watch (watcher.ts). */
export const REBUILT = /^a watched directory was replaced or changed access$/;

export type Step = { readonly kind: 'pending'; readonly why: string } | { readonly kind: 'call' };

/** A change event of the file itself (not a rebuild of the watch). */
export const eventOf = (path: string): RegExp => new RegExp(`^(add|change) ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

export class WatchRecorder {
  /** What the watcher under test did, in order. */
  readonly steps: Step[] = [];
  watcher: FileWatcher | undefined;
  /**
   * The marker is in a directory of its own: a write in a watched directory
   * makes chokidar re-read it, and that re-read is an event of its own.
   */
  private readonly markerDir: TempDir = makeTempDir('sr-watch-marker-');
  private markerWatch: FileWatcher | undefined;
  private markersSeen = 0;

  calls(): number {
    return this.steps.filter((step) => step.kind === 'call').length;
  }

  /** Starts the watcher under test on `path` (the supervisor's debounce unless given). */
  async watch(path: string, debounceMs?: number): Promise<FileWatcher> {
    this.watcher = new FileWatcher(path, () => this.steps.push({ kind: 'call' }), {
      ...(debounceMs === undefined ? {} : { debounceMs }),
      onPending: (why) => this.steps.push({ kind: 'pending', why }),
    });
    await this.watcher.start();
    return this.watcher;
  }

  /** Writes the marker file and waits until its own watcher saw it. */
  async marker(): Promise<void> {
    const file = join(this.markerDir.path, 'marker');
    if (this.markerWatch === undefined) {
      this.markerWatch = new FileWatcher(file, () => undefined, { onPending: () => (this.markersSeen += 1) });
      await this.markerWatch.start();
    }
    const before = this.markersSeen;
    writeFileSync(file, `${before}\n`);
    await untilTrue(() => this.markersSeen > before, 'the marker seen', WAIT_MS);
  }

  /** Proves, with a marker, that nothing was seen since the last callback (or since the start): no callback can follow. */
  async expectNothingMore(why: string): Promise<void> {
    await this.marker();
    const last = this.steps.map((step) => step.kind).lastIndexOf('call');
    expect(this.steps.slice(last + 1), `${why}: changes seen after the last callback`).to.deep.equal([]);
  }

  /** Waits until the callback ran `count` times in all, then proves no more comes. */
  async expectCalls(count: number, why: string): Promise<void> {
    await untilTrue(() => this.calls() >= count, () => `${why}: ${count} callbacks (${JSON.stringify(this.steps)})`, WAIT_MS);
    await this.expectNothingMore(why);
    expect(this.calls(), `${why}: callbacks`).to.equal(count);
  }

  async expectQuiet(why: string): Promise<void> {
    const before = this.calls();
    await this.expectNothingMore(why);
    expect(this.calls(), why).to.equal(before);
  }

  /** Waits until, after step `from`, a change matching `seen` was recorded and a callback followed it. */
  async seenThenCalled(from: number, seen: RegExp, why: string, timeoutMs = WAIT_MS): Promise<void> {
    await untilTrue(
      () => {
        const later = this.steps.slice(from);
        const at = later.findIndex((step) => step.kind === 'pending' && seen.test(step.why));
        return at >= 0 && later.slice(at + 1).some((step) => step.kind === 'call');
      },
      () => `${why} (${JSON.stringify(this.steps.slice(from))})`,
      timeoutMs,
    );
  }

  /**
   * Edits `path` until the watch reports an edit as its own event. When the
   * periodic check saw a gap in a re-creation it rebuilds twice, and an edit
   * made before the second rebuild is only seen by that rebuild's callback.
   */
  async editUntilSeen(path: string, why: string): Promise<void> {
    const deadline = Date.now() + 2 * WAIT_MS;
    for (let n = 0; ; n += 1) {
      const from = this.steps.length;
      writeFileSync(path, `# edit ${n}\n`);
      try {
        await this.seenThenCalled(from, eventOf(path), why, 1000);
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
    }
  }

  async dispose(): Promise<void> {
    await this.watcher?.stop();
    await this.markerWatch?.stop();
    this.markerDir.remove();
  }
}

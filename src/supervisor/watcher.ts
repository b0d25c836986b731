// Watches the econfig file for any editor's way of saving: in-place write,
// rename over (vim, most editors), delete and re-create, a symlink swap. A
// watch on the file itself loses track when the inode is replaced, so the
// watch is on the directory, filtered by name; when the file is a symlink,
// the target's directory is watched too (re-resolved after every change).
// Bursts of events are debounced into one callback; the supervisor compares
// content hashes, so a spurious callback costs one read.

import { watch, type FSWatcher } from 'chokidar';
import { realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface FileWatcherOptions {
  /** Quiet time after the last event before the callback runs, ms (operations.md: ~250). */
  readonly debounceMs?: number;
}

export class FileWatcher {
  private readonly file: string;
  private readonly onChange: () => void;
  private readonly debounceMs: number;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private watchedTargets = new Set<string>();

  constructor(file: string, onChange: () => void, options: FileWatcherOptions = {}) {
    this.file = resolve(file);
    this.onChange = onChange;
    this.debounceMs = options.debounceMs ?? 250;
  }

  /** Idempotent; resolves once the watch is in place. */
  async start(): Promise<void> {
    if (this.watcher !== undefined) return;
    const watchedDirs = () => new Set([dirname(this.file), ...[...this.watchedTargets].map((t) => dirname(t))]);
    const relevant = (path: string) => path === this.file || this.watchedTargets.has(path);
    const watcher = watch(dirname(this.file), {
      ignoreInitial: true,
      depth: 0,
      followSymlinks: false,
      // Our own debounce handles editors' temporary files; chokidar's
      // `atomic` would delay and sometimes swallow the rename we need.
      atomic: false,
      ignored: (path: string) => !watchedDirs().has(path) && !relevant(path),
    });
    this.watcher = watcher;
    watcher.on('all', (_event, path) => {
      if (relevant(path)) this.schedule();
    });
    watcher.on('error', () => this.schedule());
    await new Promise<void>((ready) => watcher.once('ready', () => ready()));
    this.followSymlink();
  }

  /** Idempotent. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const watcher = this.watcher;
    this.watcher = undefined;
    await watcher?.close();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.followSymlink();
      this.onChange();
    }, this.debounceMs);
  }

  /** When the file is a symlink, also watch its target (its directory, filtered by name). */
  private followSymlink(): void {
    if (this.watcher === undefined) return;
    let target: string;
    try {
      target = realpathSync(this.file);
    } catch {
      return; // deleted for now: the directory watch sees it come back
    }
    if (target === this.file || this.watchedTargets.has(target)) return;
    this.watchedTargets = new Set([target]);
    this.watcher.add(dirname(target));
  }
}

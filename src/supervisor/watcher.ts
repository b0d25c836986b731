// Watches the econfig file for any editor's way of saving: in-place write,
// rename over (vim, most editors), delete and re-create, a symlink swap. A
// watch on the file itself loses track when the inode is replaced, so the
// watch is on the directory, filtered by name. Every symlink met on the way
// to the file (the file itself, or a directory such as a deploy's
// `current`) and the final target are watched the same way, in their own
// directories; the chain is re-resolved after every change. Bursts of
// events are debounced into one callback; the supervisor compares content
// hashes, so a spurious callback costs one read.

import { watch, type FSWatcher } from 'chokidar';
import { lstatSync, readlinkSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

/** Bound on symlinks followed, as the kernel's ELOOP. */
const MAX_LINKS = 40;

/**
 * The symlinks met while resolving the absolute `path`, then the final
 * target; as far as it resolves when a component is missing (the watch on
 * its directory sees it appear).
 */
export function resolutionChain(path: string): string[] {
  const chain: string[] = [];
  let pending = path.split(sep).filter((part) => part !== '');
  let resolved: string = sep;
  for (let links = 0; pending.length > 0; ) {
    const next = join(resolved, pending[0]!);
    pending = pending.slice(1);
    let isLink: boolean;
    try {
      isLink = lstatSync(next).isSymbolicLink();
    } catch {
      chain.push(join(next, ...pending));
      return chain;
    }
    if (!isLink) {
      resolved = next;
      continue;
    }
    chain.push(next);
    if ((links += 1) > MAX_LINKS) return chain;
    const target = readlinkSync(next);
    pending = [...target.split(sep).filter((part) => part !== ''), ...pending];
    if (target.startsWith(sep)) resolved = sep;
  }
  chain.push(resolved);
  return chain;
}

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
    this.watchedTargets = new Set(resolutionChain(this.file));
    const relevant = (path: string) => path === this.file || this.watchedTargets.has(path);
    let ready = false;
    const watcher = watch([...this.watchedDirs()], {
      ignoreInitial: true,
      depth: 0,
      followSymlinks: false,
      // Our own debounce handles editors' temporary files; chokidar's
      // `atomic` would delay and sometimes swallow the rename we need.
      atomic: false,
      ignored: (path: string) => !this.watchedDirs().has(path) && !relevant(path),
    });
    this.watcher = watcher;
    // chokidar reports symlinks found by its first scan as added even with
    // ignoreInitial: they are no change.
    watcher.on('all', (_event, path) => {
      if (ready && relevant(path)) this.schedule();
    });
    watcher.on('error', () => this.schedule());
    await new Promise<void>((resolveReady) => watcher.once('ready', () => resolveReady()));
    ready = true;
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
      this.followSymlinks();
      this.onChange();
    }, this.debounceMs);
  }

  /** Re-resolves the symlinks on the way to the file and watches the directories of any new ones. */
  private followSymlinks(): void {
    if (this.watcher === undefined) return;
    const watching = this.watchedDirs();
    this.watchedTargets = new Set(resolutionChain(this.file));
    // Only new directories: adding a watched one again rescans it, and
    // chokidar reports its symlinks as added (a spurious change).
    const added = [...this.watchedDirs()].filter((dir) => !watching.has(dir));
    if (added.length > 0) this.watcher.add(added);
  }

  private watchedDirs(): Set<string> {
    return new Set([dirname(this.file), ...[...this.watchedTargets].map((path) => dirname(path))]);
  }
}

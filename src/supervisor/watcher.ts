// Watches the econfig file for any editor's way of saving: in-place write,
// rename over (vim, most editors), delete and re-create, a symlink swap. A
// watch on the file itself loses track when the inode is replaced, so the
// watch is on the directory, filtered by name. Every symlink met on the way
// to the file (the file itself, or a directory such as a deploy's
// `current`) and the final target are watched the same way, in their own
// directories; the chain is re-resolved after every change. Bursts of
// events are debounced into one callback; the supervisor compares content
// hashes, so a spurious callback costs one read.
//
// inotify watches an inode, not a path: when a watched directory is removed
// and re-created (`rm -rf conf; mkdir conf`), or becomes unreadable for a
// moment, chokidar drops its watch and never sees the path again. So every
// CHECK_INTERVAL_MS the watched directories are stat()ed (asynchronously,
// never blocking the supervisor); when one was replaced, vanished,
// appeared, or changed readability, the whole watch is built again from the
// path and a callback is scheduled, since the file may have changed with it.

import { watch, type FSWatcher } from 'chokidar';
import { constants, lstatSync, readlinkSync } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';

/** Bound on symlinks followed, as the kernel's ELOOP. */
const MAX_LINKS = 40;
/** How often the watched directories are checked for being replaced or unreadable, ms: with the debounce, a recovered path is reloaded within 1 s. */
export const CHECK_INTERVAL_MS = 250;

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
  /** Called when a change is seen and the callback scheduled (`why`: the event, or why the watch was rebuilt). */
  readonly onPending?: (why: string) => void;
  /** How often the watched directories are checked (default CHECK_INTERVAL_MS). */
  readonly checkIntervalMs?: number;
}

/** What identifies each directory of a watch: device, inode and birth time, or why it cannot be read. */
async function identities(dirs: Iterable<string>): Promise<Map<string, string>> {
  const entries = await Promise.all(
    [...dirs].map(async (dir): Promise<[string, string]> => {
      try {
        // The inode number alone is no identity: a directory removed and
        // made again at once often gets the same one back. Its birth time
        // differs (0 where the file system does not record it).
        const { dev, ino, birthtimeMs } = await stat(dir);
        await access(dir, constants.R_OK | constants.X_OK);
        return [dir, `${dev}:${ino}:${birthtimeMs}`];
      } catch (err) {
        return [dir, (err as NodeJS.ErrnoException).code ?? 'error'];
      }
    }),
  );
  return new Map(entries);
}

export class FileWatcher {
  private readonly file: string;
  private readonly onChange: () => void;
  private readonly debounceMs: number;
  private readonly checkIntervalMs: number;
  private readonly onPending: (why: string) => void;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checker: NodeJS.Timeout | undefined;
  /** Each watched directory's identity when its watch began. */
  private known = new Map<string, string>();
  private checking = false;
  private started = false;
  private watchedTargets = new Set<string>();

  constructor(file: string, onChange: () => void, options: FileWatcherOptions = {}) {
    this.file = resolve(file);
    this.onChange = onChange;
    this.debounceMs = options.debounceMs ?? 250;
    this.checkIntervalMs = options.checkIntervalMs ?? CHECK_INTERVAL_MS;
    this.onPending = options.onPending ?? (() => undefined);
  }

  /** Idempotent; resolves once the watch is in place. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.open();
    if (this.started) this.checker = setInterval(() => void this.check(), this.checkIntervalMs);
  }

  /** Idempotent. */
  async stop(): Promise<void> {
    this.started = false;
    clearInterval(this.checker);
    this.checker = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    const watcher = this.watcher;
    this.watcher = undefined;
    await watcher?.close();
  }

  /** Rebuilds the watch when a watched directory was replaced, vanished, appeared or changed readability. */
  private async check(): Promise<void> {
    if (this.checking || !this.started) return;
    this.checking = true;
    try {
      const now = await identities(this.watchedDirs());
      if (!this.started) return;
      // A directory that followSymlinks() began to watch since is taken as it is now.
      const changed = [...now].some(([dir, id]) => this.known.has(dir) && this.known.get(dir) !== id);
      this.known = new Map([...now].map(([dir, id]) => [dir, this.known.get(dir) ?? id]));
      if (!changed) return;
      const old = this.watcher;
      this.watcher = undefined;
      await old?.close();
      if (!this.started) return;
      await this.open();
      if (this.started) this.schedule('a watched directory was replaced or changed access');
    } finally {
      this.checking = false;
    }
  }

  /** Builds the chokidar watch from the path as it resolves now. */
  private async open(): Promise<void> {
    this.watchedTargets = new Set(resolutionChain(this.file));
    // Taken before the watch starts: a change during its start shows at the next check.
    this.known = await identities(this.watchedDirs());
    // Stopped meanwhile: start no watch that nothing would close.
    if (!this.started) return;
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
    watcher.on('all', (event, path) => {
      if (ready && relevant(path) && this.watcher === watcher) this.schedule(`${event} ${path}`);
    });
    watcher.on('error', (err: unknown) => {
      if (this.watcher === watcher) this.schedule(`watch error: ${(err as Error).message}`);
    });
    await new Promise<void>((resolveReady) => watcher.once('ready', () => resolveReady()));
    ready = true;
    // Stopped while it started: nothing may stay open.
    if (this.watcher !== watcher) await watcher.close();
  }

  private schedule(why: string): void {
    this.onPending(why);
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

// One holder at a time per key, within this process. A caller takes all its
// keys at once, once none of them is held, and never holds some while
// waiting for others: two callers cannot wait on each other.

export class KeyedLock {
  /** Per held key, settled when its holder releases it. */
  private readonly held = new Map<string, Promise<void>>();

  /** Runs `work` holding every key of `keys`; they are released when it settles, whatever its outcome. */
  async with<T>(keys: readonly string[], work: () => Promise<T>): Promise<T> {
    for (;;) {
      const busy = keys.flatMap((key) => this.held.get(key) ?? []);
      if (busy.length === 0) break;
      await Promise.all(busy);
    }
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    for (const key of keys) this.held.set(key, released);
    try {
      return await work();
    } finally {
      for (const key of keys) this.held.delete(key);
      release();
    }
  }

  /** Keys held now. */
  get size(): number {
    return this.held.size;
  }
}

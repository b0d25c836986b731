// The supervisor's pidfile: written atomically at start, refused when it
// names a live process (another supervisor), removed at stop only if it
// still holds our pid.

import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { SippyError } from '../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid a pidfile names when that process is alive (and is not `self`); undefined for a missing, garbled or stale file. */
export function livePid(path: string, self: number = process.pid): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && pid !== self && alive(pid) ? pid : undefined;
}

export class Pidfile {
  private written = false;

  constructor(readonly path: string, private readonly pid: number = process.pid) {}

  /** Idempotent. Throws SUPERVISOR_RUNNING when a live process holds the file. */
  acquire(): void {
    if (this.written) return;
    const existing = livePid(this.path, this.pid);
    if (existing !== undefined) {
      throw new SippyError('SUPERVISOR_RUNNING', `another sippy_routed supervisor is running as pid ${existing} (pidfile ${this.path})`);
    }
    const temporary = `${this.path}.${this.pid}.tmp`;
    try {
      writeFileSync(temporary, `${this.pid}\n`, { mode: 0o644 });
      renameSync(temporary, this.path);
    } catch (err) {
      rmSync(temporary, { force: true });
      throw new SippyError('SUPERVISOR_START_FAILED', `cannot write pidfile ${this.path}: ${(err as Error).message}`);
    }
    this.written = true;
  }

  /** Idempotent; leaves a pidfile that another process has rewritten alone. */
  release(): void {
    if (!this.written) return;
    this.written = false;
    try {
      if (readFileSync(this.path, 'utf8').trim() === String(this.pid)) rmSync(this.path, { force: true });
    } catch {
      // already gone
    }
  }
}

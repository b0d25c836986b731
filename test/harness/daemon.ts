// The daemon as a real child process (`node dist/src/main.js ...`): start it,
// wait until it serves, signal it, collect what it printed and its exit
// status. Every child started here is killed by killAll() if a test left it
// running, so no process outlives the suite.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RoutingClient } from '../../src/client/routing-client.js';
import { delay } from './rpc.js';

export const MAIN_JS = fileURLToPath(new URL('../../src/main.js', import.meta.url));
/** The checkout: what a copy of the program needs (package.json says the modules are ES modules). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A user and group to run a child as (spawn's uid and gid). */
export interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

/** The main.js a user other than the suite's runs (the checkout's or a copy's), found once per run; see programFor(). */
let readableMain: string | undefined;

/**
 * The main.js that `user` can run. The checkout itself when that user can
 * read it; otherwise (a clone in a directory only root may enter, as
 * `mktemp -d` makes: mode 0700) a copy of dist/src, package.json and
 * node_modules in a fresh directory everyone may read, removed when the run
 * exits. Without it a child run as nobody dies with MODULE_NOT_FOUND and a
 * test of what nobody sees fails for a reason that has nothing to do with it.
 */
export function programFor(user: RunAs | undefined): string {
  if (user === undefined) return MAIN_JS;
  if (readableMain !== undefined) return readableMain;
  const probe = spawnSync('test', ['-r', MAIN_JS, '-a', '-r', join(ROOT, 'node_modules', 'chokidar', 'package.json')], { ...user, stdio: 'ignore' });
  if (probe.status === 0) return (readableMain = MAIN_JS);
  const dir = mkdtempSync(join(tmpdir(), 'sr-program-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  cpSync(join(ROOT, 'dist', 'src'), join(dir, 'dist', 'src'), { recursive: true });
  cpSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  // The copies keep the modes of a checkout made under a strict umask.
  spawnSync('chmod', ['-R', 'a+rX', dir], { stdio: 'ignore' });
  chmodSync(dir, 0o755);
  readableMain = join(dir, 'dist', 'src', 'main.js');
  return readableMain;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class DaemonProcess {
  private static readonly live = new Set<DaemonProcess>();
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;

  /** Starts `node dist/src/main.js ...args` with exactly `env` (plus PATH), as `user` when given (the suite runs as root). */
  constructor(args: readonly string[], env: NodeJS.ProcessEnv = {}, user?: RunAs) {
    this.child = spawn(process.execPath, [programFor(user), ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...user });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString('utf8')));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    DaemonProcess.live.add(this);
    this.exited = new Promise((resolve) =>
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        DaemonProcess.live.delete(this);
        resolve(this.exit);
      }),
    );
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Resolves once `ping` answers on `uri`; rejects if the process exits first or after `timeoutMs`. */
  async waitUntilServing(uri: string, timeoutMs = 15_000): Promise<void> {
    const client = new RoutingClient(uri, { timeoutMs: 1000 });
    try {
      for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await delay(50)) {
        if (!this.running) throw new Error(`daemon exited (${JSON.stringify(this.exit)}) before serving; stderr: ${this.stderr}`);
        try {
          await client.ping();
          return;
        } catch {
          // not listening yet
        }
      }
      throw new Error(`daemon did not serve ${uri} within ${timeoutMs} ms; stderr: ${this.stderr}`);
    } finally {
      client.close();
    }
  }

  /** Sends `signal` and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }

  /** Kills every child still running (after a failed test). */
  static async killAll(): Promise<void> {
    await Promise.all([...DaemonProcess.live].map((d) => d.stop('SIGKILL')));
  }
}

// The supervisor as a real child process (`node dist/src/main.js supervise
// ...`, a DaemonProcess) for the acceptance tests: its control socket,
// one-shot CLI child processes, socket probes, and the log lines a test
// counts. (supervisor.ts is the in-process rig.) Suites call
// DaemonProcess.killAll() from `after` hooks, so a failing test never leaves
// a supervisor behind.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { RpcClient } from '../../src/client/rpc-client.js';
import { DaemonProcess, type Exit, type RunAs } from './daemon.js';
import { delay } from './rpc.js';

/** What `status` returns (operations.md; the supervisor issue's contract). */
export interface ListenerStatus {
  readonly i_environment: number;
  readonly socket: string;
  readonly allow: readonly string[];
  readonly since: string;
  readonly requests: number;
  readonly errors: number;
  /** Requests received and not yet answered. */
  readonly in_flight: number;
}

export interface ReloadResult {
  readonly result: 'ok' | 'error';
  readonly time: string;
  readonly trigger: string;
  /** sha256 of the file read; absent when it could not be read. */
  readonly hash?: string;
  readonly environments: readonly number[];
  readonly messages: readonly string[];
  readonly changes: readonly string[];
}

export interface SupervisorStatus {
  readonly pid: number;
  readonly file: string;
  readonly environments: readonly number[];
  readonly listeners: readonly ListenerStatus[];
  /** Absent until the first reload is done; waitServing() waits for it. */
  readonly last_reload: ReloadResult;
}

/** The parts of a listener that a reload may change: what "left as it was" compares. */
export function listenerShape(status: SupervisorStatus): { i_environment: number; socket: string; allow: readonly string[]; since: string }[] {
  return [...status.listeners]
    .sort((a, b) => a.i_environment - b.i_environment)
    .map(({ i_environment, socket, allow, since }) => ({ i_environment, socket, allow, since }));
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface SupervisorOptions {
  readonly econfig: string;
  readonly rundir: string;
  readonly pidfile: string;
  /** Default: `<rundir>/sippy_routed.ctl.sock`, as the supervisor's own default. */
  readonly control?: string;
  readonly dsn?: string;
  readonly environments?: readonly number[];
  readonly extraArgs?: readonly string[];
  /** Run the supervisor as this user (spawn's uid/gid) rather than the suite's. */
  readonly user?: RunAs;
}

export class Supervisor {
  readonly process: DaemonProcess;
  readonly control: string;
  private readonly rpc: RpcClient;

  constructor(readonly options: SupervisorOptions) {
    this.control = options.control ?? `${options.rundir}/sippy_routed.ctl.sock`;
    const args = [
      'supervise', '-f', options.econfig, '--rundir', options.rundir, '--pidfile', options.pidfile,
      ...(options.control === undefined ? [] : ['--control', options.control]),
      ...(options.dsn === undefined ? [] : ['-d', options.dsn]),
      ...(options.environments === undefined ? [] : ['--environments', options.environments.join(',')]),
      ...(options.extraArgs ?? []),
    ];
    this.process = new DaemonProcess(args, {}, options.user);
    // A reload waits for draining listeners: allow it more than a plain call.
    this.rpc = new RpcClient(`unix:${this.control}`, { timeoutMs: 10_000 });
  }

  get pid(): number {
    return this.process.child.pid!;
  }

  get exited(): Promise<Exit> {
    return this.process.exited;
  }

  get stderr(): string {
    return this.process.stderr;
  }

  get alive(): boolean {
    return this.process.running;
  }

  /**
   * Resolves with the first status that has a reload result (the control
   * socket may answer before the first reload is done); rejects if the
   * process exits first or after timeoutMs.
   */
  async waitServing(timeoutMs = 15_000): Promise<SupervisorStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.alive) throw new Error(`supervisor exited before serving (${JSON.stringify(await this.exited)}); stderr:\n${this.stderr}`);
      let why: string;
      try {
        const status = await this.status();
        if (status.last_reload !== undefined) return status;
        why = 'no reload result yet';
      } catch (err) {
        why = (err as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`supervisor not serving after ${timeoutMs} ms (${why}); stderr:\n${this.stderr}`);
      await delay(50);
    }
  }

  async status(): Promise<SupervisorStatus> {
    return (await this.rpc.call('status')) as SupervisorStatus;
  }

  async reload(): Promise<ReloadResult> {
    return (await this.rpc.call('reload')) as ReloadResult;
  }

  /** Polls status until `accept` holds; rejects with the last status after timeoutMs. */
  async waitStatus(accept: (status: SupervisorStatus) => boolean, timeoutMs: number, what: string): Promise<SupervisorStatus> {
    const deadline = Date.now() + timeoutMs;
    let last: SupervisorStatus | undefined;
    for (;;) {
      last = await this.status();
      if (accept(last)) return last;
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; last status: ${JSON.stringify(last)}`);
      await delay(25);
    }
  }

  /** Resolves once a log line (JSON on stderr) with this `msg` is out; rejects on exit or after timeoutMs. */
  waitLogged(msg: string, timeoutMs = 10_000): Promise<void> {
    const logged = (): boolean =>
      this.stderr
        .split('\n')
        .slice(0, -1) // the last piece may be a line still being written
        .some((line) => line.startsWith('{') && (JSON.parse(line) as { msg?: unknown }).msg === msg);
    if (logged()) return Promise.resolve();
    const stream = this.process.child.stderr!;
    return new Promise((resolve, reject) => {
      const done = (err?: Error): void => {
        clearTimeout(timer);
        stream.off('data', onData);
        stream.off('close', onClose);
        if (err === undefined) resolve();
        else reject(err);
      };
      // DaemonProcess's own listener, added first, has appended the chunk by now.
      const onData = (): void => {
        if (logged()) done();
      };
      const onClose = (): void => done(new Error(`supervisor exited without logging ${JSON.stringify(msg)}; stderr:\n${this.stderr}`));
      const timer = setTimeout(() => done(new Error(`${JSON.stringify(msg)} not logged within ${timeoutMs} ms; stderr:\n${this.stderr}`)), timeoutMs);
      stream.on('data', onData);
      stream.on('close', onClose);
    });
  }

  signal(signal: NodeJS.Signals): void {
    this.process.child.kill(signal);
  }

  /** Kills the process (SIGKILL) if it still runs and waits for it. Idempotent. */
  async kill(): Promise<Exit> {
    this.rpc.close();
    return this.process.stop('SIGKILL');
  }
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `sippy_routed ARGS` as a child process (killed after timeoutMs) and collects its output. */
export async function runCliProcess(args: readonly string[], timeoutMs = 20_000, user?: RunAs): Promise<CliRun> {
  const cli = new DaemonProcess(args, {}, user);
  const timer = setTimeout(() => void cli.stop('SIGKILL'), timeoutMs);
  const { code } = await cli.exited;
  clearTimeout(timer);
  return { code, stdout: cli.stdout, stderr: cli.stderr };
}

/** Whether something accepts connections on a UNIX socket path or a loopback port. */
export function accepts(target: { path: string } | { port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = 'path' in target ? connect(target.path) : connect(target.port, '127.0.0.1');
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Polls until a socket is closed: no connection accepted and, for a UNIX socket, its file gone. */
export async function waitClosed(target: { path: string } | { port: number }, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const gone = 'path' in target ? !existsSync(target.path) : true;
    if (gone && !(await accepts(target))) return;
    if (Date.now() > deadline) throw new Error(`${JSON.stringify(target)} still open ${timeoutMs} ms after it should have closed`);
    await delay(25);
  }
}

export interface HeldPort {
  readonly port: number;
  close(): Promise<void>;
}

/** A loopback TCP port held by this process (port 0: any free one), as a foreign process would hold it. */
export function holdPort(port = 0): Promise<HeldPort> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () =>
      resolve({ port: (server.address() as AddressInfo).port, close: () => new Promise((done) => server.close(() => done())) }),
    );
  });
}

/** `count` distinct loopback ports that were free a moment ago (all held together, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const held = await Promise.all(Array.from({ length: count }, () => holdPort()));
  await Promise.all(held.map((h) => h.close()));
  return held.map((h) => h.port);
}

/** Counts the supervisor's `reload ok` / `reload error` log lines (JSON lines on a non-terminal stderr). */
export function loggedReloads(log: string): { ok: number; error: number } {
  const counts = { ok: 0, error: 0 };
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    const msg = (JSON.parse(line) as { msg?: unknown }).msg;
    if (msg === 'reload ok') counts.ok += 1;
    if (msg === 'reload error') counts.error += 1;
  }
  return counts;
}

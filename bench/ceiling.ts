// The Node ceiling phase: after the daemon of a transport has been measured
// and stopped, Node's own HTTP server (ceiling-server.ts) on the same
// transport, driven by the same load runner at the same concurrencies:
// `node-ping` answers the median size of the daemon's ping answers and
// `node-same-size` that of its getRoutes answers, both as the load runner
// measured them on that transport in this run (ping's answer carries the
// snapshot's `data`: about 260 bytes, not the 60 of a bare result). The daemon is stopped first so that the two never share the
// cores.

import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fixedBodyPath, MIN_FIXED_BODY_BYTES } from './ceiling-server.js';
import { guardChild } from './orphan-guard.js';
import type { Transport } from './options.js';
import { SIDE_LOAD_CONCURRENCY, type BenchContext } from './phases.js';
import { PING_BODY } from './requests.js';
import { runScenario, type LoadServer, type ScenarioResult } from './scenario.js';

const SERVER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'ceiling-server.js');
/** How long the server may take to listen, and to exit on SIGTERM. */
const START_TIMEOUT_MS = 10_000;
/** node-ping's body when no ping scenario measured the daemon's: a bare JSON-RPC result of ping's shape. */
export const BARE_PING_ANSWER_BYTES = 60;

/** The ceiling server as a child process; `at(bytes)` is a load target that answers that many bytes. */
class CeilingServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly base: { readonly url: string; readonly socketPath?: string },
    private readonly exited: Promise<void>,
  ) {}

  static async start(transport: Transport, dir: string): Promise<CeilingServer> {
    const socketPath = join(dir, 'node-ceiling.sock');
    const child = spawn(process.execPath, [SERVER_SCRIPT, transport === 'unix' ? `unix:${socketPath}` : 'http:127.0.0.1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const dismissGuard = guardChild(child.pid!);
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        dismissGuard();
        resolve();
      }),
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
    try {
      for await (const line of createInterface({ input: child.stdout! })) {
        const { port } = JSON.parse(line) as { port: number };
        const base = transport === 'unix' ? { url: 'http://localhost', socketPath } : { url: `http://127.0.0.1:${port}` };
        return new CeilingServer(child, base, exited);
      }
      throw new Error(`the Node ceiling server ended without listening (exit ${child.exitCode ?? child.signalCode})`);
    } finally {
      clearTimeout(timer);
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  at(bytes: number): LoadServer {
    return { pid: this.pid, target: { ...this.base, url: this.base.url + fixedBodyPath(bytes) } };
  }

  /** SIGTERM, then SIGKILL if it has not exited in time. Idempotent. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), START_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

export interface AnswerSizes {
  readonly ping: number;
  readonly getRoutes: number;
}

/** The median ping and getRoutes answers of a transport's scenarios (the highest concurrency's: every one asks the same pool). */
export function answerSizes(scenarios: readonly ScenarioResult[]): AnswerSizes {
  const median = (kind: 'ceiling' | 'getRoutes', fallback: number): number => {
    const highest = scenarios.filter((s) => s.kind === kind).sort((a, b) => b.concurrency - a.concurrency)[0];
    return Math.max(MIN_FIXED_BODY_BYTES, highest?.load.answerBytesMedian ?? fallback);
  };
  return { ping: median('ceiling', BARE_PING_ANSWER_BYTES), getRoutes: median('getRoutes', MIN_FIXED_BODY_BYTES) };
}

export async function benchNodeCeiling(context: BenchContext, transport: Transport, sizes: AnswerSizes): Promise<ScenarioResult[]> {
  const o = context.options;
  context.progress(`starting Node's own HTTP server on ${transport} (the ceiling: ${sizes.ping}-byte and ${sizes.getRoutes}-byte answers)`);
  const server = await CeilingServer.start(transport, context.dir);
  context.onCleanup(() => server.stop());
  const run = (kind: 'node-ping' | 'node-same-size', concurrency: number, durationSeconds: number) =>
    runScenario({
      daemon: server.at(kind === 'node-ping' ? sizes.ping : sizes.getRoutes), databasePid: context.database.pid, dir: context.dir, runnerScript: context.runnerScript,
      // The requests the daemon had: ping's for node-ping, the getRoutes bodies for node-same-size.
      transport, kind, concurrency, durationSeconds, bodies: kind === 'node-ping' ? [PING_BODY] : context.getRoutesBodies,
    });
  // Untimed, as for the daemon: JIT and connections warm before anything counts.
  if (o.warmupSeconds > 0) for (const kind of ['node-ping', 'node-same-size'] as const) await run(kind, SIDE_LOAD_CONCURRENCY, o.warmupSeconds / 2);
  const scenarios: ScenarioResult[] = [];
  for (const kind of ['node-ping', 'node-same-size'] as const) {
    for (const concurrency of o.concurrency) {
      context.progress(`${transport} ${kind} at concurrency ${concurrency} for ${o.durationSeconds} s`);
      scenarios.push((await run(kind, concurrency, o.durationSeconds)).result);
    }
  }
  await server.stop();
  return scenarios;
}

// The Node ceiling phase: after the daemon of a transport has been measured
// and stopped, Node's own HTTP server (ceiling-server.ts) on the same
// transport, driven by the same load runner at the same concurrencies:
// `node-ping` answers 60 bytes (ping's answer), `node-same-size` the median
// size of the getRoutes answers the load runner measured on that transport
// in this run. The daemon is stopped first so that the two never share the
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
const START_TIMEOUT_MS = 10_000;
/** The size of ping's answer (`{"jsonrpc":"2.0","id":1,"result":{...}}`), and of node-ping's body. */
export const PING_ANSWER_BYTES = 60;

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

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}

/** The median getRoutes answer of a transport's scenarios (the highest concurrency's: every one cycles the same pool). */
export function sameSizeBytes(scenarios: readonly ScenarioResult[]): number {
  const getRoutes = scenarios.filter((s) => s.kind === 'getRoutes').sort((a, b) => b.concurrency - a.concurrency);
  return Math.max(MIN_FIXED_BODY_BYTES, getRoutes[0]?.load.answerBytesMedian ?? 0);
}

export async function benchNodeCeiling(context: BenchContext, transport: Transport, answerBytes: number): Promise<ScenarioResult[]> {
  const o = context.options;
  context.progress(`starting Node's own HTTP server on ${transport} (the ceiling: ${PING_ANSWER_BYTES}-byte and ${answerBytes}-byte answers)`);
  const server = await CeilingServer.start(transport, context.dir);
  context.onCleanup(() => server.stop());
  const run = (kind: 'node-ping' | 'node-same-size', concurrency: number, durationSeconds: number) =>
    runScenario({
      daemon: server.at(kind === 'node-ping' ? PING_ANSWER_BYTES : answerBytes), databasePid: context.database.pid, dir: context.dir, runnerScript: context.runnerScript,
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

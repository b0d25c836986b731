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
import { writeFileSync } from 'node:fs';
import { answerPath } from './ceiling-server.js';
import type { SampleAnswers } from './sample-answers.js';
import { guardChild } from './orphan-guard.js';
import type { Transport } from './options.js';
import { SIDE_LOAD_CONCURRENCY, type BenchContext } from './phases.js';
import { PING_BODY } from './requests.js';
import { runScenario, type LoadServer, type ScenarioResult } from './scenario.js';

const SERVER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'ceiling-server.js');
/** How long the server may take to listen, and to exit on SIGTERM. */
const START_TIMEOUT_MS = 10_000;

/** The ceiling server as a child process; `at(i)` is a load target answered with the i-th answer file it was given. */
export class CeilingServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly base: { readonly url: string; readonly socketPath?: string },
    private readonly exited: Promise<void>,
  ) {}

  static async start(transport: Transport, dir: string, answerFiles: readonly string[]): Promise<CeilingServer> {
    const socketPath = join(dir, 'node-ceiling.sock');
    const child = spawn(process.execPath, [SERVER_SCRIPT, transport === 'unix' ? `unix:${socketPath}` : 'http:127.0.0.1', ...answerFiles], { stdio: ['ignore', 'pipe', 'inherit'] });
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

  at(answer: number): LoadServer {
    return { pid: this.pid, target: { ...this.base, url: this.base.url + answerPath(answer) } };
  }

  /** SIGTERM, then SIGKILL if it has not exited in time. Idempotent. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), START_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The answers the ceiling server gives, as files: the ping answer first (`at(0)`), then the getRoutes answer (`at(1)`). */
export function answerFiles(context: BenchContext, transport: Transport, samples: SampleAnswers): string[] {
  return [samples.ping, samples.getRoutes].map((bytes, i) => {
    const file = join(context.dir, `ceiling-${transport}-${i}.json`);
    writeFileSync(file, bytes);
    return file;
  });
}

export async function benchNodeCeiling(context: BenchContext, transport: Transport, samples: SampleAnswers): Promise<ScenarioResult[]> {
  const o = context.options;
  context.progress(`starting Node's own HTTP server on ${transport} (the ceiling: the daemon's own ${samples.ping.length}-byte ping and ${samples.getRoutes.length}-byte getRoutes answers)`);
  const server = await CeilingServer.start(transport, context.dir, answerFiles(context, transport, samples));
  context.onCleanup(() => server.stop());
  const run = (kind: 'node-ping' | 'node-same-size', concurrency: number, durationSeconds: number) =>
    runScenario({
      daemon: server.at(kind === 'node-ping' ? 0 : 1), databasePid: context.database.pid, dir: context.dir, runnerScript: context.runnerScript,
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

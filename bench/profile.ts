#!/usr/bin/env node
// Where the daemon's time goes under one kind of load: `node
// dist/bench/profile.js [--kind ping|getRoutes|rtjson|cold|zipf] [--routes N]
// [--concurrency N] [--seconds S] [--out DIR] [--node-args ARGS]`. A private database with the
// bench's synthetic data set, the daemon under V8's sampling profiler
// (--cpu-prof), an untimed warm-up, then `--seconds` of the one load, then
// SIGTERM; prints the load's req/s and the profile's samples of the load's
// last `--seconds` (the loading and warm-up left out): self time per
// function, and time per function with everything it called, each as a
// share of the samples. The .cpuprofile stays in --out for a closer look
// (Chrome's DevTools, speedscope).
//
// --node-args gives the daemon's node these options (space-separated, V8's
// heap flags say): what they change of req/s and peak RSS, builds taking
// turns as with several --daemon-script.
//
// It answers "what is left" (docs/benchmark.md); `make bench` stays the
// measure that counts, and a profiled daemon is slower than one that is not.

import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PrivateServer } from '../src/db/private-server.js';
import { coldCalls, zipfCalls } from './cold-requests.js';
import { Daemon } from './daemon.js';
import { SyntheticDataSet } from './dataset.js';
import { createBenchDatabase } from './load-data.js';
import { PRESETS } from './options.js';
import { mainThreadTimes } from './proc-sampler.js';
import { drawCalls, getRoutesBody, PING_BODY, rtjsonTarget } from './requests.js';
import { runScenario } from './scenario.js';

const RUNNER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'load-runner.js');

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** A function as a reader finds it: its name and file:line (node's own files by name). */
function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url === '' ? '' : url.replace(/^file:\/\/.*?\/dist\//, '').replace(/^node:/, 'node:');
  return `${functionName || '(anonymous)'}${file === '' ? '' : ` ${file}:${lineNumber + 1}`}`;
}

/** Self and inclusive shares of the samples in the profile's last `windowMs`. */
export function summarise(profile: CpuProfile, windowMs: number, top: number): string {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const times: number[] = [];
  let t = 0;
  for (const delta of profile.timeDeltas) times.push((t += delta));
  const from = t - windowMs * 1000;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let counted = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    if (times[i]! < from) continue;
    counted++;
    const leaf = byId.get(profile.samples[i]!)!;
    const leafName = frameName(leaf);
    self.set(leafName, (self.get(leafName) ?? 0) + 1);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const name = frameName(byId.get(id)!);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + 1);
    }
  }
  const table = (title: string, counts: Map<string, number>): string =>
    `${title}\n` +
    [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, n]) => `${((100 * n) / counted).toFixed(1).padStart(6)}%  ${name}`)
      .join('\n') +
    '\n';
  return `${counted} samples in the last ${windowMs / 1000} s\n\n${table('self', self)}\n${table('with what it called', inclusive)}`;
}

type ThreadTimes = ReturnType<typeof mainThreadTimes>;

/**
 * The daemon's main thread per request over the load: user and system CPU,
 * and how often it waited for work or lost its core (per 1,000 requests).
 * The process's CPU share says how busy it was; this says what a request
 * costs the thread that runs all of its JavaScript, comparable between a
 * daemon and Node's own server (docs/benchmark.md, "Where the rest goes").
 */
export function mainThreadLine(before: ThreadTimes, after: ThreadTimes, requests: number): string {
  if (before === undefined || after === undefined || requests <= 0) return '';
  const micros = (seconds: number): string => ((seconds * 1e6) / requests).toFixed(1);
  const perThousand = (n: number): string => ((n * 1000) / requests).toFixed(1);
  return (
    `; main thread per request ${micros(after.user - before.user)} us user + ${micros(after.system - before.system)} us system, ` +
    `per 1,000 requests ${perThousand(after.voluntary - before.voluntary)} waits and ${perThousand(after.involuntary - before.involuntary)} preemptions`
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kind: { type: 'string', default: 'getRoutes' }, routes: { type: 'string' }, concurrency: { type: 'string', default: '16' },
      seconds: { type: 'string', default: '10' }, 'daemon-script': { type: 'string', default: 'dist/src/main.js' }, 'no-profile': { type: 'boolean' }, 'node-args': { type: 'string', multiple: true }, rounds: { type: 'string', default: '2' }, out: { type: 'string', default: 'bench/results/profiles' }, top: { type: 'string', default: '30' },
    },
  });
  const full = PRESETS.full;
  const seconds = Number(values.seconds);
  const concurrency = Number(values.concurrency);
  const ds = new SyntheticDataSet({
    routes: Number(values.routes ?? full.routes), destinationSets: full.destinationSets, connections: full.connections,
    groups: full.groups, entriesPerGroup: full.entriesPerGroup, seed: 1,
  });
  const server = new PrivateServer();
  const out = resolve(values.out!);
  mkdirSync(out, { recursive: true });
  const before = new Set(readdirSync(out));
  let daemon: Daemon | undefined;
  try {
    await server.start();
    const dir = join(server.dir, 'bench');
    mkdirSync(dir);
    const { dsn } = await createBenchDatabase(server, 'sippy_bench', ds, 'infile', (line) => process.stderr.write(`profile: ${line}\n`));
    const cold = () => coldCalls(ds, 200_000).calls;
    const gets = values.kind === 'rtjson' ? drawCalls(ds, full.pool, 0.9, 'load').map((call) => rtjsonTarget(call)) : undefined;
    const bodies: Record<string, () => string[]> = {
      ping: () => [PING_BODY],
      rtjson: () => [],
      getRoutes: () => drawCalls(ds, full.pool, 0.9, 'load').map((call) => getRoutesBody(call)),
      cold: () => cold().map((call) => getRoutesBody(call)),
      zipf: () => { const calls = cold(); return zipfCalls(calls, calls.length, 1, 1).calls.map((call) => getRoutesBody(call)); },
    };
    const pick = bodies[values.kind!];
    if (pick === undefined) throw new Error(`--kind: one of ${Object.keys(bodies).join(', ')}`);
    const load = pick();
    // Several daemons (--daemon-script A,B,...) take turns on the same data, --rounds times: a before/after on one machine state.
    const scripts = values['daemon-script']!.split(',');
    // Each --node-args (one per daemon variant, "" for none) with each script.
    const variants = (values['node-args'] ?? ['']).map((text) => text.split(' ').filter((arg) => arg !== ''));
    const profiled = scripts.length === 1 && variants.length === 1 && values['no-profile'] !== true;
    let result: Awaited<ReturnType<typeof runScenario>>['result'] | undefined;
    for (let round = 0; round < (profiled ? 1 : Number(values.rounds)); round++) {
      for (const [script, extra] of scripts.flatMap((script) => variants.map((extra) => [script, extra] as const))) {
        daemon = await Daemon.start({
          script: resolve(script), transport: 'unix', dir, dsn, dbConnections: undefined, dataSource: 'snapshot', snapshotTimeoutMs: 120_000,
          nodeArgs: [...extra, ...(profiled ? ['--cpu-prof', `--cpu-prof-dir=${out}`] : [])],
        });
        const base = { daemon, databasePid: server.pid!, dir, runnerScript: RUNNER_SCRIPT, transport: 'unix' as const, concurrency, bodies: load, ...(gets !== undefined ? { gets } : {}) };
        await runScenario({ ...base, kind: 'getRoutes', durationSeconds: 3 });
        const threadBefore = mainThreadTimes(daemon.pid);
        result = (await runScenario({ ...base, kind: 'getRoutes', durationSeconds: seconds })).result;
        const threadAfter = mainThreadTimes(daemon.pid);
        await daemon.stop();
        daemon = undefined;
        process.stdout.write(
          `${script}${extra.length > 0 ? ` (${extra.join(' ')})` : ''}: ${values.kind} at concurrency ${concurrency}, ${ds.sizes.routes.toLocaleString('en')} routes, unix: ${Math.round(result.load.requestsPerSecond).toLocaleString('en')} req/s, ` +
            `p99 ${result.load.latencyMs.p99.toFixed(2)} ms, daemon CPU ${Math.round(result.cpuCores.daemon * 100)}%, load generator ${Math.round(result.cpuCores.loadGenerator * 100)}%, ` +
            `daemon peak RSS ${(result.daemonPeakRssBytes / 2 ** 20).toFixed(0)} MiB${mainThreadLine(threadBefore, threadAfter, result.load.requests)}\n`,
        );
      }
    }
    if (!profiled) return;
    const written = readdirSync(out).filter((name) => !before.has(name) && name.endsWith('.cpuprofile'));
    if (written.length !== 1) throw new Error(`expected one new profile in ${out}, found ${written.length}`);
    const path = join(out, written[0]!);
    process.stdout.write(`profile ${path}\n\n`);
    process.stdout.write(summarise(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile, seconds * 1000, Number(values.top)));
  } finally {
    await daemon?.stop();
    await server.destroy();
  }
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) await main();

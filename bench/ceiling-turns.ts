// getRoutes against Node's own server at the same answer size, taking
// turns: a daemon and the ceiling server (ceiling.ts) both up, the same
// getRoutes bodies sent to one and then the other at concurrency 16, half
// a scenario's duration each, --turn-rounds times; each round's ratio, and
// their median. The main table's ratio divides scenarios measured minutes
// apart, and on a shared machine its speed drifts in between (the same
// Node server answering the same bytes has made 15,143 and 29,096 req/s in
// two runs of a day): a round's two halves are seconds apart. The daemon
// waits idle while Node's server runs (its follower polls the database,
// 2% of a core), so neither has the other's load on the cores.

import type { Transport } from './options.js';
import { base, SIDE_LOAD_CONCURRENCY, startDaemon, type BenchContext } from './phases.js';
import type { SampleAnswers } from './sample-answers.js';
import { runScenario } from './scenario.js';
import { answerFiles, CeilingServer } from './ceiling.js';
import { median, type TurnsRun } from './report-ceiling.js';

export async function benchTakingTurns(context: BenchContext, transport: Transport, samples: SampleAnswers): Promise<TurnsRun> {
  const o = context.options;
  const concurrency = SIDE_LOAD_CONCURRENCY;
  const secondsEach = o.durationSeconds / 2;
  context.progress(`${transport}: getRoutes and Node's own server at the same size taking turns, ${o.turnRounds} rounds of ${secondsEach} s each at concurrency ${concurrency}`);
  const { daemon } = await startDaemon(context, transport, 'snapshot', 'turns');
  const server = await CeilingServer.start(transport, context.dir, answerFiles(context, transport, samples));
  context.onCleanup(() => server.stop());
  try {
    const common = { databasePid: context.database.pid, dir: context.dir, runnerScript: context.runnerScript, transport, concurrency, bodies: context.getRoutesBodies };
    const onDaemon = async (seconds: number): Promise<number> =>
      (await runScenario({ ...base(context, daemon, transport), ...common, kind: 'getRoutes', durationSeconds: seconds })).result.load.requestsPerSecond;
    const onNode = async (seconds: number): Promise<number> =>
      (await runScenario({ ...common, daemon: server.at(1), kind: 'node-same-size', durationSeconds: seconds })).result.load.requestsPerSecond;
    // Untimed: the daemon's kept choices and prepared bytes made, both JITs warm.
    if (o.warmupSeconds > 0) {
      await onDaemon(o.warmupSeconds);
      await onNode(o.warmupSeconds / 2);
    }
    const rounds: { getRoutes: number; node: number; ratio: number }[] = [];
    for (let round = 0; round < o.turnRounds; round++) {
      const getRoutes = await onDaemon(secondsEach);
      const node = await onNode(secondsEach);
      rounds.push({ getRoutes, node, ratio: node > 0 ? getRoutes / node : 0 });
    }
    return { transport, concurrency, secondsEach, rounds, medianRatio: median(rounds.map((r) => r.ratio)) };
  } finally {
    await server.stop();
    await daemon.stop();
  }
}

// The daemon's per-request work without sockets: `node dist/bench/hot-path.js
// [--routes N] [--seconds S] [--descriptions N] [--memory-only] [--only ping|warm|cold|rtjson]`. Builds the bench's synthetic data set straight
// into a RoutingSnapshot (no database), then runs the bench's own getRoutes
// bodies, and ping bodies for the baseline, through the listener's JSON-RPC
// dispatcher and reply encoding, one after another on this thread. Prints
// microseconds of CPU per request for each, and their ratio; and getRoutes
// again recording the --metrics series as the HTTP front does (the calls by
// outcome, the latency histogram), for the cost of metrics on the hot path;
// and the same calls with "format": "rtjson" (Kamailio's routing document).
//
// --descriptions N gives every route one of N distinct destination names
// (routes.description, as a rate deck fills it), and --memory-only stops
// after the snapshot's memory line: what the descriptions cost in memory
// (docs/benchmark.md, "Route descriptions").
//
// For profiling the hot path (add --cpu-prof), and for a quick before/after
// of a change to it; `make bench` stays the measure that counts (it adds the
// HTTP server, the socket and a client competing for the same cores).

import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { DaemonMetrics } from '../src/metrics/daemon-metrics.js';
import type { EnvironmentMetrics } from '../src/metrics/environment-metrics.js';
import { getRoutes, ping, routeRequest, type MethodContext } from '../src/rpc/methods.js';
import { JsonRpcDispatcher } from '../src/rpc/jsonrpc.js';
import { scannedRequest, type RequestText } from '../src/rpc/json-shape.js';
import { replyJson } from '../src/rpc/reply-json.js';
import { replyBuffers } from '../src/routing/answer/reply-buffers.js';
import { createLogger } from '../src/log.js';
import { RoutingResolver } from '../src/routing/resolver.js';
import { SnapshotDataSource, SqlDataSource, type GroupLookup } from '../src/routing/data-source.js';
import { selectRoutes } from '../src/routing/rules/select.js';
import type { PolicyKey } from '../src/routing/rules/policy.js';
import { RuleCache } from '../src/routing/rules/translation.js';
import { MoneyTable, PrefixPool, TimeTable } from '../src/routing/snapshot/interned.js';
import type { RouteSet } from '../src/routing/snapshot/route-set.js';
import { RouteSetBuilder } from '../src/routing/snapshot/route-set-builder.js';
import { RoutingSnapshot, type SmallTables } from '../src/routing/snapshot/snapshot.js';
import { ChosenRoutesMemo } from '../src/routing/snapshot/chosen-routes.js';
import { answerRows } from '../src/routing/answer/answer-json.js';
import { answerCopied } from '../src/routing/answer/local-answer.js';
import type { SnapshotFollower } from '../src/routing/follow/snapshot-follower.js';
import type { ExternalGroupHandler, RouteResult } from '../src/routing/contract.js';
import { formatMicrosAny } from '../src/routing/rules/cost.js';
import { BENCH_ENVIRONMENT, SyntheticDataSet } from './dataset.js';
import { drawCalls, getRoutesBody, PING_BODY } from './requests.js';
import { coldCalls } from './cold-requests.js';
import { PRESETS } from './options.js';

/** A flat string, as the database driver makes them (a template literal's result is a rope). */
function driverText(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1');
}

/** `count` distinct destination names as a deck has them ("Destination 17 - Mobile"); none for 0. */
function descriptionNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => driverText(`Destination ${Math.floor(i / 3)} - ${['Fixed', 'Mobile', 'Premium'][i % 3]}`));
}

function buildSnapshot(ds: SyntheticDataSet, names: readonly string[]): RoutingSnapshot {
  const money = new MoneyTable();
  const prefixes = new PrefixPool();
  const times = new TimeTable();
  const builder = new RouteSetBuilder(money, prefixes, times);
  const sets = new Map<number, RouteSet>();
  for (const set of ds.destinationSets) {
    builder.begin(set.i_destination_set);
    for (let j = 0; j < set.size; j++) {
      const r = ds.routeAt(set, j);
      builder.add({
        i_route: r.i_route, prefix: driverText(r.prefix), preference: r.preference, huntstop: false, timeout: r.timeout, timeout_1xx: null,
        price_1: driverText(formatMicrosAny(r.price1Micros)), price_n: driverText(formatMicrosAny(r.priceNMicros)), interval_1: r.interval_1, interval_n: r.interval_n,
        forbidden: r.forbidden, activation: 0, expiration: null,
      }, 0, names.length === 0 ? null : names[r.i_route % names.length]!);
    }
    const built = builder.build();
    if (built !== undefined) sets.set(set.i_destination_set, built);
  }
  const tables: SmallTables = {
    environments: 1,
    vendors: new Map(ds.vendors.map((v) => [v.i_vendor, { name: v.name }])),
    connections: new Map(ds.connections.map((c) => [c.i_connection, {
      i_connection: c.i_connection, i_vendor: c.i_vendor, name: c.name, destination: c.destination,
      cli_translation_rule: null, cld_translation_rule: null, capacity: c.capacity, enabled: true,
    }])),
    destinationSets: new Map(ds.destinationSets.map((d) => [d.i_destination_set, {
      i_destination_set: d.i_destination_set, name: d.name, currency: 'USD', connect_fee: formatMicrosAny(d.connectFeeMicros),
      free_seconds: d.free_seconds, grace_period: 0, post_call_surcharge: '0.000000',
    }])),
    groups: ds.groups.map((g) => ({
      i_environment: BENCH_ENVIRONMENT, i_routing_group: g.i_routing_group, name: g.name, policy: g.policy,
      average_duration: g.average_duration, external: false, uri: null,
    })),
    entries: ds.groups.flatMap((g) => g.entries.map((e) => ({ ...e, i_routing_group: g.i_routing_group, weight: null }))),
  };
  return new RoutingSnapshot(1, tables, sets, prefixes, answerRows);
}

async function timePerRequest(dispatcher: JsonRpcDispatcher, bodies: readonly RequestText[], context: MethodContext, seconds: number, metrics?: EnvironmentMetrics): Promise<{ micros: number; bytes: number }> {
  let n = 0;
  let bytes = 0;
  const start = process.cpuUsage();
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    for (let i = 0; i < 1000; i++) {
      const read = metrics === undefined ? 0 : performance.now();
      const reply = await dispatcher.handle(bodies[n++ % bodies.length]!, context, 1000, undefined, metrics);
      const sent = replyJson(reply.body!);
      bytes += sent.length;
      // As the HTTP front does once the socket has taken the bytes.
      replyBuffers.giveBack(sent);
      if (metrics !== undefined) metrics.answered(reply.method, (performance.now() - read) / 1000);
    }
  }
  const used = process.cpuUsage(start);
  return { micros: (used.user + used.system) / n, bytes: bytes / n };
}

function cpuMicrosPer(count: number, work: (i: number) => unknown): number {
  const start = process.cpuUsage();
  for (let i = 0; i < count; i++) work(i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / count;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { routes: { type: 'string' }, seconds: { type: 'string' }, descriptions: { type: 'string' }, 'memory-only': { type: 'boolean' }, only: { type: 'string' } },
  });
  const full = PRESETS.full;
  const ds = new SyntheticDataSet({
    routes: Number(values.routes ?? full.routes), destinationSets: full.destinationSets, connections: full.connections,
    groups: full.groups, entriesPerGroup: full.entriesPerGroup, seed: 1,
  });
  const seconds = Number(values.seconds ?? 5);
  const loadStarted = Date.now();
  const snapshot = buildSnapshot(ds, descriptionNames(Number(values.descriptions ?? 0)));
  (globalThis as { gc?: () => void }).gc?.();
  const memory = process.memoryUsage();
  const mib = (bytes: number): string => `${Math.round(bytes / 1048576)} MiB`;
  process.stderr.write(
    `snapshot of ${snapshot.counts.routes} routes built in ${Date.now() - loadStarted} ms; rss ${mib(memory.rss)}, heap used ${mib(memory.heapUsed)}, ` +
      `array buffers ${mib(memory.arrayBuffers)}${(globalThis as { gc?: unknown }).gc === undefined ? ' (run with --expose-gc for figures after a collection)' : ''}\n`,
  );
  if (values['memory-only'] === true) return;
  const follower = { current: snapshot, choices: new ChosenRoutesMemo(), ageMs: () => 0, status: () => undefined } as unknown as SnapshotFollower;
  const external: ExternalGroupHandler = { resolve: () => Promise.reject(new Error('no external groups here')) };
  const source = new SnapshotDataSource(follower, new SqlDataSource(() => { throw new Error('no database here'); }), 0);
  const resolver = new RoutingResolver({
    source,
    external, rules: new RuleCache(), logger: createLogger({ level: 'error' }),
  });
  const dispatcher = new JsonRpcDispatcher({ getRoutes, ping });
  const context: MethodContext = { environment: BENCH_ENVIRONMENT, resolver, deadline: Infinity, now: Date.now, logger: createLogger({ level: 'error' }) };
  // As the HTTP front hands them on: scanned as they arrived (the body-reader's work is not measured here).
  const bodies = drawCalls(ds, full.pool, 0.9, 'load').map((call, i) => scannedRequest(getRoutesBody(call, i + 1)));
  const pingBody = scannedRequest(PING_BODY);
  // --only ping|warm|cold: one kind of request for the whole run (for a profile of that kind alone).
  const cold = coldCalls(ds, 200_000).calls.map((call, i) => scannedRequest(getRoutesBody(call, i + 1)));
  // The same calls answered as Kamailio's rtjson document (what GET /rtjson answers, without its query parsing).
  const rtjsonBodies = drawCalls(ds, full.pool, 0.9, 'load').map((call, i) => scannedRequest(getRoutesBody({ ...call, format: 'rtjson' } as typeof call, i + 1)));
  const only = values.only === undefined ? undefined : ({ ping: [pingBody], warm: bodies, cold, rtjson: rtjsonBodies } as Record<string, RequestText[]>)[values.only];
  if (values.only !== undefined) {
    if (only === undefined) throw new Error(`--only: ping, warm, cold or rtjson, not ${values.only}`);
    await timePerRequest(dispatcher, only, context, 1);
    const cost = await timePerRequest(dispatcher, only, context, seconds);
    process.stdout.write(`${values.only} ${cost.micros.toFixed(2)} us/request (${cost.bytes.toFixed(0)} B average answer)\n`);
    return;
  }
  // Warm up both paths, then measure each.
  await timePerRequest(dispatcher, [pingBody], context, 1);
  await timePerRequest(dispatcher, bodies, context, 1);
  const pingCost = await timePerRequest(dispatcher, [pingBody], context, seconds);
  const routesCost = await timePerRequest(dispatcher, bodies, context, seconds);
  const metrics = new DaemonMetrics().forEnvironment(BENCH_ENVIRONMENT);
  await timePerRequest(dispatcher, bodies, context, 1, metrics);
  const meteredCost = await timePerRequest(dispatcher, bodies, context, seconds, metrics);
  // Again without, after: a drift of the machine over the run shows as a difference between the two.
  const routesAgain = await timePerRequest(dispatcher, bodies, context, seconds);
  // Memo-cold: 200,000 distinct (group, longest prefix) pairs, nearly every one a miss of the kept choices.
  const coldCost = await timePerRequest(dispatcher, cold, context, seconds);
  await timePerRequest(dispatcher, rtjsonBodies, context, 1);
  const rtjsonCost = await timePerRequest(dispatcher, rtjsonBodies, context, seconds);
  // The getRoutes steps apart: the resolver alone on parsed requests, then the reply bytes of its answers.
  const requests = bodies.map((body) => routeRequest((JSON.parse(body.text) as { params: unknown }).params, context));
  const answers = requests.slice(0, 1000).map((request) => resolver.resolveNow(BENCH_ENVIRONMENT, request) as RouteResult);
  const rules = new RuleCache();
  const lookupCost = cpuMicrosPer(requests.length * 10, (i) => source.lookup(BENCH_ENVIRONMENT, requests[i % requests.length]!, rules));
  const selectCost = cpuMicrosPer(requests.length * 10, (i) => {
    const found = source.lookup(BENCH_ENVIRONMENT, requests[i % requests.length]!, rules) as GroupLookup;
    return found.external ? undefined : selectRoutes(found.candidates, { keys: found.policy as PolicyKey[], random: Math.random, maxRoutes: undefined });
  });
  // Each answer's pooled buffer given back, as its reply's sender does once sent: else every answer would take fresh memory.
  const resolveCost = cpuMicrosPer(requests.length * 10, (i) => answerCopied(resolver.resolveNow(BENCH_ENVIRONMENT, requests[i % requests.length]!)));
  const rtjsonResolveCost = cpuMicrosPer(requests.length * 10, (i) => answerCopied(resolver.resolveRtjson(BENCH_ENVIRONMENT, requests[i % requests.length]!)));
  const replyCost = cpuMicrosPer(answers.length * 100, (i) => replyJson({ jsonrpc: '2.0', id: i, result: answers[i % answers.length] }));
  process.stdout.write(`steps of getRoutes: lookup ${lookupCost.toFixed(2)} us, lookup and select ${selectCost.toFixed(2)} us, resolve (lookup included) ${resolveCost.toFixed(2)} us, reply bytes ${replyCost.toFixed(2)} us; as rtjson: resolve ${rtjsonResolveCost.toFixed(2)} us\n`);
  process.stdout.write(
    `ping ${pingCost.micros.toFixed(2)} us/request (${pingCost.bytes.toFixed(0)} B); getRoutes ${routesCost.micros.toFixed(2)} us/request ` +
      `(${routesCost.bytes.toFixed(0)} B average answer); ping/getRoutes CPU ${(pingCost.micros / routesCost.micros).toFixed(3)}\n`,
  );
  const without = (routesCost.micros + routesAgain.micros) / 2;
  process.stdout.write(`getRoutes memo-cold ${coldCost.micros.toFixed(2)} us/request (${coldCost.bytes.toFixed(0)} B average answer); cold/warm CPU ${(coldCost.micros / without).toFixed(3)}\n`);
  process.stdout.write(
    `getRoutes as rtjson ${rtjsonCost.micros.toFixed(2)} us/request (${rtjsonCost.bytes.toFixed(0)} B average answer); rtjson/getRoutes CPU ${(rtjsonCost.micros / without).toFixed(3)}\n`,
  );
  process.stdout.write(
    `getRoutes with --metrics ${meteredCost.micros.toFixed(2)} us/request, without ${routesCost.micros.toFixed(2)} and ${routesAgain.micros.toFixed(2)} us/request; ` +
      `with/without CPU ${(meteredCost.micros / without).toFixed(3)}\n`,
  );
}

await main();

// The benchmark's command line: two presets (full, quick) and options that
// override any size or setting. Parse -> validate -> freeze; a bad value is a
// USAGE error naming the option.

import { parseArgs } from 'node:util';
import { SippyError } from '../src/errors.js';
import type { DataSetSizes } from './dataset.js';
import type { LoadMethod } from './load-data.js';

export type Transport = 'unix' | 'http';

export interface BenchOptions {
  readonly preset: PresetName;
  readonly sizes: DataSetSizes;
  /** Seconds of load per scenario, and of untimed warm-up per daemon. */
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly concurrency: readonly number[];
  readonly transports: readonly Transport[];
  /** Distinct getRoutes bodies the load generator cycles through. */
  readonly poolSize: number;
  /** getRoutes answers checked against the expected ones, per transport. */
  readonly checkSample: number;
  /** Share of CLDs that match a prefix (the rest start with 0 and match none). */
  readonly matchShare: number;
  /** The daemon's --db-connections; undefined = its default. */
  readonly dbConnections: number | undefined;
  readonly loadMethod: LoadMethod;
  /** Where the JSON result goes; undefined = not written. */
  readonly resultsDir: string | undefined;
  /** The program under test (its main.js). */
  readonly daemonScript: string;
  /** Concurrencies of the getRoutes scenarios on the SQL path (`--data-source sql`); empty = none. */
  readonly sqlConcurrency: readonly number[];
  /** Database edits of the freshness scenario; 0 = no freshness scenario. */
  readonly freshnessEdits: number;
  /** How long a daemon may take to load its first snapshot, and a forced reload to finish, seconds. */
  readonly snapshotTimeoutSeconds: number;
  /** Start the daemon with --metrics (a loopback port): its cost against a run without. */
  readonly daemonMetrics: boolean;
  /** The memory scenario (spread.ts): routes of its one destination set (0 = no such scenario), distinct CLDs, seconds of load. */
  readonly spread: { readonly routes: number; readonly clds: number; readonly durationSeconds: number };
  /** Distinct requests of the memo-cold scenario, and draws of the Zipf one (cold-requests.ts); 0 = neither. */
  readonly coldRequests: number;
  /** Rounds of getRoutes and Node's own server at the same size taking turns (ceiling-turns.ts); 0 = none. */
  readonly turnRounds: number;
}

export const BENCH_HELP = `Usage: node dist/bench/main.js [options]

Benchmarks sippy_routed: a private database with a synthetic data set, the
daemon as a separate process, autocannon as another; prints a markdown table
and writes a JSON result. Exit status 0 only if every request succeeded and
every sampled answer was correct, a forced snapshot reload under load
finished, and every freshness edit showed in answers within 1000 ms.

  --preset full|quick|big    sizes and durations to start from (default full); big is
                             full at 5,000,000 routes in 1,000 sets, unix at concurrency 16
                             only, without the SQL path, freshness and spread scenarios
  --routes N                 routes (full 1000000, quick 5000, big 5000000)
  --destination-sets N       destination sets (200 / 20 / 1000)
  --connections N            connections (500 / 50)
  --groups N                 routing groups (50 / 5)
  --entries N                entries per routing group (20 / 10)
  --seed N                   data set and request seed (1)
  --duration S               seconds per scenario (10 / 1)
  --warmup S                 untimed warm-up per daemon start, ping then getRoutes (4 / 0.5)
  --concurrency LIST         client connections per scenario (1,16,64; big 16)
  --transports LIST          unix,http (both; big unix)
  --pool N                   distinct getRoutes request bodies (10000 / 1000)
  --check-sample N           answers checked for correctness per transport (200 / 50)
  --match-share F            share of CLDs with a matching prefix (0.9)
  --db-connections N         the daemon's database pool (its default, 10)
  --load-method infile|insert  how routes are loaded (infile)
  --results-dir DIR          write the JSON result there (full: bench/results; quick: none)
  --daemon-script PATH       the program to benchmark (dist/src/main.js)
  --sql-concurrency LIST     getRoutes on the SQL path (--data-source sql), first transport (1,16; big none; "" = none)
  --freshness-edits N        edits committed under load in the freshness scenario (20 / 6 / 0; 0 = none)
  --snapshot-timeout S       bound on a snapshot load and on the forced reload (120; big 600)
  --cold-requests N          distinct requests of the memo-cold scenario, draws of the Zipf one
                             (200000 / 2000; 0 = neither)
  --daemon-metrics           run the daemon with --metrics on a loopback port (compare with a run without)
  --spread-routes N          memory under spread traffic: routes of the one destination set its six
                             groups share, in a database of its own (1000000 / 5000 / 0; 0 = none)
  --spread-clds N            distinct CLDs of its getRoutes load (200000 / 2000)
  --spread-duration S        seconds of that load (60 / 1)
  --turn-rounds N            rounds of getRoutes and Node's own server at the same size taking
                             turns at concurrency 16, half --duration each, per transport
                             (5 / 2; 0 = none): the ratio with the machine's drift taken out
`;

const FULL = {
  routes: 1_000_000, destinationSets: 200, connections: 500, groups: 50, entriesPerGroup: 20, duration: 10, warmup: 4, pool: 10_000, check: 200, resultsDir: 'bench/results', freshnessEdits: 20,
  spreadRoutes: 1_000_000, spreadClds: 200_000, spreadDuration: 60, coldRequests: 200_000, turnRounds: 5,
  concurrency: '1,16,64', transports: ['unix', 'http'] as readonly Transport[], sqlConcurrency: '1,16', snapshotTimeout: 120,
};

export const PRESETS = {
  full: FULL,
  quick: { ...FULL, routes: 5000, destinationSets: 20, connections: 50, groups: 5, entriesPerGroup: 10, duration: 1, warmup: 0.5, pool: 1000, check: 50, resultsDir: undefined, freshnessEdits: 6,
    spreadRoutes: 5000, spreadClds: 2000, spreadDuration: 1, coldRequests: 2000, turnRounds: 2 },
  // One run at five times the routes (docs/benchmark.md, "At 5,000,000 routes"): the 1M shape with five
  // times the sets; what it is for is the load time, the memory and the ratio, so one transport, one
  // concurrency, and none of the phases that would load the data again or change it.
  big: { ...FULL, routes: 5_000_000, destinationSets: 1000, concurrency: '16', transports: ['unix'] as readonly Transport[], sqlConcurrency: '', freshnessEdits: 0, spreadRoutes: 0, snapshotTimeout: 600 },
} as const;

export type PresetName = keyof typeof PRESETS;

const STRING_OPTIONS = [
  'preset', 'routes', 'destination-sets', 'connections', 'groups', 'entries', 'seed', 'duration', 'warmup', 'concurrency', 'transports',
  'pool', 'check-sample', 'match-share', 'db-connections', 'load-method', 'results-dir', 'daemon-script',
  'sql-concurrency', 'freshness-edits', 'snapshot-timeout', 'spread-routes', 'spread-clds', 'spread-duration', 'cold-requests', 'turn-rounds',
] as const;

function usage(message: string): SippyError {
  return new SippyError('USAGE', `bench: ${message}; see --help`);
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw usage(`--${name} must be a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max) throw usage(`--${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function decimal(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || value < min || value > max) throw usage(`--${name} must be a number between ${min} and ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

function list<T extends string>(name: string, raw: string | undefined, fallback: readonly T[], allowed: readonly T[]): readonly T[] {
  if (raw === undefined) return fallback;
  const items = raw.split(',').map((s) => s.trim());
  for (const item of items) if (!allowed.includes(item as T)) throw usage(`--${name}: unknown ${JSON.stringify(item)}, expected one of ${allowed.join(', ')}`);
  return [...new Set(items as T[])];
}

/** Options from argv; `help: true` when --help was asked. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions | { help: true } {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(STRING_OPTIONS.map((name) => [name, { type: 'string' as const }])),
        help: { type: 'boolean' },
        'daemon-metrics': { type: 'boolean' },
      },
    }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    throw usage(err instanceof Error ? err.message : String(err));
  }
  if (values.help === true) return { help: true };
  const str = (name: string): string | undefined => values[name] as string | undefined;
  const presetName = str('preset') ?? 'full';
  if (!Object.hasOwn(PRESETS, presetName)) throw usage(`--preset must be one of ${Object.keys(PRESETS).join(', ')}, got ${JSON.stringify(presetName)}`);
  const preset: (typeof PRESETS)[PresetName] = PRESETS[presetName as PresetName];

  const destinationSets = integer('destination-sets', str('destination-sets'), preset.destinationSets, 1, 100_000);
  const connections = integer('connections', str('connections'), preset.connections, 1, 100_000);
  const sizes: DataSetSizes = Object.freeze({
    routes: integer('routes', str('routes'), preset.routes, destinationSets, 20_000_000),
    destinationSets,
    connections,
    groups: integer('groups', str('groups'), preset.groups, 1, 10_000),
    entriesPerGroup: integer('entries', str('entries'), preset.entriesPerGroup, 1, connections),
    seed: integer('seed', str('seed'), 1, 0, 2 ** 31),
  });
  const concurrency = [...new Set((str('concurrency') ?? preset.concurrency).split(',').map((c) => integer('concurrency', c.trim(), 0, 1, 1024)))];
  const sqlRaw = str('sql-concurrency') ?? preset.sqlConcurrency;
  const sqlConcurrency = sqlRaw.trim() === '' ? [] : [...new Set(sqlRaw.split(',').map((c) => integer('sql-concurrency', c.trim(), 0, 1, 1024)))];
  const loadMethod = str('load-method') ?? 'infile';
  if (loadMethod !== 'infile' && loadMethod !== 'insert') throw usage(`--load-method must be infile or insert, got ${JSON.stringify(loadMethod)}`);
  const resultsDir = str('results-dir') ?? preset.resultsDir;
  return Object.freeze({
    preset: presetName as PresetName,
    sizes,
    durationSeconds: decimal('duration', str('duration'), preset.duration, 0.2, 3600),
    warmupSeconds: decimal('warmup', str('warmup'), preset.warmup, 0, 600),
    concurrency: Object.freeze(concurrency.sort((a, b) => a - b)),
    transports: list<Transport>('transports', str('transports'), preset.transports, ['unix', 'http']),
    poolSize: integer('pool', str('pool'), preset.pool, 1, 1_000_000),
    checkSample: integer('check-sample', str('check-sample'), preset.check, 1, 100_000),
    matchShare: decimal('match-share', str('match-share'), 0.9, 0, 1),
    dbConnections: str('db-connections') === undefined ? undefined : integer('db-connections', str('db-connections'), 0, 1, 1000),
    loadMethod,
    resultsDir: resultsDir === '' ? undefined : resultsDir,
    daemonScript: str('daemon-script') ?? 'dist/src/main.js',
    sqlConcurrency: Object.freeze(sqlConcurrency.sort((a, b) => a - b)),
    freshnessEdits: integer('freshness-edits', str('freshness-edits'), preset.freshnessEdits, 0, 1000),
    snapshotTimeoutSeconds: integer('snapshot-timeout', str('snapshot-timeout'), preset.snapshotTimeout, 1, 3600),
    daemonMetrics: values['daemon-metrics'] === true,
    spread: Object.freeze({
      routes: integer('spread-routes', str('spread-routes'), preset.spreadRoutes, 0, 20_000_000),
      clds: integer('spread-clds', str('spread-clds'), preset.spreadClds, 1, 2_000_000),
      durationSeconds: decimal('spread-duration', str('spread-duration'), preset.spreadDuration, 0.2, 3600),
    }),
    coldRequests: integer('cold-requests', str('cold-requests'), preset.coldRequests, 0, 2_000_000),
    turnRounds: integer('turn-rounds', str('turn-rounds'), preset.turnRounds, 0, 100),
  });
}

// `sippy_routed -e N [listener options]`: one environment's listener in the
// foreground, the form econfig's command_args describes (operations.md).
// The listener options are econfig's own parser's, so the command line and
// the econfig file can never disagree; only the process-level options
// (--log-level, --log-file, --rundir) are this command's.

import { resolve } from 'node:path';
import { isSippyError, SippyError } from '../errors.js';
import { DEFAULT_DRAIN_MS } from '../limits.js';
import { dsnFromOptions, parseDsn, type Dsn } from '../db/dsn.js';
import { Database } from '../db/pool.js';
import { DEFAULT_RUNDIR, isListenerOption, LISTENER_OPTIONS_HELP, parseListenerOptions, type ListenerSpec } from '../econfig/index.js';
import { createLogger, isLogLevel, LOG_LEVELS, type LogLevel, type LogStream } from '../log.js';
import { openLogFile, type LogFile } from '../log-file.js';
import { followerSettingsOf, listenerResolver, poolLimitsOf } from '../supervisor/managed-listener.js';
import { probeDatabase } from '../supervisor/database-probe.js';
import { SnapshotFollower, snapshotMetricsView } from '../routing/index.js';
import { poolMetricsView } from '../db/registry.js';
import { DaemonMetrics } from '../metrics/daemon-metrics.js';
import { parseMetricsOptions, type MetricsEndpoint } from '../rpc/metrics-options.js';
import { MetricsServer } from '../rpc/metrics-server.js';
import { runListenerUntilSignal } from '../rpc/run-until-signal.js';
import type { CliIo } from './io.js';

const PROCESS_OPTIONS = ['--log-level', '--log-file', '--rundir', '--metrics', '--metrics-allow'] as const;

export const LISTENER_COMMAND_HELP = `Usage:
  sippy_routed -e N [listener options] [--log-level LEVEL] [--log-file FILE] [--rundir DIR]
      Run environment N's listener in the foreground (the form econfig's
      command_args uses). On SIGTERM or SIGINT it stops accepting, finishes
      in-flight requests (up to ${DEFAULT_DRAIN_MS / 1000} s), closes the database pool, removes its
      unix socket and exits 0. On SIGHUP it reloads its routing snapshot in
      full from the database. The database is -d DSN, else $SIPPY_ROUTED_DB;
      writes go to --db-write DSN when given (-d a replica, docs/scale-out.md).

${LISTENER_OPTIONS_HELP}
Process options:
  --log-level LEVEL      ${LOG_LEVELS.join(', ')} (default info)
  --log-file FILE        append log lines to FILE (default stderr)
  --rundir DIR           directory of the default unix socket (default ${DEFAULT_RUNDIR})
  --metrics URI          serve Prometheus metrics on http://HOST:PORT[/PATH]
                         (path default /metrics); off by default
  --metrics-allow PREFIXES
                         clients that may scrape (default loopback only)
  -h, --help             this text

Exit status: 0 stopped by a signal, 1 the listener could not start (socket in
use, bind failed, TLS files, log file), 2 bad options or no usable DSN.
`;

/** Whether argv is this command's form: it starts with a listener or process option (`-e N ...`, `-s SOCKET -e N ...`). */
export function isListenerCommandLine(argv: readonly string[]): boolean {
  const first = argv[0];
  if (first === undefined) return false;
  return isListenerOption(first) || PROCESS_OPTIONS.some((name) => first === name || first.startsWith(`${name}=`));
}

interface Invocation {
  readonly spec: ListenerSpec;
  readonly logLevel: LogLevel;
  readonly logFile: string | undefined;
  readonly metrics: MetricsEndpoint | undefined;
}

export async function listenerCommand(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(LISTENER_COMMAND_HELP);
    return 0;
  }
  const parsed = parseInvocation(argv);
  if (typeof parsed === 'string') {
    io.stderr.write(parsed);
    return 2;
  }
  const { spec, logLevel, logFile, metrics: metricsEndpoint } = parsed;
  const dsn = listenerDsn(spec.dsn, io.env);
  const file: LogFile | undefined = logFile === undefined ? undefined : openLogFile(logFile);
  const stream: LogStream = file ?? { write: (text) => io.stderr.write(text), isTTY: (io.stderr as LogStream).isTTY };
  const logger = createLogger({ level: logLevel, stream });
  const db = new Database(dsn, poolLimitsOf(spec));
  // --db-write (the primary when -d is a replica): external autocreate and the journal purge.
  const writeDsn = spec.dbWrite === undefined ? undefined : parseDsn(spec.dbWrite);
  const writeDb = writeDsn === undefined ? db : new Database(writeDsn, poolLimitsOf(spec));
  const settings = followerSettingsOf(spec);
  const follower = settings === undefined ? undefined : new SnapshotFollower({ dsn, ...(writeDsn !== undefined ? { writeDsn } : {}), settings, logger });
  // A bad database is named at start and at every SIGHUP, not at the first
  // call; the listener serves anyway (the database may come later).
  let probing: Promise<void> = Promise.resolve();
  const probe = (): void => {
    probing = probeDatabase({ dsn, snapshot: settings !== undefined, environments: [], timeoutMs: spec.limits.dbTimeoutMs }).then(({ check }) => {
      if (check.problem !== null) logger.warn(`database ${check.dsn}: ${check.problem}`, { environment: spec.environment });
    });
  };
  // SIGHUP: rebuild the snapshot from the database now (a supervisor's `reload --data`).
  const onHangup = (): void => {
    probe();
    if (follower === undefined) return;
    logger.info('SIGHUP: full reload of the routing data');
    void follower.reloadNow().catch(() => undefined);
  };
  process.on('SIGHUP', onHangup);
  if (writeDsn !== undefined) logger.info('writes go to --db-write', { environment: spec.environment, dsn: dsn.redacted, db_write: writeDsn.redacted });
  const metrics = metricsEndpoint === undefined ? undefined : new DaemonMetrics();
  metrics?.setSources({
    pools: () => [poolMetricsView(db)],
    snapshots: () => (follower === undefined ? [] : [snapshotMetricsView(dsn.redacted, follower)]),
  });
  const metricsServer = metricsEndpoint === undefined || metrics === undefined ? undefined : new MetricsServer(metricsEndpoint, metrics, logger);
  const resolver = listenerResolver(db, spec, logger, follower, writeDb, metrics);
  try {
    await metricsServer?.start();
    // The snapshot starts loading once the socket is ours: a listener that
    // cannot bind exits with its one line, without touching the database.
    const status = await runListenerUntilSignal(spec, resolver, logger, undefined, {
      ...(metrics !== undefined ? { metrics } : {}),
      onListening: () => {
        probe();
        follower?.start();
      },
    });
    logger.info('stopped', { environment: spec.environment, socket: spec.socket });
    return status;
  } catch (err) {
    // The caller prints the error on stderr; a log file gets it too, so the
    // operator reading the log sees why the listener is not there.
    if (file !== undefined) logger.error('listener did not start', { environment: spec.environment, socket: spec.socket, error: err });
    throw err;
  } finally {
    process.off('SIGHUP', onHangup);
    await metricsServer?.stop();
    await probing;
    await resolver.close();
    await follower?.stop();
    await db.close();
    if (writeDb !== db) await writeDb.close();
    file?.close();
  }
}

/** The spec and process options, or the problems as lines to print. */
function parseInvocation(argv: readonly string[]): Invocation | string {
  const context = { rundir: DEFAULT_RUNDIR, extraOptions: PROCESS_OPTIONS };
  let result = parseListenerOptions(argv, context);
  // The default socket depends on --rundir, itself one of the options: parse
  // again with it (parsing is pure, and the second pass sees the same argv).
  const rundir = result.extra?.['--rundir'];
  if (rundir !== undefined && rundir !== '' && !rundir.includes('\0')) result = parseListenerOptions(argv, { ...context, rundir: resolve(rundir) });
  const extra = result.extra ?? {};
  const problems = result.problems.map((p) => p.message);
  if (rundir !== undefined && (rundir === '' || rundir.includes('\0'))) problems.push('--rundir: expected a directory name');
  const level = extra['--log-level'];
  if (level !== undefined && !isLogLevel(level)) problems.push(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got '${level}'`);
  const logFile = extra['--log-file'];
  if (logFile !== undefined && (logFile === '' || logFile.includes('\0'))) problems.push('--log-file: expected a file name');
  let metrics: MetricsEndpoint | undefined;
  try {
    metrics = parseMetricsOptions('-e N', extra['--metrics'], extra['--metrics-allow']);
  } catch (err) {
    problems.push(err instanceof Error ? err.message.replace(/^-e N: /, '') : String(err));
  }
  if (problems.length > 0 || result.spec === undefined) {
    return problems.map((message) => `sippy_routed: ${message} [USAGE]\n`).join('') + 'see sippy_routed -e N --help\n';
  }
  return { spec: result.spec, logLevel: (level as LogLevel | undefined) ?? 'info', logFile, metrics };
}

/** -d, else SIPPY_ROUTED_DB; a malformed variable is named as the culprit (its text never is). */
function listenerDsn(option: string | undefined, env: NodeJS.ProcessEnv): Dsn {
  try {
    return dsnFromOptions(option, env);
  } catch (err) {
    if (option === undefined && isSippyError(err) && err.code === 'DB_DSN_INVALID') throw new SippyError('DB_DSN_INVALID', `SIPPY_ROUTED_DB: ${err.message}`);
    throw err;
  }
}

// `sippy_routed supervise`: the supervisor in the foreground. Wires the
// pieces of supervisor/ together and owns the process: pidfile, signals,
// control socket, file watcher, environment polling, orderly shutdown.

import { resolve } from 'node:path';
import { SippyError } from '../errors.js';
import { dsnFromOptions } from '../db/dsn.js';
import { Database } from '../db/pool.js';
import { describeForLog } from '../log.js';
import { DatabaseRegistry } from '../db/registry.js';
import { SnapshotRegistry } from '../routing/index.js';
import { DEFAULT_RUNDIR, formatEconfigError, loadEconfig } from '../econfig/index.js';
import { createLogger, isLogLevel, type Logger } from '../log.js';
import { openLogFile, type LogFile } from '../log-file.js';
import { DEFAULT_DRAIN_MS, DEFAULT_ENV_POLL_S, MAX_DRAIN_MS, MAX_ENV_POLL_S } from '../limits.js';
import { ControlServer } from '../supervisor/control.js';
import { EconfigReader } from '../supervisor/econfig-file.js';
import { DatabaseEnvironments, FixedEnvironments, type EnvironmentSource } from '../supervisor/environments.js';
import { supervisedListenerFactory } from '../supervisor/managed-listener.js';
import { Pidfile } from '../supervisor/pidfile.js';
import { controlSocketIn, pidfileIn } from '../supervisor/run-paths.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { FileWatcher } from '../supervisor/watcher.js';
import { DatabaseWatch } from '../supervisor/database-watch.js';
import { DaemonMetrics } from '../metrics/daemon-metrics.js';
import { parseMetricsOptions } from '../rpc/metrics-options.js';
import { MetricsServer } from '../rpc/metrics-server.js';
import { integerOption, parseCommandLine, stringOption } from './args.js';
import { DEFAULT_ECONFIG } from './check-command.js';
import { parseEnvironmentList } from './environment-list.js';
import type { CliIo } from './io.js';
import { terminalSafe } from './terminal-text.js';

export const SUPERVISE_HELP = `Usage:
  sippy_routed supervise [-f ECONFIG] [-d DSN] [--environments LIST] [--rundir DIR]
                         [--pidfile FILE] [--control SOCKET] [--log-file FILE]
                         [--log-level LEVEL] [--env-poll SECONDS] [--drain MS]
                         [--metrics URI [--metrics-allow PREFIXES]]

Runs one JSON-RPC listener per enabled environment, as the econfig file says,
and follows every change of the file with no restart: a file that does not
validate is never applied. Reloads on a change of the file, on SIGHUP, on
'sippy_routed reload', and when the environment list changes.

  -f, --file FILE       econfig file (default ${DEFAULT_ECONFIG})
  -d, --dsn DSN         database of listeners without their own -d, and of the
                        environments table (default: $SIPPY_ROUTED_DB)
  --environments LIST   fixed environment list (1,2,3) instead of the table
  --rundir DIR          default sockets, pidfile and control socket (default ${DEFAULT_RUNDIR})
  --pidfile FILE        default <rundir>/sippy_routed.pid
  --control SOCKET      control socket path (default <rundir>/sippy_routed.ctl.sock, mode 0600)
  --log-file FILE       append log lines here instead of stderr
  --log-level LEVEL     error, warn, info (default) or debug
  --env-poll SECONDS    re-read the environments table this often (1..${MAX_ENV_POLL_S}, default ${DEFAULT_ENV_POLL_S})
  --drain MS            bound on finishing in-flight requests when a listener
                        stops or the supervisor exits (1..${MAX_DRAIN_MS}, default ${DEFAULT_DRAIN_MS})
  --metrics URI         serve Prometheus metrics of every listener on their own
                        socket, http://HOST:PORT[/PATH] (path default /metrics);
                        off by default
  --metrics-allow PREFIXES
                        clients that may scrape, comma-separated addresses or
                        CIDR prefixes (default loopback only: 127.0.0.0/8,::1)

SIGTERM/SIGINT stop it: listeners stop accepting, in-flight requests finish,
sockets and the pidfile are removed, exit 0. Exit 2 when the econfig file or
the options are invalid at start, 1 when it cannot start otherwise.
`;

function openLog(file: string | undefined, level: string | undefined): { logger: Logger; logFile: LogFile | undefined } {
  if (level !== undefined && !isLogLevel(level)) throw new SippyError('USAGE', `supervise: --log-level must be error, warn, info or debug, got ${JSON.stringify(level)}`);
  const logFile = file === undefined ? undefined : openLogFile(file);
  return { logger: createLogger({ level: level ?? 'info', ...(logFile === undefined ? {} : { stream: logFile }) }), logFile };
}

export async function superviseCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine('supervise', argv, {
    file: { type: 'string', short: 'f' },
    dsn: { type: 'string', short: 'd' },
    environments: { type: 'string' },
    rundir: { type: 'string' },
    pidfile: { type: 'string' },
    control: { type: 'string' },
    'log-file': { type: 'string' },
    'log-level': { type: 'string' },
    'env-poll': { type: 'string' },
    drain: { type: 'string' },
    metrics: { type: 'string' },
    'metrics-allow': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (parsed.values.help === true) {
    io.stdout.write(SUPERVISE_HELP);
    return 0;
  }
  const file = resolve(stringOption(parsed, 'file') ?? DEFAULT_ECONFIG);
  const rundir = resolve(stringOption(parsed, 'rundir') ?? DEFAULT_RUNDIR);
  const listed = stringOption(parsed, 'environments');
  const fixed = listed === undefined ? undefined : parseEnvironmentList('supervise', listed);
  const dsnText = stringOption(parsed, 'dsn') ?? (io.env.SIPPY_ROUTED_DB || undefined);
  if (fixed === undefined && dsnText === undefined) {
    throw new SippyError('USAGE', 'supervise: no environment list: give --environments LIST, or -d DSN (or SIPPY_ROUTED_DB) to read the environments table');
  }
  const dsn = dsnText === undefined ? undefined : dsnFromOptions(dsnText, {});
  const pollMs = (integerOption('supervise', '--env-poll', stringOption(parsed, 'env-poll'), 1, MAX_ENV_POLL_S) ?? DEFAULT_ENV_POLL_S) * 1000;
  const drainMs = integerOption('supervise', '--drain', stringOption(parsed, 'drain'), 1, MAX_DRAIN_MS) ?? DEFAULT_DRAIN_MS;
  const metricsEndpoint = parseMetricsOptions('supervise', stringOption(parsed, 'metrics'), stringOption(parsed, 'metrics-allow'));
  const { logger, logFile } = openLog(stringOption(parsed, 'log-file'), stringOption(parsed, 'log-level'));

  const pidfile = new Pidfile(resolve(stringOption(parsed, 'pidfile') ?? pidfileIn(rundir)));
  const environments: EnvironmentSource = fixed !== undefined ? new FixedEnvironments(fixed) : new DatabaseEnvironments(new Database(dsn!), logger);
  const registry = new DatabaseRegistry();
  const snapshots = new SnapshotRegistry(logger);
  const databases = new DatabaseWatch(dsnText, logger);
  // One registry for the process: the listeners, snapshots and pools it shares are the process's.
  const metrics = metricsEndpoint === undefined ? undefined : new DaemonMetrics();
  metrics?.setSources({ snapshots: () => snapshots.metricsViews(), pools: () => registry.metricsViews() });
  const metricsServer = metricsEndpoint === undefined || metrics === undefined ? undefined : new MetricsServer(metricsEndpoint, metrics, logger);
  const controlPath = resolve(stringOption(parsed, 'control') ?? controlSocketIn(rundir));
  let control: ControlServer | undefined;
  let supervisor: Supervisor | undefined;
  let watcher: FileWatcher | undefined;
  let poll: NodeJS.Timeout | undefined;
  let onStop: (signal: NodeJS.Signals) => void = () => undefined;
  const stopSignal = new Promise<NodeJS.Signals>((resolveSignal) => (onStop = resolveSignal));
  let stopping = false;
  // "supervisor stopped" pairs with "supervisor running": a supervisor that
  // never started (pidfile in use, file invalid, database unreachable) ends
  // with its one error line, not a stop line before or after it.
  let started = false;
  const onHangup = () => {
    if (!stopping) void supervisor?.reload('SIGHUP');
    else logger.info('SIGHUP ignored: the supervisor is stopping');
  };
  // From the start to the very end: a SIGHUP's default action would kill a
  // supervisor still starting, or one draining after SIGTERM (a logrotate,
  // an rc.d reload), leaving sockets and the pidfile behind; a SIGTERM while
  // starting must still stop it in order, and a second one while draining
  // must not cut the drain short.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, onStop);
  process.on('SIGHUP', onHangup);
  try {
    pidfile.acquire();
    const initial = await startupCheck(file, rundir, environments, io);
    if (initial !== 0) return initial;

    supervisor = new Supervisor({
      file, rundir, environments, logger,
      listenerFactory: supervisedListenerFactory({ registry, snapshots, defaultDsn: dsnText, logger, drainMs, ...(metrics !== undefined ? { metrics } : {}) }),
      ...(metrics !== undefined ? { metrics } : {}),
      snapshots: () => snapshots.statuses(),
      database: (spec) => databases.checkOf(spec),
      // A bug in the probe must not become an unhandled rejection that ends the supervisor.
      afterReload: (specs) => void databases.afterReload(specs).catch((err: unknown) => logger.error('database probe failed', { error: describeForLog(err) })),
    });
    const running = supervisor;
    control = new ControlServer(controlPath, {
      status: async () => {
        await databases.refresh(running.runningSpecs());
        return running.status();
      },
      reload: () => running.reload('control socket'),
      reloadData: () => snapshots.reloadAll(),
    });
    await control.start();
    // Before the first reload: its listeners' series and the start reload are there at the first scrape.
    await metricsServer?.start();
    // Watch before the first reload reads the file: an edit saved while
    // listeners start (status may already show them) is then never missed.
    watcher = new FileWatcher(file, () => void running.reload('file change'), { onPending: (why) => logger.debug('econfig change seen', { why }) });
    await watcher.start();
    const first = await running.reload('start');
    if (environments.dynamic) poll = setInterval(() => void running.reload('environment poll'), pollMs);
    started = true;
    logger.info('supervisor running', { pid: process.pid, file, control: controlPath, listeners: running.status().listeners.length, first_reload: first.result });

    const signal = await stopSignal;
    logger.info('supervisor stopping', { signal });
    return 0;
  } finally {
    stopping = true;
    clearInterval(poll);
    await watcher?.stop();
    await control?.stop();
    await supervisor?.stop();
    await metricsServer?.stop();
    await databases.idle();
    await snapshots.closeAll();
    await registry.closeAll();
    await environments.close();
    pidfile.release();
    if (started) logger.info('supervisor stopped');
    logFile?.close();
    // Also when it returns early: listeners left behind would keep a later
    // SIGTERM or Ctrl-C from ending a process that runs it in-process.
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.off(signal, onStop);
    process.off('SIGHUP', onHangup);
  }
}

/** At start an invalid file is refused (exit 2) instead of running nothing; a database that cannot list environments is exit 1. */
async function startupCheck(file: string, rundir: string, environments: EnvironmentSource, io: CliIo): Promise<number> {
  let list: readonly number[];
  if (environments instanceof DatabaseEnvironments) {
    list = await environments.listOrThrow();
  } else {
    list = await environments.list([]);
  }
  const read = await new EconfigReader(file).read();
  if (!read.ok) throw new SippyError('ECONFIG_UNREADABLE', `supervise: cannot read econfig ${JSON.stringify(file)} (${read.reason})`);
  const result = loadEconfig(read.text, { file, environments: list, rundir });
  if (result.ok) return 0;
  for (const error of result.errors) io.stderr.write(`${terminalSafe(formatEconfigError(error))}\n`);
  io.stderr.write(`sippy_routed: supervise: ${file} does not validate (${result.errors.length} error${result.errors.length === 1 ? '' : 's'}); not started [ECONFIG_INVALID]\n`);
  return 2;
}

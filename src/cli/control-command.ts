// `sippy_routed status` and `sippy_routed reload`: ask a running supervisor
// over its control socket.

import { resolve } from 'node:path';
import { SippyError } from '../errors.js';
import { DEFAULT_CALL_TIMEOUT_MS, MAX_CALL_TIMEOUT_MS, RELOAD_CALL_TIMEOUT_MS } from '../limits.js';
import { RpcClient, RpcCallError } from '../client/rpc-client.js';
import { DEFAULT_CONTROL } from '../supervisor/run-paths.js';
import type { ReloadResult, SupervisorStatus } from '../supervisor/supervisor.js';
import type { SnapshotStatus } from '../routing/index.js';
import { parseCommandLine, stringOption } from './args.js';
import type { CliIo } from './io.js';
import { formatTable } from './table.js';
import { terminalSafe } from './terminal-text.js';


/**
 * `status` exit when the supervisor answered but its last reload failed: not
 * 1, which says no supervisor answers, so a check can tell "down" from
 * "running an older file".
 */
export const STATUS_RELOAD_FAILED = 3;

export const STATUS_HELP = `Usage:
  sippy_routed status [--control SOCKET] [--json]
      The running listeners (environment, socket, allowed prefixes, since,
      requests, errors), the routing snapshots (table rows: the rows held
      from the seven routing tables) and the last reload result. Exit 0 when
      the supervisor answered and its last reload applied (or none ran yet),
      ${STATUS_RELOAD_FAILED} when it answered but its last reload failed (the listeners run
      an older file), 1 when none answers.
  sippy_routed reload [--control SOCKET] [--json]
      Reload now and print the result. Exit 0 when the file was applied, 1
      when it was not (the errors are printed).
  sippy_routed reload --data [--control SOCKET] [--json]
      Rebuild every routing snapshot from its database now (after a TRUNCATE,
      a restore, or triggers dropped), and print each snapshot's state. Exit
      0 when every one reloaded, 1 when some could not (the error is printed;
      that snapshot keeps answering from its previous data).

  --control SOCKET   the supervisor's control socket (default ${DEFAULT_CONTROL})
`;

async function ask(command: string, argv: readonly string[], io: CliIo, method: 'status' | 'reload' | 'reloadData'): Promise<{ result: unknown; json: boolean }> {
  const parsed = parseCommandLine(command, argv, {
    control: { type: 'string' },
    json: { type: 'boolean' },
    data: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (parsed.values.data === true && method === 'status') throw new SippyError('USAGE', 'status: --data applies to reload only');
  if (parsed.values.data === true) method = 'reloadData';
  if (parsed.values.help === true) {
    io.stdout.write(STATUS_HELP);
    return { result: undefined, json: false };
  }
  const path = resolve(stringOption(parsed, 'control') ?? DEFAULT_CONTROL);
  // A reload waits for listeners to drain, a data reload for full loads: give them time.
  const timeoutMs = method === 'status' ? DEFAULT_CALL_TIMEOUT_MS : method === 'reload' ? RELOAD_CALL_TIMEOUT_MS : MAX_CALL_TIMEOUT_MS;
  const client = new RpcClient(`unix:${path}`, { timeoutMs });
  try {
    return { result: await client.call(method), json: parsed.values.json === true };
  } catch (err) {
    if (err instanceof RpcCallError && err.failure !== 'remote') {
      throw new SippyError('SUPERVISOR_UNREACHABLE', `${command}: ${unreachable(err, path)}`);
    }
    throw new SippyError('SUPERVISOR_UNREACHABLE', `${command}: the supervisor answered an error: ${(err as Error).message}`);
  } finally {
    client.close();
  }
}

/** What went wrong on the control socket, in the operator's terms: not every failure means no supervisor. */
function unreachable(err: RpcCallError, path: string): string {
  switch (err.errno) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied on the control socket ${path} (${err.errno}): it is mode 0600, so run this as the supervisor's user`;
    case 'EPIPE':
    case 'ECONNRESET':
      return `the process on ${path} closed the connection before answering (${err.errno}): the supervisor may be stopping, or that socket is not a supervisor's`;
    default:
      return `no supervisor answers on ${path} (${err.message})`;
  }
}

function formatReload(reload: ReloadResult | undefined): string {
  if (reload === undefined) return 'last reload: none yet\n';
  const lines = [`last reload: ${reload.result} at ${reload.time} (${reload.trigger}), file sha256 ${reload.hash ?? 'unreadable'}`];
  for (const change of reload.changes) lines.push(`  ${change}`);
  for (const message of reload.messages) lines.push(`  ${message}`);
  // Messages quote the econfig file: whatever it holds stays text.
  return lines.map(terminalSafe).join('\n') + '\n';
}

export function formatStatus(status: SupervisorStatus): string {
  const head = terminalSafe(`supervisor pid ${status.pid}, ${status.file}, environments ${status.environments.join(',') || 'none'}`) + '\n';
  const table =
    status.listeners.length === 0
      ? 'no listeners running\n'
      : formatTable(
          ['env', 'socket', 'allow', 'since', 'requests', 'errors', 'source', 'database', 'schema', 'data age'],
          status.listeners.map((l) =>
            [
              String(l.i_environment), l.socket, allowColumn(l), l.since, String(l.requests), String(l.errors), l.data?.source ?? 'sql',
              l.database == null ? '?' : l.database.answers ? 'answers' : 'NO ANSWER',
              l.database?.schema_version == null ? '-' : String(l.database.schema_version),
              l.data?.age_ms == null ? '-' : `${(l.data.age_ms / 1000).toFixed(1)} s`,
            ].map(terminalSafe),
          ),
        );
  // Each database problem once, with the environments it concerns.
  const problems = new Map<string, number[]>();
  for (const l of status.listeners) {
    if (l.database?.problem == null) continue;
    const line = `database ${l.database.dsn}: ${l.database.problem}`;
    problems.set(line, [...(problems.get(line) ?? []), l.i_environment]);
  }
  const notes = [...problems].map(([line, envs]) => `  environment ${envs.join(',')}: ${line}\n`).join('');
  return head + table + notes + formatSnapshots(status.snapshots ?? []) + formatReload(status.last_reload);
}

/** A TCP listener with no -a refuses everyone (default deny): say so rather than print an empty list. */
function allowColumn(listener: SupervisorStatus['listeners'][number]): string {
  if (listener.allow.length > 0) return listener.allow.join(',');
  return listener.socket.startsWith('unix:') ? '-' : 'nobody';
}

/** The routing snapshots: what each holds, how fresh it is, and why not when it is not. */
export function formatSnapshots(snapshots: readonly SnapshotStatus[]): string {
  if (snapshots.length === 0) return '';
  const table = formatTable(
    // `rows` of the JSON, labelled for what it counts: every row the
    // snapshot holds from the seven routing tables, not routes alone.
    ['database', 'source', 'generation', 'table rows', 'last sync', 'age', 'triggers', 'last error'],
    snapshots.map((s) => [
      s.dsn, s.source, String(s.generation), String(s.rows), s.last_sync ?? 'never', s.age_ms === null ? '-' : `${(s.age_ms / 1000).toFixed(1)} s`,
      s.triggers === null ? '?' : s.triggers ? 'yes' : 'MISSING', s.last_error ?? '-',
    ].map(terminalSafe)),
  );
  // Scale-out (scale-out.md): where a snapshot's writes go and, on a replica, its replication.
  const notes = snapshots.flatMap((s) => {
    const parts = [
      ...(s.db_write ? [`writes to ${s.db_write}`] : []),
      ...(s.bad_rows > 0 ? [`${s.bad_rows} row(s) left out of routing: a value the daemon cannot hold exactly (the log names each)`] : []),
      ...(s.replica ? [`replica ${s.replica.io_running && s.replica.sql_running ? 'replicating' : 'STOPPED'}, lag ${s.replica.lag_s === null ? 'unknown' : `${s.replica.lag_s} s`}${s.replica.last_error ? `, error: ${s.replica.last_error}` : ''}`] : []),
    ];
    return parts.length === 0 ? [] : [`  ${s.dsn}: ${parts.join('; ')}\n`];
  });
  return `routing data:\n${table}${notes.join('')}`;
}

export async function statusCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { result, json } = await ask('status', argv, io, 'status');
  if (result === undefined) return 0;
  const status = result as SupervisorStatus;
  io.stdout.write(json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
  return status.last_reload?.result === 'error' ? STATUS_RELOAD_FAILED : 0;
}

export async function reloadCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { result, json } = await ask('reload', argv, io, 'reload');
  if (result === undefined) return 0;
  if (Array.isArray(result)) {
    const snapshots = result as SnapshotStatus[];
    io.stdout.write(json ? `${JSON.stringify(snapshots, null, 2)}\n` : formatSnapshots(snapshots) || 'no routing snapshots (every listener uses --data-source sql)\n');
    return snapshots.every((s) => s.last_error === null) ? 0 : 1;
  }
  const reload = result as ReloadResult;
  const text = reload.unchanged
    ? `reload: unchanged at ${reload.time}: file sha256 ${reload.hash ?? 'unreadable'} and environments ${reload.environments.join(',') || 'none'} are those already applied\n`
    : formatReload(reload).replace(/^last reload/, 'reload');
  io.stdout.write(json ? `${JSON.stringify(reload, null, 2)}\n` : text);
  return reload.result === 'ok' ? 0 : 1;
}

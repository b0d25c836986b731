// `sippy_routed groups URI` and `sippy_routed routes URI --group G`: what a
// daemon routes by, through its read-only listGroups and listRoutes methods
// (docs/rpc.md). Tables for people, --json (the daemon's page as it came)
// for scripts. One page per call: --limit (1–1000) and --offset walk the
// rest, and the table says how many there are.

import { catalogue, SippyError } from '../errors.js';
import { DEFAULT_CALL_TIMEOUT_MS, MAX_CALL_TIMEOUT_MS } from '../limits.js';
import { RpcClient } from '../client/rpc-client.js';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, MAX_PAGE_OFFSET, type GroupsPage, type RoutesPage } from '../routing/index.js';
import { integerOption, parseCommandLine, stringOption, type OptionSpec, type Parsed } from './args.js';
import { daemonFailure, daemonUri } from './daemon-call.js';
import type { CliIo } from './io.js';
import { formatTable } from './table.js';
import { terminalSafe } from './terminal-text.js';

export const GROUPS_HELP = `Usage:
  sippy_routed groups URI [--limit N] [--offset N] [--json] [--timeout MS]

Lists the routing groups of the daemon at URI (unix:/path, http://HOST:PORT/PATH
or https://...), as it routes by them now: name, policy, external and its
uri, entries, enabled connections. The data comes from the daemon's routing
snapshot (or its database with --data-source sql, or before the snapshot is
loaded); the first line says which. --limit is 1-${MAX_PAGE_LIMIT} (default ${DEFAULT_PAGE_LIMIT}),
--offset skips that many groups. --json prints the daemon's answer as it came.

Exit status: 0 answered, 1 the daemon answered an error or could not be
reached, 2 usage error.
`;

export const ROUTES_HELP = `Usage:
  sippy_routed routes URI --group NAME [--cld CLD] [--limit N] [--offset N]
                      [--json] [--timeout MS]

Lists the routes each entry of routing group NAME would consider: per entry
(in entry order) its connection and destination set, and every route row of
that set with its prefix, prices, preference, flags and dates (inactive and
forbidden rows too). With --cld, only the rows whose prefix CLD starts with:
those an entry weighs for a call to CLD (the longest active one wins).
--limit is 1-${MAX_PAGE_LIMIT} (default ${DEFAULT_PAGE_LIMIT}), --offset skips that many rows. --json
prints the daemon's answer as it came.

Exit status: 0 answered, 1 the daemon answered an error (no such group:
${catalogue.ROUTING_GROUP_NOT_FOUND.rpc}) or could not be reached, 2 usage error.
`;

const PAGING: OptionSpec = {
  limit: { type: 'string' },
  offset: { type: 'string' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

interface Call {
  readonly uri: string;
  readonly limit: number;
  readonly offset: number;
  readonly json: boolean;
  readonly timeoutMs: number;
}

function commonOptions(command: string, parsed: Parsed): Call {
  const [uri, ...extra] = parsed.positionals;
  if (uri === undefined) throw new SippyError('USAGE', `${command}: missing URI; see sippy_routed ${command} --help`);
  if (extra.length > 0) throw new SippyError('USAGE', `${command}: unexpected argument ${JSON.stringify(extra[0])}`);
  return {
    uri: daemonUri(command, uri),
    limit: integerOption(command, '--limit', stringOption(parsed, 'limit'), 1, MAX_PAGE_LIMIT) ?? DEFAULT_PAGE_LIMIT,
    offset: integerOption(command, '--offset', stringOption(parsed, 'offset'), 0, MAX_PAGE_OFFSET) ?? 0,
    json: parsed.values.json === true,
    timeoutMs: integerOption(command, '--timeout', stringOption(parsed, 'timeout'), 1, MAX_CALL_TIMEOUT_MS) ?? DEFAULT_CALL_TIMEOUT_MS,
  };
}

/** One page of `method`, printed: its rows are under `rows`; anything else from the daemon is DAEMON_BAD_ANSWER. */
async function ask<T>(command: string, call: Call, method: string, params: Record<string, unknown>, rows: string, format: (page: T) => string, io: CliIo): Promise<number> {
  const rpc = new RpcClient(call.uri, { timeoutMs: call.timeoutMs });
  try {
    const result = await rpc.call(method, { ...params, limit: call.limit, offset: call.offset });
    if (typeof result !== 'object' || result === null || !Array.isArray((result as Record<string, unknown>)[rows])) {
      throw new SippyError('DAEMON_BAD_ANSWER', `${command}: ${call.uri} answered an invalid ${method} result`);
    }
    io.stdout.write(call.json ? `${JSON.stringify(result, null, 2)}\n` : format(result as T));
    return 0;
  } catch (err) {
    return daemonFailure(command, err, io);
  } finally {
    rpc.close();
  }
}

export async function groupsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine('groups', argv, PAGING, true);
  if (parsed.values.help === true) {
    io.stdout.write(GROUPS_HELP);
    return 0;
  }
  return ask('groups', commonOptions('groups', parsed), 'listGroups', {}, 'groups', formatGroups, io);
}

export async function routesCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine('routes', argv, { ...PAGING, group: { type: 'string' }, cld: { type: 'string' } }, true);
  if (parsed.values.help === true) {
    io.stdout.write(ROUTES_HELP);
    return 0;
  }
  const group = stringOption(parsed, 'group');
  if (group === undefined) throw new SippyError('USAGE', 'routes: missing --group NAME; see sippy_routed routes --help');
  const call = commonOptions('routes', parsed);
  const cld = stringOption(parsed, 'cld');
  return ask('routes', call, 'listRoutes', { routing_group: group, ...(cld !== undefined ? { cld } : {}) }, 'routes', formatRoutesPage, io);
}

/** "routes 1-100 of 250 (--offset 100 for more)". */
function pageLine(what: string, offset: number, shown: number, total: number): string {
  if (total === 0) return `no ${what}`;
  if (shown === 0) return `no ${what} at --offset ${offset} (${total} in all)`;
  const last = offset + shown;
  return `${what} ${offset + 1}-${last} of ${total}${last < total ? ` (--offset ${last} for more)` : ''}`;
}

export function formatGroups(page: GroupsPage): string {
  let out = `environment ${page.i_environment} (from the ${page.source === 'snapshot' ? 'routing snapshot' : 'database'}): ${pageLine('groups', page.offset, page.groups.length, page.total)}\n`;
  if (page.groups.length === 0) return out;
  out += formatTable(
    ['id', 'name', 'policy', 'avg. duration', 'external', 'entries', 'enabled connections'],
    page.groups.map((g) => [
      String(g.i_routing_group), g.name, g.policy, `${g.average_duration} s`, g.external ? `yes: ${g.uri ?? '(no uri)'}` : 'no',
      String(g.entries), String(g.enabled_connections),
    ]),
  );
  return out;
}

export function formatRoutesPage(page: RoutesPage): string {
  const g = page.routing_group;
  let out = `environment ${page.i_environment}, group ${JSON.stringify(g.name)} (policy ${g.policy}, from the ${page.source === 'snapshot' ? 'routing snapshot' : 'database'}): `;
  if (g.external) return `${out}external: its routes are its upstream's; ask ${g.uri ?? '(no uri)'}\n`;
  out += `${pageLine('routes', page.offset, page.routes.length, page.total)}\n`;
  if (page.routes.length === 0) return out;
  out += formatTable(
    ['order', 'connection', 'set', 'prefix', 'description', 'pref', 'price_1', 'price_n', 'intervals', 'flags', 'active from', 'until'],
    page.routes.map((r) => [
      String(r.entry_order), r.enabled ? r.connection_name : `${r.connection_name} (disabled)`, r.destination_set_name,
      r.prefix === '' ? '(any)' : r.prefix, r.description === null ? '-' : terminalSafe(r.description), String(r.preference), `${r.price_1} ${r.currency}`, r.price_n,
      `${r.interval_1}/${r.interval_n}`, [r.forbidden ? 'forbidden' : '', r.huntstop ? 'huntstop' : ''].filter((f) => f !== '').join(',') || '-',
      r.activation_date, r.expiration_date ?? '-',
    ]),
  );
  return out;
}

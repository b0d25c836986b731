// `sippy_routed query URI --group NAME --cld CLD ...`: ask a daemon for
// routes and print them as a table (or the raw result with --json).

import { redactUri } from '../dsn-syntax.js';
import { SippyError } from '../errors.js';
import { RoutingClient } from '../client/routing-client.js';
import { RpcClient } from '../client/rpc-client.js';
import type { RouteResult } from '../routing/index.js';
import { DEFAULT_CALL_TIMEOUT_MS, MAX_CALL_TIMEOUT_MS, MAX_ROUTES, MAX_UNIX_SECONDS } from '../limits.js';
import { isIsoWithOffset } from '../rpc/param-schemas.js';
import { integerOption, parseCommandLine, stringOption } from './args.js';
import { daemonFailure, daemonUri } from './daemon-call.js';
import type { CliIo } from './io.js';
import { formatTable } from './table.js';

export const QUERY_HELP = `Usage:
  sippy_routed query URI --group NAME --cld CLD [--cli CLI] [--time T]
                     [--max-routes N] [--explain] [--json] [--timeout MS]

Calls getRoutes on the daemon at URI (unix:/path, http://HOST:PORT/PATH or
https://...) and prints the routes in order: connection, vendor, destination,
matched prefix, prices, estimated cost, and the CLI/CLD after the
connection's translation rules. --explain also lists the routing entries left
out and why. --time is the call start (ISO 8601 with offset, or Unix seconds;
default now). --json prints the daemon's result as it came.

Exit status: 0 answered (even with no routes), 1 the daemon answered an error
or could not be reached, 2 usage error.
`;

/** --time as the daemon takes it, checked here: a bad one is a usage error before any call. */
function callStartTime(text: string | undefined): string | number | undefined {
  if (text === undefined) return undefined;
  if (/^\d{1,12}$/.test(text) && Number(text) <= MAX_UNIX_SECONDS) return Number(text);
  if (isIsoWithOffset(text)) return text;
  throw new SippyError('USAGE', `query: --time must be ISO 8601 with a UTC offset (2026-01-31T12:00:00+01:00 or ...Z) or Unix seconds up to ${MAX_UNIX_SECONDS}, got ${JSON.stringify(text)}`);
}

export function formatRoutes(result: RouteResult): string {
  const group = result.routing_group;
  let out = `environment ${result.i_environment}, group ${JSON.stringify(group.name)} (policy ${group.policy}), cli ${JSON.stringify(result.cli)}, cld ${JSON.stringify(result.cld)}\n`;
  if (result.routes.length === 0) {
    out += 'no routes: no connection can carry this call\n';
  } else {
    out += formatTable(
      ['#', 'connection', 'vendor', 'destination', 'set', 'prefix', 'price_1', 'price_n', 'intervals', 'est. cost', 'cli', 'cld'],
      result.routes.map((r, i) => [
        String(i + 1), r.connection_name, r.vendor_name, r.destination, r.destination_set_name, r.prefix === '' ? '(any)' : r.prefix,
        r.price_1, r.price_n, `${r.interval_1}/${r.interval_n}`, `${r.estimated_cost} ${r.currency}`, r.cli, r.cld,
      ]),
    );
  }
  if (result.excluded !== undefined && result.excluded.length > 0) {
    out += '\nleft out:\n' + formatTable(['connection', 'reason'], result.excluded.map((e) => [e.connection_name, e.reason]));
  }
  return out;
}

export async function queryCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine('query', argv, {
    group: { type: 'string' },
    cld: { type: 'string' },
    cli: { type: 'string' },
    time: { type: 'string' },
    'max-routes': { type: 'string' },
    explain: { type: 'boolean' },
    json: { type: 'boolean' },
    timeout: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, true);
  if (parsed.values.help === true) {
    io.stdout.write(QUERY_HELP);
    return 0;
  }
  const [uri, ...extra] = parsed.positionals;
  const group = stringOption(parsed, 'group');
  const cld = stringOption(parsed, 'cld');
  const missing = [uri === undefined ? 'URI' : undefined, group === undefined ? '--group NAME' : undefined, cld === undefined ? '--cld CLD' : undefined].filter((m) => m !== undefined);
  if (uri === undefined || group === undefined || cld === undefined) {
    throw new SippyError('USAGE', `query: missing ${missing.join(', ')}; see sippy_routed query --help`);
  }
  if (extra.length > 0) throw new SippyError('USAGE', `query: unexpected argument ${JSON.stringify(extra[0])}`);
  daemonUri('query', uri);
  const maxRoutes = integerOption('query', '--max-routes', stringOption(parsed, 'max-routes'), 1, MAX_ROUTES);
  const timeoutMs = integerOption('query', '--timeout', stringOption(parsed, 'timeout'), 1, MAX_CALL_TIMEOUT_MS) ?? DEFAULT_CALL_TIMEOUT_MS;
  const time = callStartTime(stringOption(parsed, 'time'));
  const explain = parsed.values.explain === true;
  const json = parsed.values.json === true;

  let client: RoutingClient;
  try {
    client = new RoutingClient(uri, { timeoutMs });
  } catch (err) {
    throw new SippyError('USAGE', `query: ${(err as Error).message}`);
  }
  try {
    const result = await client.getRoutes({
      routing_group: group,
      cld,
      cli: stringOption(parsed, 'cli') ?? '',
      call_start_time: time,
      max_routes: maxRoutes,
      explain: explain ? true : undefined,
    });
    const note = explain ? await externalNote(uri, timeoutMs, group) : undefined;
    io.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : formatRoutes(result) + (note === undefined ? '' : `\nnote: ${note}\n`));
    if (json && note !== undefined) io.stderr.write(`sippy_routed: query: note: ${note}\n`);
    return 0;
  } catch (err) {
    return daemonFailure('query', err, io);
  } finally {
    client.close();
  }
}

/**
 * With --explain on an external group, what the explanation leaves out: the
 * upstream is not asked to explain (routing.md, External groups), so only
 * this environment's own mapping shows. Asked with listGroups; a daemon
 * that does not serve it (an older version) gets no note.
 */
async function externalNote(uri: string, timeoutMs: number, group: string): Promise<string | undefined> {
  const rpc = new RpcClient(uri, { timeoutMs });
  try {
    const page = (await rpc.call('listGroups', { name: group })) as { groups?: { external?: unknown; uri?: unknown }[] };
    const found = Array.isArray(page?.groups) ? page.groups[0] : undefined;
    if (found?.external !== true) return undefined;
    const uri = typeof found.uri === 'string' ? redactUri(found.uri) : String(found.uri);
    return `group ${JSON.stringify(group)} is external (uri ${uri}): explain is not forwarded to the upstream, so "left out" shows only this environment's connections, not why the upstream left any out; run the same query against ${uri} to see those`;
  } catch {
    return undefined;
  } finally {
    rpc.close();
  }
}

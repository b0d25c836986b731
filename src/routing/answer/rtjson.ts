// The getRoutes answer in Kamailio's rtjson form (sip-proxies.md): the
// routing document its rtjson module forks from serially, one entry per
// route in the daemon's order. The same selection as getRoutes; only the
// writing differs. The document's shape is declared in contract.ts
// (RtjsonDocument, RtjsonRoute); it is made only here, by rtjsonRoute(), from
// a route's own data (the fields of the getRoutes route it stands for, with
// its destination parsed at load).

import type { Candidate } from '../rules/candidates.js';
import { DestinationError, fromUri, parseDestination, requestUri, type SipDestination } from '../rules/destination.js';
import type { RouteRow } from '../rules/model.js';
import { applyRule } from '../rules/translation.js';
import type { ExcludedEntry, Route, RouteResult, RtjsonDocument, RtjsonRoute } from '../contract.js';

/** What an rtjson route is made of: its getRoutes route's timers and translated numbers, and its destination parsed. */
export type RtjsonRouteData = Pick<Route, 'timeout' | 'timeout_1xx' | 'cli' | 'cld'> & { readonly destination: SipDestination };

/** The rtjson route of a route, for a request whose CLI was `requestCli`. */
export function rtjsonRoute(route: RtjsonRouteData, requestCli: string): RtjsonRoute {
  const destination = route.destination;
  const out: { -readonly [K in keyof RtjsonRoute]: RtjsonRoute[K] } = { uri: requestUri(destination, route.cld), dst_uri: destination.dstUri };
  if (route.timeout_1xx !== null) out.fr_timer = route.timeout_1xx * 1000;
  if (route.timeout !== null) out.fr_inv_timer = route.timeout * 1000;
  if (route.cli !== requestCli) out.headers = { from: { display: '', uri: fromUri(destination, route.cli) } };
  return out;
}

export function rtjsonDocument(routes: readonly RtjsonRoute[], excluded: readonly ExcludedEntry[] | undefined): RtjsonDocument {
  return excluded === undefined ? { version: '1.0', routing: 'serial', routes } : { version: '1.0', routing: 'serial', routes, excluded };
}

/** A chosen local route: its entry (connection and destination parsed at load), its route row, its parsed rules. */
export type LocalRoute = Pick<Candidate, 'entry' | 'cliRule' | 'cldRule'> & { readonly route: Pick<RouteRow, 'timeout' | 'timeout_1xx'> };

/**
 * The document of a local group's chosen routes. Every entry chosen has a
 * destination that parsed: one that did not is never a candidate (candidates.ts).
 */
export function localRtjson(routes: readonly LocalRoute[], cli: string, cld: string, excluded: readonly ExcludedEntry[] | undefined): RtjsonDocument {
  const out: RtjsonRoute[] = [];
  for (const { entry, route, cliRule, cldRule } of routes) {
    out.push(
      rtjsonRoute(
        { destination: entry.sipDestination as SipDestination, timeout: route.timeout, timeout_1xx: route.timeout_1xx, cli: applyRule(cliRule, cli), cld: applyRule(cldRule, cld) },
        cli,
      ),
    );
  }
  return rtjsonDocument(out, excluded);
}

/**
 * The document of a getRoutes answer made of Route objects: an external
 * group's (its local destinations were checked when its routes were mapped),
 * or one from a resolver without an rtjson path of its own. A route whose
 * destination does not parse has no URI to write and is left out.
 */
export function rtjsonOf(result: RouteResult): RtjsonDocument {
  const out: RtjsonRoute[] = [];
  for (const route of result.routes) {
    const destination = parseDestination(route.destination);
    if (destination instanceof DestinationError) continue;
    out.push(rtjsonRoute({ destination, timeout: route.timeout, timeout_1xx: route.timeout_1xx, cli: route.cli, cld: route.cld }, result.cli));
  }
  return rtjsonDocument(out, result.excluded);
}

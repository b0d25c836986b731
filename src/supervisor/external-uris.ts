// External groups that point at this host: a group of a local environment
// whose `uri` is a UNIX socket, or HTTP(S) on a loopback address, names one
// of our own listeners, usually another environment's. When no listener of
// the econfig serves that socket any more (that environment moved to HTTP,
// or was disabled), every call of the group fails with -32011; `check` and
// the reload log say so before the first call does. URIs of other hosts are
// not ours to judge and are left alone.

import { redactUri } from '../dsn-syntax.js';
import { catalogue } from '../errors.js';
import { endpointsClash } from '../econfig/clashes.js';
import { parseSocket } from '../econfig/listener-addresses.js';
import type { Endpoint, ListenerSpec } from '../econfig/listener-spec.js';

/** An external group as the database holds it. */
export interface ExternalGroup {
  readonly i_environment: number;
  readonly name: string;
  readonly uri: string | null;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** The endpoint of a URI that names this host, or undefined (another host, or not a socket URI at all). */
function localEndpoint(uri: string): Endpoint | undefined {
  const parsed = parseSocket(uri);
  if (!parsed.ok) return undefined;
  const { endpoint } = parsed.value;
  return endpoint.kind === 'unix' || isLoopback(endpoint.host) ? endpoint : undefined;
}

function serves(listener: Endpoint, wanted: Endpoint): boolean {
  return listener.kind === wanted.kind && endpointsClash(listener, wanted);
}

/**
 * One warning per external group of an environment in `listeners` whose
 * local URI no listener in `listeners` serves; [] when all are served.
 */
export function unservedExternalUris(groups: readonly ExternalGroup[], listeners: ReadonlyMap<number, ListenerSpec>): string[] {
  const warnings: string[] = [];
  for (const group of groups) {
    if (!listeners.has(group.i_environment) || group.uri === null) continue;
    const wanted = localEndpoint(group.uri);
    if (wanted === undefined) continue;
    if ([...listeners.values()].some((spec) => serves(spec.endpoint, wanted))) continue;
    warnings.push(
      `environment ${group.i_environment}: external group ${JSON.stringify(group.name)} points at ${redactUri(group.uri)}, which no listener of this econfig serves: its calls will fail (${catalogue.UPSTREAM_UNREACHABLE.rpc}) until the group's uri or the econfig is changed`,
    );
  }
  return warnings;
}

// Comparisons of listener specs that the plan relies on. Specs are
// normalised when built (econfig), so field equality is meaning equality.

import type { Endpoint, ListenerSpec } from '../econfig/listener-spec.js';

export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  if (a.kind === 'unix') return b.kind === 'unix' && a.path === b.path;
  return b.kind !== 'unix' && a.kind === b.kind && a.host === b.host && a.port === b.port;
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

function isIpv6(host: string): boolean {
  return host.includes(':');
}

/**
 * Whether two endpoints cannot both be bound: the same UNIX path; or the same
 * TCP port on the same address, or where either is a wildcard of the same
 * family, or where either is `::` (dual-stack, so it takes IPv4 too).
 */
export function endpointsClash(a: Endpoint, b: Endpoint): boolean {
  if (a.kind === 'unix') return b.kind === 'unix' && a.path === b.path;
  if (b.kind === 'unix') return false;
  if (a.port !== b.port) return false;
  if (a.host === b.host) return true;
  if (a.host === '::' || b.host === '::') return true;
  const sameFamily = isIpv6(a.host) === isIpv6(b.host);
  return sameFamily && (WILDCARDS.has(a.host) || WILDCARDS.has(b.host));
}

/** Same settings apart from the socket: no update is needed. */
export function sameSettings(a: ListenerSpec, b: ListenerSpec): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(spec: ListenerSpec): unknown {
  return {
    environment: spec.environment,
    socket: spec.socket,
    httpPath: spec.httpPath,
    socketMode: spec.socketMode,
    tls: spec.tls === undefined ? null : { cert: spec.tls.cert, key: spec.tls.key },
    allow: [...spec.allow],
    dsn: spec.dsn ?? null,
    limits: Object.fromEntries(Object.entries(spec.limits).sort(([x], [y]) => x.localeCompare(y))),
  };
}

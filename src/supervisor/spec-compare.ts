// Comparisons of listener specs that the plan relies on. Specs are
// normalised when built (econfig), so field equality is meaning equality.
// Whether two sockets can coexist is econfig's endpointsClash, the same rule
// that validates a file across environments.

import type { Endpoint, ListenerSpec } from '../econfig/listener-spec.js';

export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  if (a.kind === 'unix') return b.kind === 'unix' && a.path === b.path;
  return b.kind !== 'unix' && a.kind === b.kind && a.host === b.host && a.port === b.port;
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

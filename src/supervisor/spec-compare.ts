// Comparisons of listener specs that the plan relies on. Specs are
// normalised when built (econfig), so field equality is meaning equality.
// Whether two sockets can coexist is econfig's endpointsClash, the same rule
// that validates a file across environments.

import type { ListenerSpec } from '../econfig/listener-spec.js';

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
    dbWrite: spec.dbWrite ?? null,
    limits: Object.fromEntries(Object.entries(spec.limits).sort(([x], [y]) => x.localeCompare(y))),
  };
}

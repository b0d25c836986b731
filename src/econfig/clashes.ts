// Cross-environment validation: two enabled listeners must not want the same
// socket. UNIX sockets clash on the same (normalised) path. TCP endpoints
// clash on the same port when their address sets overlap, where
//   - `0.0.0.0` covers every IPv4 address,
//   - `::` covers every address, IPv4 included (a dual-stack socket),
//   - `localhost` stands for both 127.0.0.1 and ::1 (it may resolve to either),
// and http and https on the same host and port clash like any two TCP listeners.

import type { Endpoint } from './listener-spec.js';

export interface Claim {
  readonly environment: number;
  readonly endpoint: Endpoint;
  readonly socket: string;
}

export interface Clash<C extends Claim> {
  /** The later environment in the list, which is reported. */
  readonly claim: C;
  readonly earlier: C;
}

function addresses(host: string): string[] {
  return host === 'localhost' ? ['127.0.0.1', '::1'] : [host];
}

function isIPv4(address: string): boolean {
  return !address.includes(':');
}

function overlap(a: string, b: string): boolean {
  if (a === b || a === '::' || b === '::') return true;
  return (a === '0.0.0.0' && isIPv4(b)) || (b === '0.0.0.0' && isIPv4(a));
}

export function endpointsClash(a: Endpoint, b: Endpoint): boolean {
  if (a.kind === 'unix' || b.kind === 'unix') return a.kind === 'unix' && b.kind === 'unix' && a.path === b.path;
  if (a.port !== b.port) return false;
  return addresses(a.host).some((x) => addresses(b.host).some((y) => overlap(x, y)));
}

/** Every claim that clashes with an earlier one, paired with the first such earlier claim. */
export function findClashes<C extends Claim>(claims: readonly C[]): Clash<C>[] {
  const clashes: Clash<C>[] = [];
  claims.forEach((claim, i) => {
    const earlier = claims.slice(0, i).find((other) => endpointsClash(other.endpoint, claim.endpoint));
    if (earlier !== undefined) clashes.push({ claim, earlier });
  });
  return clashes;
}

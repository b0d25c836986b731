// Default-deny client address matching for http: and https: listeners (pure).
//
// Rules are the normalised CIDR strings of ListenerSpec.allow. A client is
// matched by the address the kernel reports for its socket, never by a
// header. IPv4 clients reaching an IPv6 wildcard listener appear as
// `::ffff:a.b.c.d` and are matched as the IPv4 address a.b.c.d against the
// IPv4 rules only (rpc.md); IPv6 rules match IPv6 clients only.

import { Address4, Address6 } from 'ip-address';

export class AllowList {
  readonly prefixes: readonly string[];
  private readonly v4: readonly Address4[];
  private readonly v6: readonly Address6[];

  /** Throws TypeError on a prefix that is not a CIDR: specs are validated upstream, so that is a bug. */
  constructor(prefixes: readonly string[]) {
    const v4: Address4[] = [];
    const v6: Address6[] = [];
    for (const prefix of prefixes) {
      if (Address4.isValid(prefix)) v4.push(new Address4(prefix));
      else if (Address6.isValid(prefix)) v6.push(new Address6(prefix));
      else throw new TypeError(`allow-list: ${JSON.stringify(prefix)} is not an IPv4 or IPv6 prefix`);
    }
    this.prefixes = Object.freeze([...prefixes]);
    this.v4 = v4;
    this.v6 = v6;
  }

  get isEmpty(): boolean {
    return this.prefixes.length === 0;
  }

  /** Whether a socket's remoteAddress is allowed. Unknown or malformed addresses are refused. */
  allows(remoteAddress: string | undefined): boolean {
    const client = clientAddress(remoteAddress);
    if (client === undefined) return false;
    if (client instanceof Address4) return this.v4.some((rule) => client.isInSubnet(rule));
    return this.v6.some((rule) => client.isInSubnet(rule));
  }
}

/** The client's address as the allow-list sees it: IPv4-mapped IPv6 becomes IPv4. */
export function clientAddress(remoteAddress: string | undefined): Address4 | Address6 | undefined {
  if (remoteAddress === undefined || remoteAddress === '' || remoteAddress.includes('/')) return undefined;
  if (Address4.isValid(remoteAddress)) return new Address4(remoteAddress);
  // Zone ids (fe80::1%eth0) are not part of the address.
  const bare = remoteAddress.replace(/%.*$/, '');
  if (!Address6.isValid(bare)) return undefined;
  const v6 = new Address6(bare);
  return v6.isMapped4() ? v6.to4() : v6;
}

/**
 * The client's address in the form an `-a` item that lets it in would take
 * (an IPv4-mapped client as a.b.c.d): what a refused client is told. The
 * socket's text when it is not an IP address.
 */
export function clientAddressText(remoteAddress: string | undefined): string {
  const client = clientAddress(remoteAddress);
  return client === undefined ? (remoteAddress ?? 'unknown') : client.correctForm();
}

/**
 * Remembers when each rejected address was last logged, so a client that
 * hammers a listener produces one log line a minute, not one per attempt.
 * Bounded: entries older than the interval are dropped when the map grows.
 */
export class RejectionLogLimiter {
  private readonly lastLogged = new Map<string, number>();

  constructor(
    private readonly intervalMs = 60_000,
    private readonly maxEntries = 10_000,
  ) {}

  /** True when `address` should be logged now (and records that it was). */
  shouldLog(address: string, nowMs: number): boolean {
    const last = this.lastLogged.get(address);
    if (last !== undefined && nowMs - last < this.intervalMs) return false;
    if (this.lastLogged.size >= this.maxEntries) this.prune(nowMs);
    // Still full of recent entries: an address flood. Log nothing new rather
    // than grow without bound; the flood itself shows in the counters.
    if (this.lastLogged.size >= this.maxEntries) return false;
    this.lastLogged.set(address, nowMs);
    return true;
  }

  private prune(nowMs: number): void {
    for (const [address, when] of this.lastLogged) {
      if (nowMs - when >= this.intervalMs) this.lastLogged.delete(address);
    }
  }
}

// One kept-alive RoutingClient per upstream URI, so that a busy external
// group reuses its connections instead of opening one per call. Bounded: at
// most `capacity` clients; the least recently used one is evicted, and closed
// once its calls in flight have finished (closing earlier would cut them).
//
// Per URI, one client (one socket pool) per hop count of the calls it makes
// (issue 12, item 13). A call sent with hops h can only be waiting on calls
// with hops h+1, h+2, ..., so it never waits for a socket held by a call that
// is itself waiting on it: a loop between daemons (or a group that names its
// own listener) always runs to the hops limit and ends in ROUTING_LOOP,
// however many requests loop at once, instead of exhausting one socket pool
// and timing out.

import { RoutingClient } from '../../client/routing-client.js';
import type { RpcClientOptions } from '../../client/rpc-client.js';

interface Slot {
  /** By the hops value of the calls made; created on first use. */
  readonly clients: RoutingClient[];
  inFlight: number;
  evicted: boolean;
}

export class UpstreamClients {
  /** In use order: the first key is the least recently used. */
  private readonly slots = new Map<string, Slot>();

  constructor(
    private readonly options: RpcClientOptions,
    private readonly capacity = 32,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`UpstreamClients: capacity must be a positive integer, got ${capacity}`);
  }

  /**
   * Runs `work` with the client of `uri` for calls sent with `hops`. Throws
   * what `new RoutingClient` throws for a URI it cannot use (an RpcCallError
   * 'unreachable').
   */
  async with<T>(uri: string, hops: number, work: (client: RoutingClient) => Promise<T>): Promise<T> {
    if (!Number.isInteger(hops) || hops < 0) throw new RangeError(`UpstreamClients: hops must be a non-negative integer, got ${hops}`);
    const slot = this.slotFor(uri);
    const client = (slot.clients[hops] ??= new RoutingClient(uri, this.options));
    slot.inFlight++;
    try {
      return await work(client);
    } finally {
      slot.inFlight--;
      if (slot.evicted && slot.inFlight === 0) closeAll(slot);
    }
  }

  get size(): number {
    return this.slots.size;
  }

  /** Closes every client, cutting calls in flight. Idempotent. */
  close(): void {
    for (const slot of this.slots.values()) {
      slot.evicted = true;
      closeAll(slot);
    }
    this.slots.clear();
  }

  private slotFor(uri: string): Slot {
    let slot = this.slots.get(uri);
    if (slot !== undefined) {
      this.slots.delete(uri);
      this.slots.set(uri, slot);
      return slot;
    }
    // The URI is checked now, so a bad one fails before anything is kept.
    slot = { clients: [], inFlight: 0, evicted: false };
    new RoutingClient(uri, this.options).close();
    if (this.slots.size >= this.capacity) this.evictOldest();
    this.slots.set(uri, slot);
    return slot;
  }

  private evictOldest(): void {
    const [uri, oldest] = this.slots.entries().next().value as [string, Slot];
    this.slots.delete(uri);
    oldest.evicted = true;
    if (oldest.inFlight === 0) closeAll(oldest);
  }
}

function closeAll(slot: Slot): void {
  for (const client of slot.clients) client?.close();
}

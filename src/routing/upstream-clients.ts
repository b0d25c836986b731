// One kept-alive RoutingClient per upstream URI, so that a busy external
// group reuses its connections instead of opening one per call. Bounded: at
// most `capacity` clients; the least recently used one is evicted, and closed
// once its calls in flight have finished (closing earlier would cut them).

import { RoutingClient } from '../client/routing-client.js';
import type { RpcClientOptions } from '../client/rpc-client.js';

interface Slot {
  readonly client: RoutingClient;
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
   * Runs `work` with the client of `uri`. Throws what `new RoutingClient`
   * throws for a URI it cannot use (an RpcCallError 'unreachable').
   */
  async with<T>(uri: string, work: (client: RoutingClient) => Promise<T>): Promise<T> {
    const slot = this.slotFor(uri);
    slot.inFlight++;
    try {
      return await work(slot.client);
    } finally {
      slot.inFlight--;
      if (slot.evicted && slot.inFlight === 0) slot.client.close();
    }
  }

  get size(): number {
    return this.slots.size;
  }

  /** Closes every client, cutting calls in flight. Idempotent. */
  close(): void {
    for (const slot of this.slots.values()) {
      slot.evicted = true;
      slot.client.close();
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
    slot = { client: new RoutingClient(uri, this.options), inFlight: 0, evicted: false };
    if (this.slots.size >= this.capacity) this.evictOldest();
    this.slots.set(uri, slot);
    return slot;
  }

  private evictOldest(): void {
    const [uri, oldest] = this.slots.entries().next().value as [string, Slot];
    this.slots.delete(uri);
    oldest.evicted = true;
    if (oldest.inFlight === 0) oldest.client.close();
  }
}

// What the harness reads of the daemon's routing data: `ping`'s `data`
// (snapshot.md "Start, outage, status"), and a bounded poll to wait on it.
// The harness never sleeps for a fixed time to let the daemon get somewhere:
// it asks until the daemon says so, and gives up at a deadline.

import type { RpcClient } from '../src/client/rpc-client.js';
import type { DataStatus } from '../src/routing/contract.js';

export type { DataStatus };

export interface PingAnswer {
  readonly i_environment: number;
  readonly version: string;
  /** Absent with `--data-source sql`. */
  readonly data?: DataStatus;
}

export async function pingData(client: RpcClient): Promise<DataStatus | undefined> {
  return ((await client.call('ping')) as PingAnswer).data;
}

/**
 * Calls `probe` every `intervalMs` until it returns something other than
 * undefined; rejects with `what` once `timeoutMs` has passed. A probe that
 * throws counts as "not yet" (the daemon may be busy or still binding), but
 * the last such error is named if the deadline passes. `gone` says why
 * waiting is pointless (the daemon exited): then it rejects at once.
 */
export async function pollUntil<T>(what: string, timeoutMs: number, intervalMs: number, probe: () => Promise<T | undefined>, gone?: () => string | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    const reason = gone?.();
    if (reason !== undefined) throw new Error(`${what}: ${reason}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) throw new Error(`${what} within ${timeoutMs / 1000} s${lastError === '' ? '' : ` (last error: ${lastError})`}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Count of lines in `text` that contain `needle`: the daemon's log as a record of events. */
export function countLines(text: string, needle: string): number {
  let count = 0;
  for (const line of text.split('\n')) if (line.includes(needle)) count++;
  return count;
}

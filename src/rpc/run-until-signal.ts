// The single-environment daemon's life (`sippy_routed -e N`): listen, wait
// for a stop signal, drain, stop (operations.md, Stop).

import type { ListenerSpec } from '../econfig/listener-spec.js';
import type { Logger } from '../log.js';
import type { Resolver } from '../routing/index.js';
import type { DaemonMetrics } from '../metrics/daemon-metrics.js';
import { DEFAULT_DRAIN_MS } from '../limits.js';
import { Listener } from './listener.js';

export interface RunOptions {
  /** Bound on finishing in-flight requests after the signal. Default 5 s. */
  readonly drainMs?: number;
  /** Called once listening (the caller may write a pidfile, print a line). */
  readonly onListening?: (listener: Listener) => void;
  /** The process's metrics when --metrics is on. */
  readonly metrics?: DaemonMetrics;
}

/**
 * Starts a listener for `spec`, waits for one of `signals`, then stops it
 * (in-flight requests get up to drainMs) and resolves with exit status 0.
 * A start failure rejects with its SippyError (SOCKET_IN_USE, ...): the
 * caller maps it to the exit status. The resolver is not closed here: the
 * caller created it and closes it after this resolves.
 */
export async function runListenerUntilSignal(
  spec: ListenerSpec,
  resolver: Resolver,
  logger: Logger,
  signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
  options: RunOptions = {},
): Promise<number> {
  const listener = new Listener(spec, resolver, logger, options.metrics !== undefined ? { metrics: options.metrics } : {});
  let received: (signal: NodeJS.Signals) => void = () => undefined;
  const signalled = new Promise<NodeJS.Signals>((resolve) => (received = resolve));
  // Installed before listening: a signal during start still stops cleanly.
  for (const signal of signals) process.on(signal, received);
  try {
    await listener.start();
    options.onListening?.(listener);
    const signal = await signalled;
    logger.info('stopping', { signal, environment: spec.environment, socket: spec.socket });
    await listener.stop(options.drainMs ?? DEFAULT_DRAIN_MS);
    return 0;
  } finally {
    for (const signal of signals) process.off(signal, received);
    await listener.stop(0);
  }
}

// A daemon's listener in-process, built as the daemon builds it: a pool
// sized by the spec's limits, the resolver the supervisor gives a listener
// (listenerResolver: the database health log around the routing resolver),
// over a snapshot follower when asked, and the listener itself. One rig
// for the suites that need the real stack without a child process; close()
// takes it down in the reverse order.

import { parseDsn } from '../../src/db/dsn.js';
import { Database } from '../../src/db/pool.js';
import type { ListenerSpec } from '../../src/econfig/listener-spec.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { Listener } from '../../src/rpc/listener.js';
import { SnapshotFollower } from '../../src/routing/index.js';
import type { Resolver } from '../../src/routing/contract.js';
import { listenerResolver, poolLimitsOf } from '../../src/supervisor/managed-listener.js';

export interface ListenerRig {
  readonly spec: ListenerSpec;
  readonly db: Database;
  /** Present when the rig answers from a snapshot. */
  readonly follower: SnapshotFollower | undefined;
  readonly resolver: Resolver;
  readonly listener: Listener;
  close(): Promise<void>;
}

export interface ListenerRigOptions {
  readonly dsn: string;
  readonly spec: ListenerSpec;
  /**
   * Answer from a snapshot loaded before the listener starts. Its follower
   * polls only when told (syncNow), so a test knows which state it serves.
   */
  readonly snapshot?: boolean;
  readonly logger?: Logger;
}

/** Starts the rig; the listener is listening when it resolves. */
export async function startListenerRig(options: ListenerRigOptions): Promise<ListenerRig> {
  const logger = options.logger ?? silentLogger;
  const db = new Database(parseDsn(options.dsn), poolLimitsOf(options.spec));
  let follower: SnapshotFollower | undefined;
  if (options.snapshot === true) {
    follower = new SnapshotFollower({ dsn: parseDsn(options.dsn), settings: { pollMs: 60_000, reconcileS: 0 }, logger });
    follower.start();
    await follower.syncNow();
  }
  const resolver = listenerResolver(db, options.spec, logger, follower);
  const listener = new Listener(options.spec, resolver, logger);
  await listener.start();
  return {
    spec: options.spec, db, follower, resolver, listener,
    async close() {
      await listener.stop(0);
      await resolver.close();
      await follower?.stop();
      await db.close();
    },
  };
}

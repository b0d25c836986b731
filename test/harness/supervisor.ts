// An in-process supervisor on a real econfig file, real listeners and a real
// database, for the supervisor's integration tests.

import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RoutingClient } from '../../src/client/routing-client.js';
import { SnapshotRegistry } from '../../src/routing/index.js';
import { DatabaseRegistry } from '../../src/db/registry.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { FixedEnvironments } from '../../src/supervisor/environments.js';
import { supervisedListenerFactory } from '../../src/supervisor/managed-listener.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { makeTempDir, type TempDir } from './rpc.js';

/** A fixed list that counts how many reloads asked for it, and can hold a reload at that point. */
export class CountingEnvironments extends FixedEnvironments {
  calls = 0;
  /** What list() answers from now on (as the environments table would after an edit). */
  current: readonly number[] | undefined;
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;

  /** The next list() waits until release() is called. */
  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  override async list(): Promise<readonly number[]> {
    this.calls += 1;
    await this.gate;
    return this.current ?? super.list();
  }
}

export interface SupervisorRig {
  readonly dir: TempDir;
  readonly file: string;
  readonly rundir: string;
  readonly environments: CountingEnvironments;
  readonly supervisor: Supervisor;
  readonly registry: DatabaseRegistry;
  /** Replaces the econfig file the way most editors save (rename over). */
  write(text: string): void;
  socketOf(environment: number): string;
  /** A client of an environment's default socket; closed by dispose(). */
  client(environment: number): RoutingClient;
  dispose(): Promise<void>;
}

export function supervisorRig(options: { dsn: string; environments: readonly number[]; econfig: string; logger?: Logger; drainMs?: number }): SupervisorRig {
  const dir = makeTempDir('sr-sup-');
  const file = join(dir.path, 'econfig');
  const rundir = join(dir.path, 'run');
  mkdirSync(rundir);
  const write = (text: string): void => {
    writeFileSync(`${file}.new`, text);
    renameSync(`${file}.new`, file);
  };
  write(options.econfig);
  const environments = new CountingEnvironments(options.environments);
  const registry = new DatabaseRegistry();
  const logger = options.logger ?? silentLogger;
  const snapshots = new SnapshotRegistry(logger);
  const supervisor = new Supervisor({
    file, rundir, environments, logger,
    listenerFactory: supervisedListenerFactory({ registry, snapshots, defaultDsn: options.dsn, logger, drainMs: options.drainMs ?? 100 }),
    snapshots: () => snapshots.statuses(),
  });
  const clients: RoutingClient[] = [];
  const socketOf = (environment: number): string => join(rundir, `sippy_routed.${environment}.sock`);
  return {
    dir, file, rundir, environments, supervisor, registry, write, socketOf,
    client(environment) {
      const client = new RoutingClient(`unix:${socketOf(environment)}`, { timeoutMs: 5000 });
      clients.push(client);
      return client;
    },
    async dispose() {
      for (const client of clients.splice(0)) client.close();
      environments.release();
      await supervisor.stop();
      await snapshots.closeAll();
      await registry.closeAll();
      dir.remove();
    },
  };
}

export const PLAIN_ECONFIG = 'command_args="/usr/local/bin/sippy_routed -e %%I_ENVIRONMENT%%"\n';

// The supervisor: one process, one listener per enabled environment, kept
// in step with the econfig file. A reload reads the file, validates it for
// every environment, plans against what runs, and applies the plan; a file
// that does not validate changes nothing. Reloads never overlap: a trigger
// during a reload schedules exactly one more.

import { createHash } from 'node:crypto';
import { loadEconfig, formatEconfigError, formatEconfigWarning } from '../econfig/index.js';
import type { ListenerSpec } from '../econfig/listener-spec.js';
import type { Logger } from '../log.js';
import { describeForLog } from '../log.js';
import { EconfigReader } from './econfig-file.js';
import { Executor, type ListenerFactory } from './executor.js';
import { plan } from './plan.js';
import type { EnvironmentSource } from './environments.js';
import type { DataStatus, SnapshotStatus } from '../routing/index.js';
import type { DatabaseCheck } from './database-probe.js';

export interface ReloadResult {
  readonly result: 'ok' | 'error';
  /** ISO 8601 time the reload finished. */
  readonly time: string;
  readonly trigger: string;
  /** sha256 of the file content (undefined when it could not be read). */
  readonly hash: string | undefined;
  readonly environments: readonly number[];
  /** Errors (file:line:column: ...) or failed steps; empty when ok. */
  readonly messages: readonly string[];
  /** One line per change applied. */
  readonly changes: readonly string[];
  /**
   * True when the file and the environment list were those already applied:
   * nothing was done. Such a result is returned and logged, but `status`
   * keeps showing the last reload that did something (a poll every 30 s
   * must not hide it).
   */
  readonly unchanged: boolean;
}

export interface ListenerStatus {
  readonly i_environment: number;
  readonly socket: string;
  readonly allow: readonly string[];
  readonly since: string;
  readonly requests: number;
  readonly errors: number;
  /** Requests being answered now (received, not yet answered). */
  readonly in_flight: number;
  /** Where its answers come from (docs/routing.md, "Where answers come from"); null with --data-source sql. */
  readonly data: DataStatus | null;
  /** Its database as last probed (answers, schema version, triggers, problem); null before the first probe. */
  readonly database: DatabaseCheck | null;
}

export interface SupervisorStatus {
  readonly pid: number;
  readonly file: string;
  readonly environments: readonly number[];
  readonly listeners: readonly ListenerStatus[];
  /** One per database snapshot (DSN redacted). */
  readonly snapshots: readonly SnapshotStatus[];
  readonly last_reload: ReloadResult | undefined;
}

export interface SupervisorOptions {
  readonly file: string;
  readonly rundir: string;
  readonly environments: EnvironmentSource;
  readonly listenerFactory: ListenerFactory;
  /** The snapshots of the listeners' databases, for status; none when absent. */
  readonly snapshots?: () => SnapshotStatus[];
  /** The last probe of a listener's database, for status. */
  readonly database?: (spec: ListenerSpec) => DatabaseCheck | undefined;
  /**
   * Called after every reload of a valid file with the listeners now
   * running (an unchanged one too, except the environment poll's: every
   * `--env-poll` seconds is not "every reload" to an operator); not awaited.
   */
  readonly afterReload?: (running: ReadonlyMap<number, ListenerSpec>) => void;
  readonly logger: Logger;
  readonly clock?: () => Date;
  /** Bound on one read of the file, ms (default ECONFIG_READ_TIMEOUT_MS). */
  readonly readTimeoutMs?: number;
  /** Told every reload that applied a change or failed (metrics): ok, invalid (the file does not validate) or failed. */
  readonly metrics?: { reload(result: 'ok' | 'invalid' | 'failed', trigger: string): void };
}

export class Supervisor {
  private readonly options: SupervisorOptions;
  private readonly executor: Executor;
  private readonly reader: EconfigReader;
  private readonly clock: () => Date;
  /** Hash of file + environment list last applied with every step successful. */
  private appliedKey: string | undefined;
  /** Hash of file + environment list last found invalid: not re-validated or re-logged until it changes. */
  private invalidKey: string | undefined;
  private last: ReloadResult | undefined;
  private currentEnvironments: readonly number[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private queued: Promise<ReloadResult> | undefined;
  /** The executor's apply step of the reload in progress, the only part of a reload that stop() waits for. */
  private applying: Promise<unknown> | undefined;
  private stopped = false;

  constructor(options: SupervisorOptions) {
    this.options = options;
    this.clock = options.clock ?? (() => new Date());
    this.executor = new Executor(options.listenerFactory, this.clock);
    this.reader = new EconfigReader(options.file, options.readTimeoutMs);
  }

  /**
   * Reloads now, or right after the reload in progress. Triggers that
   * arrive while a reload waits to start share it: it reads the file when
   * it starts, so it sees every change they announced.
   */
  reload(trigger: string): Promise<ReloadResult> {
    if (this.queued !== undefined) return this.queued;
    const next = this.chain.then(() => {
      this.queued = undefined;
      // A bug must not end the supervisor: it becomes a failed reload.
      return this.reloadOnce(trigger).catch((err: unknown) =>
        this.finish(trigger, 'error', undefined, [`internal error during reload: ${describeForLog(err)}`], []),
      );
    });
    this.queued = next;
    this.chain = next.catch(() => undefined);
    return next;
  }

  status(): SupervisorStatus {
    const listeners = [...this.executor.running()]
      .sort(([a], [b]) => a - b)
      .map(([environment, running]) => {
        const stats = running.listener.stats();
        return {
          i_environment: environment,
          socket: running.listener.spec.socket,
          allow: running.listener.spec.allow,
          since: running.since.toISOString(),
          requests: stats.requests,
          errors: stats.errors,
          in_flight: stats.inFlight ?? 0,
          data: stats.data ?? null,
          database: this.options.database?.(running.listener.spec) ?? null,
        };
      });
    const snapshots = this.options.snapshots?.() ?? [];
    return { pid: process.pid, file: this.options.file, environments: this.currentEnvironments, listeners, snapshots, last_reload: this.last };
  }

  /** The specs of the listeners running now, by environment. */
  runningSpecs(): Map<number, ListenerSpec> {
    return this.executor.runningSpecs();
  }

  /**
   * Stops every listener (drained, bounded). Idempotent. Never waits for a
   * reload that is still reading the file or the environment list (a slow
   * database, a stuck file system): that reload finds the supervisor stopping
   * and applies nothing. Only a reload already starting or stopping
   * listeners is waited for, so that stopAll() sees every one of them.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.applying;
    await this.executor.stopAll();
  }

  private async reloadOnce(trigger: string): Promise<ReloadResult> {
    const { logger } = this.options;
    if (this.stopped) return this.finish(trigger, 'error', undefined, ['supervisor is stopping'], []);
    const environments = await this.options.environments.list(this.currentEnvironments);
    this.currentEnvironments = environments;

    const read = await this.reader.read();
    if (this.stopped) return this.finish(trigger, 'error', undefined, ['supervisor is stopping'], []);
    if (!read.ok) {
      return this.finish(trigger, 'error', undefined, [`${this.options.file}: cannot read the econfig file (${read.reason}); nothing changed`], []);
    }
    const text = read.text;
    const hash = createHash('sha256').update(text).digest('hex');
    const key = `${hash}:${environments.join(',')}`;
    if (key === this.appliedKey && this.last !== undefined) {
      // Back to the applied file after a failed reload (deleted, invalid):
      // what runs matches the file again, so the result is ok, not that error.
      if (this.last.result !== 'ok') return this.finish(trigger, 'ok', hash, [], []);
      return this.unchanged(trigger, hash);
    }

    if (key === this.invalidKey && this.last?.result === 'error' && this.last.hash === hash) {
      // The same invalid file again (a poll, a SIGHUP): its errors are already reported.
      logger.debug('reload: the file is still the invalid one', { trigger });
      return this.last;
    }
    const loaded = loadEconfig(text, { file: this.options.file, environments, rundir: this.options.rundir });
    if (!loaded.ok) {
      this.invalidKey = key;
      return this.finish(trigger, 'error', hash, loaded.errors.map(formatEconfigError), [], 'invalid');
    }
    this.invalidKey = undefined;
    // Once per new file or environment list, as the errors are.
    for (const warning of loaded.warnings) logger.warn(formatEconfigWarning(warning), { trigger });
    const desired = new Map<number, ListenerSpec>();
    for (const env of loaded.environments) if (env.enabled && env.spec !== undefined) desired.set(env.i_environment, env.spec);

    // Checked with no await before the apply starts: stop() either sees
    // `applying` and waits for it, or this reload sees `stopped`.
    if (this.stopped) return this.finish(trigger, 'error', hash, ['supervisor is stopping'], []);
    const applying = this.executor.apply(plan(desired, this.executor.runningSpecs()));
    this.applying = applying.catch(() => undefined);
    let outcomes: Awaited<typeof applying>;
    try {
      outcomes = await applying;
    } finally {
      this.applying = undefined;
    }
    const failures = outcomes.filter((o) => o.error !== undefined).map((o) => `${o.description}: ${o.error}`);
    const changes = outcomes.filter((o) => o.error === undefined).map((o) => o.description);
    if (failures.length === 0) this.appliedKey = key;
    this.options.afterReload?.(this.executor.runningSpecs());
    return this.finish(trigger, failures.length === 0 ? 'ok' : 'error', hash, failures, changes);
  }

  /** A fresh result saying nothing changed; the environment poll's own are logged at debug only. */
  private unchanged(trigger: string, hash: string): ReloadResult {
    const log = trigger === 'environment poll' ? this.options.logger.debug : this.options.logger.info;
    log.call(this.options.logger, 'reload unchanged', { trigger, hash, applied_at: this.last?.time });
    if (trigger !== 'environment poll') this.options.afterReload?.(this.executor.runningSpecs());
    return Object.freeze({
      result: 'ok', time: this.clock().toISOString(), trigger, hash, environments: this.currentEnvironments, messages: [], changes: [], unchanged: true,
    });
  }

  private finish(trigger: string, result: 'ok' | 'error', hash: string | undefined, messages: string[], changes: string[], why: 'invalid' | 'failed' = 'failed'): ReloadResult {
    const { logger } = this.options;
    this.options.metrics?.reload(result === 'ok' ? 'ok' : why, trigger);
    for (const change of changes) logger.info(change, { trigger });
    for (const message of messages) logger.error(message, { trigger });
    // A failed reload leaves the old listeners running: at warn, an operator
    // filtering out info still sees that the file did not apply.
    const summary = result === 'ok' ? logger.info : logger.warn;
    summary.call(logger, `reload ${result}`, { trigger, hash, changes: changes.length, errors: messages.length });
    this.last = Object.freeze({
      result, time: this.clock().toISOString(), trigger, hash, environments: this.currentEnvironments, messages, changes, unchanged: false,
    });
    return this.last;
  }
}

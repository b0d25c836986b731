// Applies a plan to the running listeners, one step at a time, make before
// break: a move binds the new socket first and only then stops the old
// listener; a failed bind leaves the old listener serving (per-listener
// rollback) and is reported. Steps never throw: each has an outcome.

import type { ListenerSpec } from '../econfig/listener-spec.js';
import type { DataStatus } from '../routing/index.js';
import type { PlanStep } from './plan.js';
import { describeStep } from './plan.js';

/** What the supervisor needs of a listener (rpc/ implements it). */
export interface ManagedListener {
  readonly spec: ListenerSpec;
  /** Binds and serves; rejects when the socket cannot be bound. Idempotent. */
  start(): Promise<void>;
  /** New settings on the same socket, without closing it. */
  update(spec: ListenerSpec): Promise<void>;
  /**
   * Stops accepting, lets in-flight requests finish (bounded), closes.
   * Idempotent. It stops accepting before it first waits for I/O, so the
   * same socket can be bound again one event-loop turn after the call.
   */
  stop(): Promise<void>;
  stats(): { readonly requests: number; readonly errors: number; readonly inFlight?: number; readonly data?: DataStatus | undefined };
}

export type ListenerFactory = (spec: ListenerSpec) => ManagedListener;

export interface StepOutcome {
  readonly step: PlanStep;
  readonly description: string;
  /** Undefined when the step succeeded. */
  readonly error: string | undefined;
}

export interface RunningListener {
  readonly listener: ManagedListener;
  readonly since: Date;
}

export class Executor {
  private readonly factory: ListenerFactory;
  private readonly clock: () => Date;
  private readonly listeners = new Map<number, RunningListener>();
  /** Listeners a reload retired that are still draining, with their UNIX socket path: stopAll() waits for them. */
  private readonly draining = new Map<Promise<void>, string | undefined>();

  constructor(factory: ListenerFactory, clock: () => Date = () => new Date()) {
    this.factory = factory;
    this.clock = clock;
  }

  /** The specs actually running, by environment: the `running` input of plan(). */
  runningSpecs(): Map<number, ListenerSpec> {
    return new Map([...this.listeners].map(([env, running]) => [env, running.listener.spec]));
  }

  running(): ReadonlyMap<number, RunningListener> {
    return this.listeners;
  }

  async apply(steps: readonly PlanStep[]): Promise<StepOutcome[]> {
    const outcomes: StepOutcome[] = [];
    for (const step of steps) {
      let error: string | undefined;
      try {
        await this.applyStep(step);
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      outcomes.push({ step, description: describeStep(step), error });
    }
    return outcomes;
  }

  /** Stops every listener (in parallel: each drains on its own) and waits for retired ones. Idempotent. */
  async stopAll(): Promise<void> {
    const all = [...this.listeners.values()];
    this.listeners.clear();
    await Promise.all([...all.map((running) => running.listener.stop()), ...this.draining.keys()]);
  }

  private async applyStep(step: PlanStep): Promise<void> {
    switch (step.kind) {
      case 'start': {
        this.listeners.set(step.environment, { listener: await this.bind(step.to), since: this.clock() });
        return;
      }
      case 'update': {
        const running = this.mustHave(step.environment);
        await running.listener.update(step.to);
        return;
      }
      case 'move': {
        const old = this.mustHave(step.environment);
        // If the new socket cannot be bound, the old listener was never touched: it keeps serving.
        this.listeners.set(step.environment, { listener: await this.bind(step.to), since: this.clock() });
        await this.retire(old.listener);
        return;
      }
      case 'stop': {
        const running = this.mustHave(step.environment);
        this.listeners.delete(step.environment);
        await this.retire(running.listener);
        return;
      }
    }
  }

  /**
   * Stops a listener the plan no longer wants: it stops accepting now, and
   * its drain goes on in the background, so a slow request on an old socket
   * holds up neither this reload nor the edits after it (operations.md: an
   * edit is applied within 1 s of the save). One event-loop turn lets stop()
   * give the socket up before a later step binds it again.
   */
  private async retire(listener: ManagedListener): Promise<void> {
    const { endpoint } = listener.spec;
    const drained: Promise<void> = listener
      .stop()
      .catch(() => undefined)
      .finally(() => this.draining.delete(drained));
    this.draining.set(drained, endpoint.kind === 'unix' ? endpoint.path : undefined);
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** A new listener, listening; or the bind error, with nothing left half-open. */
  private async bind(spec: ListenerSpec): Promise<ManagedListener> {
    const { endpoint } = spec;
    if (endpoint.kind === 'unix') {
      // A retired listener removes its socket file at the end of its drain
      // if the file is still its own; that check and the unlink are two
      // steps, which a new socket file at the same path must not fall
      // between. So a path still draining is bound once the drain is over
      // (sockets swapped between environments, a quick move back).
      await Promise.all([...this.draining].filter(([, path]) => path === endpoint.path).map(([drained]) => drained));
    }
    const listener = this.factory(spec);
    try {
      await listener.start();
      return listener;
    } catch (err) {
      await listener.stop().catch(() => undefined);
      throw err;
    }
  }

  private mustHave(environment: number): RunningListener {
    const running = this.listeners.get(environment);
    if (running === undefined) throw new Error(`environment ${environment} has no running listener`);
    return running;
  }
}

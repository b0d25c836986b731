// Applies a plan to the running listeners, one step at a time, make before
// break: a move binds the new socket first and only then stops the old
// listener; a failed bind leaves the old listener serving (per-listener
// rollback) and is reported. Steps never throw: each has an outcome.

import type { ListenerSpec } from '../econfig/listener-spec.js';
import type { PlanStep } from './plan.js';
import { describeStep } from './plan.js';

/** What the supervisor needs of a listener (rpc/ implements it). */
export interface ManagedListener {
  readonly spec: ListenerSpec;
  /** Binds and serves; rejects when the socket cannot be bound. Idempotent. */
  start(): Promise<void>;
  /** New settings on the same socket, without closing it. */
  update(spec: ListenerSpec): Promise<void>;
  /** Stops accepting, lets in-flight requests finish (bounded), closes. Idempotent. */
  stop(): Promise<void>;
  stats(): { readonly requests: number; readonly errors: number };
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

  /** Stops every listener (in parallel: each drains on its own). Idempotent. */
  async stopAll(): Promise<void> {
    const all = [...this.listeners.values()];
    this.listeners.clear();
    await Promise.all(all.map((running) => running.listener.stop()));
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
        await old.listener.stop();
        return;
      }
      case 'stop': {
        const running = this.mustHave(step.environment);
        this.listeners.delete(step.environment);
        await running.listener.stop();
        return;
      }
    }
  }

  /** A new listener, listening; or the bind error, with nothing left half-open. */
  private async bind(spec: ListenerSpec): Promise<ManagedListener> {
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

// Load for reload tests: per environment, several loops call getRoutes
// back to back (keep-alive, no pause) on that environment's current socket,
// and record every failed request with its time span. A StepLedger records
// which environments each reload step was allowed to disturb; a failure is
// a violation unless it overlaps a step that changed its environment.

import { RoutingClient, type GetRoutesCall } from '../../src/client/routing-client.js';
import { delay } from './rpc.js';

export interface RequestFailure {
  readonly environment: number;
  readonly uri: string;
  readonly start: number;
  readonly end: number;
  readonly message: string;
}

interface Target {
  readonly uri: string;
  readonly client: RoutingClient;
}

export class RouteLoad {
  private readonly targets = new Map<number, Target | undefined>();
  private readonly clients: RoutingClient[] = [];
  private readonly loops: Promise<void>[] = [];
  private readonly succeeded = new Map<number, number>();
  private stopping = false;
  readonly failures: RequestFailure[] = [];

  /**
   * `calls`: the getRoutes call each environment's loops make (a group with
   * routes). `deadline`: the loops end by then even if stop() is never called.
   */
  constructor(
    private readonly calls: ReadonlyMap<number, GetRoutesCall>,
    private readonly loopsPerEnvironment = 3,
    private readonly deadline = Date.now() + 150_000,
  ) {}

  /** Points an environment's loops at a socket URI, or pauses them (undefined: the environment runs no listener). */
  setTarget(environment: number, uri: string | undefined): void {
    if (uri === undefined) {
      this.targets.set(environment, undefined);
      return;
    }
    // Old clients stay open until stop(): a request still in flight on the
    // old socket must be allowed to finish, not be cut by us.
    const client = new RoutingClient(uri, { timeoutMs: 3000 });
    this.clients.push(client);
    this.targets.set(environment, { uri, client });
  }

  start(): void {
    for (const environment of this.calls.keys()) {
      for (let i = 0; i < this.loopsPerEnvironment; i++) this.loops.push(this.loop(environment));
    }
  }

  /** Ends the loops (each finishes its current request) and closes every client. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    for (const client of this.clients) client.close();
  }

  successes(environment: number): number {
    return this.succeeded.get(environment) ?? 0;
  }

  private async loop(environment: number): Promise<void> {
    const call = this.calls.get(environment)!;
    while (!this.stopping && Date.now() < this.deadline) {
      const target = this.targets.get(environment);
      if (target === undefined) {
        await delay(20);
        continue;
      }
      const start = Date.now();
      try {
        const result = await target.client.getRoutes(call);
        if (result.i_environment !== environment) throw new Error(`answered for environment ${result.i_environment}`);
        if (result.routes.length === 0) throw new Error('answered no routes');
        this.succeeded.set(environment, this.successes(environment) + 1);
      } catch (err) {
        this.failures.push({ environment, uri: target.uri, start, end: Date.now(), message: (err as Error).message });
        // Not a pause of the load: a refused connection would otherwise spin.
        await delay(5);
      }
    }
  }
}

interface Step {
  readonly name: string;
  readonly changing: ReadonlySet<number>;
  readonly start: number;
  end: number;
}

export class StepLedger {
  private readonly steps: Step[] = [];
  private open: Step | undefined;

  /** A step begins just before its edit; `changing` lists the environments whose listener it changes. */
  begin(name: string, changing: readonly number[]): void {
    if (this.open !== undefined) throw new Error(`step ${this.open.name} still open`);
    this.open = { name, changing: new Set(changing), start: Date.now(), end: Number.POSITIVE_INFINITY };
    this.steps.push(this.open);
  }

  /** The step ends once its outcome has been checked (new socket serving, old one closed). */
  end(): void {
    if (this.open === undefined) throw new Error('no step open');
    this.open.end = Date.now();
    this.open = undefined;
  }

  get count(): number {
    return this.steps.length;
  }

  /** Failures not excused by an overlapping step that changed their environment, described for the assertion message. */
  violations(failures: readonly RequestFailure[]): string[] {
    return failures
      .filter((f) => !this.steps.some((s) => s.changing.has(f.environment) && f.start <= s.end && f.end >= s.start))
      .map((f) => {
        const during = this.steps.filter((s) => f.start <= s.end && f.end >= s.start).map((s) => s.name);
        return `environment ${f.environment} (${f.uri}) during [${during.join(', ') || 'no step'}]: ${f.message}`;
      });
  }
}

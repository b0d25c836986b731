import { expect } from 'chai';
import { Executor, type ManagedListener } from '../../src/supervisor/executor.js';
import { plan } from '../../src/supervisor/plan.js';
import { DEFAULT_LIMITS, type ListenerSpec } from '../../src/econfig/listener-spec.js';

function spec(environment: number, path: string, allow: string[] = []): ListenerSpec {
  return Object.freeze({
    environment, endpoint: { kind: 'unix' as const, path }, socket: `unix:${path}`, httpPath: '/', socketMode: 0o660,
    tls: undefined, allow, dsn: undefined, limits: DEFAULT_LIMITS,
  });
}

// A recording fake: binding fails for paths in `unbindable`.
class FakeListener implements ManagedListener {
  spec: ListenerSpec;
  private bound = false;
  constructor(spec: ListenerSpec, private readonly journal: string[], private readonly unbindable: Set<string>) {
    this.spec = spec;
  }
  async start(): Promise<void> {
    if (this.unbindable.has(this.spec.socket)) throw new Error(`cannot bind ${this.spec.socket}: address in use`);
    this.journal.push(`bind ${this.spec.socket}`);
    this.bound = true;
  }
  async update(next: ListenerSpec): Promise<void> {
    this.journal.push(`update ${this.spec.socket} allow=${next.allow.join(',')}`);
    this.spec = next;
  }
  /** While set, stop() stops accepting at once and ends its drain when the test resolves it. */
  static drain: Promise<void> | undefined;
  async stop(): Promise<void> {
    if (this.bound) this.journal.push(`close ${this.spec.socket}`);
    const wasBound = this.bound;
    this.bound = false;
    if (wasBound && FakeListener.drain !== undefined) {
      await FakeListener.drain;
      this.journal.push(`drained ${this.spec.socket}`);
    }
  }
  stats() {
    return { requests: 0, errors: 0 };
  }
}

describe('supervisor executor', () => {
  let journal: string[];
  let unbindable: Set<string>;
  let executor: Executor;

  beforeEach(() => {
    journal = [];
    unbindable = new Set();
    executor = new Executor((s) => new FakeListener(s, journal, unbindable));
  });

  async function reconcile(...desired: ListenerSpec[]) {
    return executor.apply(plan(new Map(desired.map((s) => [s.environment, s])), executor.runningSpecs()));
  }

  it('starts, updates in place, moves make-before-break, stops', async () => {
    await reconcile(spec(1, '/a'), spec(2, '/b'));
    await reconcile(spec(1, '/a', ['127.0.0.1/32']), spec(2, '/c'));
    await reconcile(spec(1, '/a', ['127.0.0.1/32']));
    expect(journal).to.deep.equal([
      'bind unix:/a', 'bind unix:/b',
      'update unix:/a allow=127.0.0.1/32',
      'bind unix:/c', 'close unix:/b',
      'close unix:/c',
    ]);
    expect([...executor.runningSpecs().keys()]).to.deep.equal([1]);
  });

  it('a move whose new socket cannot be bound leaves the old listener serving, and says why', async () => {
    await reconcile(spec(1, '/a'));
    unbindable.add('unix:/taken');
    const outcomes = await reconcile(spec(1, '/taken'));
    expect(outcomes.map((o) => o.error)).to.deep.equal(['cannot bind unix:/taken: address in use']);
    expect(journal).to.deep.equal(['bind unix:/a']);
    expect(executor.runningSpecs().get(1)!.socket).to.equal('unix:/a');
  });

  it('a failed start affects only its environment; the next reconcile retries it', async () => {
    unbindable.add('unix:/b');
    const outcomes = await reconcile(spec(1, '/a'), spec(2, '/b'));
    expect(outcomes.map((o) => [o.description, o.error])).to.deep.equal([
      ['environment 1: start on unix:/a', undefined],
      ['environment 2: start on unix:/b', 'cannot bind unix:/b: address in use'],
    ]);
    unbindable.clear();
    const retry = await reconcile(spec(1, '/a'), spec(2, '/b'));
    expect(retry.map((o) => o.description)).to.deep.equal(['environment 2: start on unix:/b']);
    expect([...executor.runningSpecs().keys()]).to.deep.equal([1, 2]);
  });

  it('a slow drain of a retired listener holds up neither the reload nor the next one; stopAll waits for it', async () => {
    let endDrain = (): void => undefined;
    FakeListener.drain = new Promise((resolve) => (endDrain = resolve));
    try {
      await reconcile(spec(1, '/a'), spec(2, '/b'));
      await reconcile(spec(1, '/a2'), spec(2, '/b'));
      await reconcile(spec(1, '/a2'), spec(2, '/b2'));
      expect(journal).to.deep.equal(['bind unix:/a', 'bind unix:/b', 'bind unix:/a2', 'close unix:/a', 'bind unix:/b2', 'close unix:/b']);
      const stopped = executor.stopAll();
      await new Promise((resolve) => setImmediate(resolve));
      expect(journal.filter((l) => l.startsWith('drained'))).to.deep.equal([]);
      endDrain();
      await stopped;
      expect(journal.filter((l) => l.startsWith('drained'))).to.have.members(['drained unix:/a', 'drained unix:/b', 'drained unix:/a2', 'drained unix:/b2']);
    } finally {
      FakeListener.drain = undefined;
    }
  });

  it('a UNIX path still draining is bound again only once its drain is over', async () => {
    let endDrain = (): void => undefined;
    FakeListener.drain = new Promise((resolve) => (endDrain = resolve));
    try {
      await reconcile(spec(1, '/a'));
      await reconcile(spec(1, '/b'));
      const back = reconcile(spec(1, '/a'));
      await new Promise((resolve) => setImmediate(resolve));
      expect(journal).to.deep.equal(['bind unix:/a', 'bind unix:/b', 'close unix:/a']);
      endDrain();
      await back;
      expect(journal.slice(3)).to.deep.equal(['drained unix:/a', 'bind unix:/a', 'close unix:/b', 'drained unix:/b']);
    } finally {
      FakeListener.drain = undefined;
    }
  });

  it('stopAll closes everything once', async () => {
    await reconcile(spec(1, '/a'), spec(2, '/b'));
    await executor.stopAll();
    await executor.stopAll();
    expect(journal.filter((l) => l.startsWith('close'))).to.have.members(['close unix:/a', 'close unix:/b']);
    expect(executor.runningSpecs().size).to.equal(0);
  });
});

// The two queues of issue 12: PoolGate (the wait for a database connection,
// with a deadline) and CallGate (a client connection's method calls).

import { expect } from 'chai';
import { PoolGate } from '../../src/db/pool-gate.js';
import { CallGate } from '../../src/rpc/call-gate.js';

const full = (): Error => new Error('full');
const expired = (): Error => new Error('expired');

describe('PoolGate', () => {
  it('hands out `permits` at once, then serves waiters first in, first out as checkouts come back', async () => {
    const gate = new PoolGate(2, 10);
    await gate.acquire(1000, full, expired);
    await gate.acquire(1000, full, expired);
    const order: number[] = [];
    const waiting = [1, 2, 3].map((n) => gate.acquire(10_000, full, expired).then(() => order.push(n)));
    expect(gate.stats()).to.deep.equal({ active: 2, waiting: 3 });
    gate.release();
    gate.release();
    await Promise.all(waiting.slice(0, 2));
    expect(order).to.deep.equal([1, 2]);
    gate.release();
    await waiting[2];
    expect(order).to.deep.equal([1, 2, 3]);
    expect(gate.stats()).to.deep.equal({ active: 2, waiting: 0 });
    gate.release();
    gate.release();
    expect(gate.stats()).to.deep.equal({ active: 0, waiting: 0 });
  });

  it('a waiter leaves the queue at its deadline, and a full queue refuses at once', async () => {
    const gate = new PoolGate(1, 1);
    await gate.acquire(1000, full, expired);
    const late = gate.acquire(20, full, expired);
    await gate.acquire(1000, full, expired).then(
      () => expect.fail('the queue was full'),
      (err: Error) => expect(err.message).to.equal('full'),
    );
    await late.then(
      () => expect.fail('nothing was released'),
      (err: Error) => expect(err.message).to.equal('expired'),
    );
    expect(gate.stats()).to.deep.equal({ active: 1, waiting: 0 });
    // The checkout given back goes to nobody: the expired waiter is gone.
    gate.release();
    expect(gate.stats()).to.deep.equal({ active: 0, waiting: 0 });
    expect(() => new PoolGate(0, 1)).to.throw(RangeError);
  });
});

describe('CallGate', () => {
  it('runs at most `limit` calls at once; the rest wait their turn in order and all are answered, failures included', async () => {
    const gate = new CallGate(2);
    let running = 0;
    let most = 0;
    const finish: (() => void)[] = [];
    const started: number[] = [];
    const calls = Array.from({ length: 6 }, (_, i) =>
      gate.run(async () => {
        started.push(i);
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => finish.push(resolve));
        running--;
        if (i === 1) throw new Error('call 1 failed');
        return i;
      }),
    );
    expect(gate.size).to.deep.equal({ running: 2, waiting: 4 });
    while (finish.length > 0 || started.length < 6) {
      const next = finish.shift();
      if (next !== undefined) next();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const outcomes = await Promise.all(calls.map((c) => c.then((v) => v, (e: Error) => e.message)));
    expect(outcomes).to.deep.equal([0, 'call 1 failed', 2, 3, 4, 5]);
    expect(started).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(most).to.equal(2);
    expect(gate.size).to.deep.equal({ running: 0, waiting: 0 });
    expect(() => new CallGate(0)).to.throw(RangeError);
  });
});

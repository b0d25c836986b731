import { expect } from 'chai';
import { KeyedLock } from '../../../src/routing/external/keyed-lock.js';

/** A promise and the function that settles it: the test decides when work ends. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('KeyedLock: one holder per key', () => {
  it('runs work on the same key one after another, on other keys at once', async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    const first = gate();
    const a = lock.with(['x'], async () => {
      events.push('a start');
      await first.promise;
      events.push('a end');
    });
    const b = lock.with(['x'], async () => void events.push('b'));
    const c = lock.with(['y'], async () => void events.push('c'));
    await c;
    expect(events).to.deep.equal(['a start', 'c']);
    first.open();
    await Promise.all([a, b]);
    expect(events).to.deep.equal(['a start', 'c', 'a end', 'b']);
    expect(lock.size).to.equal(0);
  });

  it('takes all keys at once: overlapping key sets in opposite orders never wait on each other', async () => {
    const lock = new KeyedLock();
    const order: number[] = [];
    const runs = Array.from({ length: 20 }, (_, i) => lock.with(i % 2 === 0 ? ['p', 'q'] : ['q', 'p', 'r'], async () => {
      order.push(i);
      await Promise.resolve();
    }));
    await Promise.all(runs);
    expect([...order].sort((m, n) => m - n)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i));
    expect(lock.size).to.equal(0);
  });

  it('releases the keys when work fails, and passes the failure on', async () => {
    const lock = new KeyedLock();
    const failed = lock.with(['x'], async () => {
      throw new Error('boom');
    });
    const next = lock.with(['x'], async () => 'ran');
    expect(await failed.then(() => 'resolved', (err: Error) => err.message)).to.equal('boom');
    expect(await next).to.equal('ran');
    expect(lock.size).to.equal(0);
  });
});

import { expect } from 'chai';
import { POOLED_REPLY_BYTES, ReplyBufferPool } from '../../src/routing/answer/reply-buffers.js';

describe('reply buffer pool (routing/answer/reply-buffers.ts)', () => {
  it('gives a buffer back once, through any view of it; ignores memory it did not give out', () => {
    const pool = new ReplyBufferPool();
    const a = pool.take();
    expect(a.length).to.equal(POOLED_REPLY_BYTES);
    pool.giveBack(a.subarray(96, 200));
    pool.giveBack(a);
    pool.giveBack(Buffer.alloc(10));
    pool.giveBack(Buffer.allocUnsafeSlow(POOLED_REPLY_BYTES));
    expect(pool.freeCount).to.equal(1);
    const b = pool.take();
    expect(b.buffer).to.equal(a.buffer);
    expect([pool.freeCount, pool.reused]).to.deep.equal([0, 1]);
    // Taken again, it can be given back again; a new one is not the same memory.
    const c = pool.take();
    expect(c.buffer).to.not.equal(b.buffer);
    pool.giveBack(b);
    pool.giveBack(c);
    expect(pool.freeCount).to.equal(2);
  });

  it('keeps at most 256 free buffers', () => {
    const pool = new ReplyBufferPool();
    const taken = Array.from({ length: 300 }, () => pool.take());
    for (const buffer of taken) pool.giveBack(buffer);
    expect(pool.freeCount).to.equal(256);
  });
});

import { expect } from 'chai';
import { WaitingCalls } from '../../src/rpc/waiting-calls.js';

describe('WaitingCalls: the calls a stopping listener answers itself', () => {
  it('abandonAll rejects the waiting calls, not the finished ones, and counts them', () => {
    const calls = new WaitingCalls();
    const seen: string[] = [];
    const a = (reason: unknown): number => seen.push(`a:${String(reason)}`);
    const b = (reason: unknown): number => seen.push(`b:${String(reason)}`);
    calls.add(a);
    calls.add(b);
    calls.delete(a);
    expect(calls.abandonAll('stopping')).to.equal(1);
    expect(seen).to.deep.equal(['b:stopping']);
  });

  it('a call that starts waiting after abandonAll is rejected at once (a batch entry that waited its turn)', () => {
    const calls = new WaitingCalls();
    expect(calls.abandonAll('stopping')).to.equal(0);
    const seen: unknown[] = [];
    calls.add((reason) => seen.push(reason));
    expect(seen).to.deep.equal(['stopping']);
  });
});

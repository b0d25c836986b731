import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mainThreadLine } from '../../bench/profile.js';
import { mainThreadTimes } from '../../bench/proc-sampler.js';

describe("bench: a process's main thread from /proc (bench/proc-sampler.ts, bench/profile.ts)", () => {
  it('counts the user time this thread spends, and the waits it makes', () => {
    const before = mainThreadTimes(process.pid)!;
    // Busy on this thread until the kernel has counted at least 50 ms of user time (bounded: at most 20 s of work).
    const start = process.cpuUsage().user;
    for (let round = 0; round < 2_000 && process.cpuUsage().user - start < 50_000; round++) {
      let x = 0;
      for (let i = 0; i < 1_000_000; i++) x = (x * 31 + i) | 0;
      if (x === 42) break;
    }
    // Waiting for a child blocks this thread: a voluntary switch.
    spawnSync('true');
    const after = mainThreadTimes(process.pid)!;
    expect(after.user - before.user).to.be.at.least(0.02);
    expect(after.system).to.be.at.least(before.system);
    expect(after.voluntary).to.be.above(before.voluntary);
    expect(Number.isInteger(after.involuntary) && after.involuntary >= before.involuntary).to.equal(true);
  });

  it('is undefined for a process that is gone', () => {
    const child = spawnSync('true');
    expect(mainThreadTimes(child.pid!)).to.equal(undefined);
  });

  it('reads as microseconds and switches per request, nothing when a reading is missing', () => {
    const before = { user: 1, system: 0.5, voluntary: 10, involuntary: 5 };
    const after = { user: 1.05, system: 0.51, voluntary: 30, involuntary: 6 };
    expect(mainThreadLine(before, after, 1000)).to.equal('; main thread per request 50.0 us user + 10.0 us system, per 1,000 requests 20.0 waits and 1.0 preemptions');
    expect(mainThreadLine(undefined, after, 1000)).to.equal('');
    expect(mainThreadLine(before, after, 0)).to.equal('');
  });
});

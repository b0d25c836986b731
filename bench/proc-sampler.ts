// Observes other processes from outside through /proc (Linux): CPU time
// (utime + stime of every thread, /proc/PID/stat fields 14 and 15) and
// resident memory (VmRSS, VmHWM in /proc/PID/status). The harness takes a
// CPU snapshot when a load starts and when it ends, and samples RSS in
// between; it never times anything itself.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc/PID/stat (getconf CLK_TCK; 100 on Linux almost always). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU seconds used so far by `pid` (all threads), or undefined if it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: split after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/**
 * The main thread of `pid` (its task of the same id): user and system CPU
 * seconds so far, and how often it gave up its core (waiting, voluntary) or
 * had it taken (preempted, involuntary). Undefined if it is gone. A Node
 * process's JavaScript runs on that thread alone: its user time per request
 * is what the daemon's code and Node's costs, apart from V8's helper threads.
 */
export function mainThreadTimes(pid: number): { user: number; system: number; voluntary: number; involuntary: number } | undefined {
  let stat: string;
  let status: string;
  try {
    stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    status = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const count = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)$`, 'm').exec(status)?.[1] ?? NaN);
  return {
    user: Number(fields[11]) / clockTicks(),
    system: Number(fields[12]) / clockTicks(),
    voluntary: count('voluntary_ctxt_switches'),
    involuntary: count('nonvoluntary_ctxt_switches'),
  };
}

/** CPU seconds all processes of the machine spent busy so far (/proc/stat: all but idle and iowait). */
export function machineBusySeconds(): number {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / clockTicks();
}

/** VmRSS and VmHWM (peak RSS over the process's life) in bytes, or undefined if it is gone. */
export function memoryBytes(pid: number): { rss: number; peak: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/**
 * A CPU snapshot of several processes and of the whole machine; stop() gives
 * the cores each process used since, and the cores everything else on the
 * machine used (other work competing for the same CPUs).
 */
export class CpuMeter {
  private readonly start: Map<number, number>;
  private readonly machineStart: number;
  private readonly startedAt: bigint;

  constructor(private readonly pids: readonly number[]) {
    this.startedAt = process.hrtime.bigint();
    this.machineStart = machineBusySeconds();
    this.start = new Map(pids.map((pid) => [pid, cpuSeconds(pid) ?? 0]));
  }

  /** Cores used, averaged over the window (1.0 = one core busy): per pid, and `others` for the rest of the machine. */
  stop(): { perPid: Map<number, number>; others: number } {
    const wall = Number(process.hrtime.bigint() - this.startedAt) / 1e9;
    const perPid = new Map(this.pids.map((pid) => [pid, wall > 0 ? ((cpuSeconds(pid) ?? this.start.get(pid)!) - this.start.get(pid)!) / wall : 0]));
    const machine = wall > 0 ? (machineBusySeconds() - this.machineStart) / wall : 0;
    const ours = [...perPid.values()].reduce((sum, cores) => sum + cores, 0);
    return { perPid, others: Math.max(0, machine - ours) };
  }
}

/** Samples the peak VmRSS of a process every `intervalMs` until stopped. */
export class RssPeak {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number, intervalMs = 100) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    this.peak = Math.max(this.peak, memoryBytes(this.pid)?.rss ?? 0);
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}

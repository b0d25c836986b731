// Where a supervisor keeps its pidfile and control socket inside its run
// directory. One source for every entry point (supervise, status, reload,
// demo, the rc.d script and the systemd unit, which a test compares with
// these), so that a plain `sippy_routed status` finds the supervisor that
// the service manager started.

import { join } from 'node:path';
import { DEFAULT_RUNDIR } from '../econfig/listener-spec.js';

export function pidfileIn(rundir: string): string {
  return join(rundir, 'sippy_routed.pid');
}

export function controlSocketIn(rundir: string): string {
  return join(rundir, 'sippy_routed.ctl.sock');
}

/** The control socket `status` and `reload` ask when given no --control. */
export const DEFAULT_CONTROL = controlSocketIn(DEFAULT_RUNDIR);

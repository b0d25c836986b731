// A demo already running on the same directory: its supervisor's pidfile
// and its private database server's pidfile are the two marks. A second
// demo must see either before it starts anything, since a second mariadbd
// on the same data directory, or a second supervisor on the same rundir,
// only fails later and confusingly.

import { join } from 'node:path';
import { SippyError } from '../errors.js';
import { livePid } from '../supervisor/pidfile.js';
import { pidfileIn } from '../supervisor/run-paths.js';

/** Where a demo on `dir` keeps the two pidfiles (as demoCommand and PrivateServer write them). */
export function demoPidfiles(dir: string): { supervisor: string; server: string } {
  return { supervisor: pidfileIn(join(dir, 'run')), server: join(dir, 'mysql', 'mysqld.pid') };
}

/** Throws DEMO_RUNNING, one line naming what runs and what to do, when a demo holds `dir`. */
export function refuseWhenDemoRuns(dir: string): void {
  const files = demoPidfiles(dir);
  const supervisor = livePid(files.supervisor);
  const server = livePid(files.server);
  if (supervisor === undefined && server === undefined) return;
  const what = [
    ...(supervisor === undefined ? [] : [`supervisor pid ${supervisor}`]),
    ...(server === undefined ? [] : [`database server pid ${server}`]),
  ].join(', ');
  throw new SippyError(
    'DEMO_RUNNING',
    `demo: a demo is already running in ${dir} (${what}): use that one, stop it (Ctrl-C in its terminal), or give --dir another directory`,
  );
}

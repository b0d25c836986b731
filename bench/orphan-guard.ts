// If the harness dies without cleaning up (SIGKILL, crash), the processes it
// started must not live on: a tiny shell loop per child waits for the
// harness to disappear, then ends the child (TERM, then KILL). On a normal
// stop the harness dismisses the guard. (The harness's files live inside the
// private database server's directory, which that server's own watchdog
// removes.)

import { spawn } from 'node:child_process';

const SCRIPT = [
  'owner=$1; child=$2',
  'while kill -0 "$owner" 2>/dev/null; do sleep 0.5; done',
  'kill -TERM "$child" 2>/dev/null',
  'i=0; while kill -0 "$child" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done',
  'kill -KILL "$child" 2>/dev/null',
  'exit 0',
].join('\n');

/** Guards `childPid`; returns a function that dismisses the guard (call it once the child has exited). */
export function guardChild(childPid: number): () => void {
  const guard = spawn('/bin/sh', ['-c', SCRIPT, 'sippy_routed-bench-guard', String(process.pid), String(childPid)], {
    stdio: 'ignore',
    detached: true,
  });
  guard.unref();
  return () => {
    if (guard.exitCode === null && guard.signalCode === null) guard.kill('SIGKILL');
  };
}

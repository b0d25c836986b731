#!/usr/bin/env node
// Entry point: everything lives in cli/, which returns an exit status.
import { run } from './cli/main.js';
import { survivePipeClose } from './cli/closed-output.js';

/** After the command has returned, anything still open may hold the process this long at most. */
const EXIT_GRACE_MS = 2000;

// A reader of our output that exits first (`make demo | tee log`, Ctrl-C)
// must not end the process before its shutdown removed sockets and pidfile.
survivePipeClose(process.stdout, process.stderr);
process.exitCode = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
// Every resource is stopped by now. A driver socket that a hung server never
// closes must not keep a daemon alive after it logged "stopped": the process
// exits when the loop drains, or after the grace period at the latest.
setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();

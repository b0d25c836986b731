#!/usr/bin/env node
// Entry point: everything lives in cli/, which returns an exit status.
import { run } from './cli/main.js';

process.exitCode = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });

// The routing setup file (rates.md "The routing setup"; docs/setup.md): the
// face the command line uses. Stages: read-file (I/O) → parse (pure: YAML,
// schema, values) → within one transaction: read (I/O) → resolve and diff
// (pure) → write (I/O); export (pure) over the same read.

export type { SetupProblem, SetupSpec, SetupState, SourcePosition } from './model.js';
export type { ObjectName, ObjectKind, FieldChange, SetupStep } from './diff.js';
export { MAX_SETUP_FILE_BYTES, readSetupFile } from './read-file.js';
export { parseSetup, type ParsedSetup } from './parse.js';
export { applySetup, readOnly, writes, SETUP_LOCK_WAIT_SECONDS, type ApplyOptions, type ApplyOutcome } from './apply.js';
export { readSetupState } from './read.js';
export { exportSetup, type ExportedSetup } from './export.js';

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { MAX_SETUP_FILE_BYTES, SETUP_LOCK_WAIT_SECONDS } from '../../../src/data/setup/index.js';
import { SETUP_DEFAULTS } from '../../../src/data/setup/model.js';
import { SETUP_SCHEMA } from '../../../src/data/setup/schema.js';
import { SETUP_STATEMENT_TIMEOUT_MS } from '../../../src/cli/setup-commands.js';

// docs/setup.md is the setup file's reference: every key of the schema in
// its table with the default the code gives it, and the bounds as the code
// has them (docs/errors.md repeats two).

function doc(name: string): string {
  return readFileSync(new URL(`../../../../docs/${name}`, import.meta.url), 'utf8');
}

/** Every property name the schema knows, at any depth. */
function schemaKeys(schema: unknown, into = new Set<string>()): Set<string> {
  if (schema === null || typeof schema !== 'object') return into;
  const record = schema as Record<string, unknown>;
  if (record.properties !== undefined) for (const key of Object.keys(record.properties as object)) into.add(key);
  for (const value of Object.values(record)) schemaKeys(value, into);
  return into;
}

describe('docs/setup.md: the setup file as the code reads it', () => {
  const setup = doc('setup.md');
  const prose = setup.replace(/\s+/g, ' ');
  const rows = setup.split('\n').filter((line) => line.startsWith('| `'));
  const rowOf = (key: string): string | undefined => rows.find((row) => row.split(' | ')[0]!.includes(`\`${key}\``));

  it('has a row for every key of the schema', () => {
    expect([...schemaKeys(SETUP_SCHEMA)].filter((key) => rowOf(key) === undefined)).to.deep.equal([]);
  });

  it('gives each field the default the code gives it', () => {
    const shown = (value: unknown): string => (typeof value === 'string' && /^0\.0+$/.test(value) ? '0' : String(value));
    for (const defaults of Object.values(SETUP_DEFAULTS)) {
      for (const [field, value] of Object.entries(defaults)) {
        const row = rowOf(field);
        expect(row, field).to.not.equal(undefined);
        expect(row!.split(' | ').at(-1), field).to.contain(`\`${shown(value)}\``);
      }
    }
  });

  it('states the bounds of the code', () => {
    expect(prose).to.contain(`the second waits up to ${SETUP_LOCK_WAIT_SECONDS} s`);
    expect(prose).to.contain(`at most ${MAX_SETUP_FILE_BYTES / 1048576} MiB`);
    expect(prose).to.contain(`Statements may wait up to ${SETUP_STATEMENT_TIMEOUT_MS / 1000} s`);
    const errors = doc('errors.md');
    expect(errors).to.match(new RegExp(`\\| \`SETUP_LOCKED\` \\|.*longer than ${SETUP_LOCK_WAIT_SECONDS} s`));
    expect(errors).to.match(new RegExp(`\\| \`SETUP_UNREADABLE\` \\|.*larger than ${MAX_SETUP_FILE_BYTES / 1048576} MiB`));
  });
});

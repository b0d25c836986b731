import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { FIELD_ALIASES, HEADER_SEARCH_ROWS } from '../../../src/data/deck-columns.js';
import { AMOUNT_DECIMALS } from '../../../src/data/deck-amount.js';
import { MAX_DESCRIPTION_CHARS, MAX_INTERVAL_SECONDS, MAX_PREFIX_DIGITS } from '../../../src/data/deck-values.js';
import { MAX_ERRORS } from '../../../src/data/deck-rows.js';
import { JUMP_FACTOR, LARGEST_CHANGES, WARNING_EXAMPLES } from '../../../src/data/rate-diff.js';
import { SET_LOCK_WAIT_SECONDS } from '../../../src/data/rate-sql.js';
import { EXPORT_COLUMNS } from '../../../src/data/rate-export.js';
import { DEFAULT_NOTICE_DAYS } from '../../../src/cli/rates-command.js';

// docs/rates.md states the bounds and names the modules use: one source
// (the modules), the guide tested against it.
describe('docs/rates.md states what the rate modules do', () => {
  const doc = readFileSync(new URL('../../../../docs/rates.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');

  it('every header alias of the spec, in its row of the table', () => {
    for (const aliases of Object.values(FIELD_ALIASES)) {
      for (const alias of aliases) expect(doc, alias).to.include(`\`${alias.replace(/ (\d|n)$/, '_$1')}\``);
    }
  });

  it('the bounds and defaults', () => {
    expect(doc).to.include(`the first ${HEADER_SEARCH_ROWS} rows are searched`);
    expect(doc).to.include(`More than ${AMOUNT_DECIMALS} decimal places is an error`);
    expect(doc).to.include(`more than ${MAX_PREFIX_DIGITS} digits`);
    expect(doc).to.include(`whole seconds from 1 to ${MAX_INTERVAL_SECONDS}`);
    expect(doc).to.include(`at most ${MAX_DESCRIPTION_CHARS} characters`);
    expect(doc).to.include(`the first ${MAX_ERRORS} by line and then how many more`);
    expect(doc).to.include(`the ${LARGEST_CHANGES} largest increases and the ${LARGEST_CHANGES} largest decreases`);
    expect(doc).to.include(`the first ${WARNING_EXAMPLES} by line`);
    expect(doc).to.include(`a change over ${JUMP_FACTOR}x either way`);
    expect(doc).to.include(`\`--notice\` days (default ${DEFAULT_NOTICE_DAYS}`);
    expect(doc).to.include(`waits up to ${SET_LOCK_WAIT_SECONDS} s for another`);
    expect(doc).to.include(`the header \`${EXPORT_COLUMNS.join(',')}\``);
  });
});

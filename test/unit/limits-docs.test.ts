import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import {
  CHOSEN_ROUTES_BYTES_PER_SNAPSHOT,
  DB_QUEUE_PER_CONNECTION,
  DEFAULT_DB_CONNECTIONS,
  DEFAULT_UPSTREAM_TIMEOUT_MS,
  LISTING_PIECE,
  MAX_CLD_CHARS,
  MAX_CLI_CHARS,
  MAX_HOPS,
  MAX_LISTED_ROWS_PER_BATCH,
  MAX_ROUTING_GROUP_CHARS,
} from '../../src/limits.js';
import { DEFAULT_POOL_LIMITS, queueLimitFor } from '../../src/db/pool.js';
import type { SippyError } from '../../src/errors.js';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../../src/routing/index.js';
import { ListingBudget } from '../../src/rpc/listing-budget.js';
import { DEFAULT_LIMITS } from '../../src/econfig/listener-spec.js';
import { poolLimitsOf } from '../../src/supervisor/managed-listener.js';
import { parseListenerOptions } from '../../src/econfig/listener-options.js';

// src/limits.ts is the one source of the request bounds and the shared
// defaults; wherever the docs state one of them in prose, they state that
// value. (The option table of docs/econfig.md is checked by
// econfig-docs.test.ts, and its limits come from the same module.)
function docText(name: string): string {
  // Prose wraps anywhere: compare with every run of blanks as one space.
  return readFileSync(new URL(`../../../docs/${name}`, import.meta.url), 'utf8').replace(/\s+/g, ' ');
}

describe('docs state the bounds and defaults of src/limits.ts', () => {
  const rpc = docText('rpc.md');
  const econfig = docText('econfig.md');
  const routing = docText('routing.md');
  const operations = docText('operations.md');

  it('docs/rpc.md: listRoutes routing_group and cld lengths, and the example error', () => {
    expect(rpc).to.include(`\`routing_group\` (required, exact, 1–${MAX_ROUTING_GROUP_CHARS} characters)`);
    expect(rpc).to.include(`\`cld\` (optional, 1–${MAX_CLD_CHARS} characters)`);
    expect(rpc).to.include(`/cld must be at most ${MAX_CLD_CHARS} characters long`);
  });

  it('docs/rpc.md and operations.md: the bounds of listGroups and listRoutes, and the error past them', () => {
    expect(rpc).to.include(`and \`limit\` (integer 1–${MAX_PAGE_LIMIT}, default ${DEFAULT_PAGE_LIMIT};`);
    expect(rpc).to.include(`cut into pieces of at most ${LISTING_PIECE} rows looked at or comparisons`);
    expect(rpc).to.include(`entries of one batch may ask for ${MAX_LISTED_ROWS_PER_BATCH} rows in all (\`MAX_LISTED_ROWS_PER_BATCH\`)`);
    expect(rpc).to.include(`a reply holds at most ${MAX_LISTED_ROWS_PER_BATCH} listed rows`);
    expect(rpc).to.include(`entries list at most ${MAX_LISTED_ROWS_PER_BATCH} rows in all`);
    expect(operations).to.include(`entries ask for at most ${MAX_LISTED_ROWS_PER_BATCH} rows in all`);
    expect(operations).to.include(`A page holds at most ${MAX_PAGE_LIMIT} rows (default ${DEFAULT_PAGE_LIMIT})`);
    // The example error is the one the budget throws.
    const budget = new ListingBudget();
    budget.reserve(MAX_LISTED_ROWS_PER_BATCH);
    let refused: SippyError | undefined;
    try {
      budget.reserve(MAX_PAGE_LIMIT);
    } catch (err) {
      refused = err as SippyError;
    }
    const example = { jsonrpc: '2.0', id: 10, error: { code: refused!.rpcCode, message: refused!.message, data: refused!.data } };
    expect(rpc).to.include(JSON.stringify(example));
  });

  it("docs/econfig.md: a request's hops bound and the pool's queue per connection", () => {
    expect(econfig).to.include(`a request's \`hops\` is at most ${MAX_HOPS}`);
    expect(econfig).to.include(`at most ${DB_QUEUE_PER_CONNECTION} requests per connection waiting for one`);
    expect(econfig).to.include(`(${queueLimitFor(DEFAULT_DB_CONNECTIONS)} with the default ${DEFAULT_DB_CONNECTIONS};`);
  });

  it('docs/routing.md: the length of numbers and the upstream timeout', () => {
    expect(routing).to.include(`Numbers are at most ${Math.max(MAX_CLD_CHARS, MAX_CLI_CHARS)} characters`);
    expect(routing).to.include(`(\`--upstream-timeout\`, default ${DEFAULT_UPSTREAM_TIMEOUT_MS} ms)`);
  });

  it("docs/routing.md: the bound on a snapshot's kept choices", () => {
    expect(routing).to.include(`at most ${CHOSEN_ROUTES_BYTES_PER_SNAPSHOT / 1048576} MiB of choices per snapshot`);
  });
});

describe('one queue limit for a pool, whoever builds it', () => {
  it('the default pool and a listener with default limits get the same limits', () => {
    // Before, the pool's own default queued 200 and a listener's pool 500.
    const { spec } = parseListenerOptions(['-e', '1'], { rundir: '/var/run' });
    expect(spec?.limits).to.deep.equal(DEFAULT_LIMITS);
    expect(poolLimitsOf(spec!)).to.deep.equal(DEFAULT_POOL_LIMITS);
  });
});

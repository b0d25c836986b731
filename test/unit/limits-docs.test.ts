import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import {
  CHOSEN_ROUTES_BYTES_PER_SNAPSHOT,
  PREPARED_ROUTE_BYTES_PER_SNAPSHOT,
  CONTROL_SOCKET_MODE,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_DRAIN_MS,
  DEFAULT_ENV_POLL_S,
  DB_QUEUE_PER_CONNECTION,
  DEFAULT_DATA_POLL_MS,
  DEFAULT_DB_CONNECTIONS,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_TIMEOUT_MS,
  DEFAULT_MAX_BATCH,
  DEFAULT_MAX_HOPS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_SOCKET_MODE,
  DEFAULT_UPSTREAM_NEW_CONNECTIONS,
  DEFAULT_UPSTREAM_TIMEOUT_MS,
  LISTENER_LIMIT_RANGES,
  MAX_ANSWER_NUMBER_CHARS,
  MAX_ANSWER_ROUTES,
  MAX_CALL_TIMEOUT_MS,
  MAX_DRAIN_MS,
  MAX_ENV_POLL_S,
  LISTING_PIECE,
  MAX_CALL_ID_CHARS,
  MAX_CLD_CHARS,
  MAX_CLI_CHARS,
  MAX_HOPS,
  MAX_LISTED_ROWS_PER_BATCH,
  MAX_REMOTE_IP_CHARS,
  MAX_ROUTES,
  MAX_ROUTING_GROUP_CHARS,
  MAX_UNIX_SECONDS,
  TRANSLATION_RULES_CACHED,
} from '../../src/limits.js';
import { DEFAULT_POOL_LIMITS, queueLimitFor } from '../../src/db/pool.js';
import type { SippyError } from '../../src/errors.js';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../../src/routing/index.js';
import { ListingBudget } from '../../src/rpc/listing-budget.js';
import { DEFAULT_LIMITS } from '../../src/econfig/listener-spec.js';
import { poolLimitsOf } from '../../src/supervisor/managed-listener.js';
import { LIMIT_OPTIONS, parseListenerOptions } from '../../src/econfig/listener-options.js';
import { checkListenerSpec } from '../../src/econfig/listener-schema.js';
import { routeResultSchema, routeSchema } from '../../src/client/route-result-schema.js';
import { CHOICE_CHUNK_BYTES, DOORKEEPER_BYTES, FIRST_CHOICE_CHUNK_BYTES, PREPARE_AT_ANSWER, TYPICAL_CHOICE_BYTES } from '../../src/routing/snapshot/chosen-routes.js';
import { MAX_FREE_REPLY_BUFFERS, POOLED_REPLY_BYTES } from '../../src/routing/answer/reply-buffers.js';
import { RECORD } from '../../src/routing/snapshot/route-record.js';
import { BUILDER_SCRATCH_KEPT_ROUTES } from '../../src/routing/snapshot/route-set-builder.js';
import { TRAFFIC_MEMORY_BYTES, YOUNG_GENERATION_BYTES } from '../../bench/report-spread.js';
import { getHeapSpaceStatistics } from 'node:v8';

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

  it('docs/rpc.md: getRoutes params beyond rpc.md, the body and the timeouts of a listener, batches, the socket mode', () => {
    expect(rpc).to.include(`seconds from 0 to ${MAX_UNIX_SECONDS} (9999-12-31T23:59:59Z)`);
    expect(new Date(MAX_UNIX_SECONDS * 1000).toISOString()).to.equal('9999-12-31T23:59:59.000Z');
    expect(rpc).to.include(`\`call_id\` is at most ${MAX_CALL_ID_CHARS} characters, \`remote_ip\` at most ${MAX_REMOTE_IP_CHARS}`);
    const body = LISTENER_LIMIT_RANGES.bodyLimitBytes.max;
    expect(rpc).to.include(`The largest \`--body-limit\` supported is ${body} bytes (${body / 1048576} MiB; \`LISTENER_LIMIT_RANGES\` in \`src/limits.ts\`)`);
    expect(rpc).to.include(`\`headersTimeoutMs\` (default ${DEFAULT_HEADERS_TIMEOUT_MS})`);
    expect(rpc).to.include(`\`requestTimeoutMs\` (default ${DEFAULT_REQUEST_TIMEOUT_MS})`);
    expect(rpc).to.include(`\`keepAliveTimeoutMs\` (default ${DEFAULT_KEEPALIVE_TIMEOUT_MS})`);
    expect(rpc).to.include(`at most \`maxBatch\` entries (default ${DEFAULT_MAX_BATCH})`);
    expect(rpc).to.include(`\`spec.socketMode\` (default 0${DEFAULT_SOCKET_MODE.toString(8)})`);
  });

  it('docs/econfig.md: the socket mode; operations.md and errors.md: the control socket mode', () => {
    expect(econfig).to.include(`of a unix socket | \`0${DEFAULT_SOCKET_MODE.toString(8)}\` |`);
    const control = `mode 0${CONTROL_SOCKET_MODE.toString(8)}`;
    expect(operations).to.include(`JSON-RPC \`status\` and \`reload\`, ${control} |`);
    expect(operations).to.include(`(it is ${control}:`);
    expect(docText('errors.md')).to.include(`(EACCES)\`: it is ${control})`);
  });

  it('docs/routing.md and operations.md: the defaults of external groups, and the cache of translation rules', () => {
    expect(routing).to.include(`(\`--max-hops\`, default ${DEFAULT_MAX_HOPS})`);
    expect(routing).to.include(`\`--upstream-new-connections\` per upstream URI and minute (default ${DEFAULT_UPSTREAM_NEW_CONNECTIONS};`);
    expect(operations).to.include(`\`--upstream-new-connections\` (default ${DEFAULT_UPSTREAM_NEW_CONNECTIONS}) created per minute`);
    expect(routing).to.include(`Parsed rules are cached (${TRANSLATION_RULES_CACHED.toLocaleString('en')} rules by default`);
  });

  it("README.md and operations.md: the CLI's call timeout, the supervisor's drain and environment poll", () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
    expect(readme).to.include(`\`--timeout MS\` (1..${MAX_CALL_TIMEOUT_MS}, default ${DEFAULT_CALL_TIMEOUT_MS})`);
    expect(readme).to.include(`finishes in-flight requests (up to ${DEFAULT_DRAIN_MS / 1000} s)`);
    expect(operations).to.include(`| \`--drain MS\` | ${DEFAULT_DRAIN_MS} | bound on finishing in-flight requests when a listener stops; 1..${MAX_DRAIN_MS} |`);
    expect(operations).to.include(`every \`--env-poll\` seconds (1..${MAX_ENV_POLL_S}, default ${DEFAULT_ENV_POLL_S})`);
    expect(operations).to.include(`(\`sippy_routed -e N\`) drains for ${DEFAULT_DRAIN_MS / 1000} s.`);
  });

  it("docs/benchmark.md: the freshness run's wait is the default poll", () => {
    expect(docText('benchmark.md')).to.include(`random 0–${DEFAULT_DATA_POLL_MS} ms (the daemon's poll interval)`);
  });

  it("docs/routing.md: the bound on a snapshot's kept choices, their doorkeeper and chunks", () => {
    expect(routing).to.include(`at most ${CHOSEN_ROUTES_BYTES_PER_SNAPSHOT / 1048576} MiB of choices per snapshot`);
    expect(routing).to.include(`a bit per pair hash, ${DOORKEEPER_BYTES / 1024} KiB`);
    expect(routing).to.include(`at most ${PREPARED_ROUTE_BYTES_PER_SNAPSHOT / 1048576} MiB of prepared bytes per snapshot`);
    expect(routing).to.include(`as the memo holds choices (${(CHOSEN_ROUTES_BYTES_PER_SNAPSHOT / TYPICAL_CHOICE_BYTES).toLocaleString('en')})`);
    expect(routing).to.include(`views of shared chunks (the first ${FIRST_CHOICE_CHUNK_BYTES / 1024} KiB, each next twice the last up to ${CHOICE_CHUNK_BYTES / 1024} KiB)`);
  });
});

describe('docs/operations.md, Memory: what the daemon holds, and what traffic adds', () => {
  const operations = docText('operations.md');
  const mib = (bytes: number): number => bytes / 1048576;

  it('states each bound of what is held beyond the routing data', () => {
    expect(operations).to.include(`| at most ${mib(CHOSEN_ROUTES_BYTES_PER_SNAPSHOT)} MiB, in chunks of up to ${CHOICE_CHUNK_BYTES / 1024} KiB, kept from a (group, prefix) pair's second request |`);
    expect(operations).to.include(`| ${DOORKEEPER_BYTES / 1024} KiB |`);
    const ordinal = ['zeroth', 'first', 'second', 'third', 'fourth'][PREPARE_AT_ANSWER];
    expect(operations).to.include(`| at most ${mib(PREPARED_ROUTE_BYTES_PER_SNAPSHOT)} MiB, from a kept choice's ${ordinal} answer |`);
    expect(operations).to.include(`at most ${MAX_FREE_REPLY_BUFFERS} free reply buffers of ${POOLED_REPLY_BYTES / 1024} KiB (${mib(MAX_FREE_REPLY_BUFFERS * POOLED_REPLY_BYTES)} MiB)`);
    expect(operations).to.include(`the loader's scratch (at most ${BUILDER_SCRATCH_KEPT_ROUTES.toLocaleString('en')} routes, ${mib(BUILDER_SCRATCH_KEPT_ROUTES * 4 * RECORD.INTS)} MiB`);
    expect(operations).to.include(`| route records | ${4 * RECORD.INTS} bytes a route |`);
  });

  it('states what traffic may add, as the benchmark checks it', () => {
    expect(operations).to.include(
      `at most ${mib(TRAFFIC_MEMORY_BYTES)} MiB above the daemon at rest, the kept choices (${mib(CHOSEN_ROUTES_BYTES_PER_SNAPSHOT)} MiB per snapshot) ` +
        `and their prepared route bytes (${mib(PREPARED_ROUTE_BYTES_PER_SNAPSHOT)} MiB), ` +
        `the free reply buffers (${mib(MAX_FREE_REPLY_BUFFERS * POOLED_REPLY_BYTES)} MiB) and V8's young generation (${mib(YOUNG_GENERATION_BYTES)} MiB`,
    );
  });

  it("V8's young generation of this Node.js is within what the docs count for it", () => {
    // Short-lived garbage grows the new space to its most.
    let kept: object[] = [];
    for (let i = 0; i < 1_000_000; i++) {
      kept.push({ i });
      if (kept.length > 100_000) kept = [];
    }
    const young = getHeapSpaceStatistics().filter((space) => space.space_name === 'new_space');
    expect(young).to.have.length(1);
    expect(young[0]!.space_size).to.be.at.most(YOUNG_GENERATION_BYTES);
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

describe('one range for a listener option, whoever checks it', () => {
  const { spec } = parseListenerOptions(['-e', '1'], { rundir: '/var/run' });

  for (const [name, field, min, max] of LIMIT_OPTIONS) {
    it(`${name}: the parser and the listener-spec schema both take ${min}..${max}, no more`, () => {
      expect({ min, max }).to.deep.equal(LISTENER_LIMIT_RANGES[field]);
      for (const value of [min, max]) {
        expect(parseListenerOptions(['-e', '1', name, String(value)], { rundir: '/var/run' }).problems).to.deep.equal([]);
        expect(checkListenerSpec({ ...spec, limits: { ...spec!.limits, [field]: value } })).to.deep.equal([]);
      }
      for (const value of [min - 1, max + 1]) {
        expect(parseListenerOptions(['-e', '1', name, String(value)], { rundir: '/var/run' }).problems).to.have.length(1);
        expect(checkListenerSpec({ ...spec, limits: { ...spec!.limits, [field]: value } })).to.have.length(1);
      }
    });
  }
});

describe("the client's bounds on an upstream's answer hold what a daemon sends", () => {
  it('cli and cld past the request bounds (translation may lengthen them), and more routes than max_routes (absent, every route)', () => {
    expect((routeSchema.properties.cld as { maxLength?: number }).maxLength).to.equal(MAX_ANSWER_NUMBER_CHARS).and.to.be.above(MAX_CLD_CHARS);
    expect((routeSchema.properties.cli as { maxLength?: number }).maxLength).to.equal(MAX_ANSWER_NUMBER_CHARS).and.to.be.above(MAX_CLI_CHARS);
    expect(routeResultSchema.properties.routes.maxItems).to.equal(MAX_ANSWER_ROUTES).and.to.be.above(MAX_ROUTES);
  });
});

// listRoutes and listGroups are bounded (issue 20, item 7; docs/rpc.md
// "Bounds of listGroups and listRoutes"): a supervisor serving two
// environments from one snapshot answers a ping on environment 2 while a
// batch of heavy listRoutes over a 100,000-route set of environment 1 runs
// (before, the batch held the event loop until it was done, so every other
// listener of the process waited), and a batch's listed rows are bounded:
// 100 × `limit: 1000` lists at most MAX_LISTED_ROWS_PER_BATCH rows, the
// entries past it answer LISTING_TOO_LARGE naming the bound (before, a
// reply of about 45 MB). Real supervisor process, real MariaDB.

import { expect } from 'chai';
import { request as httpRequest } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_POOL_LIMITS } from '../../src/db/pool.js';
import { catalogue } from '../../src/errors.js';
import { MAX_LISTED_ROWS_PER_BATCH } from '../../src/limits.js';
import { MAX_PAGE_LIMIT, type RoutesPage } from '../../src/routing/index.js';
import { DaemonProcess } from '../harness/daemon.js';
import { useFreshDatabase } from '../harness/database.js';
import { RoutingFixture } from '../harness/routing-fixture.js';
import { call, makeTempDir, post, type TempDir } from '../harness/rpc.js';
import { Supervisor } from '../harness/supervisor-process.js';

const ROUTES = 100_000;
const BATCH = 100;

type Answer = { id: number; result?: RoutesPage; error?: { code: number; message: string; data?: unknown } };

interface DataOfListener {
  readonly i_environment: number;
  readonly data?: { readonly source?: string } | null;
}

/**
 * Posts `body` and reports two events: `written` once the request is handed
 * to the socket, `started` once the answer's headers are in (the daemon
 * writes them when the whole batch is answered). Resolves with the answer.
 */
function watchedPost(socketPath: string, body: string, events: { written(): void; started(): void }): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { socketPath, agent: false, method: 'POST', path: '/', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        events.started();
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      },
    );
    req.on('finish', () => events.written());
    req.on('error', reject);
    req.end(body);
  });
}

describe('listRoutes is bounded in time and rows (supervisor process, 100,000-route set)', function () {
  this.timeout(120_000);
  // One INSERT of 100,000 routes also writes 100,000 journal rows (the
  // triggers): more than the default 2 s statement bound on a busy machine.
  const database = useFreshDatabase({ limits: { ...DEFAULT_POOL_LIMITS, queryTimeoutMs: 60_000 } });
  let dir: TempDir;
  let supervisor: Supervisor;
  let socket1: string;
  let socket2: string;

  before(async function () {
    this.timeout(120_000);
    const db = database().db;
    const big = new RoutingFixture(db, 1);
    await big.environmentRow();
    const set = await big.destinationSet({ name: 'Big' });
    await big.entry(await big.group({ name: 'Big' }), await big.connection({ vendor: await big.vendor('Carrier'), name: 'carrier-big' }), set);
    // n = 0..ROUTES-1 from five cross-joined digit tables; prefix '44' || n.
    const digits = '(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';
    await db.modify(
      `INSERT INTO routes (i_destination_set, prefix, price_1, price_n)
       SELECT ?, CONCAT('44', n), 0.010000, 0.010000
         FROM (SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d AS n FROM ${digits} a, ${digits} b, ${digits} c, ${digits} e, ${digits} f) seq
        WHERE n < ${ROUTES}`,
      [set],
    );
    const other = new RoutingFixture(db, 2);
    await other.environmentRow();
    const small = await other.destinationSet({ name: 'Small' });
    await other.route(small, { prefix: '1' });
    await other.entry(await other.group({ name: 'Other' }), await other.connection({ vendor: await other.vendor('Other'), name: 'carrier-other' }), small);

    dir = makeTempDir('sr-listing-bounds-');
    const econfig = join(dir.path, 'econfig');
    writeFileSync(econfig, 'command_args="/opt/sippy_routed/sippy_routed.${extension} -e %%I_ENVIRONMENT%%"\n');
    supervisor = new Supervisor({ econfig, rundir: dir.path, pidfile: join(dir.path, 'sippy_routed.pid'), dsn: database().dsn, environments: [1, 2] });
    await supervisor.waitServing(60_000);
    await supervisor.waitStatus(
      (s) => s.listeners.length === 2 && s.listeners.every((l) => (l as unknown as DataOfListener).data?.source === 'snapshot'),
      60_000,
      'both listeners answering from the snapshot',
    );
    socket1 = join(dir.path, 'sippy_routed.1.sock');
    socket2 = join(dir.path, 'sippy_routed.2.sock');
  });

  after(async function () {
    this.timeout(30_000);
    await supervisor?.kill();
    await DaemonProcess.killAll();
    dir?.remove();
  });

  it(`answers pings on environment 2 while a batch of ${BATCH} listRoutes over the set of environment 1 runs`, async () => {
    // Half with a CLD (before: each scanned every row of the set), half
    // without (the set's first listing orders it; the rest page through it).
    const entries = Array.from({ length: BATCH }, (_, i) => ({
      jsonrpc: '2.0',
      method: 'listRoutes',
      id: i,
      params: i % 2 === 0 ? { routing_group: 'Big', cld: `44${i * 997 + 1}234` } : { routing_group: 'Big', offset: i * 997, limit: 1 },
    }));
    const events: string[] = [];
    let written!: () => void;
    const sent = new Promise<void>((resolve) => (written = resolve));
    const batch = watchedPost(socket1, JSON.stringify(entries), { written, started: () => events.push('batch answered') });
    await sent;
    // Pings one after another until the batch's answer starts: a bounded loop on events.
    let pings = 0;
    while (!events.includes('batch answered') && pings < 100_000) {
      const ping = await post({ socketPath: socket2 }, call('ping'));
      expect((ping.json as { result?: { i_environment: number } }).result?.i_environment).to.equal(2);
      pings++;
      if (!events.includes('batch answered')) events.push('ping answered');
    }
    const answers = JSON.parse(await batch) as Answer[];
    expect(answers.map((a) => a.error ?? 'ok')).to.deep.equal(Array.from({ length: BATCH }, () => 'ok'));
    // CLD 441234: the rows of the prefixes ('44' || n) it starts with, shortest first.
    expect(answers[0]!.result!.routes.map((r) => r.prefix)).to.deep.equal(['441', '4412', '44123', '441234']);
    expect(answers[1]!.result!.routes.map((r) => r.prefix)).to.have.length(1);
    expect(events[0], `events: ${events.slice(0, 5).join(', ')}`).to.equal('ping answered');
  });

  it(`lists at most ${MAX_LISTED_ROWS_PER_BATCH} rows in one batch's answer; the entries past the bound answer LISTING_TOO_LARGE naming it`, async () => {
    const entries = Array.from({ length: BATCH }, (_, i) => ({
      jsonrpc: '2.0',
      method: 'listRoutes',
      id: i,
      params: { routing_group: 'Big', offset: i * MAX_PAGE_LIMIT, limit: MAX_PAGE_LIMIT },
    }));
    const reply = await post({ socketPath: socket1 }, JSON.stringify(entries));
    const answers = reply.json as Answer[];
    const fitting = MAX_LISTED_ROWS_PER_BATCH / MAX_PAGE_LIMIT;
    const rows = answers.reduce((sum, a) => sum + (a.result?.routes.length ?? 0), 0);
    expect(rows, `rows listed in one reply of ${reply.text.length} bytes`).to.equal(MAX_LISTED_ROWS_PER_BATCH);
    expect(answers.slice(0, fitting).map((a) => a.result?.routes.length)).to.deep.equal(Array.from({ length: fitting }, () => MAX_PAGE_LIMIT));
    const refused = answers.slice(fitting);
    expect(refused.map((a) => a.error?.code)).to.deep.equal(refused.map(() => catalogue.LISTING_TOO_LARGE.rpc));
    expect(refused[0]!.error).to.deep.equal({
      code: catalogue.LISTING_TOO_LARGE.rpc,
      message: `The listGroups and listRoutes requests of one batch may ask for ${MAX_LISTED_ROWS_PER_BATCH} rows in all (the sum of their limits); this one's limit of ${MAX_PAGE_LIMIT} is more than the 0 left: ask for smaller pages, or in another request.`,
      data: { limit: 'listed_rows_per_batch', value: MAX_LISTED_ROWS_PER_BATCH },
    });
    // The reply holds the listed rows and short error objects: about 450 bytes a row here.
    expect(reply.text.length).to.be.below(MAX_LISTED_ROWS_PER_BATCH * 600);
  });
});

// Node's own HTTP server standing in for the daemon under the bench's
// harness: `node dist/bench/profile.js --daemon-script
// dist/bench/stand-in.js` (with the daemon's own script in the same list,
// the two take turns). Started with the daemon's arguments (-e N, -s
// unix:PATH or http://127.0.0.1:PORT/; the rest is ignored), it reads and
// parses every request body as the daemon must, then answers ping as the
// daemon does (a data status made, the answer written by JSON.stringify)
// and any other method with one getRoutes answer made once from
// ROUTE_FIELDS, of about the bench's median answer size: no routing and no
// answer writing per request.
//
// What a request costs its main thread here (profile.js's last figures) is
// what Node spends on a request of that size, parsing included; the
// daemon's figure minus this one is its own work (docs/benchmark.md, "Where
// the rest goes"). It serves the harness and nothing else: no allow-list,
// no limits.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ROUTE_FIELDS, routeOf, type Route, type RouteField } from '../src/route-wire.js';

/** A route of plausible values: fields of each type as long as the bench's data set makes them. */
function sampleRoute(k: number): Route {
  const text: Partial<Record<RouteField, string>> = {
    connection_name: `carrier-${k}-trunk-a`, destination: `sip:442071234567@192.0.2.${k + 1}:5060`, vendor_name: `Vendor ${k}`,
    destination_set_name: `UK rates ${k}`, prefix: '4420712', currency: 'USD', cli: '15551234567', cld: '442071234567',
  };
  return routeOf((field) => {
    switch (ROUTE_FIELDS[field].type) {
      case 'id': return 1000 + k;
      case 'integer': return 60;
      case 'nullableInteger': return null;
      case 'money': return '0.012345';
      case 'boolean': return false;
      case 'string': return text[field] ?? '';
    }
  });
}

/** The median getRoutes answer of the bench's data set at 1M routes, in bytes (`make bench`'s getRoutesAnswerBytes). */
const ANSWER_BYTES = 7_948;

/** As many routes as keep the answer within ANSWER_BYTES. */
function sampleAnswer(): string {
  const answer = (routes: number): string => JSON.stringify({
    i_environment: 1, routing_group: { i_routing_group: 1, name: 'bench group', policy: 'preference,cost' }, cli: '15551234567', cld: '442071234567',
    routes: Array.from({ length: routes }, (_, k) => sampleRoute(k)),
  });
  let routes = 1;
  while (routes < 20 && answer(routes + 1).length <= ANSWER_BYTES) routes++;
  return answer(routes);
}

const ANSWER = sampleAnswer();

/**
 * STAND_IN_PAGES=N in the environment: every request also reads one byte
 * of each of N pseudo-random 4 KiB pages of a 64 MiB array, as a request
 * that touches N pages of data would (docs/benchmark.md, fourth round).
 * What that costs in place against in a loop is what memory per request
 * costs on the machine.
 */
const TOUCHED_PAGES = Number(process.env.STAND_IN_PAGES ?? 0);
const PAGE_BYTES = 4096;
const TOUCHED = TOUCHED_PAGES > 0 ? new Uint8Array(64 * 1024 * 1024).fill(1) : undefined;
let touchState = 1;
/** Sums the bytes read, so that no read can be left out. */
let touchedSum = 0;

function touchPages(): void {
  if (TOUCHED === undefined) return;
  const pages = TOUCHED.length / PAGE_BYTES;
  for (let i = 0; i < TOUCHED_PAGES; i++) {
    touchState = (Math.imul(touchState, 1103515245) + 12345) & 0x7fffffff;
    touchedSum += TOUCHED[(touchState % pages) * PAGE_BYTES]!;
  }
}
const RESULT_TAIL = Buffer.from(`,"result":${ANSWER}}`);

function serve(environment: number, listen: string): void {
  const started = Date.now();
  const dataStatus = (): object => ({
    source: 'snapshot', generation: 1, rows: 0, last_sync: new Date(started).toISOString(), age_ms: Date.now() - started,
    triggers: true, last_error: null, full_load_ms: 1, bad_rows: 0, replica: null,
  });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      touchPages();
      const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: unknown; method?: unknown };
      const id = JSON.stringify(request.id ?? null);
      const body = request.method === 'ping'
        ? Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: request.id ?? null, result: { i_environment: environment, version: 'stand-in', data: dataStatus() } }))
        : Buffer.concat([Buffer.from(`{"jsonrpc":"2.0","id":${id}`), RESULT_TAIL]);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  });
  if (listen.startsWith('unix:')) server.listen(listen.slice('unix:'.length));
  else server.listen(Number(new URL(listen).port), '127.0.0.1');
  process.once('SIGTERM', () => {
    if (TOUCHED !== undefined) process.stdout.write(`stand-in: ${touchedSum} bytes read from touched pages\n`);
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

function argument(argv: readonly string[], flag: string): string {
  const at = argv.indexOf(flag);
  if (at === -1 || at + 1 >= argv.length) throw new Error(`stand-in: ${flag} is required (the daemon's arguments)`);
  return argv[at + 1]!;
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const argv = process.argv.slice(2);
  serve(Number(argument(argv, '-e')), argument(argv, '-s'));
}

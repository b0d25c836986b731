// The limit itself: Node's own HTTP server, nothing of the daemon, answering
// every request with a fixed JSON-RPC-shaped body (`node
// dist/bench/ceiling-server.js unix:PATH | http:127.0.0.1`). The request
// target names the size: POST /bytes/N is answered with a body of exactly N
// bytes, so one server answers both the 60-byte body (ping's size) and the
// median getRoutes answer measured earlier in the same run. It reads each
// request body to its end, as the daemon must before it can answer, and
// parses nothing. On stdout one JSON line, {"event":"listening","port":N}
// (port 0 on a UNIX socket), once it accepts connections; SIGTERM ends it.
//
// Driven by the same load runner at the same concurrency as the daemon,
// getRoutes req/s ÷ this server's req/s at the same answer size is how
// close the daemon comes to what Node can do on that transport at all.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const ENVELOPE_HEAD = '{"jsonrpc":"2.0","id":1,"result":{"pad":"';
const ENVELOPE_TAIL = '"}}';
/** The smallest body fixedBody can write (the envelope with an empty pad). */
export const MIN_FIXED_BODY_BYTES = ENVELOPE_HEAD.length + ENVELOPE_TAIL.length;
/** No answer of the daemon comes near this; a bound on what a request target may ask the server to allocate. */
const MAX_FIXED_BODY_BYTES = 16 * 1024 * 1024;

/** A JSON-RPC success answer of exactly `bytes` bytes (at least MIN_FIXED_BODY_BYTES): the load runner counts it as a success. */
export function fixedBody(bytes: number): Buffer {
  const pad = Math.max(0, bytes - MIN_FIXED_BODY_BYTES);
  return Buffer.from(ENVELOPE_HEAD + 'x'.repeat(pad) + ENVELOPE_TAIL, 'utf8');
}

/** The request target that asks for a body of `bytes` bytes. */
export function fixedBodyPath(bytes: number): string {
  return `/bytes/${Math.round(bytes)}`;
}

function serve(listen: string): void {
  // Built once per size: the server answers a fixed body, never makes one per request.
  const bodies = new Map<string, Buffer>();
  const bodyFor = (target: string | undefined): Buffer | undefined => {
    let body = bodies.get(target ?? '');
    if (body !== undefined) return body;
    const match = /^\/bytes\/(\d+)$/.exec(target ?? '');
    const bytes = match === null ? NaN : Number(match[1]);
    if (!(bytes >= MIN_FIXED_BODY_BYTES && bytes <= MAX_FIXED_BODY_BYTES)) return undefined;
    body = fixedBody(bytes);
    bodies.set(target!, body);
    return body;
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      const body = bodyFor(req.url);
      if (body === undefined) {
        res.writeHead(404, { 'content-length': 0 });
        res.end();
        return;
      }
      // The headers the daemon sends with an answer (src/rpc/http-reply.ts).
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  });
  const announce = (): void => {
    const address = server.address();
    process.stdout.write(JSON.stringify({ event: 'listening', port: typeof address === 'object' && address !== null ? address.port : 0 }) + '\n');
  };
  if (listen.startsWith('unix:')) server.listen(listen.slice('unix:'.length), announce);
  else if (listen === 'http:127.0.0.1') server.listen(0, '127.0.0.1', announce);
  else throw new Error(`ceiling server: expected unix:PATH or http:127.0.0.1, got ${JSON.stringify(listen)}`);
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

// Run only as a program, not when imported (the harness and tests import fixedBody).
if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  serve(process.argv[2] ?? '');
}

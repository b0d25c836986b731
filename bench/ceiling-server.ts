// The limit itself: Node's own HTTP server, nothing of the daemon, answering
// every request with a fixed body (`node dist/bench/ceiling-server.js
// unix:PATH | http:127.0.0.1 FILE...`): POST /answer/I is answered with the
// bytes of the I-th FILE, an answer the daemon gave earlier in the same run
// (sample-answers.ts: one of ping's, one of getRoutes' of the median size);
// any other target with 404. It reads each request body to its end, as the
// daemon must before it can answer, and parses nothing. On stdout one JSON line, {"event":"listening","port":N}
// (port 0 on a UNIX socket), once it accepts connections; SIGTERM ends it.
//
// Driven by the same load runner at the same concurrency as the daemon,
// getRoutes req/s ÷ this server's req/s at the same answer size is how
// close the daemon comes to what Node can do on that transport at all.

import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** The request target that asks for the answer read from the i-th file the server was given. */
export function answerPath(i: number): string {
  return `/answer/${i}`;
}

function serve(listen: string, answerFiles: readonly string[]): void {
  // Read once: the server answers fixed bodies, never makes one per request.
  const bodies = new Map<string, Buffer>(answerFiles.map((file, i) => [answerPath(i), readFileSync(file)]));
  const bodyFor = (target: string | undefined): Buffer | undefined => bodies.get(target ?? '');
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

// Run only as a program, not when imported (the harness imports answerPath).
if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  serve(process.argv[2] ?? '', process.argv.slice(3));
}

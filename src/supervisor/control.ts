// The control socket: JSON-RPC 2.0 over HTTP POST on a UNIX socket of mode
// 0600 (only the supervisor's user may reload it), serving `status` and
// `reload`. It binds like a listener (stale socket replaced, a live one
// refused, only our own path removed at close) but has no allow-list,
// routing or batches: one request, one answer.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { catalogue, SippyError } from '../errors.js';
import { CONTROL_BODY_LIMIT_BYTES, CONTROL_REQUEST_TIMEOUT_MS, CONTROL_SOCKET_MODE } from '../limits.js';
import { readBody } from '../rpc/body-reader.js';
import { replyJson } from '../rpc/reply-json.js';
import { idNeedsText, RawNumberId, requestIdTexts } from '../rpc/request-ids.js';
import { bindUnixSocket, checkSocketPath, unlinkIfOwn, type SocketIdentity } from '../rpc/unix-socket.js';

export type ControlMethods = Readonly<Record<string, () => Promise<unknown>>>;

function send(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const bytes = replyJson(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
  res.end(bytes);
}

function failure(id: unknown, code: number, message: string): Record<string, unknown> {
  return { jsonrpc: '2.0', error: { code, message }, id: id ?? null };
}

export class ControlServer {
  private server: Server | undefined;
  private identity: SocketIdentity | undefined;

  constructor(readonly path: string, private readonly methods: ControlMethods) {}

  /** Idempotent; throws SOCKET_IN_USE when another supervisor answers there. */
  async start(): Promise<void> {
    if (this.server !== undefined) return;
    await checkSocketPath(this.path);
    const server = createServer((req, res) => void this.handle(req, res));
    server.requestTimeout = CONTROL_REQUEST_TIMEOUT_MS;
    this.identity = await bindUnixSocket(server, this.path, CONTROL_SOCKET_MODE);
    this.server = server;
  }

  /** Idempotent; removes the socket file only if it is still ours. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (this.identity !== undefined) await unlinkIfOwn(this.path, this.identity);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      send(res, 405, failure(null, catalogue.RPC_INVALID_REQUEST.rpc, 'Invalid Request: use POST.'));
      return;
    }
    const body = await readBody(req, CONTROL_BODY_LIMIT_BYTES);
    if (body.kind === 'aborted') return;
    if (body.kind === 'too-large') {
      send(res, 413, failure(null, catalogue.RPC_INVALID_REQUEST.rpc, `Invalid Request: body over ${CONTROL_BODY_LIMIT_BYTES} bytes.`));
      return;
    }
    let request: { method?: unknown; id?: unknown; jsonrpc?: unknown };
    try {
      request = JSON.parse(body.text) as typeof request;
    } catch {
      send(res, 200, failure(null, catalogue.RPC_PARSE_ERROR.rpc, 'Parse error'));
      return;
    }
    if (typeof request !== 'object' || request === null || request.jsonrpc !== '2.0' || typeof request.method !== 'string') {
      send(res, 200, failure(null, catalogue.RPC_INVALID_REQUEST.rpc, 'Invalid Request'));
      return;
    }
    // The id as the client wrote it, as on the listeners (request-ids.ts); the body is small and this is no hot path.
    const id = idNeedsText(request, false) ? new RawNumberId(requestIdTexts(body.text)[0]!) : request.id;
    const method = Object.hasOwn(this.methods, request.method) ? this.methods[request.method] : undefined;
    if (method === undefined) {
      send(res, 200, failure(id, catalogue.RPC_METHOD_NOT_FOUND.rpc, `Method not found: the control socket serves ${Object.keys(this.methods).join(' and ')}.`));
      return;
    }
    try {
      send(res, 200, { jsonrpc: '2.0', result: await method(), id: id ?? null });
    } catch (err) {
      const message = err instanceof SippyError ? err.message : 'internal error; see the supervisor log';
      send(res, 200, failure(id, catalogue.RPC_INTERNAL.rpc, message));
    }
  }
}

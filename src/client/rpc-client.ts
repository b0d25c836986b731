// A JSON-RPC 2.0 client over HTTP/1.1 POST on `unix:/path`, `http://` and
// `https://` URIs: what the CLI (query, status, reload) and chained daemons
// (external groups) use. Keep-alive, one deadline per call covering connect,
// send and receive, a bounded response size, and strict checking of the
// envelope: whatever the peer sends, the caller gets a result or a
// RpcCallError, never a crash.

import http from 'node:http';
import https from 'node:https';
import { redactUri } from '../dsn-syntax.js';
import { CLIENT_SOCKETS_PER_PEER, DEFAULT_UPSTREAM_TIMEOUT_MS, MAX_ANSWER_BYTES } from '../limits.js';

export type RpcFailure =
  /** Could not connect, connection lost, or no answer before the deadline. */
  | 'unreachable'
  | 'timeout'
  /** The peer answered with a JSON-RPC error object (in `remote`). */
  | 'remote'
  /** The peer answered something that is not a JSON-RPC response to our call. */
  | 'invalid';

export class RpcCallError extends Error {
  constructor(
    readonly failure: RpcFailure,
    message: string,
    readonly remote?: { code: number; message: string; data?: unknown },
    /** The system error (ECONNREFUSED, EACCES, EPIPE, ...) when the connection failed. */
    readonly errno?: string,
  ) {
    super(message);
    this.name = 'RpcCallError';
  }
}

export interface RpcClientOptions {
  /** Deadline of one call, ms (default DEFAULT_UPSTREAM_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  /** Largest response body accepted, bytes (default MAX_ANSWER_BYTES). */
  readonly maxResponseBytes?: number;
  /** https: extra trust (a test CA); the system's CAs otherwise. */
  readonly ca?: string | Buffer;
}

export interface Target {
  readonly transport: typeof http | typeof https;
  readonly options: http.RequestOptions;
}

/**
 * Where a `unix:/path`, `http://` or `https://` URI leads; throws an
 * RpcCallError 'unreachable' naming what is wrong (also how a routing
 * group's `uri` is checked before it is written: data/setup). `shown`: the
 * URI as messages name it (redactUri's form).
 */
export function parseUri(uri: string, shown: string = redactUri(uri)): Target {
  if (uri.startsWith('unix:')) {
    const socketPath = uri.slice('unix:'.length);
    if (!socketPath.startsWith('/')) throw new RpcCallError('unreachable', `invalid URI ${shown}: unix: needs an absolute path`);
    return { transport: http, options: { socketPath, path: '/' } };
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new RpcCallError('unreachable', `invalid URI ${shown}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RpcCallError('unreachable', `invalid URI ${shown}: expected unix:, http: or https:`);
  }
  return {
    transport: url.protocol === 'https:' ? https : http,
    options: { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || (url.protocol === 'https:' ? 443 : 80), path: url.pathname + url.search },
  };
}

export class RpcClient {
  readonly uri: string;
  /** The URI as every message names it: redacted (a password in it never reaches an error, hence a log). */
  readonly shownUri: string;
  private readonly target: Target;
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private nextId = 1;

  constructor(uri: string, options: RpcClientOptions = {}) {
    this.uri = uri;
    this.shownUri = redactUri(uri);
    this.target = parseUri(uri, this.shownUri);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
    this.maxResponseBytes = options.maxResponseBytes ?? MAX_ANSWER_BYTES;
    this.agent =
      this.target.transport === https
        ? new https.Agent({ keepAlive: true, maxSockets: CLIENT_SOCKETS_PER_PEER, ...(options.ca !== undefined ? { ca: options.ca } : {}) })
        : new http.Agent({ keepAlive: true, maxSockets: CLIENT_SOCKETS_PER_PEER });
  }

  /** Calls `method` with named params; resolves with `result`. */
  async call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params });
    const text = await this.post(body);
    let response: unknown;
    try {
      response = JSON.parse(text);
    } catch {
      throw new RpcCallError('invalid', `${this.shownUri} answered something that is not JSON`);
    }
    if (typeof response !== 'object' || response === null || Array.isArray(response)) {
      throw new RpcCallError('invalid', `${this.shownUri} answered something that is not a JSON-RPC response`);
    }
    const r = response as Record<string, unknown>;
    if (r.jsonrpc !== '2.0' || (r.id !== id && !(r.id === null && 'error' in r))) {
      throw new RpcCallError('invalid', `${this.shownUri} answered a JSON-RPC response that does not match the call`);
    }
    if ('error' in r) {
      const e = r.error as Record<string, unknown> | null;
      if (typeof e !== 'object' || e === null || typeof e.code !== 'number' || typeof e.message !== 'string') {
        throw new RpcCallError('invalid', `${this.shownUri} answered a malformed JSON-RPC error`);
      }
      const remote = { code: e.code, message: e.message, ...('data' in e ? { data: e.data } : {}) };
      throw new RpcCallError('remote', `${this.shownUri} answered error ${e.code}: ${e.message}`, remote);
    }
    if (!('result' in r)) throw new RpcCallError('invalid', `${this.shownUri} answered neither result nor error`);
    return r.result;
  }

  /** Closes kept-alive connections. Idempotent. */
  close(): void {
    this.agent.destroy();
  }

  private post(body: string): Promise<string> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (err: RpcCallError | undefined, text?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        if (err !== undefined) {
          request.destroy();
          reject(err);
        } else {
          resolve(text!);
        }
      };
      const request = this.target.transport.request({
        ...this.target.options,
        agent: this.agent,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), accept: 'application/json' },
      });
      const deadline = setTimeout(() => finish(new RpcCallError('timeout', `${this.shownUri} did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      request.on('error', (err: NodeJS.ErrnoException) =>
        finish(new RpcCallError('unreachable', `${this.shownUri} is unreachable (${err.code ?? err.message})`, undefined, err.code)),
      );
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxResponseBytes) {
            finish(new RpcCallError('invalid', `${this.shownUri} answered more than ${this.maxResponseBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        const cut = () => finish(new RpcCallError('unreachable', `${this.shownUri} closed the connection mid-answer`, undefined, 'ECONNRESET'));
        response.on('error', cut);
        response.on('close', () => {
          if (!response.complete) cut();
        });
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = response.statusCode ?? 0;
          // JSON-RPC errors come with 200, or with 403 (not allowed) and a JSON body.
          if (status !== 200 && !(text.startsWith('{') && /json/.test(String(response.headers['content-type'])))) {
            finish(new RpcCallError('invalid', `${this.shownUri} answered HTTP ${status}`));
            return;
          }
          finish(undefined, text);
        });
      });
      request.end(body);
    });
  }
}

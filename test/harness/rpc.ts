// Helpers for listener tests: specs built directly (as econfig would), a
// scripted in-test Resolver, raw HTTP clients over UNIX sockets and loopback
// TCP, and temporary directories that are always removed.

import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, Agent, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { DEFAULT_LIMITS, type Endpoint, type ListenerLimits, type ListenerSpec } from '../../src/econfig/listener-spec.js';
import type { Resolver, RouteRequest, RouteResult } from '../../src/routing/contract.js';

export function makeSpec(endpoint: Endpoint, overrides: Partial<Omit<ListenerSpec, 'limits'>> & { limits?: Partial<ListenerLimits> } = {}): ListenerSpec {
  const socket =
    endpoint.kind === 'unix'
      ? `unix:${endpoint.path}`
      : `${endpoint.kind}://${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}${overrides.httpPath ?? '/'}`;
  return Object.freeze({
    environment: 2,
    endpoint,
    socket,
    httpPath: '/',
    socketMode: 0o660,
    tls: undefined,
    allow: [],
    dsn: undefined,
    ...overrides,
    limits: Object.freeze({ ...DEFAULT_LIMITS, ...overrides.limits }),
  });
}

/** A Resolver whose behaviour each test scripts; it records the requests it got. */
export class FakeResolver implements Resolver {
  readonly requests: RouteRequest[] = [];
  closed = false;
  constructor(private readonly behaviour: (environment: number, request: RouteRequest) => Promise<RouteResult> = async (environment, request) => emptyResult(environment, request)) {}

  resolve(environment: number, request: RouteRequest): Promise<RouteResult> {
    this.requests.push(request);
    return this.behaviour(environment, request);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

export function emptyResult(environment: number, request: RouteRequest): RouteResult {
  return {
    i_environment: environment,
    routing_group: { i_routing_group: 7, name: request.routing_group, policy: 'lcr' },
    cli: request.cli,
    cld: request.cld,
    routes: [],
  };
}

export interface TempDir {
  readonly path: string;
  remove(): void;
}

export function makeTempDir(prefix = 'sr-rpc-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface Target {
  readonly socketPath?: string;
  readonly host?: string;
  readonly port?: number;
  readonly localAddress?: string;
  readonly agent?: Agent;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON, or undefined when empty. */
  readonly json: unknown;
  /** The client socket's local port: equal across answers means the same kept-alive connection. */
  readonly localPort: number | undefined;
}

export interface PostOptions {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
}

/** One HTTP request; resolves with the whole answer, rejects on a socket error. */
export function post(target: Target, body: string | Buffer, options: PostOptions = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        ...target,
        agent: target.agent ?? false,
        method: options.method ?? 'POST',
        path: options.path ?? '/',
        // Explicit: Node sends no Content-Length for GET and the like, which would make the body a second, garbage request.
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        const localPort = res.socket.localPort;
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: text === '' ? undefined : JSON.parse(text), localPort });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A JSON-RPC 2.0 call body. */
export function call(method: string, params?: unknown, id: unknown = 1): string {
  return JSON.stringify({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }), id });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `probe` until `accept` holds; rejects with what it last saw once
 * `timeoutMs` has passed. `intervalMs` paces a probe that costs something
 * (a request, a log file read) on a busy machine.
 */
export async function until<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs: number, what: string | (() => string), intervalMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`${typeof what === 'string' ? what : what()}: not within ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await delay(intervalMs);
  }
}

/** until() for a condition without a value to show: polls `check` until it holds; rejects after `timeoutMs`. */
export async function untilTrue(check: () => boolean | Promise<boolean>, what: string | (() => string), timeoutMs = 10_000, intervalMs = 10): Promise<void> {
  await until(async () => await check(), (held) => held, timeoutMs, what, intervalMs);
}

/**
 * Writes the bodies as HTTP POST requests on one connection in one go
 * (pipelined) and reads the answers' bodies as text, in order. The
 * connection: a UNIX socket's path, or a function that opens one (TLS).
 * `window`: at most that many requests unanswered at a time (Node's HTTPS
 * server fails a TLS connection with HPE_PAUSED when a client pipelines far
 * ahead of its answers).
 */
export function pipelinedPosts(target: string | (() => Socket), bodies: readonly string[], window = Infinity): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = typeof target === 'string' ? connect(target) : target();
    let buffer = Buffer.alloc(0);
    const texts: string[] = [];
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: *(\d+)/i.exec(buffer.subarray(0, end).toString('latin1'))?.[1] ?? 'NaN');
        if (buffer.length < end + 4 + length) return;
        texts.push(buffer.subarray(end + 4, end + 4 + length).toString('utf8'));
        buffer = buffer.subarray(end + 4 + length);
        if (texts.length === bodies.length) {
          socket.end();
          resolve(texts);
          return;
        }
        if (texts.length === written) writeNext();
      }
    });
    socket.on('close', () => {
      if (texts.length < bodies.length) reject(new Error(`connection closed after ${texts.length} of ${bodies.length} answers${texts.length > 0 ? `, the last ${texts[texts.length - 1]!.slice(0, 300)}` : ""}`));
    });
    let written = 0;
    const writeNext = (): void => {
      const next = bodies.slice(written, Math.min(bodies.length, written + window));
      written += next.length;
      socket.write(next.map((body) => `POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`).join(''));
    };
    writeNext();
  });
}

// One environment's JSON-RPC listener: a socket (unix:, http: or https:),
// its swappable settings, and its lifecycle.
//
//   start()          binds and resolves once listening (idempotent)
//   update(spec, r)  same endpoint: new allow-list, limits, socket mode, TLS
//                    certificate, HTTP path, resolver; the socket stays open
//   stop(drainMs)    stops accepting, lets in-flight requests finish within
//                    drainMs, answers the calls still waiting with
//                    RPC_STOPPING, closes the rest, removes its own UNIX socket
//
// The listener never closes the resolver: whoever created it owns it.

import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { sameEndpoint, type ListenerLimits, type ListenerSpec } from '../econfig/listener-spec.js';
import { SippyError } from '../errors.js';
import { DEFAULT_DRAIN_MS } from '../limits.js';
import type { Logger } from '../log.js';
import type { DaemonMetrics } from '../metrics/daemon-metrics.js';
import type { EnvironmentMetrics } from '../metrics/environment-metrics.js';
import type { Resolver } from '../routing/index.js';
import { RejectionLogLimiter } from './allow-list.js';
import { CallGate } from './call-gate.js';
import { answerClientError } from './client-errors.js';
import { HandshakeDeadlines } from './handshake-deadline.js';
import { createContinueHandler, createExpectationHandler, createRequestHandler, isAllowed } from './http-front.js';
import type { FrontHost } from './front-host.js';
import { JsonRpcDispatcher } from './jsonrpc.js';
import { getRoutes, ping } from './methods.js';
import { listGroups, listRoutes } from './inspect-methods.js';
import { loadTls, settingsFor, type ListenerSettings } from './settings.js';
import { bindUnixSocket, checkSocketPath, chmodIfOwn, unlinkIfOwn, type SocketIdentity } from './unix-socket.js';
import { WaitingCalls } from './waiting-calls.js';


/**
 * After the drain, how long the calls answered with RPC_STOPPING get to be
 * written before the remaining connections are closed. Their answers are
 * ready at once; this only bounds a stop against a wedged request.
 */
const STOPPING_ANSWER_MS = 1000;

export interface ListenerStats {
  readonly socket: string;
  readonly state: ListenerState;
  /** When the listener started listening. */
  readonly since: Date | undefined;
  /** HTTP requests answered (or abandoned by their client). */
  readonly requests: number;
  /** Error answers sent: JSON-RPC error objects (each entry of a batch counts) and HTTP errors. */
  readonly errors: number;
  /** Clients refused by the allow-list (HTTP 403 or a TLS connection closed). */
  readonly rejected: number;
  readonly inFlight: number;
}

export type ListenerState = 'new' | 'starting' | 'listening' | 'stopping' | 'stopped';

export interface ListenerOptions {
  /** Clock (epoch ms) for deadlines, default times and log rate limits. */
  readonly now?: () => number;
  /** The process's metrics when --metrics is on: this listener records its environment's series there. */
  readonly metrics?: DaemonMetrics;
}

type AnyServer = HttpServer | HttpsServer;

export class Listener implements FrontHost {
  readonly dispatcher = new JsonRpcDispatcher({ getRoutes, ping, listGroups, listRoutes });
  readonly logger: Logger;
  readonly now: () => number;
  readonly metrics: EnvironmentMetrics | undefined;
  private readonly daemonMetrics: DaemonMetrics | undefined;
  private current: ListenerSettings;
  private state: ListenerState = 'new';
  private server: AnyServer | undefined;
  private identity: SocketIdentity | undefined;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private since: Date | undefined;
  private readonly counters = { requests: 0, errors: 0, rejected: 0, inFlight: 0 };
  private onDrained: (() => void) | undefined;
  private readonly rejections = new RejectionLogLimiter();
  /** One gate per client connection; it goes with the socket. */
  private readonly gates = new WeakMap<Socket, CallGate>();
  readonly waiting = new WaitingCalls();
  private readonly handshakes = new HandshakeDeadlines();

  constructor(spec: ListenerSpec, resolver: Resolver, logger: Logger, options: ListenerOptions = {}) {
    this.current = settingsFor(spec, resolver);
    this.logger = logger;
    this.now = options.now ?? Date.now;
    this.daemonMetrics = options.metrics;
    this.metrics = options.metrics?.forEnvironment(spec.environment);
  }

  get spec(): ListenerSpec {
    return this.current.spec;
  }

  settings(): ListenerSettings {
    return this.current;
  }

  isStopping(): boolean {
    return this.state === 'stopping' || this.state === 'stopped';
  }

  /** The bound TCP address (port 0 in the spec → the ephemeral port), or the UNIX path. */
  address(): AddressInfo | string | undefined {
    const endpoint = this.current.spec.endpoint;
    if (endpoint.kind === 'unix') return this.state === 'listening' ? endpoint.path : undefined;
    const address = this.server?.address();
    return address === null || address === undefined ? undefined : address;
  }

  stats(): ListenerStats {
    return { socket: this.current.spec.socket, state: this.state, since: this.since, ...this.counters };
  }

  /** Binds the socket; resolves once listening. Throws SOCKET_IN_USE, SOCKET_BIND_FAILED or TLS_FILES_INVALID. */
  start(): Promise<void> {
    if (this.stopping !== undefined) return Promise.reject(new Error(`listener ${this.current.spec.socket} was stopped; create a new one`));
    this.starting ??= this.bind().catch((err: unknown) => {
      this.state = 'stopped';
      throw err;
    });
    return this.starting;
  }

  /**
   * Applies a spec for the same endpoint, and optionally a new resolver,
   * without closing the socket. Everything that can fail (TLS files, chmod)
   * is done first: on failure nothing changes.
   */
  async update(spec: ListenerSpec, resolver: Resolver = this.current.resolver): Promise<void> {
    if (!sameEndpoint(spec.endpoint, this.current.spec.endpoint)) {
      throw new TypeError(`update() keeps the socket: ${spec.socket} is not ${this.current.spec.socket}; start a new listener to move`);
    }
    if (this.isStopping()) throw new Error(`listener ${this.current.spec.socket} is stopping; it cannot be updated`);
    const next = settingsFor(spec, resolver);
    const tls = spec.endpoint.kind === 'https' ? await loadTls(spec) : undefined;
    const endpoint = spec.endpoint;
    if (endpoint.kind === 'unix' && this.identity !== undefined && spec.socketMode !== this.current.spec.socketMode) {
      await chmodIfOwn(endpoint.path, this.identity, spec.socketMode);
    }
    const server = this.server;
    if (tls !== undefined && server !== undefined && 'setSecureContext' in server) server.setSecureContext(tls);
    if (server !== undefined) applyTimeouts(server, spec.limits);
    if (this.state === 'listening' && spec.socket !== this.current.spec.socket) {
      // A new HTTP path on the same address: listener_info follows the socket's name.
      this.daemonMetrics?.listenerStopped(this.current.environment, this.current.spec.socket);
      this.daemonMetrics?.listenerStarted(spec.environment, spec.socket);
    }
    this.current = next;
    this.logger.info('listener updated', { environment: spec.environment, socket: spec.socket, allow: spec.allow });
  }

  /** Idempotent. In-flight requests get up to drainMs to finish; then their connections are closed. */
  stop(drainMs: number = DEFAULT_DRAIN_MS): Promise<void> {
    this.stopping ??= this.shutdown(drainMs);
    return this.stopping;
  }

  // FrontHost: the HTTP front reports here.

  requestStarted(): void {
    this.counters.inFlight += 1;
  }

  requestFinished(errors: number): void {
    this.counters.inFlight -= 1;
    this.counters.requests += 1;
    this.counters.errors += errors;
    if (this.counters.inFlight === 0) this.onDrained?.();
  }

  /**
   * A client connection runs at most --db-connections method calls at once
   * (rpc.md, Batches): as many as the pool has connections, so one client
   * cannot queue more than that in front of the others.
   */
  gateFor(socket: Socket): CallGate {
    let gate = this.gates.get(socket);
    if (gate === undefined) {
      gate = new CallGate(this.current.limits.dbConnections);
      this.gates.set(socket, gate);
    }
    return gate;
  }

  rejected(address: string | undefined): void {
    this.counters.rejected += 1;
    this.metrics?.rejected();
    const who = address ?? 'unknown';
    if (this.rejections.shouldLog(who, this.now())) {
      this.logger.warn('client not allowed', { environment: this.current.environment, socket: this.current.spec.socket, address: who });
    }
  }

  private async bind(): Promise<void> {
    this.state = 'starting';
    const spec = this.current.spec;
    const server = await this.createServer(spec);
    this.server = server;
    const endpoint = spec.endpoint;
    if (endpoint.kind === 'unix') {
      await checkSocketPath(endpoint.path);
      this.identity = await bindUnixSocket(server, endpoint.path, spec.socketMode);
    } else {
      await listenTcp(server, endpoint.host, endpoint.port, spec.socket);
    }
    server.on('clientError', (err: Error, socket) => {
      if (!answerClientError(err, socket)) return;
      this.requestStarted();
      this.requestFinished(1);
    });
    server.on('error', (err) => this.logger.error('listener socket error', { environment: spec.environment, socket: spec.socket, error: err.message }));
    this.state = 'listening';
    this.since = new Date(this.now());
    this.daemonMetrics?.listenerStarted(spec.environment, spec.socket);
    this.logger.info('listening', { environment: spec.environment, socket: spec.socket });
  }

  private async createServer(spec: ListenerSpec): Promise<AnyServer> {
    const limits = spec.limits;
    // Node checks header and request timeouts on this interval (30 s by
    // default): keep it a fraction of the shortest timeout.
    const timeouts = nodeTimeouts(limits);
    const interval = Math.min(1000, Math.max(50, Math.floor(Math.min(timeouts.headersTimeout, timeouts.requestTimeout || Infinity) / 4)));
    const options = { connectionsCheckingInterval: interval, ...timeouts };
    const handler = createRequestHandler(this);
    let server: AnyServer;
    if (spec.endpoint.kind === 'https') {
      server = createHttpsServer({ ...options, ...(await loadTls(spec)) }, handler);
      // Before the TLS handshake: a refused client never sees our certificate.
      // An allowed one has the headers timeout to complete the handshake.
      server.on('connection', (socket: Socket) => {
        const allowList = this.current.allowList;
        if (allowList !== undefined && !isAllowed(socket, allowList)) {
          this.rejected(socket.remoteAddress);
          socket.destroy();
          return;
        }
        this.handshakes.arm(socket, nodeTimeouts(this.current.limits).headersTimeout);
      });
      server.on('secureConnection', (socket: Socket) => this.handshakes.completed(socket));
    } else {
      server = createHttpServer(options, handler);
    }
    server.on('checkContinue', createContinueHandler(this));
    server.on('checkExpectation', createExpectationHandler(this));
    applyTimeouts(server, limits);
    return server;
  }

  private async shutdown(drainMs: number): Promise<void> {
    await this.starting?.catch(() => undefined);
    const server = this.server;
    if (server === undefined || this.state !== 'listening') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    this.daemonMetrics?.listenerStopped(this.current.environment, this.current.spec.socket);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await this.drain(drainMs);
    if (this.abandonWaiting() > 0) await this.drain(STOPPING_ANSWER_MS);
    server.closeAllConnections();
    await closed;
    const endpoint = this.current.spec.endpoint;
    if (endpoint.kind === 'unix' && this.identity !== undefined) await unlinkIfOwn(endpoint.path, this.identity);
    this.state = 'stopped';
    this.logger.info('listener stopped', { environment: this.current.environment, socket: this.current.spec.socket, ...this.counters });
  }

  /** Answers every call still waiting on the resolver with RPC_STOPPING; returns how many. */
  private abandonWaiting(): number {
    const error = new SippyError('RPC_STOPPING', 'The listener stopped before the routing answer was ready; the request can be retried.');
    const count = this.waiting.abandonAll(error);
    if (count === 0) return 0;
    this.logger.warn('answered requests still waiting at the end of the drain', { environment: this.current.environment, socket: this.current.spec.socket, requests: count });
    return count;
  }

  private drain(drainMs: number): Promise<void> {
    if (this.counters.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, drainMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.onDrained = done;
    });
  }
}

function applyTimeouts(server: AnyServer, limits: ListenerLimits): void {
  const timeouts = nodeTimeouts(limits);
  server.requestTimeout = timeouts.requestTimeout;
  server.headersTimeout = timeouts.headersTimeout;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
}

/** Node refuses headersTimeout > requestTimeout (0 = no request timeout): the whole request bounds its headers too. */
function nodeTimeouts(limits: ListenerLimits): { headersTimeout: number; requestTimeout: number } {
  const requestTimeout = limits.requestTimeoutMs;
  const headersTimeout = requestTimeout > 0 ? Math.min(limits.headersTimeoutMs, requestTimeout) : limits.headersTimeoutMs;
  return { headersTimeout, requestTimeout };
}

function listenTcp(server: AnyServer, host: string, port: number, socket: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      if (err.code === 'EADDRINUSE') reject(new SippyError('SOCKET_IN_USE', `cannot listen on ${socket}: the address and port are in use.`));
      else if (err.code === 'EACCES') reject(new SippyError('SOCKET_BIND_FAILED', `cannot listen on ${socket}: permission denied (ports below 1024 need privileges).`));
      else if (err.code === 'EADDRNOTAVAIL') reject(new SippyError('SOCKET_BIND_FAILED', `cannot listen on ${socket}: the address is not on this host.`));
      else reject(new SippyError('SOCKET_BIND_FAILED', `cannot listen on ${socket}: ${err.code ?? err.message}.`));
    };
    server.once('error', onError);
    server.listen({ host: host.replace(/^\[(.*)\]$/, '$1'), port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

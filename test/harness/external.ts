// Helpers for external-group tests: real listeners of a shared database on
// UNIX sockets, and a scripted upstream peer that answers whatever a test
// tells it (garbage included).

import http from 'node:http';
import { join } from 'node:path';
import type { Database } from '../../src/db/pool.js';
import { silentLogger } from '../../src/log.js';
import { Listener } from '../../src/rpc/listener.js';
import { createResolver, type RoutingLogger, type RoutingResolver } from '../../src/routing/index.js';
import { makeSpec } from './rpc.js';

/** A listener of one environment on `dir/sippy_routed.<environment>.sock`, with its own resolver. */
export class EnvironmentDaemon {
  readonly socketPath: string;
  readonly uri: string;
  readonly resolver: RoutingResolver;
  readonly listener: Listener;

  constructor(db: Database, dir: string, readonly environment: number, options: { upstreamTimeoutMs?: number; maxHops?: number; newConnectionsPerMinute?: number; logger?: RoutingLogger; socketName?: string; upstream?: { upstream(uri: string, outcome: string): void } } = {}) {
    this.socketPath = join(dir, options.socketName ?? `sippy_routed.${environment}.sock`);
    this.uri = `unix:${this.socketPath}`;
    this.resolver = createResolver(db, {
      ...(options.upstream !== undefined ? { upstream: options.upstream } : {}),
      logger: options.logger ?? silentLogger,
      externalLimits: {
        ...(options.upstreamTimeoutMs !== undefined ? { upstreamTimeoutMs: options.upstreamTimeoutMs } : {}),
        ...(options.maxHops !== undefined ? { maxHops: options.maxHops } : {}),
        ...(options.newConnectionsPerMinute !== undefined ? { newConnectionsPerMinute: options.newConnectionsPerMinute } : {}),
      },
    });
    this.listener = new Listener(makeSpec({ kind: 'unix', path: this.socketPath }, { environment }), this.resolver, silentLogger);
  }

  async start(): Promise<this> {
    await this.listener.start();
    return this;
  }

  async stop(): Promise<void> {
    await this.listener.stop(0);
    await this.resolver.close();
  }
}

/** How the scripted peer answers one request: write to `res`, or never answer. */
export type PeerBehaviour = (body: Record<string, unknown>, res: http.ServerResponse) => void;

/** A node:http JSON-RPC peer on a UNIX socket whose answers a test scripts. */
export class ScriptedPeer {
  behaviour: PeerBehaviour = () => undefined;
  readonly requests: Record<string, unknown>[] = [];
  readonly uri: string;
  private readonly server: http.Server;

  constructor(readonly socketPath: string) {
    this.uri = `unix:${socketPath}`;
    this.server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        const body = JSON.parse(text) as Record<string, unknown>;
        this.requests.push(body);
        this.behaviour(body, res);
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(this.socketPath, resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

export function answerJson(res: http.ServerResponse, value: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof value === 'string' ? value : JSON.stringify(value));
}

/** A fixed, valid getRoutes result of two routes, as an upstream daemon would answer. */
export function fixedUpstreamResult(params: Record<string, unknown>): Record<string, unknown> {
  const route = (i: number, name: string, price: string) => ({
    i_connection: 100 + i, connection_name: name, destination: `198.51.100.${i}:5060`, i_vendor: 9, vendor_name: 'Upstream Carrier',
    i_destination_set: 40 + i, destination_set_name: `Set ${i}`, i_route: 9000 + i, prefix: '4420',
    preference: 5, huntstop: false, timeout: 30, timeout_1xx: null, price_1: price, price_n: price, interval_1: 1, interval_n: 1,
    connect_fee: '0.000000', free_seconds: 0, grace_period: 0, post_call_surcharge: '0.000000', currency: 'USD',
    estimated_cost: '0.040000', capacity: 10 * i, cli: String(params.cli ?? ''), cld: `00${String(params.cld)}`,
  });
  return {
    i_environment: 1,
    routing_group: { i_routing_group: 77, name: String(params.routing_group), policy: 'lcr' },
    cli: String(params.cli ?? ''),
    cld: String(params.cld),
    routes: [route(1, 'up-lon', '0.012000'), route(2, 'up-nyc', '0.015000')],
  };
}

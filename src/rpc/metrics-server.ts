// The metrics listener: its own TCP socket, never a routing socket, serving
// GET (and HEAD) of one path with the exposition text. Clients outside the
// allow-list get 403 before anything else, any other path 404, any other
// method 405. A scrape reads counters only: it never waits on the database.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { SippyError } from '../errors.js';
import type { Logger } from '../log.js';
import { AllowList, RejectionLogLimiter } from './allow-list.js';
import type { DaemonMetrics } from '../metrics/daemon-metrics.js';
import type { MetricsEndpoint } from './metrics-options.js';

/** A scrape is a few KiB read in one go: a slow or idle client is cut off quickly. */
const TIMEOUT_MS = 10_000;

export class MetricsServer {
  private readonly allowList: AllowList;
  private readonly rejections = new RejectionLogLimiter();
  private readonly server: Server;
  private listening = false;

  constructor(
    private readonly endpoint: MetricsEndpoint,
    private readonly metrics: DaemonMetrics,
    private readonly logger: Logger,
  ) {
    this.allowList = new AllowList(endpoint.allow);
    this.server = createServer({ requestTimeout: TIMEOUT_MS, headersTimeout: TIMEOUT_MS }, (req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = TIMEOUT_MS;
  }

  /** Binds; a METRICS_BIND_FAILED names the URI and the reason. */
  start(): Promise<void> {
    const { host, port, uri } = this.endpoint;
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        const why = err.code === 'EADDRINUSE' ? 'the address and port are in use' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EADDRNOTAVAIL' ? 'the address is not on this host' : (err.code ?? err.message);
        reject(new SippyError('METRICS_BIND_FAILED', `cannot serve metrics on ${uri}: ${why}`));
      };
      this.server.once('error', onError);
      this.server.listen({ host, port }, () => {
        this.server.off('error', onError);
        this.server.on('error', (err) => this.logger.error('metrics socket error', { error: err.message }));
        this.listening = true;
        this.logger.info('serving metrics', { uri, allow: this.endpoint.allow });
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const address = req.socket.remoteAddress;
      if (!this.allowList.allows(address)) {
        const who = address ?? 'unknown';
        if (this.rejections.shouldLog(who, Date.now())) this.logger.warn('metrics client not allowed', { address: who });
        res.shouldKeepAlive = false;
        return reply(res, 403, 'This client address is not allowed to read the metrics.\n');
      }
      const path = (req.url ?? '').split('?', 1)[0];
      if (path !== this.endpoint.path) return reply(res, 404, `No metrics here: GET ${this.endpoint.path}.\n`);
      if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'Metrics are read with GET.\n', { allow: 'GET, HEAD' });
      const { text, contentType } = await this.metrics.scrape();
      // For HEAD, Node sends the headers (the length of the GET answer included) and no body.
      reply(res, 200, text, { 'content-type': contentType });
    } catch (err) {
      this.logger.error('metrics scrape failed', { error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) reply(res, 500, 'The metrics could not be collected; details are in the log.\n');
      else res.destroy();
    }
  }
}

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers, 'content-length': bytes.length });
  res.end(bytes);
}

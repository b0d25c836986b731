// --metrics URI and --metrics-allow PREFIXES (operations.md, Metrics): where
// the Prometheus endpoint listens and who may scrape it. Shared by
// `supervise` and `-e N`, with the address syntax of the listener options.

import { SippyError } from '../errors.js';
import { parseAllowItem, parseSocket } from '../econfig/listener-addresses.js';

/** Who may scrape when --metrics-allow is not given: this host only. */
export const DEFAULT_METRICS_ALLOW: readonly string[] = Object.freeze(['127.0.0.0/8', '::1/128']);

/** The path served when the URI gives none. */
export const DEFAULT_METRICS_PATH = '/metrics';

export interface MetricsEndpoint {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  /** Normalised prefixes; the list replaces the loopback default. */
  readonly allow: readonly string[];
  /** The URI as normalised, for logs. */
  readonly uri: string;
}

/**
 * Undefined when --metrics is absent (metrics off); a USAGE error naming the
 * option and the problem otherwise. Plain http only: the endpoint serves
 * counters, not routing data, and is loopback-only by default; a scraper
 * elsewhere reaches it through --metrics-allow on a trusted network.
 */
export function parseMetricsOptions(command: string, uri: string | undefined, allow: string | undefined): MetricsEndpoint | undefined {
  if (uri === undefined) {
    if (allow !== undefined) throw new SippyError('USAGE', `${command}: --metrics-allow needs --metrics URI`);
    return undefined;
  }
  const parsed = parseSocket(uri);
  if (!parsed.ok) throw new SippyError('USAGE', `${command}: --metrics: ${parsed.message}`);
  const endpoint = parsed.value.endpoint;
  if (endpoint.kind !== 'http') throw new SippyError('USAGE', `${command}: --metrics: expected http://HOST:PORT[/PATH], got '${uri}' (the metrics endpoint is plain HTTP)`);
  const path = parsed.value.httpPath === '/' && !/^http:\/\/[^/]*\/$/.test(uri) ? DEFAULT_METRICS_PATH : parsed.value.httpPath;
  const prefixes: string[] = [];
  if (allow !== undefined) {
    for (const item of allow.split(',').map((text) => text.trim())) {
      const prefix = item === '' ? { ok: false as const, message: 'empty item in the list' } : parseAllowItem(item);
      if (!prefix.ok) throw new SippyError('USAGE', `${command}: --metrics-allow: ${prefix.message}`);
      prefixes.push(prefix.value);
    }
  }
  const host = endpoint.host;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return Object.freeze({ host, port: endpoint.port, path, allow: Object.freeze(allow === undefined ? DEFAULT_METRICS_ALLOW : prefixes), uri: `http://${shownHost}:${endpoint.port}${path}` });
}

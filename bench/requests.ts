// What the load generator sends and what the checker asks: JSON-RPC bodies,
// and the same calls as GET /rtjson targets, drawn from the data set (about
// 90% of CLDs with a matching prefix, random groups), from seeded streams so
// that runs are repeatable. Pure.

import type { SampledCall } from './check.js';
import { seededRandom } from '../src/seeded-random.js';
import { drawCli, type SyntheticDataSet } from './dataset.js';

export const PING_BODY = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: {} });

/** Seed offsets keep the load pool and the check sample apart. */
const LOAD_STREAM = 0x10ad;
const CHECK_STREAM = 0xc4ec;

export function drawCalls(ds: SyntheticDataSet, count: number, matchShare: number, stream: 'load' | 'check'): SampledCall[] {
  const random = seededRandom(ds.sizes.seed ^ (stream === 'load' ? LOAD_STREAM : CHECK_STREAM));
  return Array.from({ length: count }, () => ({
    routing_group: ds.drawGroup(random).name,
    cli: drawCli(random),
    cld: ds.drawCld(random, matchShare),
  }));
}

export function getRoutesBody(call: SampledCall, id = 1): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'getRoutes', params: call });
}

/** The same call as GET /rtjson's request target (sip-proxies.md), each value percent-encoded. */
export function rtjsonTarget(call: SampledCall): string {
  return `/rtjson?routing_group=${encodeURIComponent(call.routing_group)}&cld=${encodeURIComponent(call.cld)}&cli=${encodeURIComponent(call.cli)}`;
}

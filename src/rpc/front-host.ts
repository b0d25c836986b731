// What an HTTP front (http-front.ts, rtjson-front.ts) needs of its listener
// (listener.ts implements it): apart from both fronts, so that neither
// imports the other for it.

import type { Socket } from 'node:net';
import type { Logger } from '../log.js';
import type { EnvironmentMetrics } from '../metrics/environment-metrics.js';
import type { CallGate } from './call-gate.js';
import type { JsonRpcDispatcher } from './jsonrpc.js';
import type { ListenerSettings } from './settings.js';
import type { WaitingCalls } from './waiting-calls.js';

/** What the front needs of its listener. */
export interface FrontHost {
  /** The settings new requests see (swapped whole by update()). */
  settings(): ListenerSettings;
  readonly dispatcher: JsonRpcDispatcher;
  readonly logger: Logger;
  readonly now: () => number;
  /** True once stop() began: answers then close their connection. */
  isStopping(): boolean;
  /** A TCP client the allow-list refused (the listener rate-limits the log line). */
  rejected(address: string | undefined): void;
  requestStarted(): void;
  /** The gate of a client connection: its batches and pipelined requests share it. */
  gateFor(socket: Socket): CallGate;
  /** Calls waiting on the resolver, rejected when a stop's drain ends (MethodContext.waiting). */
  readonly waiting: WaitingCalls;
  /** `errors`: how many errors the answer carried (HTTP error = 1). */
  requestFinished(errors: number): void;
  /** The environment's request series when --metrics is on. */
  readonly metrics: EnvironmentMetrics | undefined;
}

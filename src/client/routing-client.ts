// The typed client of a sippy_routed daemon: ping and getRoutes, with every
// answer checked against the result schema. Used by `sippy_routed query`
// and by external routing groups.

import { Ajv, type ValidateFunction } from 'ajv';
import type { RouteResult } from '../route-wire.js';
import { RpcClient, RpcCallError, type RpcClientOptions } from './rpc-client.js';
import { pingResultSchema, routeResultSchema } from './route-result-schema.js';

const ajv = new Ajv({ allErrors: false, strict: true });
const validRouteResult: ValidateFunction = ajv.compile(routeResultSchema);
const validPingResult: ValidateFunction = ajv.compile(pingResultSchema);

export interface GetRoutesCall {
  readonly routing_group: string;
  readonly cld: string;
  readonly cli?: string;
  /** ISO 8601 with offset, or Unix seconds. */
  readonly call_start_time?: string | number;
  readonly max_routes?: number;
  readonly explain?: boolean;
  readonly hops?: number;
  readonly i_environment?: number;
  readonly call_id?: string;
}

function checked<T>(uri: string, value: unknown, validate: ValidateFunction, what: string): T {
  if (!validate(value)) {
    const first = validate.errors?.[0];
    const where = first === undefined ? '' : ` at ${first.instancePath || '/'}: ${first.message ?? 'invalid'}`;
    throw new RpcCallError('invalid', `${uri} answered an invalid ${what} result${where}`);
  }
  return value as T;
}

export class RoutingClient {
  private readonly rpc: RpcClient;

  constructor(readonly uri: string, options: RpcClientOptions = {}) {
    this.rpc = new RpcClient(uri, options);
  }

  async ping(): Promise<{ i_environment: number; version: string }> {
    return checked(this.rpc.shownUri, await this.rpc.call('ping', {}), validPingResult, 'ping');
  }

  async getRoutes(call: GetRoutesCall): Promise<RouteResult> {
    const params = Object.fromEntries(Object.entries(call).filter(([, v]) => v !== undefined));
    return checked(this.rpc.shownUri, await this.rpc.call('getRoutes', params), validRouteResult, 'getRoutes');
  }

  close(): void {
    this.rpc.close();
  }
}

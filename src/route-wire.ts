// The getRoutes answer as it travels (rpc.md, getRoutes result): what the
// resolver returns and the listener sends as it is, and what the client
// (sippy_routed query, external groups) reads back. Field names are rpc.md's;
// money is always a decimal string. A leaf of types only, so that routing/
// and client/ share it without the client importing routing.

export type ExclusionReason =
  | 'disabled'
  | 'no_match'
  | 'forbidden'
  | 'bad_row'
  | 'not_active'
  | 'bad_translation_rule'
  | 'bad_destination'
  | 'duplicate'
  | 'after_huntstop'
  | 'over_max_routes';

export interface Route {
  readonly i_connection: number;
  readonly connection_name: string;
  readonly destination: string;
  readonly i_vendor: number;
  readonly vendor_name: string;
  readonly i_destination_set: number;
  readonly destination_set_name: string;
  readonly i_route: number;
  readonly prefix: string;
  readonly preference: number;
  readonly huntstop: boolean;
  readonly timeout: number | null;
  readonly timeout_1xx: number | null;
  readonly price_1: string;
  readonly price_n: string;
  readonly interval_1: number;
  readonly interval_n: number;
  readonly connect_fee: string;
  readonly free_seconds: number;
  readonly grace_period: number;
  readonly post_call_surcharge: string;
  readonly currency: string;
  readonly estimated_cost: string;
  readonly capacity: number;
  readonly cli: string;
  readonly cld: string;
}

export interface ExcludedEntry {
  readonly i_connection: number;
  readonly connection_name: string;
  readonly reason: ExclusionReason;
}

export interface RouteResult {
  readonly i_environment: number;
  readonly routing_group: { readonly i_routing_group: number; readonly name: string; readonly policy: string };
  readonly cli: string;
  readonly cld: string;
  readonly routes: readonly Route[];
  /** Present only when the request asked to explain. */
  readonly excluded?: readonly ExcludedEntry[];
}

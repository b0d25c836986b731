// The routing data as the resolver's SQL module hands it to the pure steps:
// plain, typed, converted from driver rows (numbers as numbers, money as
// decimal strings, dates as epoch milliseconds).

import type { ParsedDestination } from './destination.js';

export interface GroupRow {
  readonly i_routing_group: number;
  readonly name: string;
  readonly policy: string;
  readonly average_duration: number;
  readonly external: boolean;
  readonly uri: string | null;
}

/** One routing group entry with its connection, vendor and destination set. */
export interface EntryRow {
  readonly i_routing_group_entry: number;
  readonly entry_order: number;
  readonly weight: number | null;
  readonly i_connection: number;
  readonly connection_name: string;
  readonly destination: string;
  /** `destination` parsed when the row was loaded (destination.ts): an error keeps the entry out (`bad_destination`). */
  readonly sipDestination: ParsedDestination;
  readonly cli_translation_rule: string | null;
  readonly cld_translation_rule: string | null;
  readonly capacity: number;
  readonly enabled: boolean;
  readonly i_vendor: number;
  readonly vendor_name: string;
  readonly i_destination_set: number;
  readonly destination_set_name: string;
  readonly currency: string;
  readonly connect_fee: string;
  readonly free_seconds: number;
  readonly grace_period: number;
  readonly post_call_surcharge: string;
}

/** The first value of a row the daemon cannot represent exactly (route-values.ts finds it). */
export interface BadValue {
  readonly column: string;
  /** As the driver sent it (for the log; amounts and numbers, never secrets). */
  readonly value: string;
  readonly reason: string;
}

export interface RouteRow {
  readonly i_route: number;
  readonly i_destination_set: number;
  readonly prefix: string;
  readonly preference: number;
  readonly huntstop: boolean;
  readonly timeout: number | null;
  readonly timeout_1xx: number | null;
  readonly price_1: string;
  readonly price_n: string;
  readonly interval_1: number;
  readonly interval_n: number;
  readonly forbidden: boolean;
  /** Epoch ms (UTC); a zero date is -Infinity. */
  readonly activation: number;
  /** Epoch ms (UTC); null = never expires; a zero date is -Infinity. */
  readonly expiration: number | null;
  /** A value of the row the daemon cannot hold exactly (route-values.ts): the row matches, its entry is left out (`bad_row`). */
  readonly bad?: BadValue;
}

export interface GroupWithEntries {
  readonly group: GroupRow;
  /** In entry_order, then i_routing_group_entry. */
  readonly entries: readonly EntryRow[];
}

/** A connection under the external vendor, as the mapping of an external group needs it (external/). */
export interface ExternalConnectionRow {
  readonly i_connection: number;
  readonly name: string;
  readonly destination: string;
  readonly cli_translation_rule: string | null;
  readonly cld_translation_rule: string | null;
  readonly capacity: number;
  readonly enabled: boolean;
}

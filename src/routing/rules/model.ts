// The routing data as the resolver's SQL module hands it to the pure steps:
// plain, typed, converted from driver rows (numbers as numbers, money as
// decimal strings, dates as epoch milliseconds).

import type { ParsedDestination } from './destination.js';
import type { Route, RouteFieldFrom } from '../../route-wire.js';

export interface GroupRow {
  readonly i_routing_group: number;
  readonly name: string;
  readonly policy: string;
  readonly average_duration: number;
  readonly external: boolean;
  readonly uri: string | null;
}

/**
 * One routing group entry with its connection, vendor and destination set:
 * the answer's fields of these (route-wire.ts ROUTE_FIELDS, from 'entry'),
 * and what routing decides by.
 */
export interface EntryRow extends Pick<Route, RouteFieldFrom<'entry'>> {
  readonly i_routing_group_entry: number;
  readonly entry_order: number;
  readonly weight: number | null;
  /** `destination` parsed when the row was loaded (destination.ts): an error keeps the entry out (`bad_destination`). */
  readonly sipDestination: ParsedDestination;
  readonly cli_translation_rule: string | null;
  readonly cld_translation_rule: string | null;
  readonly enabled: boolean;
}

/** The first value of a row the daemon cannot represent exactly (route-values.ts finds it). */
export interface BadValue {
  readonly column: string;
  /** As the driver sent it (for the log; amounts and numbers, never secrets). */
  readonly value: string;
  readonly reason: string;
}

/** A route row: the answer's fields of a route (route-wire.ts ROUTE_FIELDS, from 'route'), and what matching decides by. */
export interface RouteRow extends Pick<Route, RouteFieldFrom<'route'>> {
  readonly i_destination_set: number;
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

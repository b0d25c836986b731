// The routing setup of one environment (rates.md "The routing setup"): its
// vendors, connections, destination sets (fees and currency, never their
// rates), routing groups and entries. Each object's own fields are declared
// once and shared by the two forms it takes: as the setup file asks for it
// (with where in the file it was written, for errors) and as the database
// holds it (with its ids). Pure types and the column defaults.

/** Where in the setup file something was written, 1-based. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** One problem of a setup file: where, the path of the value (`vendors[0].name`) and what is wrong. */
export interface SetupProblem extends SourcePosition {
  readonly path: string;
  readonly message: string;
}

export interface ConnectionFields {
  readonly destination: string;
  readonly cli_translation_rule: string | null;
  readonly cld_translation_rule: string | null;
  /** Calls at once; -1 = unlimited. */
  readonly capacity: number;
  readonly enabled: boolean;
}

export interface DestinationSetFields {
  /** ISO 4217, three capitals: the currency of the set's rates and fees. */
  readonly currency: string;
  /** Money: six-decimal strings ("0.010000"), as the database returns DECIMAL(16,6). */
  readonly connect_fee: string;
  readonly free_seconds: number;
  readonly grace_period: number;
  readonly post_call_surcharge: string;
}

export interface RoutingGroupFields {
  readonly policy: string;
  /** Seconds, for cost estimates. */
  readonly average_duration: number;
  readonly external: boolean;
  readonly uri: string | null;
}

export interface EntryFields {
  /** routing_group_entries.entry_order. */
  readonly order: number;
  /** NULL = not in the weighted split. */
  readonly weight: number | null;
}

/** The fields a setup file sets on each kind of object, in the order they are shown and exported. */
export const SETUP_FIELDS = Object.freeze({
  connection: ['destination', 'cli_translation_rule', 'cld_translation_rule', 'capacity', 'enabled'],
  destination_set: ['currency', 'connect_fee', 'free_seconds', 'grace_period', 'post_call_surcharge'],
  routing_group: ['policy', 'average_duration', 'external', 'uri'],
  entry: ['order', 'weight'],
} as const satisfies {
  connection: readonly (keyof ConnectionFields)[];
  destination_set: readonly (keyof DestinationSetFields)[];
  routing_group: readonly (keyof RoutingGroupFields)[];
  entry: readonly (keyof EntryFields)[];
});

/**
 * The columns' defaults (src/db/migrations.ts): what a field left out of
 * the file means. A unit test holds them equal to the DDL.
 */
export const SETUP_DEFAULTS = Object.freeze({
  connection: { cli_translation_rule: null, cld_translation_rule: null, capacity: -1, enabled: true },
  destination_set: { currency: 'USD', connect_fee: '0.000000', free_seconds: 0, grace_period: 0, post_call_surcharge: '0.000000' },
  routing_group: { policy: 'lcr', average_duration: 200, external: false, uri: null },
  entry: { order: 0, weight: null },
} as const);

// ---- As the file asks for it --------------------------------------------

export interface ConnectionSpec extends ConnectionFields {
  readonly name: string;
  /** Of its name. */
  readonly at: SourcePosition;
}

export interface VendorSpec {
  readonly name: string;
  readonly at: SourcePosition;
  readonly connections: readonly ConnectionSpec[];
}

export interface DestinationSetSpec extends DestinationSetFields {
  readonly name: string;
  readonly at: SourcePosition;
}

export interface EntrySpec extends EntryFields {
  /** The connection's name; `vendor` when the name alone is ambiguous. */
  readonly connection: string;
  readonly vendor: string | null;
  readonly destination_set: string;
  /** Of the entry, its connection, its vendor (or its connection when none) and its destination set. */
  readonly at: SourcePosition;
  readonly connectionAt: SourcePosition;
  readonly vendorAt: SourcePosition;
  readonly destinationSetAt: SourcePosition;
  /** `routing_groups[1].entries[0]`, for errors. */
  readonly path: string;
}

export interface RoutingGroupSpec extends RoutingGroupFields {
  readonly name: string;
  readonly at: SourcePosition;
  readonly entries: readonly EntrySpec[];
}

/** A setup file, validated: every value is one the daemon reads as meant. */
export interface SetupSpec {
  readonly environment: number;
  /** The environment's name; null = left as it is (and the environment must exist). */
  readonly environment_name: string | null;
  readonly environmentAt: SourcePosition;
  readonly vendors: readonly VendorSpec[];
  readonly destination_sets: readonly DestinationSetSpec[];
  readonly routing_groups: readonly RoutingGroupSpec[];
}

// ---- As the database holds it -------------------------------------------

export interface VendorRow {
  readonly i_vendor: number;
  readonly name: string;
}

export interface ConnectionRow extends ConnectionFields {
  readonly i_connection: number;
  readonly i_vendor: number;
  readonly vendor_name: string;
  readonly name: string;
}

export interface DestinationSetRow extends DestinationSetFields {
  readonly i_destination_set: number;
  readonly name: string;
  /** Whether it holds any route (rate) row: what --prune must not drop. */
  readonly has_routes: boolean;
}

export interface RoutingGroupRow extends RoutingGroupFields {
  readonly i_routing_group: number;
  readonly name: string;
}

export interface EntryRow extends EntryFields {
  readonly i_routing_group_entry: number;
  readonly i_routing_group: number;
  readonly i_connection: number;
  readonly i_destination_set: number;
}

/** An entry of a group of another environment that uses a connection or destination set of this one. */
export interface ForeignUse {
  readonly i_connection: number;
  readonly i_destination_set: number;
  readonly i_environment: number;
  readonly routing_group: string;
}

/** One environment's routing setup as the database holds it, read in one consistent snapshot. */
export interface SetupState {
  readonly i_environment: number;
  /** undefined: no such row in environments. */
  readonly environment_name: string | undefined;
  /** Each list in id order. */
  readonly vendors: readonly VendorRow[];
  readonly connections: readonly ConnectionRow[];
  readonly destination_sets: readonly DestinationSetRow[];
  readonly routing_groups: readonly RoutingGroupRow[];
  /** In entry_order, then id. */
  readonly entries: readonly EntryRow[];
  readonly foreign_uses: readonly ForeignUse[];
}

/** A connection is known by its vendor's name and its own (UNIQUE (i_vendor, name)). */
export function connectionKey(vendor: string, name: string): string {
  return `${vendor}\u0000${name}`;
}

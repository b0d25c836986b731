// Writes routing rows with plain SQL, as an operator would, for integration
// tests of the resolver. Every insert returns the new row's id.

import type { Database, SqlValue } from '../../src/db/pool.js';

export interface ConnectionSpec {
  vendor: number;
  name: string;
  destination?: string;
  cli_translation_rule?: string | null;
  cld_translation_rule?: string | null;
  capacity?: number;
  enabled?: boolean;
}

export interface DestinationSetSpec {
  name: string;
  currency?: string;
  connect_fee?: string;
  free_seconds?: number;
  grace_period?: number;
  post_call_surcharge?: string;
}

export interface RouteSpec {
  prefix: string;
  price_1?: string;
  price_n?: string;
  interval_1?: number;
  interval_n?: number;
  preference?: number;
  huntstop?: boolean;
  forbidden?: boolean;
  timeout?: number | null;
  timeout_1xx?: number | null;
  activation_date?: string;
  expiration_date?: string | null;
  description?: string | null;
}

export interface GroupSpec {
  name: string;
  policy?: string;
  average_duration?: number;
  external?: boolean;
  uri?: string | null;
}

export class RoutingFixture {
  constructor(readonly db: Database, readonly environment = 1) {}

  async environmentRow(name = `env ${this.environment}`): Promise<void> {
    await this.db.modify('INSERT IGNORE INTO environments (i_environment, name) VALUES (?, ?)', [this.environment, name]);
  }

  vendor(name: string): Promise<number> {
    return this.insert('vendors', { i_environment: this.environment, name });
  }

  connection(spec: ConnectionSpec): Promise<number> {
    return this.insert('connections', {
      i_environment: this.environment, i_vendor: spec.vendor, name: spec.name, destination: spec.destination ?? `${spec.name.replace(/[^A-Za-z0-9.-]/g, '-')}.example:5060`,
      cli_translation_rule: spec.cli_translation_rule ?? null, cld_translation_rule: spec.cld_translation_rule ?? null,
      capacity: spec.capacity ?? -1, enabled: spec.enabled === false ? 0 : 1,
    });
  }

  destinationSet(spec: DestinationSetSpec): Promise<number> {
    return this.insert('destination_sets', {
      i_environment: this.environment, name: spec.name, currency: spec.currency ?? 'USD', connect_fee: spec.connect_fee ?? '0',
      free_seconds: spec.free_seconds ?? 0, grace_period: spec.grace_period ?? 0, post_call_surcharge: spec.post_call_surcharge ?? '0',
    });
  }

  route(destinationSet: number, spec: RouteSpec): Promise<number> {
    return this.insert('routes', {
      i_destination_set: destinationSet, prefix: spec.prefix, price_1: spec.price_1 ?? '0.010000', price_n: spec.price_n ?? spec.price_1 ?? '0.010000',
      interval_1: spec.interval_1 ?? 1, interval_n: spec.interval_n ?? 1, preference: spec.preference ?? 5,
      huntstop: spec.huntstop === true ? 1 : 0, forbidden: spec.forbidden === true ? 1 : 0, timeout: spec.timeout ?? null,
      timeout_1xx: spec.timeout_1xx ?? null, activation_date: spec.activation_date ?? '1970-01-01 00:00:00', expiration_date: spec.expiration_date ?? null,
      description: spec.description ?? null,
    });
  }

  group(spec: GroupSpec): Promise<number> {
    return this.insert('routing_groups', {
      i_environment: this.environment, name: spec.name, policy: spec.policy ?? 'lcr', average_duration: spec.average_duration ?? 200,
      external: spec.external === true ? 1 : 0, uri: spec.uri ?? null,
    });
  }

  entry(group: number, connection: number, destinationSet: number, options: { entry_order?: number; weight?: number | null } = {}): Promise<number> {
    return this.insert('routing_group_entries', {
      i_routing_group: group, i_connection: connection, i_destination_set: destinationSet,
      entry_order: options.entry_order ?? 0, weight: options.weight ?? null,
    });
  }

  private async insert(table: string, row: Record<string, SqlValue>): Promise<number> {
    const columns = Object.keys(row);
    const result = await this.db.modify(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      columns.map((c) => row[c]!),
    );
    return result.insertId;
  }
}

// An external group's SQL (routing.md "External groups", steps 2 and 3):
// the statements; external-creation.ts decides when they run. Rows are
// created with INSERT IGNORE on the unique keys, so that requests racing
// (from other processes) to create the same vendor or connection end with
// one row each and no error. Existing rows are never modified.

import type { Database, SqlValue } from '../../db/pool.js';
import { isSippyError } from '../../errors.js';
import type { ExternalConnectionRow } from '../rules/model.js';
import { nextPowerOfTwo, padTo, placeholders } from '../sql/sql.js';

/** The vendor every external group's connections belong to (overview.md, step 4). */
export const EXTERNAL_VENDOR_NAME = 'External Connections (autocreated)';

export interface ExternalConnections {
  readonly i_vendor: number;
  readonly vendor_name: string;
  /** By name with trailing spaces removed: the unique key's PAD SPACE collation makes `a` and `a ` one row. */
  readonly byName: ReadonlyMap<string, ExternalConnectionRow>;
}

/** What a missing connection is created with: the upstream's destination and capacity. */
export interface NewExternalConnection {
  readonly name: string;
  readonly destination: string;
  readonly capacity: number;
}

/** Key of a connection name as the unique key (i_vendor, name) compares it. */
export function connectionKey(name: string): string {
  return name.replace(/ +$/, '');
}

/** INSERT IGNORE of the external vendor of `environment`. */
export async function insertExternalVendor(db: Database, environment: number): Promise<void> {
  await insertIgnoringRaces(db, 'INSERT IGNORE INTO vendors (i_environment, name) VALUES (?, ?)', [environment, EXTERNAL_VENDOR_NAME]);
}

/**
 * INSERT IGNORE of `rows` (distinct names) under the vendor `i_vendor`, in
 * name order (one lock order for every request), in statements of a power
 * of two rows each (7 rows: 4, 2, 1), so that a prepared statement serves
 * every count. Never a row twice: each ignored row would burn an
 * auto-increment id.
 */
export async function insertExternalConnections(db: Database, environment: number, i_vendor: number, rows: readonly NewExternalConnection[]): Promise<void> {
  const sorted = [...rows].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let at = 0; at < sorted.length; ) {
    const chunk = sorted.slice(at, at + largestPowerOfTwoUpTo(sorted.length - at));
    at += chunk.length;
    await insertIgnoringRaces(
      db,
      `INSERT IGNORE INTO connections (i_environment, i_vendor, name, destination, capacity, enabled)
       VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, 1)').join(', ')}`,
      chunk.flatMap((c) => [environment, i_vendor, c.name, c.destination, c.capacity]),
    );
  }
}

function largestPowerOfTwoUpTo(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

/**
 * The vendor with its connections of these names (an outer join, so the
 * vendor is seen even with none of them), or undefined without the vendor.
 */
export async function readExternalConnections(db: Database, environment: number, names: readonly string[]): Promise<ExternalConnections | undefined> {
  const list = names.length === 0 ? [''] : padTo(names, nextPowerOfTwo(names.length));
  const rows = await db.select(
    `SELECT v.i_vendor, v.name AS vendor_name, c.i_connection, c.name AS connection_name, c.destination,
            c.cli_translation_rule, c.cld_translation_rule, c.capacity, c.enabled
       FROM vendors v
       LEFT JOIN connections c ON c.i_vendor = v.i_vendor AND c.name IN (${placeholders(list.length)})
      WHERE v.i_environment = ? AND v.name = ?`,
    [...list, environment, EXTERNAL_VENDOR_NAME],
  );
  // The collation pads spaces: keep the vendor of exactly this name.
  const vendorRows = rows.filter((row) => row.vendor_name === EXTERNAL_VENDOR_NAME);
  const first = vendorRows[0];
  if (first === undefined) return undefined;
  const byName = new Map<string, ExternalConnectionRow>();
  for (const row of vendorRows) {
    if (row.i_connection === null) continue;
    const connection: ExternalConnectionRow = {
      i_connection: Number(row.i_connection),
      name: String(row.connection_name),
      destination: String(row.destination),
      cli_translation_rule: row.cli_translation_rule === null ? null : String(row.cli_translation_rule),
      cld_translation_rule: row.cld_translation_rule === null ? null : String(row.cld_translation_rule),
      capacity: Number(row.capacity),
      enabled: Number(row.enabled) !== 0,
    };
    byName.set(connectionKey(connection.name), connection);
  }
  return { i_vendor: Number(first.i_vendor), vendor_name: String(first.vendor_name), byName };
}

const INSERT_ATTEMPTS = 3;

/**
 * INSERT IGNORE that also survives InnoDB's answer to concurrent inserts on
 * one unique key: a deadlock (or lock wait timeout) rolls back one of the
 * statements, and trying it again is correct because it only inserts rows
 * that are still missing.
 */
async function insertIgnoringRaces(db: Database, sql: string, params: readonly SqlValue[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.modify(sql, params);
      return;
    } catch (err) {
      const code = isSippyError(err) ? err.data?.code : undefined;
      if (attempt >= INSERT_ATTEMPTS || (code !== 'ER_LOCK_DEADLOCK' && code !== 'ER_LOCK_WAIT_TIMEOUT')) throw err;
    }
  }
}

// Creating the external vendor and the connections an upstream's answer
// needs (routing.md "External groups", step 4) without burning
// auto-increment ids. An INSERT IGNORE row that is ignored still takes an id
// (InnoDB allocates them before it finds the duplicate), so concurrent first
// requests that each inserted the names they found missing moved
// AUTO_INCREMENT of `connections` from 10 to 141 (issue 20, item 9). Here a
// process-wide lock per (environment, vendor, name) lets one request at a
// time create a name; under it, what exists is read again and only what is
// still missing is inserted. The requests that waited find the rows there.
// Another process (a second daemon on the same database) can still race an
// insert: the unique keys keep one row, an id may go.

import type { Database } from '../../db/pool.js';
import { KeyedLock } from './keyed-lock.js';
import {
  connectionKey, insertExternalConnections, insertExternalVendor, readExternalConnections,
  type ExternalConnections, type NewExternalConnection,
} from './external-sql.js';

/** Process-wide: every forwarder of the process creates under it. */
const creating = new KeyedLock();

/**
 * The external vendor of `environment` with its connections of `names`,
 * creating the vendor when it is missing (never a connection). One SELECT
 * when the vendor exists. Throws DB_* SippyErrors; undefined only when the
 * vendor cannot be created.
 */
export async function externalVendor(db: Database, environment: number, names: readonly string[]): Promise<ExternalConnections | undefined> {
  const distinct = [...new Set(names)];
  const found = await readExternalConnections(db, environment, distinct);
  if (found !== undefined) return found;
  await creating.with([`vendor\u0000${environment}`], async () => {
    if ((await readExternalConnections(db, environment, [])) === undefined) await insertExternalVendor(db, environment);
  });
  return readExternalConnections(db, environment, distinct);
}

/**
 * Creates the connections of `wanted` (in upstream order, as
 * connectionsToCreate gives them) that are still missing, as many of the
 * first as `grant(missing)` allows (the --upstream-new-connections budget:
 * charged for rows created, not for rows another request is creating), and
 * reads back the vendor's connections of `names`.
 */
export async function createExternalConnections(
  db: Database,
  environment: number,
  found: ExternalConnections,
  wanted: readonly NewExternalConnection[],
  names: readonly string[],
  grant: (missing: number) => number,
): Promise<ExternalConnections> {
  const keys = wanted.map((w) => `connection\u0000${environment}\u0000${found.i_vendor}\u0000${connectionKey(w.name)}`);
  await creating.with(keys, async () => {
    const present = await readExternalConnections(db, environment, [...new Set(wanted.map((w) => w.name))]);
    // The vendor went away meanwhile: nothing to create under it.
    if (present === undefined) return;
    const missing = new Map<string, NewExternalConnection>();
    for (const w of wanted) {
      const key = connectionKey(w.name);
      if (!present.byName.has(key) && !missing.has(key)) missing.set(key, w);
    }
    const granted = missing.size === 0 ? 0 : grant(missing.size);
    if (granted > 0) await insertExternalConnections(db, environment, present.i_vendor, [...missing.values()].slice(0, granted));
  });
  return (await readExternalConnections(db, environment, [...new Set(names)])) ?? found;
}

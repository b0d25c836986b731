// The routing domain's public face: the Resolver contract and the SQL-backed
// resolver. Callers (rpc/, supervisor/) import from here only.

import type { Database } from '../db/pool.js';
import { SqlResolver, type SqlResolverOptions } from './resolver.js';

export type { Resolver, RouteRequest, RouteResult, Route, ExcludedEntry, ExclusionReason } from './types.js';
export type { GroupRow } from './model.js';
export type { RoutingLogger } from './log.js';
export type { RandomSource } from './select.js';
export { SqlResolver, type SqlResolverOptions, type ExternalGroupHandler } from './resolver.js';
export { DatabaseHealthLog, type HealthLogger } from './database-health.js';
export { ExternalForwarder, type ExternalLimits, type ExternalForwarderOptions } from './external.js';
export { EXTERNAL_VENDOR_NAME } from './sql.js';

/** A resolver over one Database (all environments it serves), or over databaseFor(environment). */
export function createResolver(
  database: Database | ((environment: number) => Database),
  options: Omit<SqlResolverOptions, 'databaseFor'> = {},
): SqlResolver {
  const databaseFor = typeof database === 'function' ? database : () => database;
  return new SqlResolver({ ...options, databaseFor });
}

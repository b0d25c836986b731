// Which route of a destination set carries a CLD at time t (routing.md step 2).
// Pure: the rows are those the SQL module found for the CLD's prefixes.

import type { RouteRow } from './model.js';

export type RouteMatch =
  | { readonly kind: 'route'; readonly route: RouteRow }
  | { readonly kind: 'not_active' }
  | { readonly kind: 'no_match' };

/** Active at t: activation <= t and (no expiration or t < expiration). */
export function isActive(route: RouteRow, tMs: number): boolean {
  return route.activation <= tMs && (route.expiration === null || tMs < route.expiration);
}

/**
 * Among the rows whose prefix the CLD starts with and that are active at t:
 * the longest prefix; for equal prefixes the latest activation; for equal
 * activations the highest i_route (the row inserted last). A longer prefix
 * with no active row does not hide a shorter active one. No active row but
 * some row with a matching prefix → not_active; no matching row → no_match.
 *
 * The prefix test is repeated here on purpose: SQL compares with PAD SPACE
 * collations, so 'abc ' = 'abc' there; here it is exact.
 */
export function matchRoute(rows: readonly RouteRow[], cld: string, tMs: number): RouteMatch {
  let best: RouteRow | undefined;
  let matchedInactive = false;
  for (const row of rows) {
    if (!cld.startsWith(row.prefix)) continue;
    if (!isActive(row, tMs)) {
      matchedInactive = true;
      continue;
    }
    if (best === undefined || supersedes(row, best)) best = row;
  }
  if (best !== undefined) return { kind: 'route', route: best };
  return matchedInactive ? { kind: 'not_active' } : { kind: 'no_match' };
}

function supersedes(a: RouteRow, b: RouteRow): boolean {
  if (a.prefix.length !== b.prefix.length) return a.prefix.length > b.prefix.length;
  if (a.activation !== b.activation) return a.activation > b.activation;
  return a.i_route > b.i_route;
}

/** Every prefix of `cld` the schema can hold ('' first), the keys of the index lookup. */
export function prefixesOf(cld: string, maxPrefixLength: number): string[] {
  // By code points, as VARCHAR counts characters: never split a surrogate pair.
  const chars = Array.from(cld);
  const prefixes: string[] = [];
  for (let length = 0; length <= Math.min(chars.length, maxPrefixLength); length++) prefixes.push(chars.slice(0, length).join(''));
  return prefixes;
}

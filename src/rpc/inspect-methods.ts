// The read-only methods that show what a listener routes by (rpc.md
// listGroups, listRoutes): served on the same sockets, behind the same
// allow-list, as getRoutes. Answered from the data source getRoutes uses
// (the snapshot, or SQL), paged, at most MAX_PAGE_LIMIT rows an answer and
// MAX_LISTED_ROWS_PER_BATCH rows a batch (listing-budget.ts), within the
// request timeout. An external group's uri is shown redacted (redactUri): a
// client sees the upstream, never its password.

import { redactUri } from '../dsn-syntax.js';
import { SippyError } from '../errors.js';
import { MAX_CLD_CHARS, MAX_ROUTING_GROUP_CHARS } from '../limits.js';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, MAX_PAGE_OFFSET, type GroupsPage, type RoutesPage, type RoutingInspector } from '../routing/index.js';
import { withDeadline, type MethodContext } from './methods.js';
import { compileParams } from './param-schemas.js';

const paging = {
  offset: { type: 'integer', minimum: 0, maximum: MAX_PAGE_OFFSET },
  limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_LIMIT },
  i_environment: { type: 'integer' },
} as const;

interface Paging {
  readonly offset?: number;
  readonly limit?: number;
  readonly i_environment?: number;
}

export const listGroupsSchema = {
  type: 'object',
  properties: { ...paging, name: { type: 'string', minLength: 1, maxLength: MAX_ROUTING_GROUP_CHARS } },
  additionalProperties: true,
} as const;

export const listRoutesSchema = {
  type: 'object',
  required: ['routing_group'],
  properties: {
    ...paging,
    routing_group: { type: 'string', minLength: 1, maxLength: MAX_ROUTING_GROUP_CHARS },
    cld: { type: 'string', minLength: 1, maxLength: MAX_CLD_CHARS },
  },
  additionalProperties: true,
} as const;

const listGroupsParams = compileParams<Paging & { readonly name?: string }>(listGroupsSchema);
const listRoutesParams = compileParams<Paging & { readonly routing_group: string; readonly cld?: string }>(listRoutesSchema);

export async function listGroups(params: unknown, context: MethodContext): Promise<GroupsPage> {
  const p = listGroupsParams(params);
  const inspector = inspectorOf(context, 'listGroups', p);
  const limit = reserve(context, p);
  const page = await withinDeadline(inspector.groups(context.environment, { name: p.name, offset: p.offset ?? 0, limit }), context);
  return page.groups.some((g) => g.uri !== null) ? { ...page, groups: page.groups.map((g) => ({ ...g, uri: shownUri(g.uri) })) } : page;
}

export async function listRoutes(params: unknown, context: MethodContext): Promise<RoutesPage> {
  const p = listRoutesParams(params);
  const inspector = inspectorOf(context, 'listRoutes', p);
  const limit = reserve(context, p);
  const page = await withinDeadline(inspector.routes(context.environment, { routing_group: p.routing_group, cld: p.cld, offset: p.offset ?? 0, limit }), context);
  return page.routing_group.uri === null ? page : { ...page, routing_group: { ...page.routing_group, uri: shownUri(page.routing_group.uri) } };
}

function shownUri(uri: string | null): string | null {
  return uri === null ? null : redactUri(uri);
}

/** The page's limit, taken from the batch's rows (throws LISTING_TOO_LARGE before any work). */
function reserve(context: MethodContext, p: Paging): number {
  const limit = p.limit ?? DEFAULT_PAGE_LIMIT;
  context.listing?.reserve(limit);
  return limit;
}

/**
 * A page still being computed (from SQL, or waiting for a set's listing
 * order) is answered RPC_TIMEOUT at the request deadline, as getRoutes is;
 * the order goes on being computed for the next listing.
 */
function withinDeadline<T>(page: T | Promise<T>, context: MethodContext): Promise<T> {
  return page instanceof Promise ? withDeadline(page, context) : Promise.resolve(page);
}

function inspectorOf(context: MethodContext, method: string, p: Paging): RoutingInspector {
  if (p.i_environment !== undefined && p.i_environment !== context.environment) {
    throw new SippyError(
      'ENVIRONMENT_MISMATCH',
      `The request is for environment ${p.i_environment} but this listener serves environment ${context.environment}.`,
      { data: { i_environment: context.environment } },
    );
  }
  const inspector = context.resolver.inspector;
  if (inspector === undefined) throw new SippyError('RPC_METHOD_NOT_FOUND', `${method} is not served by this listener: its resolver cannot list its data.`);
  return inspector;
}

// The query of `GET /rtjson?routing_group=G&cld=N[&cli=N][&call_start_time=T][&max_routes=N]`
// (sip-proxies.md) as getRoutes params. Pure. Percent-encoded UTF-8 per
// RFC 3986: `+` is a plus sign, not a space (an E.164 number keeps it); a
// proxy encodes a space as %20. Every problem is named, the way getRoutes
// names a bad parameter (RPC_INVALID_PARAMS with data.errors): a name that
// is not one of these, a name given twice, text that is not percent-encoded
// UTF-8. The values are then validated by getRoutes' own schema.

import { invalidParams, type ParamError } from './param-schemas.js';

/** The query parameters GET /rtjson takes: getRoutes' own, by the same names. */
export const RTJSON_QUERY_PARAMS = ['routing_group', 'cld', 'cli', 'call_start_time', 'max_routes'] as const;

const KNOWN: ReadonlySet<string> = new Set(RTJSON_QUERY_PARAMS);
/** Integers as text become numbers (max_routes, call_start_time as Unix seconds); the schema judges them. */
const INTEGER = /^-?[0-9]+$/;
/** A name echoed back in an error is cut here: the request line may be kilobytes long. */
export const MAX_NAME_ECHO = 64;

/** The getRoutes params of a query string (the part after `?`, '' without one); throws RPC_INVALID_PARAMS. */
export function rtjsonQueryParams(query: string): Record<string, string | number> {
  const params: Record<string, string | number> = {};
  const errors: ParamError[] = [];
  for (const piece of query.split('&')) {
    if (piece === '') continue;
    const equals = piece.indexOf('=');
    const rawName = equals === -1 ? piece : piece.slice(0, equals);
    const rawValue = equals === -1 ? '' : piece.slice(equals + 1);
    const name = decoded(rawName);
    if (name === undefined) {
      errors.push({ path: pointer(rawName), message: 'is a parameter name that is not percent-encoded UTF-8' });
      continue;
    }
    if (!KNOWN.has(name)) {
      errors.push({ path: pointer(name), message: `is not a parameter of GET /rtjson (${RTJSON_QUERY_PARAMS.join(', ')})` });
      continue;
    }
    if (Object.hasOwn(params, name)) {
      if (!errors.some((e) => e.path === `/${name}`)) errors.push({ path: `/${name}`, message: 'is given more than once' });
      continue;
    }
    const value = decoded(rawValue);
    if (value === undefined) {
      errors.push({ path: `/${name}`, message: 'is not percent-encoded UTF-8' });
      continue;
    }
    params[name] = (name === 'max_routes' || name === 'call_start_time') && INTEGER.test(value) ? Number(value) : value;
  }
  if (errors.length > 0) throw invalidParams(errors);
  return params;
}

function decoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** A name as a JSON pointer (RFC 6901), cut to MAX_NAME_ECHO characters. */
function pointer(name: string): string {
  const cut = name.length > MAX_NAME_ECHO ? `${name.slice(0, MAX_NAME_ECHO)}…` : name;
  return `/${cut.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

// A connection's `destination` as a SIP proxy needs it (sip-proxies.md):
// `host`, `host:port`, `[v6]:port`, or a `sip:`/`sips:` URI with
// parameters. Parsed once when the row is loaded (the snapshot's small
// tables, the SQL path's rows); a destination that is none of these leaves
// its connection out of routing (`bad_destination`) in every answer form,
// so what a softswitch is told and what a proxy is told never differ.
// Pure.

import { isIPv4, isIPv6 } from 'node:net';

/** A destination that parsed: the pieces the rtjson answer writes around a route's numbers. */
export interface SipDestination {
  /** `sip:` or `sips:` (a URI's scheme in lower case; `sip:` for the other forms). */
  readonly scheme: string;
  /** The host as written, an IPv6 address in brackets. */
  readonly host: string;
  /** `host`, or `host:port`. */
  readonly hostport: string;
  /** The URI's `;name[=value]` parameters as written, or ''. */
  readonly params: string;
  /** Where the proxy sends the request: the destination as a URI without a user part. */
  readonly dstUri: string;
}

/** Why a destination is not one of the forms; its message names the value. */
export class DestinationError extends Error {
  override readonly name = 'DestinationError';
}

export type ParsedDestination = SipDestination | DestinationError;

const FORMS = 'a host, host:port, [IPv6]:port, or a sip:/sips: URI with parameters';

// RFC 3261 hostname: labels of letters, digits and inner hyphens, an optional final dot.
const HOSTNAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?$/;
const ALL_DIGITS_AND_DOTS = /^[0-9.]+$/;
const PORT = /^[1-9][0-9]{0,4}$/;
const SCHEME = /^(sips?):/i;
// RFC 3261 uri-parameter: pname [ "=" pvalue ], each one or more paramchar.
const PARAMCHAR = "[A-Za-z0-9\\-_.!~*'()\\[\\]/:&+$]|%[0-9A-Fa-f]{2}";
const PARAMS = new RegExp(`^(?:;(?:${PARAMCHAR})+(?:=(?:${PARAMCHAR})+)?)*$`);

/** The destination parsed, or why it is none of the forms. */
export function parseDestination(text: string): ParsedDestination {
  const bad = (why: string) => new DestinationError(`destination ${JSON.stringify(text)} ${why}; a destination is ${FORMS}`);
  const scheme = SCHEME.exec(text);
  if (scheme === null) {
    const hostport = splitHostport(text);
    if (typeof hostport === 'string') return bad(hostport);
    return made('sip', hostport.host, text, '');
  }
  const rest = text.slice(scheme[0].length);
  if (rest.includes('?')) return bad('carries headers (?...), which a destination may not');
  if (rest.includes('@')) return bad('has a user part: the user part of a route is its translated CLD');
  const semicolon = rest.indexOf(';');
  const hostportText = semicolon === -1 ? rest : rest.slice(0, semicolon);
  const params = semicolon === -1 ? '' : rest.slice(semicolon);
  const hostport = splitHostport(hostportText);
  if (typeof hostport === 'string') return bad(hostport);
  if (!PARAMS.test(params)) return bad('has a parameter that is not ;name or ;name=value of URI characters');
  return made(scheme[1]!.toLowerCase(), hostport.host, hostportText, params);
}

function made(scheme: string, host: string, hostport: string, params: string): SipDestination {
  return { scheme, host, hostport, params, dstUri: `${scheme}:${hostport}${params}` };
}

/** `host[:port]` split and checked, or why it is not one. */
function splitHostport(text: string): { host: string } | string {
  if (text === '') return 'is empty';
  let host = text;
  let port: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) return 'opens an IPv6 address with [ and does not close it';
    host = text.slice(0, close + 1);
    const after = text.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) return `has ${JSON.stringify(after)} after its IPv6 address`;
      port = after.slice(1);
    }
    if (!isIPv6(host.slice(1, -1))) return `has ${JSON.stringify(host)}, which is not an IPv6 address`;
  } else {
    const colon = text.indexOf(':');
    if (colon !== -1) {
      host = text.slice(0, colon);
      port = text.slice(colon + 1);
      if (port.includes(':')) return 'is an IPv6 address without brackets or has more than one port: write [IPv6]:port';
    }
    if (ALL_DIGITS_AND_DOTS.test(host) ? !isIPv4(host) : !HOSTNAME.test(host)) return `has ${JSON.stringify(host)}, which is not a host name or an IPv4 address`;
  }
  if (port !== undefined && !(PORT.test(port) && Number(port) <= 65535)) return `has port ${JSON.stringify(port)}, which is not 1 to 65535`;
  return { host };
}

// RFC 3261 user: unreserved and user-unreserved characters as they are, anything
// else percent-encoded (UTF-8). `;` and `?` are percent-encoded too: some
// proxies read them as user parameters or headers.
const USER_SAFE = /^[A-Za-z0-9\-_.!~*'()&=+$,/]*$/;

/** A number as the user part of a SIP URI. */
export function sipUser(number: string): string {
  if (USER_SAFE.test(number)) return number;
  let out = '';
  for (const ch of number) {
    if (USER_SAFE.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** `scheme:user@hostport;params`: the request URI of a route to `destination` for `number` (no user part when it is empty). */
export function requestUri(destination: SipDestination, number: string): string {
  return number === '' ? destination.dstUri : `${destination.scheme}:${sipUser(number)}@${destination.hostport}${destination.params}`;
}

/** `scheme:user@host`: the From URI of a route whose CLI was translated to `number`. */
export function fromUri(destination: SipDestination, number: string): string {
  return number === '' ? `${destination.scheme}:${destination.host}` : `${destination.scheme}:${sipUser(number)}@${destination.host}`;
}

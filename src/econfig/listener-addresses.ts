// The address syntax of the listener options: `-s` sockets and `-a` allow
// lists. Strict on purpose: an IPv4 literal is four decimal octets without
// leading zeros (so `010.1.1.1` is never read as octal or as 10.1.1.1), an
// IPv6 literal has no zone, and a CIDR prefix must have no host bits set
// (`10.0.0.1/8` is refused with the prefix it probably meant).

import { posix } from 'node:path';
import { Address4, Address6 } from 'ip-address';
import type { Endpoint } from './listener-spec.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;
const IPV6_CHARS = /^[0-9A-Fa-f:.]+$/;
/** sun_path holds 104 bytes on FreeBSD (108 on Linux), the final NUL included. */
const MAX_UNIX_PATH_BYTES = 103;
/** RFC 3986 path characters, without `?` and `#`. */
const HTTP_PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;

export function isIPv4Literal(text: string): boolean {
  return IPV4.test(text);
}

/** The canonical (RFC 5952) form of an IPv6 literal without brackets, or undefined. */
export function canonicalIPv6(text: string): string | undefined {
  if (!IPV6_CHARS.test(text) || !text.includes(':')) return undefined;
  try {
    return new Address6(text).correctForm();
  } catch {
    return undefined;
  }
}

export interface ParsedSocket {
  readonly endpoint: Endpoint;
  readonly socket: string;
  readonly httpPath: string;
}

/** `unix:/abs/path`, `http://HOST:PORT[/PATH]` or `https://HOST:PORT[/PATH]`. */
export function parseSocket(text: string): Parsed<ParsedSocket> {
  if (text.startsWith('unix:')) {
    const path = text.slice('unix:'.length);
    if (!path.startsWith('/')) return { ok: false, message: `unix socket path must be absolute, got '${path}'` };
    if (path.includes('\0')) return { ok: false, message: 'unix socket path contains a NUL character' };
    const normal = posix.normalize(path);
    if (normal.endsWith('/')) return { ok: false, message: `unix socket path names a directory: '${path}'` };
    if (Buffer.byteLength(normal) > MAX_UNIX_PATH_BYTES) return { ok: false, message: `unix socket path is longer than ${MAX_UNIX_PATH_BYTES} bytes and cannot be bound` };
    return { ok: true, value: { endpoint: { kind: 'unix', path: normal }, socket: `unix:${normal}`, httpPath: '/' } };
  }
  const match = /^(https?):\/\/(\[[^\]]*\]|[^/:[\]]*)(?::([^/]*))?(.*)$/.exec(text);
  if (match === null) return { ok: false, message: `expected unix:/path, http://HOST:PORT[/PATH] or https://HOST:PORT[/PATH], got '${text}'` };
  const [, scheme, hostText, portText, pathText] = match as unknown as [string, 'http' | 'https', string, string | undefined, string];
  let host: string;
  let shownHost: string;
  if (hostText === 'localhost') {
    host = shownHost = 'localhost';
  } else if (isIPv4Literal(hostText)) {
    host = shownHost = hostText;
  } else if (hostText.startsWith('[')) {
    const v6 = canonicalIPv6(hostText.slice(1, -1));
    if (v6 === undefined) return { ok: false, message: `'${hostText}' is not a valid IPv6 literal` };
    host = v6;
    shownHost = `[${v6}]`;
  } else {
    return { ok: false, message: `HOST must be an IPv4 literal, a bracketed IPv6 literal or localhost, got '${hostText}'` };
  }
  if (portText === undefined || portText === '') return { ok: false, message: `${scheme}: socket needs a port (${scheme}://HOST:PORT)` };
  if (!/^[1-9][0-9]{0,4}$/.test(portText) || Number(portText) > 65535) return { ok: false, message: `port must be 1..65535, got '${portText}'` };
  const port = Number(portText);
  const httpPath = pathText === '' ? '/' : pathText;
  if (!HTTP_PATH.test(httpPath)) return { ok: false, message: `bad HTTP path '${pathText}' (no query, fragment, spaces or non-ASCII)` };
  return { ok: true, value: { endpoint: { kind: scheme, host, port }, socket: `${scheme}://${shownHost}:${port}${httpPath}`, httpPath } };
}

const MAPPED_IPV4 = new Address6('::ffff:0:0/96');

/**
 * The IPv4 form (a.b.c.d/n) of a prefix inside ::ffff:0:0/96, else
 * undefined. A wider IPv6 prefix (::/0) is left alone: it still matches IPv6
 * clients.
 */
function mappedIPv4(prefix: string, bits: number): string | undefined {
  if (bits < 96) return undefined;
  const address = new Address6(prefix);
  if (!address.isInSubnet(MAPPED_IPV4)) return undefined;
  return `${address.to4().correctForm()}/${bits - 96}`;
}

/** One `-a` item: an address (a /32 or /128 prefix) or a CIDR prefix, normalised. */
export function parseAllowItem(text: string): Parsed<string> {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const bitsText = slash < 0 ? undefined : text.slice(slash + 1);
  const v4 = isIPv4Literal(address);
  const v6 = v4 ? undefined : canonicalIPv6(address);
  if (!v4 && v6 === undefined) {
    return { ok: false, message: `'${text}' is not an IPv4 or IPv6 address or CIDR prefix${/(^|\.)0[0-9]/.test(address) ? ' (IPv4 octets must not have leading zeros)' : ''}` };
  }
  const maxBits = v4 ? 32 : 128;
  if (bitsText !== undefined && !/^(0|[1-9][0-9]{0,2})$/.test(bitsText)) return { ok: false, message: `'${text}': prefix length must be a decimal number 0..${maxBits}` };
  const bits = bitsText === undefined ? maxBits : Number(bitsText);
  if (bits > maxBits) return { ok: false, message: `'${text}': prefix length ${bits} is more than ${maxBits}` };
  const prefixed = `${v4 ? address : v6}/${bits}`;
  const network = v4 ? new Address4(prefixed).startAddress().correctForm() : new Address6(prefixed).startAddress().correctForm();
  const canonical = `${network}/${bits}`;
  if (network !== (v4 ? address : v6)) return { ok: false, message: `'${text}' has host bits set; the prefix is ${canonical}` };
  const ipv4 = v4 ? undefined : mappedIPv4(canonical, bits);
  if (ipv4 !== undefined) {
    return { ok: false, message: `'${text}' is an IPv4-mapped IPv6 ${slash < 0 ? 'address' : 'prefix'} and never matches: IPv4 clients, on an IPv6 socket too, are matched as IPv4; write ${slash < 0 ? ipv4.replace(/\/32$/, '') : ipv4}` };
  }
  return { ok: true, value: canonical };
}

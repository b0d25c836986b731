// A connection's `destination` as a SIP proxy will take it (sip-proxies.md):
// `host`, `host:port`, `[v6]` or `[v6]:port`, or a `sip:`/`sips:` URI with
// parameters (`sip:gw.example.net:5080;transport=tcp`). A host is a DNS
// name or an IPv4 literal; an IPv6 literal is bracketed (a bare one cannot
// be told from a port). Pure: the problem in words, or undefined.

import { canonicalIPv6, isIPv4Literal } from '../econfig/listener-addresses.js';

const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
/** SIP URI parameters: `;name` or `;name=value`, unreserved and escaped characters (RFC 3261 paramchar). */
const PARAMETERS = /^(;[A-Za-z0-9\-_.!~*'()%[\]/:&+$]+(=[A-Za-z0-9\-_.!~*'()%[\]/:&+$]*)?)*$/;

function hostProblem(host: string): string | undefined {
  if (host.startsWith('[')) {
    if (!host.endsWith(']') || canonicalIPv6(host.slice(1, -1)) === undefined) return `${JSON.stringify(host)} is not a valid bracketed IPv6 literal`;
    return undefined;
  }
  if (canonicalIPv6(host) !== undefined) return `an IPv6 literal is written in brackets: [${host}]`;
  if (/^[0-9.]+$/.test(host)) return isIPv4Literal(host) ? undefined : `${JSON.stringify(host)} is not a valid IPv4 address`;
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length === 0 || name.length > 253 || !name.split('.').every((label) => LABEL.test(label))) return `${JSON.stringify(host)} is not a host name`;
  return undefined;
}

/** `host[:port]` (or `[v6][:port]`): the problem, or undefined. */
function hostPortProblem(text: string): string | undefined {
  const match = /^(\[[^\]]*\]|[^:[\]]*)(?::([^:]*))?$/.exec(text);
  if (match === null) return canonicalIPv6(text) !== undefined ? `an IPv6 literal is written in brackets: [${text}]` : `${JSON.stringify(text)} is not host, host:port or [v6]:port`;
  const [, host, port] = match as unknown as [string, string, string | undefined];
  if (port !== undefined && (!/^[1-9][0-9]{0,4}$/.test(port) || Number(port) > 65535)) return `port must be 1..65535, got ${JSON.stringify(port)}`;
  return hostProblem(host);
}

/** Why a proxy could not send calls to `destination`, or undefined when it can. */
export function destinationProblem(destination: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(destination)) return `destination ${JSON.stringify(destination)} is a URL: write host:port or a sip: URI`;
  const uri = /^sips?:(?:[^@;]+@)?([^;]*)(.*)$/i.exec(destination);
  if (uri === null) {
    const problem = hostPortProblem(destination);
    return problem === undefined ? undefined : `destination ${JSON.stringify(destination)}: ${problem} (or a sip:/sips: URI)`;
  }
  const problem = hostPortProblem(uri[1]!) ?? (PARAMETERS.test(uri[2]!) ? undefined : `bad URI parameters ${JSON.stringify(uri[2])}`);
  return problem === undefined ? undefined : `destination ${JSON.stringify(destination)}: ${problem}`;
}

// SIP messages for the proxy tests (RFC 3261, as much as a caller and a
// carrier on loopback UDP need): parse a datagram, build requests and
// responses. Bodies are not used (Content-Length: 0).

import { randomBytes } from 'node:crypto';

const COMPACT: Readonly<Record<string, string>> = { v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', r: 'refer-to', k: 'supported' };

export interface SipMessage {
  /** `INVITE`, `ACK`, ...; undefined for a response. */
  readonly method?: string;
  readonly uri?: string;
  /** The status of a response. */
  readonly status?: number;
  readonly reason?: string;
  /** Headers in order, names in lower case (compact forms expanded). */
  readonly headers: readonly (readonly [string, string])[];
}

export function parseSip(datagram: Buffer): SipMessage {
  const text = datagram.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  const lines = (end === -1 ? text : text.slice(0, end)).split('\r\n');
  const first = lines.shift() ?? '';
  const headers: [string, string][] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.push([COMPACT[name] ?? name, line.slice(colon + 1).trim()]);
  }
  const status = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(first);
  if (status !== null) return { status: Number(status[1]), reason: status[2], headers };
  const [method, uri] = first.split(' ');
  return { method, uri, headers };
}

/** The first value of a header, or undefined. */
export function header(message: SipMessage, name: string): string | undefined {
  return message.headers.find(([n]) => n === name.toLowerCase())?.[1];
}

/** Every value of a header, comma-separated values split (Via, Record-Route). */
export function headerValues(message: SipMessage, name: string): string[] {
  return message.headers.filter(([n]) => n === name.toLowerCase()).flatMap(([, value]) => splitList(value));
}

function splitList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '<') depth++;
    else if (!quoted && c === '>') depth--;
    else if (!quoted && depth === 0 && c === ',') {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out;
}

/** The user part of a SIP URI or of a name-addr (`"x" <sip:user@host>;tag=1`), percent-decoded. */
export function userOf(value: string): string {
  const uri = /<([^>]*)>/.exec(value)?.[1] ?? value;
  const match = /^sips?:([^@;>]*)@/.exec(uri);
  return match === null ? '' : decodeURIComponent(match[1]!);
}

/** The URI inside `<...>` of a name-addr, or the value itself. */
export function uriOf(value: string): string {
  return /<([^>]*)>/.exec(value)?.[1] ?? value;
}

export function tagOf(value: string): string | undefined {
  return /;\s*tag=([^;>\s]+)/.exec(value)?.[1];
}

export function branchOf(via: string): string | undefined {
  return /;\s*branch=([^;\s]+)/.exec(via)?.[1];
}

export function randomToken(): string {
  return randomBytes(8).toString('hex');
}

export function serialize(startLine: string, headers: readonly (readonly [string, string])[]): Buffer {
  const lines = [startLine, ...headers.filter(([name]) => name !== 'content-length').map(([name, value]) => `${canonical(name)}: ${value}`), 'Content-Length: 0'];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
}

/** A response to `request`: its Via, From, Call-ID and CSeq; its To with `toTag` (not on 100). */
export function response(request: SipMessage, status: number, reason: string, toTag: string | undefined, extra: readonly (readonly [string, string])[] = []): Buffer {
  const copied = request.headers.filter(([name]) => name === 'via' || name === 'from' || name === 'call-id' || name === 'cseq' || name === 'record-route');
  const to = header(request, 'to') ?? '';
  const toValue = toTag === undefined || status === 100 || tagOf(to) !== undefined ? to : `${to};tag=${toTag}`;
  return serialize(`SIP/2.0 ${status} ${reason}`, [...copied, ['to', toValue], ...extra]);
}

function canonical(name: string): string {
  if (name === 'call-id') return 'Call-ID';
  if (name === 'cseq') return 'CSeq';
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

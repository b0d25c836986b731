// Kamailio's rtjson document (rtjson.ts) as JSON bytes, written with the
// answer as getRoutes' is (answer-json.ts): GET /rtjson and `"format":
// "rtjson"` send these bytes, so a served request makes no route objects,
// no strings for its URIs and no JSON.stringify pass. What a route's JSON
// takes from its destination (the URIs around the user part) is encoded
// once per entry row of a snapshot; per route only the user parts and the
// timers are written. The bytes equal JSON.stringify of the document that
// rtjson.ts makes for the same routes (tests compare).

import type { ExcludedEntry, RtjsonDocument, RtjsonRoute } from '../contract.js';
import { sipUser, type SipDestination } from '../rules/destination.js';
import type { EntryRow } from '../rules/model.js';
import { rtjsonDocument } from './rtjson.js';
import { asciiBytes, putAscii, putBytes, putInt, putLongBytes, ScratchBytes, type RoomyBytes } from './json-bytes.js';
import { WrittenAnswer, type RoutesMaker } from './local-answer.js';

const RTJSON_BYTES = Symbol('sippy_routed.rtjsonBytes');

/** A destination's pieces of a route's JSON, the names around them included. */
interface DestinationBytes {
  /** `{"uri":"sip:`: the request URI up to its user part. */
  readonly uriHead: Uint8Array;
  /** `@host:port;params","dst_uri":"sip:host:port;params"`. */
  readonly uriTail: Uint8Array;
  /** `{"uri":"sip:host:port;params","dst_uri":…`: a route whose CLD is empty (no user part). */
  readonly uriNoUser: Uint8Array;
  /** `,"headers":{"from":{"display":"","uri":"sip:`: the From URI up to its user part. */
  readonly fromHead: Uint8Array;
  /** `@host"}}`. */
  readonly fromTail: Uint8Array;
  /** `,"headers":{"from":{"display":"","uri":"sip:host"}}`: a CLI translated to nothing. */
  readonly fromNoUser: Uint8Array;
  /** All of the above: what a route can take of them at most. */
  readonly length: number;
}

const json = JSON.stringify;
const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');
/** A string's JSON without its quotes: text that goes between two pieces of one JSON string. */
const inner = (text: string): string => json(text).slice(1, -1);

/** The document's members before its routes and after them, as rtjsonDocument orders them (found at load). */
const [DOCUMENT_START, DOCUMENT_END] = ((): [Uint8Array, Uint8Array] => {
  const empty = json(rtjsonDocument([], undefined));
  const at = empty.indexOf('[]');
  return [asciiBytes(empty.slice(0, at + 1)), asciiBytes(empty.slice(at + 1))];
})();
const EXCLUDED = asciiBytes(',"excluded":');
const FR_TIMER = asciiBytes(',"fr_timer":');
const FR_INV_TIMER = asciiBytes(',"fr_inv_timer":');
const COMMA = 0x2c;
const CLOSE_OBJECT = 0x7d;
/** Bytes a route writes beyond its destination's pieces and its user parts: two timers, a comma, a brace. */
const ROUTE_FIXED_BOUND = 96;

function destinationBytes(d: SipDestination): DestinationBytes {
  const dstUri = json(d.dstUri);
  const from = ',"headers":{"from":{"display":"","uri":';
  const pieces = {
    uriHead: utf8(`{"uri":"${inner(`${d.scheme}:`)}`),
    uriTail: utf8(`${inner(`@${d.hostport}${d.params}`)}","dst_uri":${dstUri}`),
    uriNoUser: utf8(`{"uri":${dstUri},"dst_uri":${dstUri}`),
    fromHead: utf8(`${from}"${inner(`${d.scheme}:`)}`),
    fromTail: utf8(`${inner(`@${d.host}`)}"}}`),
    fromNoUser: utf8(`${from}${json(`${d.scheme}:${d.host}`)}}}`),
  };
  let length = 0;
  for (const piece of Object.values(pieces)) length += piece.length;
  return { ...pieces, length };
}

/** An entry row that keeps its destination's rtjson bytes (answerRows, answer-json.ts); its destination parsed, or it is left as it is. */
export function withRtjsonJson(entry: EntryRow): EntryRow {
  const destination = entry.sipDestination;
  if (!(destination instanceof Error)) Object.defineProperty(entry, RTJSON_BYTES, { value: destinationBytes(destination) });
  return entry;
}

/**
 * One document at a time (ScratchBytes): begin, the routes in order,
 * finish; or abandon() when an error cuts it short.
 */
export class RtjsonWriter {
  private readonly scratch = new ScratchBytes();
  private pos = 0;
  private routes = 0;

  begin(): void {
    this.scratch.claim();
    this.pos = putBytes(this.scratch.reserve(0, DOCUMENT_START.length), 0, DOCUMENT_START);
    this.routes = 0;
  }

  /**
   * One route of `entry` (its destination parsed: an entry whose destination
   * did not parse is never chosen): its timers, and its translated numbers
   * (`cli` is written as From only when it is not the request's).
   */
  route(entry: EntryRow, timeout: number | null, timeout1xx: number | null, cli: string, cld: string, requestCli: string): void {
    const d = (entry as { [RTJSON_BYTES]?: DestinationBytes })[RTJSON_BYTES] ?? destinationBytes(entry.sipDestination as SipDestination);
    // A user part is escaped to URI-safe ASCII (sipUser): written as it is, no JSON escaping left to do.
    const user = cld === '' ? '' : sipUser(cld);
    const fromUser = cli === requestCli || cli === '' ? '' : sipUser(cli);
    const buf = this.scratch.reserve(this.pos, ROUTE_FIXED_BOUND + d.length + user.length + fromUser.length);
    let pos = this.pos;
    if (this.routes++ > 0) buf[pos++] = COMMA;
    if (cld === '') pos = putLongBytes(buf, pos, d.uriNoUser);
    else pos = putLongBytes(buf, putAscii(buf, putLongBytes(buf, pos, d.uriHead), user), d.uriTail);
    if (timeout1xx !== null) pos = putInt(buf, putBytes(buf, pos, FR_TIMER), timeout1xx * 1000);
    if (timeout !== null) pos = putInt(buf, putBytes(buf, pos, FR_INV_TIMER), timeout * 1000);
    if (cli !== requestCli) pos = cli === '' ? putLongBytes(buf, pos, d.fromNoUser) : putLongBytes(buf, putAscii(buf, putLongBytes(buf, pos, d.fromHead), fromUser), d.fromTail);
    buf[pos++] = CLOSE_OBJECT;
    this.pos = pos;
  }

  /** The document begun is not finished: the writer is free for the next. */
  abandon(): void {
    this.scratch.release();
  }

  /** The document's bytes; `excluded` only when the request asked to explain. */
  finish(excluded: readonly ExcludedEntry[] | undefined): RoomyBytes {
    const excludedJson = excluded === undefined ? undefined : utf8(json(excluded));
    const buf = this.scratch.reserve(this.pos, DOCUMENT_END.length + (excludedJson === undefined ? 0 : EXCLUDED.length + excludedJson.length));
    let pos = this.pos;
    // `]` first, then the members after the routes: `excluded` goes before the document's last brace.
    buf[pos++] = DOCUMENT_END[0]!;
    if (excludedJson !== undefined) pos = putLongBytes(buf, putBytes(buf, pos, EXCLUDED), excludedJson);
    pos = putBytes(buf, pos, DOCUMENT_END.subarray(1));
    return this.scratch.copyWithRoom(pos);
  }
}

/** The rtjson document of a local group (RtjsonWriter wrote its bytes): `version`, `routing`, `routes`, `excluded` as rtjsonDocument orders them. */
export class LocalRtjson extends WrittenAnswer<RtjsonRoute> implements RtjsonDocument {
  readonly version = '1.0';
  readonly routing = 'serial';
  declare readonly excluded?: readonly ExcludedEntry[];

  constructor(bytes: RoomyBytes, source: unknown, count: number, cli: string, cld: string, make: RoutesMaker<never, RtjsonRoute>, excluded: readonly ExcludedEntry[] | undefined) {
    super(bytes, source, count, cli, cld, make);
    this.defineRoutes();
    if (excluded !== undefined) (this as { excluded?: readonly ExcludedEntry[] }).excluded = excluded;
  }
}

// JSON written straight into bytes: the getRoutes answer (answer-json.ts)
// is the largest thing the daemon sends. Written as strings it cost more
// (a number-to-string and a rope node per piece, then a UTF-8 pass over the
// whole); here values are written where they go, into one scratch buffer
// reused by every answer, and the answer is copied out once.
//
// The writers are plain functions of (buffer, position) returning the next
// position; the caller reserves room first (ScratchBytes.reserve) with a
// bound of what it will write. The output is exactly JSON.stringify's for
// the same values (tests compare).

import { POOLED_REPLY_BYTES, replyBuffers } from './reply-buffers.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** ASCII text (field names, punctuation) encoded once. */
export function asciiBytes(text: string): Uint8Array {
  return Buffer.from(text, 'latin1');
}

/** Most bytes a JSON string of `text` can take: \uXXXX for each UTF-16 unit, and the quotes. */
export function jsonStringBound(text: string): number {
  return text.length * 6 + 2;
}

/**
 * Pre-encoded bytes: a short piece (a member name, punctuation). A loop
 * beats TypedArray.set's call for these, and stays small enough to be
 * inlined where it is called.
 */
export function putBytes(buf: Uint8Array, pos: number, bytes: Uint8Array): number {
  const n = bytes.length;
  for (let i = 0; i < n; i++) buf[pos + i] = bytes[i]!;
  return pos + n;
}

/** Pre-encoded bytes of any length (an entry's fields, a whole member). */
export function putLongBytes(buf: Uint8Array, pos: number, bytes: Uint8Array): number {
  buf.set(bytes, pos);
  return pos + bytes.length;
}

/** Text known to be ASCII and to need no escaping: DECIMAL amounts, digits. */
export function putAscii(buf: Uint8Array, pos: number, text: string): number {
  const n = text.length;
  for (let i = 0; i < n; i++) buf[pos + i] = text.charCodeAt(i);
  return pos + n;
}

/** An integer as JSON writes it (at most 22 bytes). */
export function putInt(buf: Uint8Array, pos: number, value: number): number {
  if (!(value >= 0 && value <= 0x7fffffff && Number.isInteger(value))) return putAnyNumber(buf, pos, value);
  // 32-bit integer arithmetic (division by a constant becomes a multiply).
  const digits = value < 10 ? 1 : value < 100 ? 2 : value < 1000 ? 3 : value < 10000 ? 4 : value < 100000 ? 5 : value < 1000000 ? 6 : value < 10000000 ? 7 : value < 100000000 ? 8 : value < 1000000000 ? 9 : 10;
  let rest = value | 0;
  for (let at = pos + digits - 1; at >= pos; at--) {
    const next = (rest / 10) | 0;
    buf[at] = 48 + rest - next * 10;
    rest = next;
  }
  return pos + digits;
}

/** Any number as JSON writes it: putInt's uncommon case, apart so that putInt stays small. */
function putAnyNumber(buf: Uint8Array, pos: number, value: number): number {
  return putAscii(buf, pos, JSON.stringify(value));
}

/** Exactly `width` digits of a non-negative integer below 10^width (and 2^31), zero-padded. */
export function putPadded(buf: Uint8Array, pos: number, value: number, width: number): number {
  let rest = value | 0;
  for (let at = pos + width - 1; at >= pos; at--) {
    const next = (rest / 10) | 0;
    buf[at] = 48 + rest - next * 10;
    rest = next;
  }
  return pos + width;
}

/** A JSON string (at most jsonStringBound bytes): printable ASCII without quotes or backslashes as is, anything else as JSON.stringify writes it. */
export function putString(buf: Uint8Array, pos: number, text: string): number {
  const n = text.length;
  buf[pos] = QUOTE;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) return putLongBytes(buf, pos, Buffer.from(JSON.stringify(text), 'utf8'));
    buf[pos + 1 + i] = c;
  }
  buf[pos + 1 + n] = QUOTE;
  return pos + n + 2;
}

/**
 * Bytes carved out of shared slabs, as Node's Buffer pool does for small
 * buffers (its pool stops at 4 KB): taking some is a view, not an
 * ArrayBuffer of its own (measured about 1 µs each). For replies that are
 * copies (batches, an answer sent twice). A slab is freed once nothing in it is referenced any more.
 */
export class ByteSlab {
  private slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private used = 0;

  take(n: number): Buffer {
    if (n > SLAB_BYTES / 8) return Buffer.allocUnsafe(n);
    if (this.used + n > SLAB_BYTES) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.used = 0;
    }
    const bytes = this.slab.subarray(this.used, this.used + n);
    // Aligned, as Node's pool does, so a view's start stays 8-byte aligned.
    this.used = (this.used + n + 7) & ~7;
    return bytes;
  }

  /** The parts one after another, as Buffer.concat. */
  concat(parts: readonly Uint8Array[]): Buffer {
    let total = 0;
    for (const part of parts) total += part.length;
    const out = this.take(total);
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

const SLAB_BYTES = 256 * 1024;

/** The slab every answer and reply is taken from (one thread, one slab). */
export const replySlab = new ByteSlab();

/**
 * A growable scratch buffer. Not reentrant: one answer is written from
 * claim() to copyWithRoom() (or release()) with no await in between. A
 * second claim() before then throws: two answers interleaved in one buffer
 * would each copy out the other's bytes.
 */
/** Out of line, so the guard adds a compare, not a throw site, to the writers V8 inlines reserve() into. */
function unclaimedWrite(): never {
  throw new Error('scratch bytes written without claim()');
}

export class ScratchBytes {
  private buf: Buffer = Buffer.allocUnsafe(64 * 1024);
  private claimed = false;

  /** Starts one use; throws while another is under way. */
  claim(): void {
    if (this.claimed) throw new Error('scratch bytes claimed while another answer is being written into them (reentrant use)');
    this.claimed = true;
  }

  /** Ends a use without copying (an answer abandoned by an error). */
  release(): void {
    this.claimed = false;
  }

  /** The buffer, with room for `n` bytes from `pos` (bytes before `pos` kept); only between claim() and the end of the use. */
  reserve(pos: number, n: number): Buffer {
    if (!this.claimed) unclaimedWrite();
    if (pos + n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, pos + n));
      this.buf.copy(bigger, 0, 0, pos);
      this.buf = bigger;
    }
    return this.buf;
  }

  /**
   * A copy of bytes [0, end) with ENVELOPE_ROOM free bytes before and after
   * it, which only envelopeInPlace writes: in a pooled reply buffer when it
   * fits (reply-buffers.ts), else in memory of its own (never the slab:
   * the room would be a neighbour's bytes). Ends the use.
   */
  copyWithRoom(end: number): RoomyBytes {
    const total = ENVELOPE_ROOM + end + ENVELOPE_ROOM;
    const out = total <= POOLED_REPLY_BYTES ? replyBuffers.take() : Buffer.allocUnsafeSlow(total);
    out.set(this.buf.subarray(0, end), ENVELOPE_ROOM);
    (out.buffer as RoomMarked)[ROOM] = true;
    this.claimed = false;
    return out.subarray(ENVELOPE_ROOM, ENVELOPE_ROOM + end) as RoomyBytes;
  }
}

/**
 * Bytes kept free on each side of an answer copied by copyWithRoom: room
 * for the JSON-RPC envelope around it (`{"jsonrpc":"2.0","id":…,"result":`
 * and `}`), so the reply is the answer's own bytes with the envelope written
 * around them, not a copy of them. An id longer than the room takes a copy.
 */
export const ENVELOPE_ROOM = 96;

/** On memory copyWithRoom laid out: an answer at ENVELOPE_ROOM with free room on both sides. */
const ROOM = Symbol('sippy_routed.envelopeRoom');
type RoomMarked = ArrayBuffer & { [ROOM]?: true };
declare const ROOMY: unique symbol;
/** Bytes from copyWithRoom: the only bytes envelopeInPlace writes around. */
export type RoomyBytes = Buffer & { readonly [ROOMY]: true };

/** Whether `bytes` lie as copyWithRoom lays them out: checked, not trusted, before anything is written outside them. */
export function hasEnvelopeRoom(bytes: Uint8Array): bytes is RoomyBytes {
  return (
    bytes.byteOffset === ENVELOPE_ROOM &&
    (bytes.buffer as RoomMarked)[ROOM] === true &&
    bytes.byteOffset + bytes.length + ENVELOPE_ROOM <= bytes.buffer.byteLength
  );
}

/**
 * `head` + `bytes` + `tail` as one Buffer over `bytes`'s own memory: `bytes`
 * must come from copyWithRoom (checked: else undefined) and its room be
 * written once only (the caller keeps track), and head and tail fit
 * ENVELOPE_ROOM. Undefined when they do not fit.
 */
export function envelopeInPlace(bytes: RoomyBytes, head: string, tail: string): Buffer | undefined {
  if (!hasEnvelopeRoom(bytes)) return undefined;
  const headBytes = Buffer.byteLength(head, 'utf8');
  const tailBytes = Buffer.byteLength(tail, 'utf8');
  if (headBytes > ENVELOPE_ROOM || tailBytes > ENVELOPE_ROOM) return undefined;
  const whole = Buffer.from(bytes.buffer, bytes.byteOffset - headBytes, headBytes + bytes.length + tailBytes);
  whole.write(head, 0, headBytes, 'utf8');
  whole.write(tail, headBytes + bytes.length, tailBytes, 'utf8');
  return whole;
}

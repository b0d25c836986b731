// Bounds on the shape of a request body, checked on its bytes as they arrive
// and before JSON.parse sees them. JSON.parse is one uninterruptible step:
// its cost grows with nesting and with the number of arrays, objects and
// members far more than with bytes (measured on Node 20: 16 MiB of `{},`
// blocks the event loop for 1.5 s, 64 MiB of `[` for 16 s). With these two
// bounds the largest body the listener accepts (--body-limit's maximum)
// parses in tens of milliseconds, whatever the operator's limit, so one
// client cannot stall the others. docs/rpc.md states both numbers (tested).
//
// The scan is on bytes: in UTF-8 every byte of a multi-byte character is
// >= 0x80, so none of them can be mistaken for `"`, `\`, brackets or commas.
// It does not validate JSON; JSON.parse does that on what passes.
//
// The same pass notes whether every number outside strings is a plain
// integer (`-?[1-9][0-9]*` or `0`): then a number JSON.parse reads as a safe
// integer is written back by JSON.stringify exactly as the client wrote it,
// and a request id needs no second look at the text (request-ids.ts).

/**
 * Deepest nesting of arrays and objects a request may have. A batch of
 * getRoutes requests needs 3 (batch, request, params); the rest is room for
 * clients that send unknown extra params, which are accepted and ignored.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Most values a request may hold, counted as array elements and object
 * members (each comma, array and object outside strings). A batch of
 * --max-batch's largest (10,000) getRoutes requests with every param needs
 * about 150,000.
 */
export const MAX_JSON_VALUES = 200_000;

export type ShapeViolation = 'depth' | 'values';

/** A request body and what the body-reader's scan learnt about its numbers. */
export interface RequestText {
  readonly text: string;
  /** Every number outside strings is a plain integer (JsonShapeScanner.plainIntegers). */
  readonly plainIntegers: boolean;
}

/** A whole body as the body-reader hands it on, scanned at once (for callers that have it as text: benches, tests). */
export function scannedRequest(text: string): RequestText {
  const scanner = new JsonShapeScanner();
  scanner.feed(Buffer.from(text, 'utf8'));
  return { text, plainIntegers: scanner.plainIntegers };
}

/** One body's scan state; feed() its chunks in order. */
export class JsonShapeScanner {
  private depth = 0;
  private values = 0;
  private inString = false;
  private escaped = false;
  private previous = 0;
  private plain = true;

  /** Whether every number outside strings fed so far is a plain integer: false once one has a fraction, an exponent or is -0. */
  get plainIntegers(): boolean {
    return this.plain;
  }

  /** Scans the next chunk; returns the first bound the body exceeds so far, else undefined. */
  feed(bytes: Uint8Array): ShapeViolation | undefined {
    let depth = this.depth;
    let values = this.values;
    let inString = this.inString;
    let escaped = this.escaped;
    let previous = this.previous;
    let plain = this.plain;
    let violation: ShapeViolation | undefined;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) inString = false;
      } else if (byte === QUOTE) {
        inString = true;
      } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
        values += 1;
        if (++depth > MAX_JSON_DEPTH) {
          violation = 'depth';
          break;
        }
        if (values > MAX_JSON_VALUES) {
          violation = 'values';
          break;
        }
      } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
        depth -= 1;
      } else if (byte === COMMA) {
        if (++values > MAX_JSON_VALUES) {
          violation = 'values';
          break;
        }
      } else if (byte === DOT || byte === UPPER_E || (byte === LOWER_E && previous >= DIGIT_0 && previous <= DIGIT_9) || (byte === DIGIT_0 && previous === MINUS)) {
        // A fraction, an exponent (an `e` outside strings is also in true and false, after a letter) or -0.
        plain = false;
      }
      previous = byte;
    }
    this.depth = depth;
    this.previous = previous;
    this.plain = plain;
    this.values = values;
    this.inString = inString;
    this.escaped = escaped;
    return violation;
  }
}

// The JSON syntax characters, as bytes and UTF-16 code units alike (request-ids.ts reads text).
export const QUOTE = 0x22;
export const MINUS = 0x2d;
const DOT = 0x2e;
export const DIGIT_0 = 0x30;
export const DIGIT_9 = 0x39;
const UPPER_E = 0x45;
const LOWER_E = 0x65;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;

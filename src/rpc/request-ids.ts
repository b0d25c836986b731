// Request ids echoed as the client wrote them (JSON-RPC 2.0: the response's
// id is the request's). JSON.parse turns a number id into a double, and
// JSON.stringify writes that double back: `1e400` would come back as null,
// `-0` as 0, `1.50` as 1.5 and a 30-digit integer rounded. A number id is
// therefore answered with its own text whenever the double might not give
// it back.
//
// The common path reads no text: when the body-reader's scan found only
// plain integers (json-shape.ts) and the id is a safe integer, the double is
// written back as sent. Otherwise requestIdTexts reads the body once more,
// for the whole request or batch.

import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COMMA, DIGIT_0, DIGIT_9, MINUS, OPEN_BRACE, OPEN_BRACKET, QUOTE } from './json-shape.js';

/** A number id's text from the request, written into the reply as it is (reply-json.ts). */
export class RawNumberId {
  constructor(readonly text: string) {}
}

/** Whether this parsed request's id needs its text: a number the double may not write back as sent. */
export function idNeedsText(entry: unknown, plainIntegers: boolean): boolean {
  if (typeof entry !== 'object' || entry === null) return false;
  const id = (entry as { id?: unknown }).id;
  return typeof id === 'number' && !(plainIntegers && Number.isSafeInteger(id));
}

/**
 * The text of the number id of each request in `text`, which JSON.parse has
 * accepted: one item for a single request, one per entry for a batch;
 * undefined where the entry is not an object or its id is not a number.
 * As JSON.parse does, the last of duplicate `id` members counts, and a key
 * written with escapes (`"\u0069d"`) is `id`.
 */
export function requestIdTexts(text: string): (string | undefined)[] {
  let i = skipBlanks(text, 0);
  if (text.charCodeAt(i) !== OPEN_BRACKET) return [objectId(text, i).id];
  const ids: (string | undefined)[] = [];
  i = skipBlanks(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_BRACKET) return ids;
  for (;;) {
    const entry = objectId(text, i);
    ids.push(entry.id);
    i = skipBlanks(text, entry.end);
    if (text.charCodeAt(i) !== COMMA) return ids;
    i = skipBlanks(text, i + 1);
  }
}

/** The number id of the value at `start` (when an object) and where the value ends. */
function objectId(text: string, start: number): { id: string | undefined; end: number } {
  if (text.charCodeAt(start) !== OPEN_BRACE) return { id: undefined, end: skipValue(text, start) };
  let id: string | undefined;
  let i = skipBlanks(text, start + 1);
  if (text.charCodeAt(i) === CLOSE_BRACE) return { id, end: i + 1 };
  for (;;) {
    const keyEnd = skipString(text, i);
    const key = text.slice(i, keyEnd);
    const isId = key === '"id"' || (key.includes('\\') && JSON.parse(key) === 'id');
    const valueStart = skipBlanks(text, skipBlanks(text, keyEnd) + 1);
    const valueEnd = skipValue(text, valueStart);
    if (isId) id = isNumberStart(text.charCodeAt(valueStart)) ? text.slice(valueStart, valueEnd) : undefined;
    i = skipBlanks(text, valueEnd);
    if (text.charCodeAt(i) !== COMMA) return { id, end: i + 1 };
    i = skipBlanks(text, i + 1);
  }
}

/** The end of the value at `i`: a string, an object or array (nesting counted), or a literal or number. */
function skipValue(text: string, i: number): number {
  const first = text.charCodeAt(i);
  if (first === QUOTE) return skipString(text, i);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    while (i < text.length && !isDelimiter(text.charCodeAt(i))) i++;
    return i;
  }
  let depth = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = skipString(text, i);
      continue;
    }
    i++;
    if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) return i;
  }
  return i;
}

/** The end of the string whose opening quote is at `i`. */
function skipString(text: string, i: number): number {
  for (i++; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return i;
}

function skipBlanks(text: string, i: number): number {
  while (i < text.length && isBlank(text.charCodeAt(i))) i++;
  return i;
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isDelimiter(c: number): boolean {
  return c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isBlank(c);
}

function isNumberStart(c: number): boolean {
  return c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9);
}

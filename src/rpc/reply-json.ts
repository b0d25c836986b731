// A reply body as bytes. A getRoutes answer carries its own JSON bytes,
// written with it by the resolver (routing/answer-json.ts): they are spliced
// in as they are rather than walked again by JSON.stringify and encoded
// again, the largest cost of an answer after the lookup. Everything else is
// JSON.stringify's, with its rules (members whose value is undefined are
// left out).

import { answerBytesOf, replySlab } from '../routing/index.js';

type JsonObject = Record<string, unknown>;

export function replyJson(body: JsonObject | readonly JsonObject[]): Buffer {
  if (!Array.isArray(body)) return replySlab.concat(responseParts(body as JsonObject, []));
  const parts: Buffer[] = [OPEN_BATCH];
  for (let i = 0; i < body.length; i++) {
    if (i > 0) parts.push(COMMA);
    responseParts(body[i]!, parts);
  }
  parts.push(CLOSE_BATCH);
  return replySlab.concat(parts);
}

const OPEN_BATCH = Buffer.from('[');
const CLOSE_BATCH = Buffer.from(']');
const COMMA = Buffer.from(',');

/** Appends one response's bytes to `parts`; a prepared answer goes in whole, between the text of the other members. */
function responseParts(response: JsonObject, parts: Buffer[]): Buffer[] {
  const prepared = answerBytesOf(response.result);
  if (prepared === undefined) {
    parts.push(Buffer.from(JSON.stringify(response), 'utf8'));
    return parts;
  }
  let text = '{';
  let first = true;
  for (const key of Object.keys(response)) {
    const value = key === 'result' ? undefined : JSON.stringify(response[key]);
    if (key !== 'result' && value === undefined) continue;
    text += `${first ? '' : ','}${JSON.stringify(key)}:`;
    first = false;
    if (key === 'result') {
      parts.push(Buffer.from(text, 'utf8'), prepared);
      text = '';
    } else {
      text += value;
    }
  }
  parts.push(Buffer.from(`${text}}`, 'utf8'));
  return parts;
}

// A reply body as bytes. A getRoutes answer carries its own JSON bytes,
// written with it by the resolver (routing/answer/answer-json.ts): they are spliced
// in as they are rather than walked again by JSON.stringify and encoded
// again, the largest cost of an answer after the lookup. Everything else is
// JSON.stringify's, with its rules (members whose value is undefined are
// left out), except a number id carried as its text (RawNumberId), written
// as it is. An answer whose bytes are copied into the reply gives its pooled
// buffer back once copied (answerCopied); one written around in place hands
// it to the reply, which the sender gives back once sent (http-reply.ts).

import { answerBytesOf, answerCopied, answerInEnvelope, replySlab } from '../routing/index.js';
import { RawNumberId } from './request-ids.js';

type JsonObject = Record<string, unknown>;

export function replyJson(body: JsonObject | readonly JsonObject[]): Buffer {
  if (!Array.isArray(body)) return singleReply(body as JsonObject);
  const parts: Buffer[] = [OPEN_BATCH];
  for (let i = 0; i < body.length; i++) {
    if (i > 0) parts.push(COMMA);
    responseParts(body[i]!, parts);
  }
  parts.push(CLOSE_BATCH);
  const reply = replySlab.concat(parts);
  for (let i = 0; i < body.length; i++) answerCopied(body[i]!.result);
  return reply;
}

const OPEN_BATCH = Buffer.from('[');
const CLOSE_BATCH = Buffer.from(']');
const COMMA = Buffer.from(',');

/**
 * A single response: a prepared answer gets its envelope written in the
 * room around its bytes (answerInEnvelope), so the reply is not a copy of
 * it; else the parts joined.
 */
function singleReply(response: JsonObject): Buffer {
  const prepared = answerBytesOf(response.result);
  if (prepared === undefined) return Buffer.from(responseText(response), 'utf8');
  const [head, tail] = envelopeText(response);
  const inPlace = answerInEnvelope(response.result, head, tail);
  if (inPlace !== undefined) return inPlace;
  const reply = replySlab.concat([Buffer.from(head, 'utf8'), prepared, Buffer.from(tail, 'utf8')]);
  answerCopied(response.result);
  return reply;
}

/** Appends one response's bytes to `parts`; a prepared answer goes in whole, between the text of the other members. */
function responseParts(response: JsonObject, parts: Buffer[]): Buffer[] {
  const prepared = answerBytesOf(response.result);
  if (prepared === undefined) {
    parts.push(Buffer.from(responseText(response), 'utf8'));
    return parts;
  }
  const [head, tail] = envelopeText(response);
  parts.push(Buffer.from(head, 'utf8'), prepared, Buffer.from(tail, 'utf8'));
  return parts;
}

/** A response without a prepared answer: JSON.stringify's text, the members walked only for an id carried as text. */
function responseText(response: JsonObject): string {
  if (!(response.id instanceof RawNumberId)) return JSON.stringify(response);
  const [head, tail] = envelopeText(response);
  return 'result' in response ? `${head}${JSON.stringify(response.result) ?? 'null'}${tail}` : `${head}${tail}`;
}

function valueText(value: unknown): string | undefined {
  return value instanceof RawNumberId ? value.text : JSON.stringify(value);
}

/**
 * The response's JSON text before its `result` value and after it, as
 * JSON.stringify writes the members around it (the whole object in the
 * tail when it has no `result`).
 */
function envelopeText(response: JsonObject): [string, string] {
  const keys = Object.keys(response);
  // The usual 2.0 response, as the dispatcher builds it: no walk over the members.
  if (keys.length === 3 && keys[0] === 'jsonrpc' && keys[1] === 'id' && keys[2] === 'result' && response.jsonrpc === '2.0') {
    const id = valueText(response.id);
    if (id !== undefined) return [`{"jsonrpc":"2.0","id":${id},"result":`, '}'];
  }
  let head = '{';
  let text = '';
  let first = true;
  for (const key of keys) {
    const value = key === 'result' ? undefined : valueText(response[key]);
    if (key !== 'result' && value === undefined) continue;
    text += `${first ? '' : ','}${JSON.stringify(key)}:`;
    first = false;
    if (key === 'result') {
      head += text;
      text = '';
    } else {
      text += value;
    }
  }
  return [head, `${text}}`];
}

// A reply body as JSON text. A getRoutes answer carries its own JSON, built
// with it by the resolver (routing/answer-json.ts): it is spliced in as it
// is rather than walked again by JSON.stringify, the largest cost of an
// answer after the lookup. Everything else is JSON.stringify's, with its
// rules (members whose value is undefined are left out).

import { answerJsonOf } from '../routing/index.js';

type JsonObject = Record<string, unknown>;

export function replyJson(body: JsonObject | readonly JsonObject[]): string {
  if (!Array.isArray(body)) return responseJson(body as JsonObject);
  let text = '[';
  for (let i = 0; i < body.length; i++) text += (i === 0 ? '' : ',') + responseJson(body[i]!);
  return `${text}]`;
}

function responseJson(response: JsonObject): string {
  const prepared = answerJsonOf(response.result);
  if (prepared === undefined) return JSON.stringify(response);
  let text = '';
  for (const key of Object.keys(response)) {
    const value = key === 'result' ? prepared : JSON.stringify(response[key]);
    if (value === undefined) continue;
    text += `${text === '' ? '{' : ','}${JSON.stringify(key)}:${value}`;
  }
  return `${text}}`;
}

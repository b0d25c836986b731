// The getRoutes answer as JSON text, built with the answer: what the RPC
// layer sends (rpc/reply-json.ts), so that the largest part of every answer
// is never walked by JSON.stringify. An entry's fixed fields (its
// connection, vendor and destination set) are serialised once per entry
// row and kept while the row lives (a snapshot's rows live as long as the
// snapshot); per route only the route's own fields, the cost and the
// translated numbers are written. The text parses to exactly the answer
// object (tests compare JSON.parse of one with the other).

import type { EntryRow } from './model.js';
import type { Route, RouteResult } from './types.js';

// Kept on the objects themselves, under symbols and not enumerable: invisible
// to JSON.stringify and to deep comparisons. (A WeakMap keyed by every
// answer was measured: its ephemeron bookkeeping cost more in garbage
// collection than the JSON it saved.)
const ANSWER_JSON = Symbol('sippy_routed.answerJson');
const ENTRY_JSON = Symbol('sippy_routed.entryJson');

/** The fields of a route that come from its entry, in the answer's order. */
interface EntryJson {
  /** `{"i_connection":…,"destination_set_name":…,` */
  readonly head: string;
  /** `"connect_fee":…,"currency":…,` */
  readonly fees: string;
  /** `"capacity":…,` */
  readonly capacity: string;
}

const json = JSON.stringify;

/** An entry row that keeps its JSON: the snapshot's rows, built once per snapshot (snapshot.ts). */
export function withEntryJson(entry: EntryRow): EntryRow {
  Object.defineProperty(entry, ENTRY_JSON, { value: entryJson(entry) });
  return entry;
}

function entryJsonOf(entry: EntryRow): EntryJson {
  return (entry as { [ENTRY_JSON]?: EntryJson })[ENTRY_JSON] ?? entryJson(entry);
}

function entryJson(entry: EntryRow): EntryJson {
  return {
      head:
        `{"i_connection":${entry.i_connection},"connection_name":${json(entry.connection_name)},"destination":${json(entry.destination)},` +
        `"i_vendor":${entry.i_vendor},"vendor_name":${json(entry.vendor_name)},"i_destination_set":${entry.i_destination_set},` +
        `"destination_set_name":${json(entry.destination_set_name)},`,
      fees:
        `"connect_fee":${json(entry.connect_fee)},"free_seconds":${entry.free_seconds},"grace_period":${entry.grace_period},` +
        `"post_call_surcharge":${json(entry.post_call_surcharge)},"currency":${json(entry.currency)},`,
      capacity: `"capacity":${entry.capacity},`,
  };
}

/**
 * The translated numbers of the routes of one answer, as JSON: most routes
 * of an answer share them (no rule, or the same rule), so each distinct pair
 * is written once per answer, not once per route.
 */
export class NumbersJson {
  private cli = '';
  private cld = '';
  private text = '';

  of(cli: string, cld: string): string {
    if (this.text === '' || cli !== this.cli || cld !== this.cld) {
      this.cli = cli;
      this.cld = cld;
      this.text = `"cli":${json(cli)},"cld":${json(cld)}}`;
    }
    return this.text;
  }
}

/** Whether JSON needs no escape for `text`: digits only, the usual prefix (a loop, not a regex per route). */
function isDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * One route of the answer as JSON; `route` was made from `entry` (resolver.ts
 * toRoute). Amounts are written without escaping: they are DECIMAL text from
 * the database or a cost this program formatted, digits, a point and a sign.
 */
export function routeJson(entry: EntryRow, route: Route, numbers: NumbersJson): string {
  const e = entryJsonOf(entry);
  const prefix = isDigits(route.prefix) ? `"${route.prefix}"` : json(route.prefix);
  return (
    e.head + '"i_route":' + route.i_route + ',"prefix":' + prefix + ',"preference":' + route.preference + ',"huntstop":' + route.huntstop +
    ',"timeout":' + route.timeout + ',"timeout_1xx":' + route.timeout_1xx + ',"price_1":"' + route.price_1 + '","price_n":"' + route.price_n +
    '","interval_1":' + route.interval_1 + ',"interval_n":' + route.interval_n + ',' + e.fees + '"estimated_cost":"' + route.estimated_cost + '",' +
    e.capacity + numbers.of(route.cli, route.cld)
  );
}

/** Records the JSON of `result`, whose routes' texts are `routesJson` (in order). */
export function attachAnswerJson(result: RouteResult, routesJson: readonly string[]): RouteResult {
  const group = result.routing_group;
  let text =
    `{"i_environment":${result.i_environment},"routing_group":{"i_routing_group":${group.i_routing_group},"name":${json(group.name)},` +
    `"policy":${json(group.policy)}},"cli":${json(result.cli)},"cld":${json(result.cld)},"routes":[${routesJson.join(',')}]`;
  if (result.excluded !== undefined) text += `,"excluded":${json(result.excluded)}`;
  Object.defineProperty(result, ANSWER_JSON, { value: `${text}}` });
  return result;
}

/** The JSON text recorded for this answer, or undefined (then JSON.stringify it). */
export function answerJsonOf(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null ? (value as { [ANSWER_JSON]?: string })[ANSWER_JSON] : undefined;
}

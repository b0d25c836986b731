import { expect } from 'chai';
import { AnswerWriter, withEntryJson, withGroupJson } from '../../../src/routing/answer/answer-json.js';
import { formatMicrosAny } from '../../../src/routing/rules/cost.js';
import type { EntryRow, GroupRow, RouteRow } from '../../../src/routing/rules/model.js';
import { parseDestination } from '../../../src/routing/rules/destination.js';
import { seededRandom } from '../../../src/seeded-random.js';

// The answer's bytes are written piece by piece; they must be exactly
// JSON.stringify of the answer object, whatever the strings hold (quotes,
// controls, non-ASCII, lone surrogates) and whatever the numbers are
// (zero, 2^32 and past, negative, null, costs as numbers and as BigInt).
describe('answer bytes (pure)', () => {
  const random = seededRandom(20261130);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const STRINGS = ['', '4', '447911', 'conn "quoted"', 'back\\slash', 'tab\there', 'caf\u00e9', '\u65e5\u672c', 'emoji \u{1f600}', 'lone \ud800 x', '\u007f', 'ctl\u0001', 'line\u2028sep'];
  const INTS = [0, 1, 9, 10, 99, 4294967295, 4294967296, 2 ** 53 - 1, -1, -4294967296];
  const COSTS: (number | bigint)[] = [0, 1, 999999, 1000000, 123456789, -5, -1000001, 2 ** 53 - 1, 10n ** 17n + 3n, -(10n ** 18n)];

  function entry(): EntryRow {
    return {
      i_routing_group_entry: 1, entry_order: 1, weight: null, i_connection: pick(INTS), connection_name: pick(STRINGS), destination: pick(STRINGS),
      sipDestination: parseDestination('gw.example:5060'),
      cli_translation_rule: null, cld_translation_rule: null, capacity: pick(INTS), enabled: true, i_vendor: pick(INTS), vendor_name: pick(STRINGS),
      i_destination_set: pick(INTS), destination_set_name: pick(STRINGS), currency: pick(STRINGS), connect_fee: '0.010000', free_seconds: pick(INTS),
      grace_period: pick(INTS), post_call_surcharge: '1.500000',
    };
  }

  function route(): RouteRow {
    return {
      i_route: pick(INTS), i_destination_set: 1, prefix: pick(STRINGS), preference: pick(INTS), huntstop: random() < 0.5,
      timeout: random() < 0.3 ? null : pick(INTS), timeout_1xx: random() < 0.3 ? null : pick(INTS), price_1: pick(['0.000000', '12.345678', '-1.000000']),
      price_n: pick(['0.000001', '9999999999.999999']), interval_1: pick(INTS), interval_n: pick(INTS), forbidden: false, activation: 0, expiration: null,
    };
  }

  it('writes JSON.stringify of the answer for 2,000 random answers, each kept intact while the later ones are written', () => {
    const writer = new AnswerWriter();
    // Answers share slabs (json-bytes.ts): one written later must never overwrite one still held.
    const kept: [Buffer, string][] = [];
    for (let n = 0; n < 2000; n++) {
      const group: GroupRow = { i_routing_group: pick(INTS), name: pick(STRINGS), policy: pick(STRINGS), average_duration: 60, external: false, uri: null };
      const cli = pick(STRINGS);
      const cld = pick(STRINGS);
      const environment = pick(INTS);
      // Rows with their bytes kept (the snapshot's) and without (the SQL path's) write alike.
      const keep = random() < 0.5;
      writer.begin(environment, keep ? withGroupJson({ ...group }) : group, cli, cld);
      const routes: object[] = [];
      for (let r = Math.floor(random() * 6); r > 0; r--) {
        const e = entry();
        const row = route();
        const cost = pick(COSTS);
        // Translated numbers: the request's (repeated from the previous route) or others.
        const routeCli = random() < 0.7 ? cli : pick(STRINGS);
        const routeCld = random() < 0.7 ? cld : pick(STRINGS);
        writer.route(keep ? withEntryJson({ ...e }) : e, row, cost, routeCli, routeCld);
        routes.push({
          i_connection: e.i_connection, connection_name: e.connection_name, destination: e.destination, i_vendor: e.i_vendor, vendor_name: e.vendor_name,
          i_destination_set: e.i_destination_set, destination_set_name: e.destination_set_name, i_route: row.i_route, prefix: row.prefix,
          preference: row.preference, huntstop: row.huntstop, timeout: row.timeout, timeout_1xx: row.timeout_1xx, price_1: row.price_1,
          price_n: row.price_n, interval_1: row.interval_1, interval_n: row.interval_n, connect_fee: e.connect_fee, free_seconds: e.free_seconds,
          grace_period: e.grace_period, post_call_surcharge: e.post_call_surcharge, currency: e.currency, estimated_cost: formatMicrosAny(cost),
          capacity: e.capacity, cli: routeCli, cld: routeCld,
        });
      }
      const excluded = random() < 0.3 ? [{ i_connection: 1, connection_name: pick(STRINGS), reason: 'no_match' }] : undefined;
      const expected = { i_environment: environment, routing_group: { i_routing_group: group.i_routing_group, name: group.name, policy: group.policy }, cli, cld, routes, ...(excluded === undefined ? {} : { excluded }) };
      const bytes = writer.finish(excluded);
      expect(bytes.toString('utf8'), `answer ${n}`).to.equal(JSON.stringify(expected));
      kept.push([bytes, JSON.stringify(expected)]);
    }
    for (const [n, [bytes, expected]] of kept.entries()) expect(bytes.toString('utf8'), `answer ${n}, read again at the end`).to.equal(expected);
  });
});

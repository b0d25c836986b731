// Random snapshots for the tests of what a snapshot answers from memory
// (chosen-routes, rtjson-bytes): twelve destination sets of up to 80 routes
// over a small prefix alphabet, dated, forbidden and huntstop rows, five
// groups of eight entries with every policy form, a disabled connection, a
// bad rule, translation rules that prefix, strip, reorder and empty the
// numbers, and destinations of every form the rtjson document writes.

import { formatMicrosAny } from '../../src/routing/rules/cost.js';
import { MoneyTable, PrefixPool, TimeTable } from '../../src/routing/snapshot/interned.js';
import type { RouteRow } from '../../src/routing/rules/model.js';
import type { RouteSet } from '../../src/routing/snapshot/route-set.js';
import { RouteSetBuilder } from '../../src/routing/snapshot/route-set-builder.js';
import { RoutingSnapshot, type SmallTables } from '../../src/routing/snapshot/snapshot.js';
import { seededRandom } from '../../src/seeded-random.js';
import { answerRows } from '../../src/routing/answer/answer-json.js';

export const T = [Date.UTC(2019, 0, 1), Date.UTC(2026, 0, 1), Date.UTC(2031, 0, 1)];

export function word(random: () => number, alphabet: readonly string[], max: number): string {
  let text = '';
  for (let n = Math.floor(random() * (max + 1)); n > 0; n--) text += alphabet[Math.floor(random() * alphabet.length)]!;
  return text;
}

export function randomSets(seed: number, alphabet: readonly string[]): { prefixes: PrefixPool; sets: Map<number, RouteSet> } {
  const random = seededRandom(seed);
  const prefixes = new PrefixPool();
  const builder = new RouteSetBuilder(new MoneyTable(), prefixes, new TimeTable());
  const sets = new Map<number, RouteSet>();
  for (let s = 1; s <= 12; s++) {
    builder.begin(s);
    for (let r = Math.floor(random() * 80); r > 0; r--) {
      const row: Omit<RouteRow, 'i_destination_set'> = {
        i_route: s * 1000 + r, prefix: word(random, alphabet, 4), preference: Math.floor(random() * 3), huntstop: random() < 0.1,
        timeout: random() < 0.5 ? null : Math.floor(random() * 120), timeout_1xx: random() < 0.7 ? null : Math.floor(random() * 10), price_1: formatMicrosAny(Math.floor(random() * 50_000)), price_n: formatMicrosAny(Math.floor(random() * 50_000)),
        interval_1: 1 + Math.floor(random() * 60), interval_n: 1 + Math.floor(random() * 60), forbidden: random() < 0.1,
        activation: random() < 0.5 ? 0 : T[Math.floor(random() * 3)]!, expiration: random() < 0.6 ? null : T[Math.floor(random() * 3)]!,
      };
      builder.add(row);
    }
    const set = builder.build();
    if (set !== undefined) sets.set(s, set);
  }
  return { prefixes, sets };
}

/** One per connection: every form a destination takes (destination.ts), none that fails to parse. */
const DESTINATIONS = [
  'd1', 'gw.example.net:5080', 'sip:gw3.example.net:5080;transport=tcp', '[2001:db8::1]:5060', 'sips:secure.example', '198.51.100.7',
  'sip:198.51.100.8;lr', 'sip:[2001:db8::2]:5070;transport=udp;x=y', 'd9.example.', 'SIP:Upper.Example:5061',
];

export function randomSnapshot(seed: number, alphabet: readonly string[], withBytes = false): RoutingSnapshot {
  const random = seededRandom(seed + 1);
  const { prefixes, sets } = randomSets(seed, alphabet);
  const policies = ['lcr', 'prefix,lcr', 'preference,lcr,order', 'order', 'prefix,preference'];
  const connections = Array.from({ length: 10 }, (_, i) => ({
    i_connection: i + 1, i_vendor: 1, name: `c${i + 1}`, destination: DESTINATIONS[i]!,
    cli_translation_rule: i === 3 ? 's/^/+/' : i === 8 ? 's/^1/00/' : i === 1 ? 's/.*//' : null,
    cld_translation_rule: i === 7 ? 's/(/' : i === 2 ? 's/^2/92/' : i === 9 ? 's/^(.)(.*)$/\\2\\1/' : i === 4 ? 's/.*//' : null,
    capacity: 10, enabled: i !== 5,
  }));
  const tables: SmallTables = {
    environments: 1,
    vendors: new Map([[1, { name: 'v' }]]),
    connections: new Map(connections.map((c) => [c.i_connection, c])),
    destinationSets: new Map(Array.from({ length: 12 }, (_, i) => [i + 1, {
      i_destination_set: i + 1, name: `s${i + 1}`, currency: 'USD', connect_fee: formatMicrosAny(i * 1000), free_seconds: i % 3, grace_period: 0, post_call_surcharge: '0.000000',
    }])),
    groups: policies.map((policy, g) => ({ i_environment: 1, i_routing_group: g + 1, name: `g${g + 1}`, policy, average_duration: 30 + g * 30, external: false, uri: null })),
    entries: policies.flatMap((_, g) => Array.from({ length: 8 }, (_, e) => ({
      i_routing_group_entry: g * 100 + e + 1, i_routing_group: g + 1, i_connection: 1 + Math.floor(random() * 10),
      i_destination_set: 1 + Math.floor(random() * 12), entry_order: Math.floor(random() * 4), weight: null,
    }))),
  };
  return new RoutingSnapshot(1, tables, sets, prefixes, withBytes ? answerRows : undefined);
}


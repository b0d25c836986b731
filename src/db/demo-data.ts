// The demo data set, as plain data: two environments modelled on the
// overview's call flow (environment 1 owns the routes, environment 2 asks it
// through an external group). Generated from a fixed seed so that every load
// produces the same rows. Prices are integers of micro-units, formatted as
// decimal strings: no binary floating point touches money.

import { seededRandom } from '../seeded-random.js';

export interface DemoRoute {
  readonly prefix: string;
  readonly price_1: string;
  readonly price_n: string;
  readonly interval_1: number;
  readonly interval_n: number;
  readonly preference: number;
  readonly timeout: number | null;
  readonly forbidden: boolean;
  readonly huntstop: boolean;
  readonly activation_date: string;
  readonly expiration_date: string | null;
  /** The destination's name, as a carrier's rate deck gives it. */
  readonly description: string | null;
}

export interface DemoDestinationSet {
  readonly name: string;
  readonly connect_fee: string;
  readonly free_seconds: number;
  readonly routes: readonly DemoRoute[];
}

export interface DemoConnection {
  readonly vendor: string;
  readonly name: string;
  readonly destination: string;
  readonly cli_translation_rule: string | null;
  readonly cld_translation_rule: string | null;
  readonly capacity: number;
  readonly enabled: boolean;
}

export interface DemoGroup {
  readonly name: string;
  readonly policy: string;
  readonly average_duration: number;
  readonly external: boolean;
  readonly uri: string | null;
  readonly entries: readonly { connection: string; destination_set: string; entry_order: number; weight: number | null }[];
}

export interface DemoEnvironment {
  readonly i_environment: number;
  readonly name: string;
  readonly connections: readonly DemoConnection[];
  readonly destinationSets: readonly DemoDestinationSet[];
  readonly groups: readonly DemoGroup[];
}

// Country codes with real area/mobile prefixes; `europe` marks the EU set.
const NUMBERING: readonly { cc: string; name: string; areas: readonly string[]; europe?: true }[] = [
  { cc: '1', name: 'United States', areas: ['201', '202', '206', '212', '213', '214', '305', '310', '312', '404', '415', '416', '469', '503', '512', '514', '602', '604', '617', '646', '702', '713', '718', '786', '808', '917', '954'] },
  { cc: '44', name: 'United Kingdom', areas: ['113', '114', '117', '118', '121', '131', '141', '161', '1223', '1865', '20', '207', '208', '74', '75', '77', '78', '79'], europe: true },
  { cc: '49', name: 'Germany', areas: ['15', '16', '17', '211', '221', '30', '40', '69', '711', '89'], europe: true },
  { cc: '33', name: 'France', areas: ['1', '2', '3', '4', '5', '6', '7', '9'], europe: true },
  { cc: '34', name: 'Spain', areas: ['6', '7', '91', '93', '95', '96'], europe: true },
  { cc: '39', name: 'Italy', areas: ['02', '06', '3', '011', '055'], europe: true },
  { cc: '31', name: 'Netherlands', areas: ['10', '20', '6', '70'], europe: true },
  { cc: '32', name: 'Belgium', areas: ['2', '3', '4'], europe: true },
  { cc: '41', name: 'Switzerland', areas: ['22', '44', '76', '79'], europe: true },
  { cc: '43', name: 'Austria', areas: ['1', '66', '67'], europe: true },
  { cc: '46', name: 'Sweden', areas: ['8', '31', '7'], europe: true },
  { cc: '48', name: 'Poland', areas: ['22', '5', '6'], europe: true },
  { cc: '351', name: 'Portugal', areas: ['21', '91', '93'], europe: true },
  { cc: '353', name: 'Ireland', areas: ['1', '8'], europe: true },
  { cc: '420', name: 'Czech Republic', areas: ['2', '6', '7'], europe: true },
  { cc: '61', name: 'Australia', areas: ['2', '3', '4', '7', '8'] },
  { cc: '81', name: 'Japan', areas: ['3', '6', '70', '80', '90'] },
  { cc: '86', name: 'China', areas: ['10', '13', '15', '18', '20', '21'] },
  { cc: '91', name: 'India', areas: ['11', '22', '33', '7', '8', '80', '9'] },
  { cc: '7', name: 'Russia', areas: ['495', '812', '9'] },
  { cc: '55', name: 'Brazil', areas: ['11', '21', '61'] },
  { cc: '52', name: 'Mexico', areas: ['1', '33', '55', '81'] },
  { cc: '27', name: 'South Africa', areas: ['11', '21', '8'] },
  { cc: '234', name: 'Nigeria', areas: ['1', '80', '70'] },
  { cc: '971', name: 'United Arab Emirates', areas: ['4', '5'] },
  { cc: '972', name: 'Israel', areas: ['3', '5'] },
  { cc: '65', name: 'Singapore', areas: ['6', '8', '9'] },
  { cc: '852', name: 'Hong Kong', areas: ['5', '6', '9'] },
];

/** Micro-units (integer) to a six-decimal string. */
export function microsToDecimal(micros: number): string {
  const whole = Math.floor(micros / 1_000_000);
  return `${whole}.${String(micros % 1_000_000).padStart(6, '0')}`;
}

const EPOCH = '1970-01-01 00:00:00';

/** The country a numbering prefix is in: the one with the longest country code that starts it. */
function countryOf(prefix: string): string | null {
  let best: (typeof NUMBERING)[number] | undefined;
  for (const country of NUMBERING) if (prefix.startsWith(country.cc) && country.cc.length > (best?.cc.length ?? 0)) best = country;
  return best?.name ?? null;
}

function route(prefix: string, priceMicros: number, extra: Partial<DemoRoute> = {}): DemoRoute {
  const price = microsToDecimal(priceMicros);
  return {
    prefix, price_1: price, price_n: price, interval_1: 1, interval_n: 1, preference: 5, timeout: 30,
    forbidden: false, huntstop: false, activation_date: EPOCH, expiration_date: null, description: countryOf(prefix), ...extra,
  };
}

/** Every numbering prefix: the country code, its areas, and ten sub-ranges of each area. */
function allPrefixes(filter: (cc: (typeof NUMBERING)[number]) => boolean): string[] {
  const out: string[] = [];
  for (const country of NUMBERING.filter(filter)) {
    out.push(country.cc);
    for (const area of country.areas) {
      out.push(country.cc + area);
      for (let d = 0; d <= 9; d += 3) out.push(country.cc + area + String(d));
    }
  }
  return [...new Set(out)];
}

function ratedSet(name: string, seed: number, prefixes: readonly string[], minMicros: number, spreadMicros: number, extras: DemoRoute[], options: Partial<DemoDestinationSet> = {}): DemoDestinationSet {
  const random = seededRandom(seed);
  const routes = prefixes.map((p) => route(p, minMicros + Math.floor(random() * spreadMicros)));
  return { name, connect_fee: '0.000000', free_seconds: 0, routes: [...routes, ...extras], ...options };
}

export function demoEnvironments(rundir: string): DemoEnvironment[] {
  const world = allPrefixes(() => true);
  const europe = allPrefixes((c) => c.europe === true);
  const everySecond = world.filter((_, i) => i % 2 === 0);
  return [
    {
      i_environment: 1,
      name: 'Switch B (routes)',
      connections: [
        { vendor: 'Carrier A', name: 'carrier-a-lon', destination: '198.51.100.7:5060', cli_translation_rule: null, cld_translation_rule: null, capacity: -1, enabled: true },
        { vendor: 'Carrier A', name: 'carrier-a-nyc', destination: '198.51.100.8:5060', cli_translation_rule: null, cld_translation_rule: null, capacity: 200, enabled: true },
        { vendor: 'Carrier B', name: 'carrier-b', destination: '203.0.113.20:5060', cli_translation_rule: null, cld_translation_rule: 's/^/00/', capacity: 120, enabled: true },
        { vendor: 'Carrier C', name: 'carrier-c-eu', destination: '192.0.2.50:5060', cli_translation_rule: 's/^(\\d)/+\\1/', cld_translation_rule: 's/^44/0044/;s/^49/0049/', capacity: -1, enabled: true },
        { vendor: 'Budget Telecom', name: 'budget-1', destination: '192.0.2.77:5060', cli_translation_rule: null, cld_translation_rule: null, capacity: 30, enabled: false },
      ],
      destinationSets: [
        ratedSet('A-World', 101, world, 4_000, 60_000, [
          // UK premium rate: a longer forbidden prefix blocks 44's allowed rate.
          route('4490', 1_500_000, { forbidden: true, description: 'United Kingdom - Premium' }),
          // A new London rate takes over in 2031; the current one stays until then.
          route('44207', 9_000, { activation_date: '2031-01-01 00:00:00', description: 'United Kingdom - London' }),
        ]),
        ratedSet('B-World', 202, everySecond, 3_500, 65_000, [
          route('1900', 2_000_000, { forbidden: true, description: 'United States - Premium' }),
          // A French rate that ran 2010-2020 over the standing one: newest
          // activation wins while it is active, the standing rate after.
          route('33', 90_000, { activation_date: '2010-01-01 00:00:00', expiration_date: '2021-01-01 00:00:00' }),
          // Only an expired rate for Uzbekistan: matches, but not active.
          route('998', 120_000, { expiration_date: '2020-06-01 00:00:00', description: 'Uzbekistan' }),
        ]),
        ratedSet('C-Europe', 303, europe, 2_500, 30_000, [], { connect_fee: '0.010000', free_seconds: 5 }),
        ratedSet('Budget-World', 404, [], 0, 0, [
          // The catch-all: any number at a flat, high rate, 60/60 billing.
          route('', 250_000, { interval_1: 60, interval_n: 60, preference: 1, description: 'Any destination' }),
        ]),
      ],
      groups: [
        {
          name: 'Group 1', policy: 'lcr', average_duration: 200, external: false, uri: null,
          entries: [
            { connection: 'carrier-a-lon', destination_set: 'A-World', entry_order: 1, weight: null },
            { connection: 'carrier-b', destination_set: 'B-World', entry_order: 2, weight: null },
            { connection: 'carrier-c-eu', destination_set: 'C-Europe', entry_order: 3, weight: null },
            { connection: 'budget-1', destination_set: 'Budget-World', entry_order: 4, weight: null },
            { connection: 'carrier-a-nyc', destination_set: 'Budget-World', entry_order: 5, weight: null },
          ],
        },
        {
          name: 'Weighted', policy: 'weight,lcr', average_duration: 180, external: false, uri: null,
          entries: [
            { connection: 'carrier-a-lon', destination_set: 'A-World', entry_order: 1, weight: 1 },
            { connection: 'carrier-b', destination_set: 'B-World', entry_order: 2, weight: 3 },
            { connection: 'carrier-c-eu', destination_set: 'C-Europe', entry_order: 3, weight: null },
          ],
        },
        {
          name: 'Failover', policy: 'order', average_duration: 200, external: false, uri: null,
          entries: [
            { connection: 'carrier-c-eu', destination_set: 'C-Europe', entry_order: 1, weight: null },
            { connection: 'carrier-a-lon', destination_set: 'A-World', entry_order: 2, weight: null },
            { connection: 'carrier-a-nyc', destination_set: 'Budget-World', entry_order: 3, weight: null },
          ],
        },
      ],
    },
    {
      i_environment: 2,
      name: 'Switch A (client)',
      connections: [
        { vendor: 'Local Carrier', name: 'local-pstn', destination: '192.0.2.200:5060', cli_translation_rule: null, cld_translation_rule: 's/^1//', capacity: 60, enabled: true },
      ],
      destinationSets: [ratedSet('Local-NANP', 505, allPrefixes((c) => c.cc === '1'), 2_000, 8_000, [])],
      groups: [
        // The seed's call flow: Group 1 here asks environment 1's daemon.
        { name: 'Group 1', policy: 'lcr', average_duration: 200, external: true, uri: `unix:${rundir}/sippy_routed.1.sock`, entries: [] },
        {
          name: 'Local', policy: 'lcr', average_duration: 200, external: false, uri: null,
          entries: [{ connection: 'local-pstn', destination_set: 'Local-NANP', entry_order: 1, weight: null }],
        },
      ],
    },
  ];
}

/** Routes of the whole demo data set, written "1,704": the one count the help, README and docs give. */
export function demoRouteCount(): string {
  let routes = 0;
  for (const environment of demoEnvironments('/var/run')) for (const set of environment.destinationSets) routes += set.routes.length;
  return routes.toLocaleString('en-US');
}

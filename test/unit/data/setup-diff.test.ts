import { expect } from 'chai';
import { parseSetup } from '../../../src/data/setup/parse.js';
import { resolveSetup } from '../../../src/data/setup/resolve.js';
import { diffSetup, type SetupStep } from '../../../src/data/setup/diff.js';
import { exportSetup } from '../../../src/data/setup/export.js';
import type { SetupSpec, SetupState } from '../../../src/data/setup/model.js';
import { EXTERNAL_VENDOR_NAME } from '../../../src/routing/index.js';

// The pure middle of apply: names resolved against the environment as the
// apply leaves it, the diff against the database's state, and export, whose
// file applies as a no-op.

/** Environment 1: vendors A (connections gw, a-only) and B (gw), sets S1 (with routes) and S2, group G with two entries. */
function state(overrides: Partial<SetupState> = {}): SetupState {
  const connection = (i_connection: number, i_vendor: number, vendor_name: string, name: string) => ({
    i_connection, i_vendor, vendor_name, name, destination: `${name}.example:5060`, cli_translation_rule: null, cld_translation_rule: null, capacity: -1, enabled: true,
  });
  const set = (i_destination_set: number, name: string, has_routes: boolean) => ({
    i_destination_set, name, currency: 'USD', connect_fee: '0.000000', free_seconds: 0, grace_period: 0, post_call_surcharge: '0.000000', has_routes,
  });
  return {
    i_environment: 1,
    environment_name: 'Switch B',
    vendors: [{ i_vendor: 1, name: 'A' }, { i_vendor: 2, name: 'B' }],
    connections: [connection(10, 1, 'A', 'gw'), connection(11, 1, 'A', 'a-only'), connection(12, 2, 'B', 'gw')],
    destination_sets: [set(20, 'S1', true), set(21, 'S2', false)],
    routing_groups: [{ i_routing_group: 30, name: 'G', policy: 'lcr', average_duration: 200, external: false, uri: null }],
    entries: [
      { i_routing_group_entry: 40, i_routing_group: 30, i_connection: 10, i_destination_set: 20, order: 1, weight: null },
      { i_routing_group_entry: 41, i_routing_group: 30, i_connection: 12, i_destination_set: 21, order: 2, weight: null },
    ],
    foreign_uses: [],
    ...overrides,
  };
}

/** The file export writes for state(), as text: the base every case edits. */
const EXPORTED = exportSetup(state()).text;

function setupOf(text: string): SetupSpec {
  const parsed = parseSetup(text);
  if (!parsed.ok) expect.fail(JSON.stringify(parsed.problems));
  return parsed.setup;
}

function diff(text: string, db: SetupState = state(), prune = false): SetupStep[] {
  const setup = setupOf(text);
  const resolution = resolveSetup(setup, db, { prune });
  if (!resolution.ok) expect.fail(JSON.stringify(resolution.problems));
  return diffSetup(setup, db, resolution.entries, { prune });
}

/** Steps in a compact form: `+ connection A/x`, `~ routing_group G policy "lcr"→"order"`. */
function brief(steps: readonly SetupStep[]): string[] {
  return steps.map((s) => {
    const o = s.object;
    const name = o.kind === 'entry' ? `${o.routing_group}:${o.vendor}/${o.name}>${o.destination_set}` : o.kind === 'connection' ? `${o.vendor}/${o.name}` : o.name;
    const head = { add: '+', change: '~', remove: '-', keep: '=', refuse: '!' }[s.action];
    const tail = s.action === 'change' ? ` ${s.changes.map((c) => `${c.field} ${JSON.stringify(c.from)}→${JSON.stringify(c.to)}`).join(' ')}` : s.action === 'refuse' ? ` (${s.reason})` : '';
    return `${head} ${o.kind} ${name}${tail}`;
  });
}

describe('setup: export writes what apply takes back unchanged', () => {
  it('export then apply is a no-op', () => {
    expect(brief(diff(EXPORTED))).to.deep.equal([]);
    expect(brief(diff(EXPORTED, state(), true))).to.deep.equal([]);
  });

  it('names an entry\'s vendor only where its connection name is ambiguous', () => {
    expect(EXPORTED).to.contain('- { connection: gw, vendor: A, destination_set: S1, order: 1 }');
    expect(EXPORTED).to.contain('- { connection: gw, vendor: B, destination_set: S2, order: 2 }');
    const single = state({ connections: state().connections.filter((c) => c.i_connection !== 12), entries: state().entries.slice(0, 1) });
    expect(exportSetup(single).text).to.contain('- { connection: gw, destination_set: S1, order: 1 }');
  });

  it('keeps names and rules that YAML would read otherwise, exactly', () => {
    const awkward = ['123', 'true', 'null', 'a: b', '#x', "it's", '"q"', '- dash', 'ünïcødé €', '[x]', ' '.trim() + 'x y'];
    const db = state({
      vendors: awkward.map((name, i) => ({ i_vendor: 100 + i, name })),
      connections: awkward.map((name, i) => ({
        i_connection: 200 + i, i_vendor: 100 + i, vendor_name: name, name, destination: `sip:gw-${i}.example.net:5080;transport=tcp`,
        cli_translation_rule: i % 2 === 0 ? 's/^(\\d)/+\\1/' : '', cld_translation_rule: 's|^00|+|g; s/^0/44/', capacity: i, enabled: i % 3 !== 0,
      })),
      destination_sets: awkward.map((name, i) => ({ i_destination_set: 300 + i, name, currency: 'EUR', connect_fee: '-1.500000', free_seconds: i, grace_period: 7, post_call_surcharge: '9999999999.999999', has_routes: false })),
      routing_groups: awkward.map((name, i) => ({ i_routing_group: 400 + i, name, policy: 'weight, lcr', average_duration: 0, external: i === 1, uri: i === 1 ? 'http://127.0.0.1:8088/' : null })),
      entries: awkward.map((_, i) => ({ i_routing_group_entry: 500 + i, i_routing_group: 400 + i, i_connection: 200 + i, i_destination_set: 300 + i, order: -i, weight: i })),
    });
    const setup = setupOf(exportSetup(db).text);
    expect(setup.vendors.map((v) => v.name)).to.deep.equal(awkward);
    expect(setup.vendors[0]!.connections[0]).to.include({ cli_translation_rule: 's/^(\\d)/+\\1/', cld_translation_rule: 's|^00|+|g; s/^0/44/', enabled: false });
    expect(setup.vendors[1]!.connections[0]).to.include({ cli_translation_rule: '' });
    expect(brief(diff(exportSetup(db).text, db))).to.deep.equal([]);
  });

  it('leaves out an entry it cannot name, and says so', () => {
    const db = state({ entries: [...state().entries, { i_routing_group_entry: 42, i_routing_group: 30, i_connection: 999, i_destination_set: 20, order: 3, weight: null }] });
    const exported = exportSetup(db);
    expect(exported.warnings).to.deep.equal(['routing group "G": entry 42 uses a connection or destination set of another environment; it is left out']);
    expect(brief(diff(exported.text, db))).to.deep.equal(['- entry G:undefined/connection #999>S1']);
  });
});

describe('setup: the diff, object by object', () => {
  const edit = (from: string, to: string): string => {
    expect(EXPORTED).to.contain(from);
    return EXPORTED.replace(from, to);
  };
  const cases: [string, string, string[]][] = [
    ['a field of a connection', edit('name: a-only\n        destination: a-only.example:5060\n        capacity: -1', 'name: a-only\n        destination: a-only.example:5060\n        capacity: 60'), ['~ connection A/a-only capacity -1→60']],
    ['a field left out means its default', edit('        capacity: -1\n        enabled: true\n  - name: B', '  - name: B'), []],
    ['two fields of a set, money compared exactly', edit('name: S2\n    currency: USD\n    connect_fee: "0.000000"', 'name: S2\n    currency: EUR\n    connect_fee: 0.0'), ['~ destination_set S2 currency "USD"→"EUR"']],
    ['a group\'s policy', edit('policy: lcr', 'policy: order'), ['~ routing_group G policy "lcr"→"order"']],
    ['an entry reordered is a change', edit('order: 2 }', 'order: 7 }'), ['~ entry G:B/gw>S2 order 2→7']],
    ['an entry left out of its group goes, with or without --prune', edit('      - { connection: gw, vendor: B, destination_set: S2, order: 2 }\n', ''), ['- entry G:B/gw>S2']],
    [
      'a vendor, connection, set, group and entry added',
      `${EXPORTED}  - name: H\n    entries:\n      - { connection: new, destination_set: S3, weight: 2 }\n`
        .replace('destination_sets:\n', 'destination_sets:\n  - { name: S3, connect_fee: 0.01 }\n')
        .replace('vendors:\n', 'vendors:\n  - { name: C, connections: [{ name: new, destination: "192.0.2.1:5060" }] }\n'),
      ['+ vendor C', '+ connection C/new', '+ destination_set S3', '+ routing_group H', '+ entry H:C/new>S3'],
    ],
    ['a name of the environment changed', edit('environment_name: Switch B', 'environment_name: Switch C'), ['~ environment 1 name "Switch B"→"Switch C"']],
  ];
  for (const [what, text, expected] of cases) {
    it(what, () => expect(brief(diff(text))).to.deep.equal(expected));
  }

  it('matches duplicate entries pairwise, the same order and weight first', () => {
    const db = state({
      entries: [
        { i_routing_group_entry: 40, i_routing_group: 30, i_connection: 10, i_destination_set: 20, order: 1, weight: null },
        { i_routing_group_entry: 41, i_routing_group: 30, i_connection: 10, i_destination_set: 20, order: 2, weight: null },
      ],
    });
    const text = `environment: 1\nrouting_groups:\n  - name: G\n    entries:\n      - { connection: gw, vendor: A, destination_set: S1, order: 2 }\n      - { connection: gw, vendor: A, destination_set: S1, order: 5 }\n`;
    const steps = diff(text, db).filter((s) => s.action !== 'keep');
    expect(brief(steps)).to.deep.equal(['~ entry G:A/gw>S1 order 1→5']);
    expect(steps[0]).to.include({ id: 40 });
  });

  it('without --prune, what only the database has is listed and left alone', () => {
    const text = 'environment: 1\nvendors:\n  - { name: A, connections: [{ name: gw, destination: gw.example:5060 }] }\n';
    expect(brief(diff(text))).to.deep.equal(['= routing_group G', '= connection A/a-only', '= connection B/gw', '= destination_set S1', '= destination_set S2', '= vendor B']);
  });

  it('with --prune it is removed, children with their parents, the group\'s entries with it', () => {
    const db = state({ destination_sets: state().destination_sets.map((s) => ({ ...s, has_routes: false })) });
    const steps = diff('environment: 1\n', db, true);
    expect(brief(steps)).to.deep.equal(['- routing_group G', '- connection A/gw', '- connection A/a-only', '- connection B/gw', '- destination_set S1', '- destination_set S2', '- vendor A', '- vendor B']);
    expect(steps[0]).to.include({ note: 'with its 2 entries' });
  });

  it('--prune refuses to drop a destination set that still has routes, and one another environment uses', () => {
    const db = state({ foreign_uses: [{ i_connection: 11, i_destination_set: 21, i_environment: 2, routing_group: 'Other' }] });
    const refusals = brief(diff('environment: 1\n', db, true)).filter((line) => line.startsWith('!'));
    expect(refusals).to.deep.equal([
      '! connection A/a-only (it is used by entries of routing group "Other" of environment 2, which this file does not cover)',
      '! destination_set S1 (it still has routes (rates), which this file does not carry: delete them first, or keep the set in the file)',
      '! destination_set S2 (it is used by entries of routing group "Other" of environment 2, which this file does not cover)',
    ]);
  });

  it('--prune never removes the vendor external groups create, nor its connections', () => {
    const db = state({
      vendors: [{ i_vendor: 9, name: EXTERNAL_VENDOR_NAME }],
      connections: [{ i_connection: 90, i_vendor: 9, vendor_name: EXTERNAL_VENDOR_NAME, name: 'up-1', destination: 'x', cli_translation_rule: null, cld_translation_rule: null, capacity: -1, enabled: true }],
      destination_sets: [], routing_groups: [], entries: [],
    });
    for (const prune of [true, false]) {
      const steps = diff('environment: 1\n', db, prune);
      expect(brief(steps)).to.deep.equal([`= connection ${EXTERNAL_VENDOR_NAME}/up-1`, `= vendor ${EXTERNAL_VENDOR_NAME}`]);
      expect(steps.every((s) => s.action === 'keep' && s.why === "the daemon's own (external groups create it; never pruned)"), `prune ${prune}`).to.equal(true);
    }
    // So an entry may still use one of its connections under --prune.
    const withSet = 'environment: 1\ndestination_sets:\n  - { name: S }\nrouting_groups:\n  - { name: G, entries: [{ connection: up-1, destination_set: S }] }\n';
    expect(brief(diff(withSet, db, true)).filter((line) => line.startsWith('+'))).to.deep.equal(['+ destination_set S', '+ routing_group G', `+ entry G:${EXTERNAL_VENDOR_NAME}/up-1>S`]);
  });

  it('adds the environment when the database has none and the file names it', () => {
    const empty = state({ environment_name: undefined, vendors: [], connections: [], destination_sets: [], routing_groups: [], entries: [] });
    expect(brief(diff('environment: 1\nenvironment_name: New\n', empty))).to.deep.equal(['+ environment 1']);
  });
});

describe('setup: names resolve against the environment the apply leaves', () => {
  function resolutionProblems(text: string, prune = false, db = state()): string[] {
    const result = resolveSetup(setupOf(text), db, { prune });
    return result.ok ? [] : result.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
  }
  const group = (entry: string): string => `environment: 1\nrouting_groups:\n  - name: G\n    entries:\n      - ${entry}\n`;
  const cases: [string, string, boolean, string[]][] = [
    ['a connection only the database has', group('{ connection: a-only, destination_set: S1 }'), false, []],
    ['with --prune, only what the file defines', group('{ connection: a-only, destination_set: S1 }'), true, [
      '5:23 routing_groups[0].entries[0].connection: no connection named "a-only" in environment 1 (with --prune only what the file defines can be used)',
      '5:48 routing_groups[0].entries[0].destination_set: no destination set named "S1" in environment 1 (with --prune only what the file defines can be used)',
    ]],
    ['a name that does not resolve', group('{ connection: nope, destination_set: S9 }'), false, [
      '5:23 routing_groups[0].entries[0].connection: no connection named "nope" in environment 1',
      '5:46 routing_groups[0].entries[0].destination_set: no destination set named "S9" in environment 1',
    ]],
    ['an ambiguous connection name', group('{ connection: gw, destination_set: S1 }'), false, [
      '5:23 routing_groups[0].entries[0].connection: connection name "gw" is ambiguous: vendors "A", "B" each have one; add vendor: to the entry',
    ]],
    ['vendor: settles it', group('{ connection: gw, vendor: B, destination_set: S1 }'), false, []],
    ['a vendor that does not exist', group('{ connection: gw, vendor: Z, destination_set: S1 }'), false, ['5:35 routing_groups[0].entries[0].vendor: no vendor named "Z" in environment 1']],
    ['a vendor without that connection', group('{ connection: a-only, vendor: B, destination_set: S1 }'), false, ['5:23 routing_groups[0].entries[0].connection: no connection named "a-only" of vendor "B" in environment 1']],
  ];
  for (const [what, text, prune, expected] of cases) {
    it(`${what}${prune ? ' (--prune)' : ''}`, () => expect(resolutionProblems(text, prune)).to.deep.equal(expected));
  }

  it('a connection the file adds under a second vendor makes a database name ambiguous', () => {
    const text = 'environment: 1\nvendors:\n  - { name: C, connections: [{ name: a-only, destination: x }] }\nrouting_groups:\n  - { name: G, entries: [{ connection: a-only, destination_set: S1 }] }\n';
    expect(resolutionProblems(text)).to.deep.equal(['5:40 routing_groups[0].entries[0].connection: connection name "a-only" is ambiguous: vendors "A", "C" each have one; add vendor: to the entry']);
  });

  it('an environment the database lacks needs its name in the file', () => {
    const none = state({ environment_name: undefined });
    expect(resolutionProblems('environment: 1\n', false, none)).to.deep.equal(['1:14 environment: environment 1 is not in the database; add environment_name: to create it']);
  });
});

import { expect } from 'chai';
import { parseSetup } from '../../../src/data/setup/parse.js';
import { SETUP_DEFAULTS, type SetupSpec } from '../../../src/data/setup/model.js';
import { decodeUtf8 } from '../../../src/data/setup/read-file.js';
import { isSippyError } from '../../../src/errors.js';
import { columnDefault } from '../../harness/migration-columns.js';

// The setup file's first stages (docs/setup.md): YAML, the JSON Schema, the
// values as the daemon reads them, names defined twice. Every problem comes
// with the line and column of what it is about.

function parsed(text: string): SetupSpec {
  const result = parseSetup(text);
  if (!result.ok) expect.fail(`problems: ${JSON.stringify(result.problems)}`);
  return result.setup;
}

/** Each problem as `LINE:COLUMN path: message`. */
function problems(text: string): string[] {
  const result = parseSetup(text);
  if (result.ok) expect.fail('no problems found');
  return result.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
}

const SPEC_EXAMPLE = `environment: 1
vendors:
  - name: Carrier A
    connections:
      - name: carrier-a-lon
        destination: 198.51.100.7:5060
        cld_translation_rule: s/^00//
        capacity: 60
destination_sets:
  - name: A-UK
    currency: USD
    connect_fee: "0.000000"
routing_groups:
  - name: Group 1
    policy: lcr,preference
    average_duration: 180
    entries:
      - { connection: carrier-a-lon, destination_set: A-UK, order: 1 }
  - name: Wholesale
    external: true
    uri: unix:/var/run/sippy_routed.1.sock
`;

describe('setup file: parse and validate (pure)', () => {
  it('reads the example of rates.md, with the columns\' defaults for what it leaves out', () => {
    const setup = parsed(SPEC_EXAMPLE);
    expect(setup.environment).to.equal(1);
    expect(setup.environment_name).to.equal(null);
    const [connection] = setup.vendors[0]!.connections;
    expect(connection).to.include({ name: 'carrier-a-lon', destination: '198.51.100.7:5060', cld_translation_rule: 's/^00//', cli_translation_rule: null, capacity: 60, enabled: true });
    expect(connection!.at).to.deep.equal({ line: 5, column: 15 });
    expect(setup.destination_sets[0]).to.include({ name: 'A-UK', currency: 'USD', connect_fee: '0.000000', free_seconds: 0, post_call_surcharge: '0.000000' });
    const [group1, wholesale] = setup.routing_groups;
    expect(group1).to.include({ policy: 'lcr,preference', average_duration: 180, external: false, uri: null });
    expect(group1!.entries[0]).to.include({ connection: 'carrier-a-lon', vendor: null, destination_set: 'A-UK', order: 1, weight: null, path: 'routing_groups[0].entries[0]' });
    expect(group1!.entries[0]!.connectionAt).to.deep.equal({ line: 18, column: 23 });
    expect(wholesale).to.include({ external: true, uri: 'unix:/var/run/sippy_routed.1.sock', policy: 'lcr', average_duration: 200 });
  });

  const money: [string, string][] = [
    ['0.0100', '0.010000'],
    ['"0.0100"', '0.010000'],
    ['1', '1.000000'],
    ['"-0.5"', '-0.500000'],
    ['"9999999999.999999"', '9999999999.999999'],
    ['0.1000000', '0.100000'],
  ];
  for (const [written, stored] of money) {
    it(`money ${written} is stored as ${stored}, never through a float`, () => {
      const setup = parsed(`environment: 1\ndestination_sets:\n  - name: S\n    connect_fee: ${written}\n    post_call_surcharge: ${written}\n`);
      expect(setup.destination_sets[0]).to.include({ connect_fee: stored, post_call_surcharge: stored });
    });
  }

  it('takes empty lists written as a key with nothing under it, and an environment name', () => {
    const setup = parsed('environment: 4294967295\nenvironment_name: Switch B\nvendors:\ndestination_sets:\nrouting_groups:\n');
    expect(setup).to.include({ environment: 4294967295, environment_name: 'Switch B' });
    expect([setup.vendors, setup.destination_sets, setup.routing_groups]).to.deep.equal([[], [], []]);
  });

  it('lets two vendors have a connection of the same name, and takes a policy the daemon takes', () => {
    const setup = parsed(`environment: 1
vendors:
  - { name: A, connections: [{ name: gw, destination: a:5060 }] }
  - { name: B, connections: [{ name: gw, destination: b:5060, enabled: false, capacity: -1 }] }
routing_groups:
  - { name: G, policy: " weight , order ", entries: [{ connection: gw, vendor: B, destination_set: S, weight: 0 }] }
`);
    expect(setup.vendors.map((v) => v.connections[0]!.destination)).to.deep.equal(['a:5060', 'b:5060']);
    expect(setup.routing_groups[0]!.entries[0]).to.include({ vendor: 'B', weight: 0 });
    expect(setup.routing_groups[0]!.entries[0]!.vendorAt).to.deep.equal({ line: 6, column: 80 });
  });

  // [file, problems as `LINE:COLUMN path: message` fragments, in order]
  const bad: [string, string, string[]][] = [
    ['an empty file', '', ['1:1 : must be a mapping']],
    ['no environment', 'vendors: []\n', ['1:1 : "environment" is missing']],
    ['environment 0', 'environment: 0\n', ['1:14 environment: must be at least 1']],
    ['an unknown key, at the key', 'environment: 1\nvendor:\n  - name: A\n', ['2:1 vendor: unknown key "vendor"; the keys here are environment, environment_name, vendors, destination_sets, routing_groups']],
    ['YAML syntax', 'environment: 1\nvendors: [\n', ['3:1 : Flow sequence in block collection must be sufficiently indented and end with a ]']],
    ['a key twice', 'environment: 1\nenvironment: 2\n', ['2:1 : Map keys must be unique']],
    ['two documents', 'environment: 1\n---\nenvironment: 2\n', ['2:1 : Source contains multiple documents']],
    ['a list where a mapping goes', 'environment: 1\nvendors: { name: A }\n', ['2:10 vendors: must be a list']],
    ['a number where a name goes', 'environment: 1\ndestination_sets:\n  - name: 12\n', ['3:11 destination_sets[0].name: must be text (quote it if it looks like a number or true/false)']],
    ['yes is not a boolean', 'environment: 1\nvendors:\n  - name: A\n    connections:\n      - { name: c, destination: d, enabled: yes }\n', ['5:45 vendors[0].connections[0].enabled: must be true or false']],
    ['capacity below -1', 'environment: 1\nvendors:\n  - name: A\n    connections:\n      - { name: c, destination: d, capacity: -2 }\n', ['5:46 vendors[0].connections[0].capacity: must be at least -1']],
    ['capacity not whole', 'environment: 1\nvendors:\n  - name: A\n    connections:\n      - { name: c, destination: d, capacity: 1.5 }\n', ['5:46 vendors[0].connections[0].capacity: must be a whole number']],
    ['a connection without destination', 'environment: 1\nvendors:\n  - name: A\n    connections:\n      - name: c\n', ['5:9 vendors[0].connections[0]: "destination" is missing']],
    ['a destination with a tab', 'environment: 1\nvendors:\n  - name: A\n    connections:\n      - { name: c, destination: "a\\tb" }\n', ['5:33 vendors[0].connections[0].destination: destination "a\\tb" has "a\\tb", which is not a host name or an IPv4 address']],
    ['a translation rule that does not parse', 'environment: 1\nvendors:\n  - name: A\n    connections:\n      - { name: c, destination: d, cld_translation_rule: "s/^00(//" }\n', ['5:58 vendors[0].connections[0].cld_translation_rule: translation rule "s/^00(//", character 1: bad regular expression']],
    ['a name too long', `environment: 1\nvendors:\n  - name: ${'x'.repeat(129)}\n`, ['3:11 vendors[0].name: must be at most 128 characters']],
    ['an empty name', 'environment: 1\nvendors:\n  - name: ""\n', ['3:11 vendors[0].name: must not be empty']],
    ['a name ending in a space', 'environment: 1\nvendors:\n  - name: "A "\n', ['3:11 vendors[0].name: name "A " starts or ends with a space']],
    ['a lone surrogate', 'environment: 1\nvendors:\n  - name: "\\ud800"\n', ['3:11 vendors[0].name: holds a lone UTF-16 surrogate']],
    ['a vendor twice', 'environment: 1\nvendors:\n  - name: A\n  - name: A\n', ['4:11 vendors[1].name: vendor "A" is defined twice (first at vendors[0])']],
    ['a connection twice in one vendor', 'environment: 1\nvendors:\n  - name: A\n    connections:\n      - { name: c, destination: d }\n      - { name: c, destination: e }\n', ['6:17 vendors[0].connections[1].name: connection "c" of vendor "A" is defined twice (first at vendors[0].connections[0])']],
    ['a lower-case currency', 'environment: 1\ndestination_sets:\n  - { name: S, currency: usd }\n', ['3:26 destination_sets[0].currency: currency "usd" is not an ISO 4217 code']],
    ['money with 7 places', 'environment: 1\ndestination_sets:\n  - { name: S, connect_fee: 0.0000001 }\n', ['3:29 destination_sets[0].connect_fee: more than 6 decimals: "0.0000001" (write a decimal with at most 6 places']],
    ['money with an exponent', 'environment: 1\ndestination_sets:\n  - { name: S, connect_fee: 1e3 }\n', ['3:29 destination_sets[0].connect_fee: not a decimal number: "1e3"']],
    ['money out of DECIMAL(16,6)', 'environment: 1\ndestination_sets:\n  - { name: S, post_call_surcharge: "10000000000" }\n', ['3:37 destination_sets[0].post_call_surcharge: "10000000000" is out of range']],
    ['a routing group twice', 'environment: 1\nrouting_groups:\n  - name: G\n  - name: G\n', ['4:11 routing_groups[1].name: routing group "G" is defined twice']],
    ['an unknown policy key', 'environment: 1\nrouting_groups:\n  - { name: G, policy: "lcr,cheapest" }\n', ['3:24 routing_groups[0].policy: unknown key "cheapest" in policy "lcr,cheapest"']],
    ['an external group without uri', 'environment: 1\nrouting_groups:\n  - { name: G, external: true }\n', ['3:26 routing_groups[0].external: an external group needs a uri']],
    ['a uri the client cannot use', 'environment: 1\nrouting_groups:\n  - { name: G, external: true, uri: "unix:relative" }\n', ['3:37 routing_groups[0].uri: invalid URI unix:relative: unix: needs an absolute path']],
    ['an entry without destination set', 'environment: 1\nrouting_groups:\n  - name: G\n    entries:\n      - connection: c\n', ['5:9 routing_groups[0].entries[0]: "destination_set" is missing']],
    ['a negative weight', 'environment: 1\nrouting_groups:\n  - name: G\n    entries:\n      - { connection: c, destination_set: S, weight: -1 }\n', ['5:54 routing_groups[0].entries[0].weight: must be at least 0']],
  ];
  for (const [what, text, expected] of bad) {
    it(`refuses ${what}, at its line and column`, () => {
      const found = problems(text);
      expect(found.length, found.join('\n')).to.equal(expected.length);
      found.forEach((line, i) => expect(line).to.contain(expected[i]));
    });
  }

  it('reports every problem of a file at once, in the order of the file', () => {
    const found = problems(`environment: 1
vendors:
  - name: A
    connections:
      - { name: c, destination: d, capcity: 3 }
destination_sets:
  - { name: S, currency: usd }
routing_groups:
  - { name: G, policy: cheapest }
`);
    expect(found.map((f) => f.split(' ')[0])).to.deep.equal(['5:36', '7:26', '9:24']);
  });

  it('a file that is not UTF-8 is refused at the line and column of its first bad byte', () => {
    try {
      decodeUtf8('x.yaml', Buffer.concat([Buffer.from('\uFEFFenvironment: 1\nvendors:\n  - name: caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
      expect.fail('decoded');
    } catch (err) {
      expect(isSippyError(err, 'SETUP_UNREADABLE')).to.equal(true);
      expect((err as Error).message).to.match(/^x\.yaml:3:14: the setup file is not UTF-8 text \(byte 0xe9\)/);
    }
    expect(decodeUtf8('x.yaml', Buffer.from('\uFEFFenvironment: 1\n'))).to.equal('environment: 1\n');
  });
});

describe('setup file: what a field left out means', () => {
  // The defaults are the columns' own (src/db/migrations.ts): a file that
  // leaves a field out and a row inserted without it agree.
  const cases: [string, string, unknown][] = [
    ['connections', 'capacity', SETUP_DEFAULTS.connection.capacity],
    ['connections', 'enabled', SETUP_DEFAULTS.connection.enabled ? '1' : '0'],
    ['connections', 'cli_translation_rule', SETUP_DEFAULTS.connection.cli_translation_rule],
    ['connections', 'cld_translation_rule', SETUP_DEFAULTS.connection.cld_translation_rule],
    ['destination_sets', 'currency', SETUP_DEFAULTS.destination_set.currency],
    ['destination_sets', 'connect_fee', SETUP_DEFAULTS.destination_set.connect_fee],
    ['destination_sets', 'free_seconds', SETUP_DEFAULTS.destination_set.free_seconds],
    ['destination_sets', 'grace_period', SETUP_DEFAULTS.destination_set.grace_period],
    ['destination_sets', 'post_call_surcharge', SETUP_DEFAULTS.destination_set.post_call_surcharge],
    ['routing_groups', 'policy', SETUP_DEFAULTS.routing_group.policy],
    ['routing_groups', 'average_duration', SETUP_DEFAULTS.routing_group.average_duration],
    ['routing_groups', 'external', SETUP_DEFAULTS.routing_group.external ? '1' : '0'],
    ['routing_groups', 'uri', SETUP_DEFAULTS.routing_group.uri],
    ['routing_group_entries', 'entry_order', SETUP_DEFAULTS.entry.order],
    ['routing_group_entries', 'weight', SETUP_DEFAULTS.entry.weight],
  ];
  for (const [table, column, value] of cases) {
    it(`${table}.${column}: ${JSON.stringify(value)}, as its DDL says`, () => {
      const ddl = columnDefault(table, column);
      if (value === null) expect(ddl, 'no DEFAULT: NULL').to.equal(undefined);
      else if (typeof value === 'string' && /^\d+\.\d+$/.test(value)) expect(Number(ddl)).to.equal(Number(value));
      else expect(ddl).to.equal(String(value));
    });
  }
});

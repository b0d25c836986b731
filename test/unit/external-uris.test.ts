import { expect } from 'chai';
import { parseSocket } from '../../src/econfig/listener-addresses.js';
import { DEFAULT_LIMITS, type ListenerSpec } from '../../src/econfig/listener-spec.js';
import { unservedExternalUris, type ExternalGroup } from '../../src/supervisor/external-uris.js';

function spec(environment: number, socket: string): ListenerSpec {
  const parsed = parseSocket(socket);
  if (!parsed.ok) throw new Error(parsed.message);
  return Object.freeze({
    environment, ...parsed.value, socketMode: 0o660, tls: undefined, allow: [], dsn: undefined, limits: DEFAULT_LIMITS,
  });
}

function listeners(...list: ListenerSpec[]): Map<number, ListenerSpec> {
  return new Map(list.map((s) => [s.environment, s]));
}

const group = (i_environment: number, uri: string | null, name = 'Group 1'): ExternalGroup => ({ i_environment, name, uri });

describe('external group URIs that no local listener serves', () => {
  it("environment 1 moved to HTTP while environment 2's group names its old UNIX socket: one warning naming both", () => {
    const warnings = unservedExternalUris([group(2, 'unix:/var/run/sippy_routed.1.sock')], listeners(spec(1, 'http://127.0.0.1:8090'), spec(2, 'unix:/var/run/sippy_routed.2.sock')));
    expect(warnings).to.deep.equal([
      'environment 2: external group "Group 1" points at unix:/var/run/sippy_routed.1.sock, which no listener of this econfig serves: its calls will fail (-32011) until the group\'s uri or the econfig is changed',
    ]);
  });

  it('a served UNIX socket, loopback HTTP served on the same port (also by a wildcard or localhost listener): no warning', () => {
    const served = listeners(spec(1, 'unix:/var/run/sippy_routed.1.sock'), spec(2, 'http://0.0.0.0:8088'), spec(3, 'http://localhost:8089'), spec(4, 'unix:/run/x.sock'));
    expect(unservedExternalUris([
      group(4, 'unix:/var/run/sippy_routed.1.sock'),
      group(4, 'http://127.0.0.1:8088/', 'wild'),
      group(4, 'http://[::1]:8089/', 'v6'),
      group(4, 'unix:/var/run/../run/sippy_routed.1.sock', 'normalised'),
    ], served)).to.deep.equal([]);
  });

  it('loopback HTTP on a port nobody serves, or https where only http listens: a warning each', () => {
    const warnings = unservedExternalUris([group(1, 'http://127.0.0.1:9999/'), group(1, 'https://127.0.0.1:8088/', 'tls')], listeners(spec(1, 'http://127.0.0.1:8088')));
    expect(warnings).to.have.length(2);
    expect(warnings[0]).to.include('http://127.0.0.1:9999/');
    expect(warnings[1]).to.include('"tls"');
  });

  it('other hosts, a NULL uri, and groups of environments without a local listener are not judged', () => {
    expect(unservedExternalUris([
      group(1, 'http://192.0.2.7:8088/'),
      group(1, 'http://routing.example.net:8088/', 'by name'),
      group(1, null, 'no uri'),
      group(9, 'unix:/nowhere.sock', 'not local'),
    ], listeners(spec(1, 'unix:/var/run/sippy_routed.1.sock')))).to.deep.equal([]);
  });
});
